// A small fetch wrapper for tests: status, headers, text and (when it parses) json.
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function http(url: string, path: string, init: RequestInit = {}): Promise<HttpResult> {
  const res = await fetch(new URL(path, url.endsWith('/') ? url : `${url}/`), { redirect: 'manual', ...init });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Polls `check` every intervalMs until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | false | null> | T | undefined | false | null, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
