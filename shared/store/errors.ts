/**
 * Storage errors as the store's callers need them. Only shared/store/ (and local/) look at storage
 * SDK errors; everything else gets these.
 */

/** The HTTP status of a storage SDK error (`RestError.statusCode`), if it has one. */
export const hasStatus = (error: unknown, code: number): boolean =>
  typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === code;

/** An ETag-guarded write lost the race: someone changed the entity since it was read. */
export class ConcurrencyError extends Error {
  constructor(what: string) {
    super(`${what} was changed by someone else`);
    this.name = 'ConcurrencyError';
  }
}
