import { z } from 'zod';
import { DomainError, type Fault } from '../errors';

/**
 * Errors typed by who is at fault. Anything a caller did wrong is an HttpError with a 4xx status
 * and a sentence naming what is wrong; storage trouble becomes 503 (retryable); the rest is 500.
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

export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message = 'Authentication required: send an API key.', scheme = 'Basic realm="hookbook"') =>
  new HttpError(401, message, { 'WWW-Authenticate': scheme });
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
export const tooLarge = (message: string) => new HttpError(413, message);
export const serviceUnavailable = (message = 'Storage is unreachable; retry later.', retryAfter = 5) =>
  new HttpError(503, message, { 'Retry-After': String(retryAfter) });

/** One readable sentence from a zod error: `parameter 'UserName': expected string, received number`. */
export function describeZodError(error: z.ZodError, what = 'body'): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length ? `${what} field '${issue.path.join('.')}'` : what;
      if (issue.code === 'unrecognized_keys') {
        return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
      }
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

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
  if (error instanceof z.ZodError) return badRequest(describeZodError(error));
  if (isStorageUnreachable(error)) return serviceUnavailable();
  return new HttpError(500, 'Internal error; it has been logged.');
}
