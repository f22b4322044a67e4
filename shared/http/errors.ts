import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DomainError, describeZodError, type Fault } from '../errors';
import { AssetChangedError, classifyStorageError } from '../store/errors';

/**
 * The HTTP edge's errors. The core throws DomainErrors (shared/errors.ts, by fault); edge code that
 * needs HTTP specifics (a challenge header, 415, 429) throws an HttpError. `toHttpError` turns
 * anything thrown into one: a caller's fault is a 4xx with a sentence naming what is wrong,
 * storage that cannot be reached 503 (retryable), a storage refusal the 4xx it means
 * (shared/store/errors.ts); the rest is 500 with an id in the log.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

// The faults the core raises; edge code (auth, request parsing) uses them too.
export { badRequest, forbidden, notFound, conflict, tooLarge, describeZodError } from '../errors';
export const unauthorized = (message = 'Authentication required: send an API key.', scheme = 'Basic realm="hookbook"') =>
  new HttpError(401, message, { 'WWW-Authenticate': scheme });
export const serviceUnavailable = (message = 'Storage is unreachable; retry later.', retryAfter = 5) =>
  new HttpError(503, message, { 'Retry-After': String(retryAfter) });

/** The HTTP edge's one map from a core fault to a status code. */
const STATUS_OF: Record<Fault, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  unavailable: 503,
};

/** Turn anything thrown into an HttpError (never leaks internals). Storage errors by what they mean. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) {
    if (error.fault === 'unavailable') return serviceUnavailable(error.message, error.retryAfterSeconds);
    if (error.fault === 'unauthenticated') return unauthorized(error.message);
    return new HttpError(STATUS_OF[error.fault], error.message);
  }
  if (error instanceof z.ZodError) return new HttpError(400, describeZodError(error));
  if (error instanceof AssetChangedError) return new HttpError(409, `${error.message}; read it again and retry.`);
  const fault = classifyStorageError(error);
  if (fault?.kind === 'unavailable') return serviceUnavailable();
  if (fault?.kind === 'rejected') return new HttpError(fault.status, REJECTED[fault.status]);
  const errorId = randomUUID();
  return new InternalError(errorId);
}
const REJECTED: Record<400 | 404 | 409 | 413, string> = {
  400: 'Storage does not accept a value of this request (a name, key or text it cannot keep).',
  404: 'Not found: it was removed meanwhile.',
  409: 'It was changed meanwhile by another request; read it again and retry.',
  413: 'A value of this request is larger than storage can keep.',
};

/** A 500 whose id is in the log next to the error it stands for. */
export class InternalError extends HttpError {
  constructor(readonly errorId: string) {
    super(500, `Internal error; it has been logged with id ${errorId}.`);
  }
}
