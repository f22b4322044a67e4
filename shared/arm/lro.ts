import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { json } from '../http/respond';
import { armLink, type ArmContext } from './request';

/**
 * Azure's long-running operations, as PUT draft/content and POST publish answer them: 202 with an
 * absolute Location and Retry-After, then the Location answers 200 `{"status": "Succeeded"}`.
 * Hookbook finishes the work (durably) before it answers 202, so every operation it hands out has
 * already succeeded, and a failure is the request's own 4xx instead. The 202 is still needed: the
 * JavaScript client throws on a 200 from publish, and go-azure-sdk and Az poll the Location.
 * The operation id is not stored: any id under an existing runbook answers Succeeded.
 */
export const RETRY_AFTER_SECONDS = '1';

export function accepted(ctx: ArmContext, runbook: string): HttpResponseInit {
  return {
    status: 202,
    headers: {
      Location: armLink(ctx, `/runbooks/${encodeURIComponent(runbook)}/operationResults/${randomUUID()}`),
      'Retry-After': RETRY_AFTER_SECONDS,
    },
  };
}

export const succeeded = (): HttpResponseInit => json(200, { status: 'Succeeded' });
