// Raw HTTP for tests (any URL, no credentials, redirects not followed): the API client's own
// transport (client/transport.ts), so tests and the CLI read answers the same way.
import { send } from '../../client';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  // Suites probe answers of every shape (problem documents, dialect bodies, deliberate garbage).
  json: any;
}

export async function http(url: string, path: string, init: RequestInit = {}): Promise<HttpResult> {
  return send(url, path, { redirect: 'manual', ...init });
}

/** Polls `check` every intervalMs until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
