import { isTerminal, type JobStatus, type StreamRecord, type StreamType } from '../model/job';
import { settings } from '../config';
import { badRequest } from '../errors';
import { jobStore } from '../store/jobStore';
import { streamStore } from '../store/streamStore';
import { jobEvents } from './events';

/**
 * Live output of a job as Server-Sent Events (`GET /api/v1/jobs/{id}/streams?follow=true`).
 *
 *   id: <row key of the record>          (resume with `Last-Event-ID` or `?lastEventId=`)
 *   event: Output | Error | Warning | Verbose | Debug | Progress
 *   data: <the record as JSON, as in the non-following answer>
 *
 * and finally `event: end` with `{"jobId","status",...}` once the job has ended. Comments
 * (`: keep-alive`) go out when nothing else did for a while, so that proxies keep the connection.
 *
 * How records are found: poll storage (job entity, then the records after the last row key sent)
 * with an interval that grows from 250 ms to 2 s while nothing happens, and wake at once on the
 * in-process `streams:<jobId>` / `status:<jobId>` events (a worker in this same instance). Polling
 * stays because in Azure the worker may be another instance. Reading the status *before* the
 * records is what makes the end exact: a worker writes its last records before the terminal status,
 * so the records listed after seeing a terminal status are the last ones.
 *
 * The stream closes by itself after `maxMs` (default 200 s, HOOKBOOK_FOLLOW_MAX_SECONDS) without an
 * `end` event: the Azure front end cuts HTTP responses at 230 s, and a client that reconnects
 * with the last id (EventSource does so by itself; so does the CLI) loses nothing.
 */
export interface FollowOptions {
  jobId: string;
  types?: StreamType[];
  /** Row key of the last record the client has (exclusive). */
  after?: string;
  keepAliveMs?: number;
  maxMs?: number;
  minIntervalMs?: number;
  maxIntervalMs?: number;
  /** Reconnection delay suggested to EventSource clients. */
  retryMs?: number;
}

const ROW_KEY = /^\d{10}$/;

/** The resume point from `Last-Event-ID` (or `?lastEventId=`): a row key, or a full jobStreamId. */
export function parseLastEventId(raw: string | null | undefined, jobId: string): string | undefined {
  const v = raw?.trim();
  if (!v) return undefined;
  const key = v.startsWith(`${jobId}:`) ? v.slice(jobId.length + 1) : v;
  if (!ROW_KEY.test(key)) throw badRequest(`Last-Event-ID '${v.slice(0, 64)}' is not an id this stream sent (expected 10 digits).`);
  return key;
}

/** One SSE event; `data` never holds a bare newline because it is JSON. */
export function sseEvent(event: string, data: unknown, id?: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const rowKeyOf = (r: StreamRecord): string => r.jobStreamId.slice(r.jobStreamId.lastIndexOf(':') + 1);

export interface EndData {
  jobId: string;
  status: JobStatus;
  exception?: string;
  endTime?: string;
}

/** The SSE text of a job's records as they come, ending with `end` (or after maxMs). */
export async function* followEvents(opts: FollowOptions, signal: AbortSignal): AsyncGenerator<string> {
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  const minInterval = opts.minIntervalMs ?? 250;
  const maxInterval = opts.maxIntervalMs ?? 2_000;
  const deadline = Date.now() + (opts.maxMs ?? settings().followMaxSeconds * 1000);
  let after = opts.after;
  let interval = minInterval;
  let lastSent = Date.now();
  let failures = 0;

  // Wake-ups from a worker in this process; a flag so that an event between two polls is not lost.
  let poked = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    poked = true;
    wake?.();
  };
  const onAbort = () => wake?.();
  jobEvents.on(`streams:${opts.jobId}`, poke);
  jobEvents.on(`status:${opts.jobId}`, poke);
  signal.addEventListener('abort', onAbort);
  try {
    yield `retry: ${opts.retryMs ?? 1000}\n: following job ${opts.jobId}\n\n`;
    while (!signal.aborted) {
      poked = false;
      let sent = 0;
      try {
        const job = await jobStore.get(opts.jobId);
        const records = await streamStore.list(opts.jobId, { types: opts.types, after });
        failures = 0;
        if (records.length) {
          let chunk = '';
          for (const r of records) {
            after = rowKeyOf(r);
            chunk += sseEvent(r.streamType, r, after);
          }
          sent = records.length;
          yield chunk;
          lastSent = Date.now();
        }
        if (!job || isTerminal(job.value.status)) {
          const end: EndData = job
            ? {
                jobId: opts.jobId,
                status: job.value.status,
                ...(job.value.exception ? { exception: job.value.exception } : {}),
                ...(job.value.endTime ? { endTime: job.value.endTime } : {}),
              }
            : { jobId: opts.jobId, status: 'Stopped', exception: 'The job no longer exists.' };
          yield sseEvent('end', end);
          return;
        }
      } catch {
        // Storage trouble: keep the connection, back off, try again (the client sees keep-alives).
        failures++;
        interval = Math.min(maxInterval * 2, minInterval * 2 ** failures);
      }
      if (Date.now() >= deadline) {
        yield ': reconnect with Last-Event-ID to go on\n\n';
        return;
      }
      if (sent > 0 && failures === 0) interval = minInterval;
      if (!poked && !signal.aborted) {
        const untilKeepAlive = Math.max(0, lastSent + keepAliveMs - Date.now());
        const woken = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), Math.min(interval, untilKeepAlive, Math.max(0, deadline - Date.now())));
          wake = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        wake = undefined;
        if (!woken) interval = Math.min(Math.round(interval * 1.5), maxInterval);
        if (Date.now() - lastSent >= keepAliveMs && !signal.aborted) {
          yield ': keep-alive\n\n';
          lastSent = Date.now();
        }
      }
    }
  } finally {
    jobEvents.off(`streams:${opts.jobId}`, poke);
    jobEvents.off(`status:${opts.jobId}`, poke);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The same as a byte stream for an HTTP response body; cancelling it (client gone) stops polling. */
export function followStream(opts: FollowOptions): ReadableStream<Uint8Array> {
  const abort = new AbortController();
  const events = followEvents(opts, abort.signal);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      abort.abort();
      await events.return(undefined).catch(() => undefined);
    },
  });
}

export const SSE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};
