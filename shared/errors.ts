import type { z } from 'zod';

/**
 * Errors by fault, for the core (shared/ outside http/). The core says what went wrong; only the
 * HTTP edge (shared/http/errors.ts) turns a fault into a status code.
 */
export type Fault =
  | 'invalid' // the caller sent something wrong
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict' // the thing is not in a state that allows this (retrying later may help)
  | 'too-large'
  | 'unavailable'; // a dependency (storage, queue) is out: retry

export class DomainError extends Error {
  constructor(
    readonly fault: Fault,
    message: string,
    /** For 'unavailable': when a retry makes sense. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badRequest = (message: string) => new DomainError('invalid', message);
export const forbidden = (message: string) => new DomainError('forbidden', message);
export const notFound = (message: string) => new DomainError('not-found', message);
export const conflict = (message: string) => new DomainError('conflict', message);
export const tooLarge = (message: string) => new DomainError('too-large', message);
export const unavailable = (message = 'Storage is unreachable; retry later.', retryAfterSeconds = 5) =>
  new DomainError('unavailable', message, retryAfterSeconds);

/** The same fault with a more specific message (a caller adding where the bad value came from). */
export const restated = (error: DomainError, message: string) => new DomainError(error.fault, message, error.retryAfterSeconds);

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
