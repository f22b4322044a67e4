/**
 * A small Server-Sent Events reader over fetch (Node 20 has no EventSource): parses the event
 * stream of `GET /api/v1/jobs/{id}/streams?follow=true`, and reconnects with `Last-Event-ID` when the
 * server closes the stream without an `end` event (it does so before the Azure front end's 230 s
 * cut) or the connection breaks.
 */
import { ApiError, detailOf, problemOf } from './errors';
import { SseParser, type SseEvent } from './sse-parser';

export { SseParser, type SseEvent };

export interface FollowOptions {
  url: string;
  headers: Record<string, string>;
  lastEventId?: string;
  signal?: AbortSignal;
  /** Give up after this many consecutive failed connections (default 5). */
  maxReconnects?: number;
  onEvent(ev: SseEvent): void;
  /** Called with each (re)connection; `attempt` 0 is the first. */
  onConnect?(attempt: number): void;
}

/** Follows until an `end` event arrives; resolves with it. HTTP 4xx answers throw ApiError (no retry). */
export async function followSse(opts: FollowOptions): Promise<SseEvent> {
  let lastEventId = opts.lastEventId;
  let failures = 0;
  let retryMs = 1000;
  for (let attempt = 0; ; attempt++) {
    opts.onConnect?.(attempt);
    const parser = new SseParser();
    try {
      const res = await fetch(opts.url, {
        headers: { ...opts.headers, Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
        signal: opts.signal,
      });
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        const detail = detailOf(json, text, res.statusText);
        if (res.status < 500) throw new ApiError('GET', new URL(opts.url).pathname, res.status, detail, problemOf(json));
        throw new Error(`HTTP ${res.status}: ${detail}`);
      }
      if (!res.body) throw new Error('the answer has no body');
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        for (const ev of parser.push(decoder.decode(chunk, { stream: true }))) {
          failures = 0;
          if (ev.event === 'end') return ev;
          opts.onEvent(ev);
        }
        if (parser.lastEventId) lastEventId = parser.lastEventId;
      }
      if (parser.lastEventId) lastEventId = parser.lastEventId;
      retryMs = parser.retryMs ?? retryMs;
      // Closed without `end`: the server's own time limit; reconnect where we were.
    } catch (error) {
      if (error instanceof ApiError || opts.signal?.aborted) throw error;
      if (parser.lastEventId) lastEventId = parser.lastEventId;
      if (++failures > (opts.maxReconnects ?? 5)) throw error;
    }
    await new Promise((r) => setTimeout(r, failures ? retryMs * failures : 0));
  }
}
