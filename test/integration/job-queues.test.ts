// Several cloud job queues (HOOKBOOK_JOB_QUEUES): real Azurite, real hosts. Jobs land on the queue
// their id hashes to, every queue has its worker and its poison handler, the local host's "a send
// from this process wakes the poller" works per queue, and lowering the count loses no job (the
// sweeper re-queues what waits on a queue no longer listened to onto the current set).
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/host';
import { api, uniqueName, type Api } from '../support/api';
import { waitFor } from '../support/http';
import { jobQueueIndex } from '../../shared/store/keys';
import { queuedRecord } from '../support/records';

const root = path.resolve(__dirname, '../..');
// Every function but the queue-triggered workers: jobs stay in their queues, to be looked at.
const NO_WORKER = readdirSync(path.join(root, 'functions'))
  .filter((f) => f.endsWith('.ts') && f !== 'worker.ts')
  .map((f) => `functions/${f}`)
  .join(',');
const QUEUES = ['jobs', 'jobs-1', 'jobs-2'];
const terminal = ['Completed', 'Failed', 'Stopped'];

// The storage lives through the suite; each test's hosts end with it (a host left running would
// take the next test's messages).
let storage: RunningAzurite | undefined;
const hosts: RunningHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.kill().catch(() => undefined)));
});
afterAll(async () => {
  await storage?.stop();
});

async function host(env: Record<string, string>): Promise<RunningHost> {
  const h = await startHost({ storage: 'external', connectionString: storage!.connectionString, env });
  hosts.push(h);
  return h;
}
const queueClient = (name: string) => new QueueClient(storage!.connectionString, name);
/** The job ids of the visible messages of a queue (a peek takes nothing; at most 32). */
async function peekJobIds(name: string): Promise<string[]> {
  const q = queueClient(name);
  if (!(await q.exists())) return [];
  const peeked = (await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
  return peeked.map((m) => (JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as { jobId: string }).jobId);
}
async function submit(a: Api, runbook: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await a.call('POST', '/api/v1/jobs', { runbook, parameters: { I: i } });
    expect(r.status).toBe(202);
    ids.push(r.json.jobId);
  }
  return ids;
}

describe('several job queues (HOOKBOOK_JOB_QUEUES=3)', () => {
  let adminKey: string;
  let runbook: string;
  let jobs: string[];

  it('sends each job to the queue its id hashes to, spread over all three', async () => {
    storage = await startAzurite({});
    const h = await host({ HOOKBOOK_JOB_QUEUES: '3', HOOKBOOK_FUNCTIONS_GLOB: NO_WORKER });
    adminKey = h.adminKey;
    // The poison handlers are registered per queue (the workers are not loaded here).
    for (const [i, q] of QUEUES.entries()) expect(h.output()).toContain(`${i ? `jobPoison-${i}` : 'jobPoison'}: queue ${q}-poison`);
    const a = api(h.url, h.adminKey);
    runbook = await a.createRunbook({
      name: uniqueName('queues'),
      type: 'bash',
      parameters: [{ name: 'I', type: 'int' }],
      content: 'echo "job $I"',
    });
    jobs = await submit(a, runbook, 36);
    const expected = QUEUES.map((_, i) => jobs.filter((id) => jobQueueIndex(id, 3) === i).sort());
    for (const ids of expected) expect(ids.length).toBeGreaterThan(0); // 36 ids over 3 queues: each gets some
    for (const [i, q] of QUEUES.entries()) expect((await peekJobIds(q)).sort(), q).toEqual(expected[i]);
    await h.stop();
  }, 180_000);

  it('a host with a worker per queue runs them all, and every queue drains', async () => {
    const h = await host({ HOOKBOOK_JOB_QUEUES: '3', HOOKBOOK_BOOTSTRAP_KEY: adminKey });
    for (const [i, q] of QUEUES.entries()) expect(h.output()).toContain(`${i ? `jobWorker-${i}` : 'jobWorker'}: queue ${q}`);
    const a = api(h.url, adminKey);
    const done = await Promise.all(jobs.map((id) => a.waitForStatus(id, terminal, 120_000)));
    for (const j of done) expect(j.status).toBe('Completed');
    for (const q of QUEUES) {
      await waitFor(async () => (await queueClient(q).getProperties()).approximateMessagesCount === 0, `${q} to be empty`, 30_000);
    }
    await h.stop();
  }, 240_000);

  it('a send from the host wakes the idle poller of that queue at once (per queue)', async () => {
    // Pollers back off up to maxPollingInterval when idle: a minute here, so a job that completes
    // within seconds after a long idle spell was woken by the send, not found by a poll.
    const dir = mkdtempSync(path.join(tmpdir(), 'hb-queues-'));
    const hostJson = path.join(dir, 'host.json');
    // The project's host.json, but a minute's idle backoff.
    const hostConfig = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8'));
    hostConfig.extensions.queues.maxPollingInterval = '00:01:00';
    writeFileSync(hostJson, JSON.stringify(hostConfig));
    const h = await host({ HOOKBOOK_JOB_QUEUES: '3', HOOKBOOK_BOOTSTRAP_KEY: adminKey, HOOKBOOK_HOST_JSON: hostJson });
    const a = api(h.url, adminKey);
    // Idle for ~30 s (the wait and the host's start): every poller is then in a backoff sleep of ~25 s
    // (100 ms doubling, ±20 %) begun at ~25 s. Without the wake-up the jobs would wait for its end.
    await new Promise((r) => setTimeout(r, 27_000));
    const started = Date.now();
    const ids = await submit(a, runbook, 9);
    const done = await Promise.all(ids.map((id) => a.waitForStatus(id, terminal, 60_000)));
    const took = Date.now() - started;
    for (const j of done) expect(j.status).toBe('Completed');
    expect(new Set(ids.map((id) => jobQueueIndex(id, 3))).size).toBeGreaterThan(1); // more than one queue was woken
    expect(took, 'all nine completed soon after their sends').toBeLessThan(8_000);
    await h.stop();
  }, 180_000);

  it('a poisoned message on jobs-2 fails its job with the reason, as on jobs', async () => {
    const h = await host({ HOOKBOOK_JOB_QUEUES: '3', HOOKBOOK_BOOTSTRAP_KEY: adminKey, HOOKBOOK_ORPHAN_SECONDS: '600' });
    process.env.AzureWebJobsStorage = storage!.connectionString;
    vi.resetModules(); // the core caches its settings and clients per module instance: start afresh
    const { jobStore } = await import('../../shared/store/jobStore');
    const { newJobId } = await import('../../shared/jobs/ids');
    let jobId = newJobId();
    while (jobQueueIndex(jobId, 3) !== 2) jobId = newJobId(); // a job of queue jobs-2
    await jobStore.create(queuedRecord(jobId, runbook, { parameters: '{"I":0}' }));
    // What the host does after maxDequeueCount failures on jobs-2: the body lands in jobs-2-poison.
    const poison = queueClient('jobs-2-poison');
    await poison.createIfNotExists();
    await poison.sendMessage(Buffer.from(JSON.stringify({ jobId })).toString('base64'));
    const job = await api(h.url, adminKey).waitForStatus(jobId, terminal);
    expect(job.status).toBe('Failed');
    expect(job.exception).toMatch(/poison/);
    expect(h.output()).toMatch(/jobPoison-2/);
    await h.stop();
  }, 120_000);

  it('lowering the count loses no job: the sweeper re-queues jobs left on jobs-1 and jobs-2 onto jobs', async () => {
    const h3 = await host({ HOOKBOOK_JOB_QUEUES: '3', HOOKBOOK_BOOTSTRAP_KEY: adminKey, HOOKBOOK_FUNCTIONS_GLOB: NO_WORKER });
    const ids = await submit(api(h3.url, adminKey), runbook, 9);
    const stranded = ids.filter((id) => jobQueueIndex(id, 3) !== 0);
    expect(stranded.length).toBeGreaterThan(0);
    await h3.stop();
    // Now one queue: nobody listens to jobs-1 and jobs-2 any more.
    const h1 = await host({
      HOOKBOOK_JOB_QUEUES: '1',
      HOOKBOOK_BOOTSTRAP_KEY: adminKey,
      HOOKBOOK_ORPHAN_SECONDS: '3',
      HOOKBOOK_SWEEPER_CRON: '*/1 * * * * *',
    });
    expect(h1.output()).not.toContain('jobWorker-1');
    const a = api(h1.url, adminKey);
    const done = await Promise.all(ids.map((id) => a.waitForStatus(id, terminal, 90_000)));
    for (const j of done) expect(j.status).toBe('Completed');
    expect(h1.output()).toMatch(/re-queued/);
    // Their first messages are still where they were sent (harmless: a finished job's message is dropped).
    const left = [...(await peekJobIds('jobs-1')), ...(await peekJobIds('jobs-2'))].sort();
    expect(left).toEqual(stranded.sort());
    await h1.stop();
  }, 240_000);
});
