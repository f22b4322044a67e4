import { z } from 'zod';
import { RunbookName } from '../model/runbook';
import { ScheduleName } from '../model/schedule';
import { WebhookName } from '../model/webhook';

/**
 * Path parameters as the document states them: the same rules as creation, so that a client (or a
 * schema-driven fuzzer) that keeps to the document only ever meets "not found", never a refusal.
 */
export const JobIdParam = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
  .describe('a job id (a GUID)');
export const RunbookNameParam = RunbookName.describe('a runbook name');
export const WebhookNameParam = WebhookName.describe('a webhook name');
export const ScheduleNameParam = ScheduleName.describe('a schedule name');
