import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { classifyStorageError } from '../store/errors';

/**
 * Errors typed by who is at fault. Anything a caller did wrong is an HttpError with a 4xx status
 * and a sentence naming what is wrong; storage that cannot be reached becomes 503 (retryable), a
 * storage refusal the 4xx it means (shared/store/errors.ts); the rest is 500 with an id in the log.
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

/** Turn anything thrown into an HttpError (never leaks internals). Storage errors by what they mean. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof z.ZodError) return badRequest(describeZodError(error));
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
