/**
 * A small Server-Sent Events reader over fetch (Node 20 has no EventSource): parses the event
 * stream of `GET /api/v1/jobs/{id}/streams?follow=true`, and reconnects with `Last-Event-ID` when the
 * server closes the stream without an `end` event (it does so before the Azure front end's 230 s
 * cut) or the connection breaks.
 */
import { ApiError, detailOf, problemOf } from './errors';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Incremental parser: feed it text as it arrives, it hands back complete events. */
export class SseParser {
  private buffer = '';
  private id: string | undefined;
  private event = '';
  private data: string[] = [];
  /** The last `id:` seen (what Last-Event-ID must be on reconnect). */
  lastEventId: string | undefined;
  retryMs: number | undefined;

  push(text: string): SseEvent[] {
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const ev: SseEvent = {
        event: this.event || 'message',
        data: this.data.join('\n'),
        ...(this.id !== undefined ? { id: this.id } : {}),
      };
      this.event = '';
      this.data = [];
      this.id = undefined;
      return ev;
    }
    if (line.startsWith(':')) return undefined; // a comment (keep-alive)
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}

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
