import { authorizationHeader, type Credential } from './auth';
import { SseParser } from '../../../client/sse-parser';
import { ApiError } from './apiError';

// Its own file so that DOM-free code (ui/src/lib/assets.ts, tested under Node) can throw it.
export { ApiError };

let credential: Credential | undefined;
let onUnauthorized: () => void = () => {};
export const setCredential = (c: Credential | undefined): void => {
  credential = c;
};
export const setOnUnauthorized = (f: () => void): void => {
  onUnauthorized = f;
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { ...(credential ? { Authorization: authorizationHeader(credential) } : {}), ...extra };
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let title = res.statusText || `HTTP ${res.status}`;
  let detail = text.slice(0, 2000) || title;
  try {
    const p = JSON.parse(text) as { title?: string; detail?: string };
    if (p.title) title = p.title;
    if (p.detail) detail = p.detail;
  } catch {
    /* not JSON: the text itself */
  }
  return new ApiError(res.status, title, detail);
}

/**
 * Call the management API. `credentials: 'omit'`: the key travels in the Authorization header only,
 * and the browser never answers a 401 with its own password dialog.
 */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'omit',
      headers: headers(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'Network error', 'The service could not be reached. Check the connection and try again.');
  }
  if (!res.ok) {
    const e = await failure(res);
    if (res.status === 401) onUnauthorized();
    throw e;
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  // `\bjson\b`: JSON and problem+json are parsed; JSON lines (`application/jsonl`) come as text.
  return (/\bjson\b/.test(type) ? await res.json() : await res.text()) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

export interface FollowHandlers {
  onEvent: (event: string, data: unknown, id?: string) => void;
  onError: (e: ApiError) => void;
}

/**
 * Follow a job's streams live (the SSE endpoint, read with fetch so the Authorization header can
 * be sent). Reconnects after a drop with Last-Event-ID, until the `end` event or abort.
 */
export async function followStreams(jobId: string, signal: AbortSignal, h: FollowHandlers): Promise<void> {
  const parser = new SseParser();
  for (let attempt = 0; !signal.aborted; attempt++) {
    let ended = false;
    try {
      const res = await fetch(`/api/v1/jobs/${encodeURIComponent(jobId)}/streams?follow=true`, {
        credentials: 'omit',
        signal,
        headers: headers({ Accept: 'text/event-stream', ...(parser.lastEventId ? { 'Last-Event-ID': parser.lastEventId } : {}) }),
      });
      if (!res.ok || !res.body) {
        h.onError(await failure(res));
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const e of parser.push(value)) {
          let data: unknown = e.data;
          try {
            data = JSON.parse(e.data);
          } catch {
            /* keep text */
          }
          h.onEvent(e.event, data, e.id);
          if (e.event === 'end') ended = true;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (attempt > 20) {
        h.onError(new ApiError(0, 'Network error', `Live output stopped: ${(error as Error).message}`));
        return;
      }
    }
    if (ended) return;
    await new Promise((r) => setTimeout(r, Math.min(5000, 500 * (attempt + 1))));
  }
}
