import { z } from 'zod';
import { HttpError } from '../http/errors';
import type { ErrorFormatter } from '../http/respond';

/**
 * Azure Automation's error body, `{"code": "...", "message": "..."}` (the specification's
 * `common/v1/definitions.json#/definitions/ErrorResponse`; ms-rest-js and go-azure-sdk read the
 * code and message from it, and also from ARM's `{"error": {...}}` envelope). The codes are those
 * Azure answers for the same status.
 */
const CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'AuthenticationFailed',
  403: 'AuthorizationFailed',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

export const ArmErrorBody = z.object({
  code: z.string().describe('BadRequest, NotFound, Conflict, AuthenticationFailed, ...'),
  message: z.string().describe('one sentence naming what is wrong'),
});

/** An error whose Azure code is more specific than its status's (InvalidResourceType, ...). */
export class ArmError extends HttpError {
  constructor(
    status: number,
    readonly armCode: string,
    message: string,
  ) {
    super(status, message);
    this.name = 'ArmError';
  }
}

export const armErrors: ErrorFormatter = Object.assign(
  (error: HttpError) => ({
    status: error.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...error.headers },
    body: JSON.stringify({ code: error instanceof ArmError ? error.armCode : (CODES[error.status] ?? 'Error'), message: error.message }),
  }),
  { doc: { content: { 'application/json': ArmErrorBody } } },
);
