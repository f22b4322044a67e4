/**
 * What a storage error means, decided in one place (the HTTP edge, health and the worker all ask
 * here). Storage answering "no" to a request is not an outage: only a storage that cannot be
 * reached, or answers 5xx / 408 / 429, is `unavailable` (retry later). A 4xx the request caused
 * (a key storage does not accept, a value too large, a record that is gone or changed meanwhile)
 * is `rejected` with the status it means. Anything else (credentials refused, a status nobody
 * expects) is `internal`: a fault of ours or of the deployment, never reported as "unreachable".
 */
export type StorageFault =
  | { kind: 'unavailable'; reason: string }
  | { kind: 'rejected'; status: 400 | 404 | 409 | 413; code: string }
  | { kind: 'internal'; status?: number; code: string };

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'REQUEST_SEND_ERROR',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** Storage error codes that mean "the value in the request is not storable" (Table and Queue). */
const TOO_LARGE_CODES = new Set(['EntityTooLarge', 'PropertyValueTooLarge', 'RequestBodyTooLarge', 'MessageTooLarge']);

interface ErrorLike {
  name?: string;
  code?: string;
  statusCode?: number;
  cause?: unknown;
}

/**
 * The storage error code (`TableNotFound`, `PropertyValueTooLarge`, ...): the SDK's `code`, else
 * the one in the OData error body (Azurite sends no x-ms-error-code header on single-entity errors).
 */
export function storageErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && e.code) return e.code;
  const m = typeof e?.message === 'string' ? /"code"\s*:\s*"([A-Za-z]+)"/.exec(e.message) : null;
  return m?.[1];
}

/** undefined when the error did not come from the storage SDKs (or the network under them). */
export function classifyStorageError(error: unknown): StorageFault | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as ErrorLike;
  if (e.code && NETWORK_CODES.has(e.code)) return { kind: 'unavailable', reason: e.code };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return { kind: 'unavailable', reason: 'timeout' };
  if (e.name === 'RestError' || e.name === 'StorageError' || typeof e.statusCode === 'number') {
    const status = e.statusCode;
    const code = storageErrorCode(e) ?? `HTTP ${status ?? '?'}`;
    if (status === undefined) return { kind: 'unavailable', reason: code };
    if (RETRYABLE_STATUS.has(status)) return { kind: 'unavailable', reason: `HTTP ${status} ${code}` };
    if (status === 413 || TOO_LARGE_CODES.has(code)) return { kind: 'rejected', status: 413, code };
    if (status === 400) return { kind: 'rejected', status: 400, code };
    if (status === 404) return { kind: 'rejected', status: 404, code };
    if (status === 409 || status === 412) return { kind: 'rejected', status: 409, code };
    return { kind: 'internal', status, code };
  }
  return e.cause ? classifyStorageError(e.cause) : undefined;
}

export const isStorageUnavailable = (error: unknown): boolean => classifyStorageError(error)?.kind === 'unavailable';

/** The HTTP status of a storage SDK error (`RestError.statusCode`), for the store's own checks. */
export const hasStatus = (error: unknown, code: number): boolean =>
  typeof error === 'object' && error !== null && (error as { statusCode?: unknown }).statusCode === code;

/** An ETag-guarded write lost the race: someone changed the entity since it was read. */
export class ConcurrencyError extends Error {
  constructor(what: string) {
    super(`${what} was changed by someone else`);
    this.name = 'ConcurrencyError';
  }
}

/**
 * An asset changed (or was removed) between the read and the write that was guarded by its ETag.
 * The HTTP edge answers 409 "read it again and retry" (shared/http/errors.ts), whichever door asked.
 */
export class AssetChangedError extends Error {
  constructor(kind: string, name: string) {
    super(`${kind} '${name}' was changed by someone else`);
    this.name = 'AssetChangedError';
  }
}
