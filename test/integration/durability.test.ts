// Execution guarantees under faults (issue: nothing accepted is ever lost, nothing runs twice at
// once). Real hosts, real Azurite, real SIGKILLs; every wait is on an observed state, bounded.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobSharedDir, startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/host';
import { api, uniqueName } from '../support/api';
import { waitFor } from '../support/http';
import { queuedRecord } from '../support/records';

// A short sweeper period and orphan age so that recovery happens within seconds. The lease stays
// at its default except where a test needs a dead worker noticed quickly: on a busy machine a
// heartbeat can be late by more than a 2-second lease, and a live worker would be presumed dead.
const SHORT_LEASE = { HOOKBOOK_LEASE_SECONDS: '2' };
const FAST = {
  HOOKBOOK_ORPHAN_SECONDS: '3',
  HOOKBOOK_SWEEPER_CRON: '*/1 * * * * *',
  HOOKBOOK_CONCURRENCY_RETRY_SECONDS: '1',
  HOOKBOOK_STOP_GRACE_SECONDS: '1',
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function storage(dataDir?: string): Promise<RunningAzurite> {
  const s = await startAzurite({ dataDir });
  cleanups.push(() => s.stop());
  return s;
}
async function host(connectionString: string, env: Record<string, string> = {}): Promise<RunningHost> {
  const h = await startHost({ storage: 'external', connectionString, env: { ...FAST, ...env } });
  cleanups.push(() => h.kill());
  return h;
}
const terminal = ['Completed', 'Failed', 'Stopped'];

describe('worker loss', () => {
  it('SIGKILL the host while jobs run: after a restart every accepted job reaches a terminal state', async () => {
    const s = await storage();
    const h1 = await host(s.connectionString, SHORT_LEASE);
    const a1 = api(h1.url, h1.adminKey);
    const name = await a1.createRunbook({
      name: uniqueName('crash'),
      type: 'bash',
      parameters: [{ name: 'I', type: 'int' }],
      content: 'sleep 1; echo "job $I"',
    });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await a1.call('POST', '/api/v1/jobs', { runbook: name, parameters: { I: i } });
      expect(r.status).toBe(202);
      ids.push(r.json.jobId);
    }
    await waitFor(async () => (await a1.call('GET', `/api/v1/jobs?runbook=${name}&status=Running`)).json.value.length > 0, 'a job to run');
    await h1.kill();

    const h2 = await host(s.connectionString, { ...SHORT_LEASE, HOOKBOOK_BOOTSTRAP_KEY: h1.adminKey });
    const a2 = api(h2.url, h1.adminKey);
    const jobs = await Promise.all(ids.map((id) => a2.waitForStatus(id, terminal, 90_000)));
    for (const j of jobs) expect(j.status).toBe('Completed');
    // Jobs that were running when the host died ran again as a later attempt, saying so.
    const retried = jobs.filter((j) => j.attempt > 1);
    for (const j of retried) {
      const streams = (await a2.call('GET', `/api/v1/jobs/${j.jobId}/streams?streamTypes=Warning`)).json.value;
      expect(streams.some((r: any) => /was lost/.test(r.streamText))).toBe(true);
    }
  }, 180_000);

  it('two worker instances against one storage never run one job twice', async () => {
    const s = await storage();
    const [h1, h2] = await Promise.all([host(s.connectionString), host(s.connectionString)]);
    const a = api(h1.url, h1.adminKey);
    const dir = jobSharedDir('hb-twice-', ['runs.log']);
    const log = join(dir, 'runs.log');
    const name = await a.createRunbook({
      name: uniqueName('once'),
      type: 'bash',
      parameters: [{ name: 'Log', type: 'string' }],
      content: 'echo "$HOOKBOOK_JOB_ID" >> "$Log"; sleep 0.2',
    });
    // Half the jobs are started through each host, so that both hosts' pollers are busy at once.
    const b = api(h2.url, h1.adminKey);
    const ids = await Promise.all(
      Array.from(
        { length: 30 },
        async (_, i) =>
          (await (i % 2 ? b : a).call('POST', '/api/v1/jobs', { runbook: name, parameters: { Log: log } })).json.jobId as string,
      ),
    );
    const jobs = await Promise.all(ids.map((id) => a.waitForStatus(id, terminal, 120_000)));
    expect(jobs.every((j) => j.status === 'Completed')).toBe(true);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.length).toBe(30);
    expect(new Set(lines)).toEqual(new Set(ids));
    // Both instances took part (each host's log names the function it ran).
    expect(h1.output()).toMatch(/jobWorker/);
    expect(h2.output()).toMatch(/jobWorker/);
  }, 180_000);

  it('maxConcurrency holds across two instances: jobs over the limit wait Queued and all complete', async () => {
    const s = await storage();
    const [h1, h2] = await Promise.all([host(s.connectionString), host(s.connectionString)]);
    const a = api(h1.url, h1.adminKey);
    const dir = jobSharedDir('hb-conc-', ['running/', 'counts']);
    const name = await a.createRunbook({
      name: uniqueName('limited'),
      type: 'bash',
      maxConcurrency: 2,
      parameters: [{ name: 'Dir', type: 'string' }],
      content: [
        'mkdir "$Dir/running/$HOOKBOOK_JOB_ID"',
        'ls "$Dir/running" | wc -l >> "$Dir/counts"',
        'sleep 0.6',
        'ls "$Dir/running" | wc -l >> "$Dir/counts"',
        'rmdir "$Dir/running/$HOOKBOOK_JOB_ID"',
      ].join('\n'),
    });
    const ids = await Promise.all(
      Array.from(
        { length: 6 },
        async () => (await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { Dir: dir } })).json.jobId as string,
      ),
    );
    const waiting = await waitFor(async () => {
      const list = (await a.call('GET', `/api/v1/jobs?runbook=${name}&status=Queued`)).json.value;
      return list.find((j: any) => /maxConcurrency/.test(j.statusDetails ?? ''));
    }, 'a job to wait for a slot');
    expect(waiting.status).toBe('Queued');
    const jobs = await Promise.all(ids.map((id) => a.waitForStatus(id, terminal, 120_000)));
    expect(jobs.map((j) => j.status)).toEqual(Array(6).fill('Completed'));
    const counts = readFileSync(join(dir, 'counts'), 'utf8').trim().split('\n').map(Number);
    expect(counts.length).toBe(12);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
    void h2;
  }, 180_000);
});

describe('graceful shutdown', () => {
  it('SIGTERM lets a running job finish within the grace period, then the host exits 0', async () => {
    const s = await storage();
    const h1 = await host(s.connectionString, { HOOKBOOK_SHUTDOWN_GRACE_SECONDS: '30' });
    const a1 = api(h1.url, h1.adminKey);
    const dir = jobSharedDir('hb-term-');
    const name = await a1.createRunbook({
      name: uniqueName('drain'),
      type: 'bash',
      parameters: [{ name: 'Started', type: 'string' }],
      content: 'touch "$Started"; sleep 1.5; echo finished',
    });
    const r = await a1.call('POST', '/api/v1/jobs', { runbook: name, parameters: { Started: join(dir, 'started') } });
    await waitFor(() => existsSync(join(dir, 'started')), 'the runbook to start');
    expect(await h1.stop()).toBe(0);
    // Read the outcome through a second host on the same storage.
    const h2 = await host(s.connectionString, { HOOKBOOK_BOOTSTRAP_KEY: h1.adminKey });
    const job = await api(h2.url, h1.adminKey).waitForStatus(r.json.jobId, terminal);
    expect(job.status).toBe('Completed');
    expect(job.attempt).toBe(1);
  }, 120_000);
});

describe('storage outage', () => {
  it('kill Azurite under load and restart it: 503s meanwhile, and no 202 was given for a job that is then missing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hb-outage-'));
    let s = await storage(dataDir);
    const h = await host(s.connectionString);
    const a = api(h.url, h.adminKey);
    const name = await a.createRunbook({
      name: uniqueName('outage'),
      type: 'bash',
      parameters: [{ name: 'I', type: 'int' }],
      content: 'echo "n=$I"',
    });
    const accepted: string[] = [];
    const refused: number[] = [];
    let phase: 'before' | 'down' | 'after' = 'before';
    let i = 0;
    const fire = async () => {
      while (phase !== 'after' || accepted.length < 60) {
        const r = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { I: i++ } }).catch(() => undefined);
        if (!r) continue;
        if (r.status === 202) accepted.push(r.json.jobId);
        else {
          refused.push(r.status);
          if (r.status === 503) expect(r.headers.get('retry-after')).toBeTruthy();
        }
        if (phase === 'after' && accepted.length >= 60) break;
      }
    };
    const load = Promise.all([fire(), fire(), fire()]);
    await waitFor(() => accepted.length >= 15, '15 accepted jobs');
    const { queuePort, tablePort } = s;
    await s.stop();
    phase = 'down';
    await waitFor(async () => (await a.call('GET', '/api/health')).status === 503, 'health to say 503');
    await waitFor(() => refused.filter((c) => c === 503).length >= 3, 'some 503 answers during the outage');
    s = await startAzurite({ dataDir, queuePort, tablePort });
    cleanups.push(() => s.stop());
    phase = 'after';
    await load;
    await waitFor(async () => (await a.call('GET', '/api/health')).status === 200, 'health to recover');
    expect(refused.every((c) => c === 503)).toBe(true);
    const jobs = await Promise.all(accepted.map((id) => a.waitForStatus(id, terminal, 120_000)));
    expect(jobs.every((j) => j.status === 'Completed')).toBe(true);
  }, 240_000);
});

describe('orphans and caps', () => {
  it('streams are capped with one marker record; an over-long line is split, never an error', async () => {
    const s = await storage();
    const h = await host(s.connectionString, { HOOKBOOK_STREAM_CAP_BYTES: String(200 * 1024) });
    const a = api(h.url, h.adminKey);
    const name = await a.createRunbook({
      name: uniqueName('flood'),
      type: 'python3',
      content: [
        'print("x" * 70000)', // longer than a Table string property
        'for i in range(5000): print("line %05d %s" % (i, "y" * 60))',
      ].join('\n'),
    });
    const r = await a.call('POST', '/api/v1/jobs', { runbook: name });
    const job = await a.waitForStatus(r.json.jobId, terminal, 90_000);
    expect(job.status).toBe('Completed');
    expect(job.attempt).toBe(1);
    const streams = (await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`)).json.value as any[];
    const outputs = streams.filter((x) => x.streamType === 'Output');
    expect(
      outputs
        .slice(0, 3)
        .map((x) => x.streamText)
        .join(''),
    ).toBe('x'.repeat(70000));
    expect(outputs.slice(0, 3).map((x) => x.continued ?? false)).toEqual([true, true, false]);
    const text = (await a.call('GET', `/api/external/runbook/jobs/${job.jobId}/output/text`)).text.split('\n');
    expect(text[0]).toBe('x'.repeat(70000));
    expect(text[1]).toMatch(/^line 00000 y+$/);
    const markers = streams.filter((x) => /limit of/.test(x.streamText));
    expect(markers.length).toBe(1);
    const kept = outputs.reduce((n, x) => n + Buffer.byteLength(x.streamText), 0);
    expect(kept).toBeLessThanOrEqual(200 * 1024);
    expect(streams[streams.length - 1]).toBe(markers[0]);
  }, 120_000);

  it('a job entity created but never queued is found by the sweeper and run', async () => {
    const s = await storage();
    const h = await host(s.connectionString);
    // Write the entity the way startJob does, but "die" before the queue send.
    process.env.AzureWebJobsStorage = s.connectionString;
    vi.resetModules(); // the core caches its settings and clients per module instance: start afresh
    const { jobStore } = await import('../../shared/store/jobStore');
    const { newJobId } = await import('../../shared/jobs/ids');
    const jobId = newJobId();
    await jobStore.create(
      queuedRecord(jobId, 'root_restart_process', { parameters: '{"service":"orphan"}' }, new Date(Date.now() - 10_000)),
    );
    const a = api(h.url, h.adminKey);
    const job = await a.waitForStatus(jobId, terminal, 60_000);
    expect(job.status).toBe('Completed');
    expect((await a.call('GET', `/api/external/runbook/jobs/${jobId}/output/text`)).text).toBe('orphan restarted');
    expect(h.output()).toMatch(/re-queued/);
  }, 120_000);

  it('a job whose message still waits in its queue is not re-queued by the sweeper; the host logs it once per sweep', async () => {
    const s = await storage();
    const h = await host(s.connectionString);
    process.env.AzureWebJobsStorage = s.connectionString;
    vi.resetModules(); // the core caches its settings and clients per module instance: start afresh
    const { jobStore } = await import('../../shared/store/jobStore');
    const { jobQueue, groupQueueName } = await import('../../shared/store/jobQueue');
    const { newJobId } = await import('../../shared/jobs/ids');
    const { QueueClient } = await import('@azure/storage-queue');
    // A group no worker polls: its job's message waits, as in a backlog the workers cannot keep up with.
    const group = 'sweep-idle';
    const jobId = newJobId();
    const record = queuedRecord(jobId, 'root_restart_process', { runOn: group });
    await jobStore.create(record);
    await jobQueue.send({ jobId }, 0, group);
    // Past the orphan age (3 s) the sweeper (every second) sees the job and leaves it alone.
    await waitFor(() => /Sweeper left 1 job\(s\) past the orphan age alone/.test(h.output()), 'the waiting job to be logged', 30_000);
    const q = new QueueClient(s.connectionString, groupQueueName(group));
    expect((await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toHaveLength(1);
    expect((await jobStore.get(jobId))!.value.lastQueuedTime).toBe(record.lastQueuedTime);
    expect(h.output()).not.toMatch(new RegExp(`re-queued.*${jobId}`));
  }, 120_000);

  it('a poisoned message fails its job with the reason; a message for a missing job is dropped with a log line', async () => {
    const s = await storage();
    const h = await host(s.connectionString, { HOOKBOOK_ORPHAN_SECONDS: '600' });
    process.env.AzureWebJobsStorage = s.connectionString;
    vi.resetModules(); // the core caches its settings and clients per module instance: start afresh
    const { jobStore } = await import('../../shared/store/jobStore');
    const { newJobId } = await import('../../shared/jobs/ids');
    const { QueueClient } = await import('@azure/storage-queue');
    const send = (queue: string, jobId: string) =>
      new QueueClient(s.connectionString, queue).sendMessage(Buffer.from(JSON.stringify({ jobId })).toString('base64'));
    const jobId = newJobId();
    await jobStore.create(queuedRecord(jobId, 'root_restart_process'));
    // What the host does after maxDequeueCount failures: the body lands in jobs-poison.
    await new QueueClient(s.connectionString, 'jobs-poison').createIfNotExists();
    await send('jobs-poison', jobId);
    const a = api(h.url, h.adminKey);
    const job = await a.waitForStatus(jobId, terminal);
    expect(job.status).toBe('Failed');
    expect(job.exception).toMatch(/poison/);

    const ghost = newJobId();
    await send('jobs', ghost);
    await waitFor(() => h.output().includes(`Message for job ${ghost} dropped: no such job.`), 'the drop to be logged');
  }, 120_000);
});
