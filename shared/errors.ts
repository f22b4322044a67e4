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

export const invalid = (message: string) => new DomainError('invalid', message);
export const forbiddenError = (message: string) => new DomainError('forbidden', message);
export const notFoundError = (message: string) => new DomainError('not-found', message);
export const conflictError = (message: string) => new DomainError('conflict', message);
export const tooLargeError = (message: string) => new DomainError('too-large', message);
export const unavailable = (message: string, retryAfterSeconds = 5) => new DomainError('unavailable', message, retryAfterSeconds);
