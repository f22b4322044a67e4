// Live output: GET /api/v1/jobs/{id}/streams?follow=true as Server-Sent Events, against the shared
// local host. The runbook prints a line, then waits for a signal file the test creates, so the test
// can prove it read a record while the job was still Running. No sleeps: every wait is on an event.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SseParser, type SseEvent } from '../../client';
import { jobSharedDir } from '../support/host';
import { http } from '../support/http';

const url = inject('hookbookUrl');
const auth = { Authorization: `Basic ${Buffer.from(inject('hookbookAdminKey')).toString('base64')}` };
const runbook = `sse-${randomBytes(4).toString('hex')}`;
const dir = jobSharedDir('hookbook-sse-');

const SCRIPT = [
  'echo first',
  'for i in $(seq 1 900); do [ -f "$signal" ] && break; sleep 0.1; done',
  '[ -f "$signal" ] || { echo "no signal file" >&2; exit 1; }',
  'echo second',
  'echo "WARNING: careful"',
].join('\n');

/** Reads SSE events from a fetch response one at a time. */
class Events {
  private readonly parser = new SseParser();
  private readonly queue: SseEvent[] = [];
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  constructor(readonly res: Response) {
    this.reader = res.body!.getReader();
  }
  async next(): Promise<SseEvent> {
    while (this.queue.length === 0) {
      const { value, done } = await this.reader.read();
      if (done) throw new Error('the stream ended before the next event');
      this.queue.push(...this.parser.push(this.decoder.decode(value, { stream: true })));
    }
    return this.queue.shift()!;
  }
  /** Every event up to and including `end`. */
  async untilEnd(): Promise<SseEvent[]> {
    const out: SseEvent[] = [];
    for (;;) {
      const ev = await this.next();
      out.push(ev);
      if (ev.event === 'end') return out;
    }
  }
  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

async function follow(jobId: string, opts: { lastEventId?: string; query?: string } = {}): Promise<Events> {
  const res = await fetch(`${url}/api/v1/jobs/${jobId}/streams?follow=true${opts.query ?? ''}`, {
    headers: { ...auth, ...(opts.lastEventId ? { 'Last-Event-ID': opts.lastEventId } : {}) },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return new Events(res);
}

const texts = (events: SseEvent[]) => events.filter((e) => e.event !== 'end').map((e) => `${e.event}:${JSON.parse(e.data).streamText}`);

async function startJob(signal: string): Promise<string> {
  const r = await http(url, 'api/v1/jobs', {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ runbook, parameters: { signal } }),
  });
  expect(r.status).toBe(202);
  return r.json.jobId as string;
}

beforeAll(async () => {
  const created = await http(url, 'api/v1/runbooks', {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: runbook,
      type: 'bash',
      content: SCRIPT,
      parameters: [{ name: 'signal', type: 'string', mandatory: true }],
    }),
  });
  expect(created.status).toBe(201);
  expect((await http(url, `api/v1/runbooks/${runbook}/publish`, { method: 'POST', headers: auth })).status).toBe(200);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GET /api/v1/jobs/{id}/streams?follow=true', () => {
  let jobId: string;
  let firstId: string;

  it('sends records while the job runs, then an end event with the status', async () => {
    const signal = path.join(dir, 'go-1');
    jobId = await startJob(signal);
    const live = await follow(jobId);

    const first = await live.next();
    // The record arrived: the job must still be running (it waits for the signal file).
    const during = await http(url, `api/v1/jobs/${jobId}`, { headers: auth });
    expect(during.json.status).toBe('Running');
    expect(first.event).toBe('Output');
    expect(JSON.parse(first.data)).toMatchObject({ streamType: 'Output', streamText: 'first', jobStreamId: `${jobId}:${first.id}` });
    expect(first.id).toMatch(/^\d{10}$/);
    firstId = first.id!;

    // A second client resumes after the first record while the job is still running.
    const resumed = await follow(jobId, { lastEventId: firstId });

    writeFileSync(signal, 'go');
    const rest = await live.untilEnd();
    expect(texts(rest)).toEqual(['Output:second', 'Warning:careful']);
    const end = rest.at(-1)!;
    expect(end.event).toBe('end');
    expect(JSON.parse(end.data)).toMatchObject({ jobId, status: 'Completed' });
    const ids = [first, ...rest.slice(0, -1)].map((e) => e.id!);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);

    const resumedEvents = await resumed.untilEnd();
    expect(texts(resumedEvents)).toEqual(['Output:second', 'Warning:careful']);
    await Promise.all([live.close(), resumed.close()]);
  });

  it('resumes a finished job after Last-Event-ID (header or ?lastEventId=) and ends at once', async () => {
    const byHeader = await follow(jobId, { lastEventId: firstId });
    expect(texts(await byHeader.untilEnd())).toEqual(['Output:second', 'Warning:careful']);

    const byQuery = await follow(jobId, { query: `&lastEventId=${firstId}` });
    expect(texts(await byQuery.untilEnd())).toEqual(['Output:second', 'Warning:careful']);

    const all = await follow(jobId);
    expect(texts(await all.untilEnd())).toEqual(['Output:first', 'Output:second', 'Warning:careful']);

    const lastId = (await (await follow(jobId)).untilEnd()).at(-2)!.id!;
    const nothingLeft = await follow(jobId, { lastEventId: lastId });
    const events = await nothingLeft.untilEnd();
    expect(events.map((e) => e.event)).toEqual(['end']);
  });

  it('filters by streamTypes and still ends with the status', async () => {
    const warnings = await follow(jobId, { query: '&streamTypes=Warning' });
    expect(texts(await warnings.untilEnd())).toEqual(['Warning:careful']);
  });

  it('refuses an id it never sent, and keeps the JSON answer without follow', async () => {
    const bad = await http(url, `api/v1/jobs/${jobId}/streams?follow=true`, { headers: { ...auth, 'Last-Event-ID': 'abc' } });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/Last-Event-ID/);
    const plain = await http(url, `api/v1/jobs/${jobId}/streams`, { headers: auth });
    expect(plain.status).toBe(200);
    expect(plain.json.value.map((r: { streamText: string }) => r.streamText)).toEqual(['first', 'second', 'careful']);
  });

  it('ends with the Stopped status when the job is stopped while followed', async () => {
    const stopMe = await startJob(path.join(dir, 'never'));
    const live = await follow(stopMe);
    expect(JSON.parse((await live.next()).data).streamText).toBe('first');
    const stop = await http(url, `api/v1/jobs/${stopMe}/stop`, { method: 'POST', headers: auth });
    expect(stop.status).toBe(202);
    const end = (await live.untilEnd()).at(-1)!;
    expect(JSON.parse(end.data)).toMatchObject({ jobId: stopMe, status: 'Stopped' });
  });
});
