import { z } from 'zod';
import { DomainError, describeZodError, type Fault } from '../errors';

/**
 * The HTTP edge's errors. The core throws DomainErrors (shared/errors.ts, by fault); edge code that
 * needs HTTP specifics (a challenge header, 415, 429) throws an HttpError. `toHttpError` turns
 * anything thrown into one: a caller's fault is a 4xx with a sentence naming what is wrong,
 * storage trouble 503 (retryable), the rest 500.
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

/** Storage SDK errors that mean "could not reach storage" (not "storage said no"). */
export function isStorageUnreachable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { code?: string; statusCode?: number; name?: string; cause?: unknown };
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'REQUEST_SEND_ERROR', 'UND_ERR_SOCKET'];
  if (e.code && codes.includes(e.code)) return true;
  if (e.name === 'RestError' && e.statusCode === undefined) return true;
  if (e.statusCode === 503 || e.statusCode === 500) return true;
  if (e.name === 'AbortError') return true;
  return e.cause ? isStorageUnreachable(e.cause) : false;
}

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

/** Turn anything thrown into an HttpError (never leaks internals). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) {
    if (error.fault === 'unavailable') return serviceUnavailable(error.message, error.retryAfterSeconds);
    if (error.fault === 'unauthenticated') return unauthorized(error.message);
    return new HttpError(STATUS_OF[error.fault], error.message);
  }
  if (error instanceof z.ZodError) return new HttpError(400, describeZodError(error));
  if (isStorageUnreachable(error)) return serviceUnavailable();
  return new HttpError(500, 'Internal error; it has been logged.');
}
