/**
 * The wire types of the management API, from the zod models the service validates and documents
 * with (shared/model/): what `route()` puts into the OpenAPI document is these same schemas, and
 * test/integration/openapi-conformance.test.ts holds the answers to them. Type-only imports: the
 * client carries no server code.
 */
import type { z } from 'zod';
import type { Job, JobStatus, StreamRecord, StreamType } from '../shared/model/job';
import type { CreateRunbookBody, Runbook, RunbookParameter } from '../shared/model/runbook';
import type { CreatedWebhook, CreateWebhookBody, Webhook } from '../shared/model/webhook';
import type { RegistrationKey, WorkerGroup } from '../shared/model/workerGroup';

export type { Job, JobStatus, RegistrationKey, Runbook, RunbookParameter, StreamRecord, StreamType, Webhook, WorkerGroup };

/** A hybrid worker group's registration key as created: `key` (keyId:secret) is shown this once. */
export type CreatedRegistrationKey = RegistrationKey & { secret: string; key: string };

/** What POST /api/v1/runbooks takes (defaults may be left out). */
export type CreateRunbookInput = z.input<typeof CreateRunbookBody>;
export type CreateWebhookInput = z.input<typeof CreateWebhookBody>;
export type CreatedWebhook = z.output<typeof CreatedWebhook>;

/** A list answer: `{ value: [...] }`, with a continuation token where the list pages. */
export interface Page<T> {
  value: T[];
  continuationToken?: string;
}

/** POST /api/v1/jobs and POST /api/v1/jobs/{id}/stop. */
export interface JobAccepted {
  jobId: string;
  status: JobStatus;
}

export interface JobListQuery {
  runbook?: string;
  status?: string;
  top?: string | number;
  from?: string;
  to?: string;
  continuationToken?: string;
}

/** The `end` event of a followed stream (shared/jobs/follow.ts EndData). */
export interface JobEnd {
  jobId: string;
  status: JobStatus;
  exception?: string;
  endTime?: string;
}

/** An RFC 9457 problem document, as every error answer of the service is. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
}
