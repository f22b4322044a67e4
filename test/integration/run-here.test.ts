// RealmJoin `run` runs the job on the instance that accepted it (shared/jobs/runHere.ts): hosts
// without the queue worker, so that only that path can run a job; real Azurite, real processes.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, describe, expect, it } from 'vitest';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/host';
import { api, uniqueName } from '../support/api';
import { waitFor } from '../support/http';

const root = path.resolve(__dirname, '../..');
// Every function but the queue-triggered worker: a job runs only if `run` runs it itself.
const NO_WORKER = readdirSync(path.join(root, 'functions'))
  .filter((f) => f.endsWith('.ts') && f !== 'worker.ts')
  .map((f) => `functions/${f}`)
  .join(',');

// Every function, the worker included.
const ALL = readdirSync(path.join(root, 'functions'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `functions/${f}`)
  .join(',');

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

let storage: RunningAzurite | undefined;
async function host(env: Record<string, string>): Promise<RunningHost> {
  if (!storage) {
    storage = await startAzurite({});
    cleanups.push(() => storage!.stop());
  }
  const h = await startHost({
    storage: 'external',
    connectionString: storage.connectionString,
    env: { HOOKBOOK_FUNCTIONS_GLOB: NO_WORKER, ...env },
  });
  cleanups.push(() => h.kill());
  return h;
}

const SCRIPT = ['echo "first line"', 'echo "to stderr" >&2', `printf '%s\\n' '{"k":1}' > "$HOOKBOOK_RESULT_FILE"`, 'echo "last line"'].join(
  '\n',
);

describe('RealmJoin run on the accepting instance', () => {
  it('answers 200 from what it ran, equal to what is stored, and leaves the queue message as the fallback', async () => {
    const h = await host({ HOOKBOOK_RUN_WAIT_SECONDS: '60' });
    const a = api(h.url, h.adminKey);
    const name = await a.createRunbook({ name: uniqueName('here'), type: 'bash', content: SCRIPT });
    const r = await a.call('POST', `/api/external/runbook/${name}/run`, {});
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('Completed');
    expect(r.json.streams.map((s: { streamText: string }) => s.streamText)).toEqual(expect.arrayContaining(['first line', 'last line']));
    // The answer is what a reader gets back from storage, record for record.
    const stored = await a.call('GET', `/api/external/runbook/jobs/${r.json.jobID}/output/streams`);
    expect(stored.status).toBe(200);
    expect(r.json.streams).toEqual(stored.json);
    const job = (await a.call('GET', `/api/v1/jobs/${r.json.jobID}`)).json;
    expect(job).toMatchObject({ status: 'Completed', attempt: 1, result: { k: 1 } });
    // Recorded and queued before it ran: the message is there, invisible until the lease has passed.
    const q = new QueueClient(storage!.connectionString, 'jobs');
    expect((await q.getProperties()).approximateMessagesCount).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('reports Failed with the exception, and with HOOKBOOK_RUN_HERE_MAX=0 leaves the job to the queue', async () => {
    const h = await host({ HOOKBOOK_RUN_WAIT_SECONDS: '3', HOOKBOOK_RUN_HERE_MAX: '0' });
    const a = api(h.url, h.adminKey);
    const name = await a.createRunbook({ name: uniqueName('queued'), type: 'bash', content: 'echo hi' });
    const r = await a.call('POST', `/api/external/runbook/${name}/run`, {});
    // No worker here and none may run it in the request: still Queued when the wait runs out.
    expect(r.status).toBe(202);
    expect(r.json.status).toBe('Queued');

    const h2 = await host({ HOOKBOOK_RUN_WAIT_SECONDS: '60' });
    const a2 = api(h2.url, h2.adminKey);
    const failing = await a2.createRunbook({
      name: uniqueName('fails'),
      type: 'bash',
      content: 'echo "about to fail"\necho "it broke" >&2\nexit 3',
    });
    const f = await a2.call('POST', `/api/external/runbook/${failing}/run`, {});
    expect(f.status).toBe(200);
    expect(f.json.status).toBe('Failed');
    expect(f.json.exception).toBe('it broke');
    const stored = await a2.call('GET', `/api/external/runbook/jobs/${f.json.jobID}/output/streams`);
    expect(f.json.streams).toEqual(stored.json);
  }, 180_000);

  it('through the queue, to this instance or another: the same answer, equal to what is stored', async () => {
    // B has the queue worker; A has none. Neither runs jobs inside the request (HOOKBOOK_RUN_HERE_MAX=0).
    const b = await host({ HOOKBOOK_RUN_WAIT_SECONDS: '60', HOOKBOOK_RUN_HERE_MAX: '0', HOOKBOOK_FUNCTIONS_GLOB: ALL });
    const a = await host({ HOOKBOOK_RUN_WAIT_SECONDS: '60', HOOKBOOK_RUN_HERE_MAX: '0' });
    const apiB = api(b.url, b.adminKey);
    const apiA = api(a.url, a.adminKey);
    const name = await apiB.createRunbook({ name: uniqueName('via-queue'), type: 'bash', content: SCRIPT });
    const failing = await apiB.createRunbook({
      name: uniqueName('via-queue-fails'),
      type: 'bash',
      content: 'echo "about to fail"\necho "it broke" >&2\nexit 3',
    });
    // On B its own worker runs the job and hands the answer over; on A it is read back from storage.
    for (const [who, client] of [
      ['the worker of this instance', apiB],
      ['a worker of another instance', apiA],
    ] as const) {
      const r = await client.call('POST', `/api/external/runbook/${name}/run`, {});
      expect(r.status, who).toBe(200);
      expect(r.json.status, who).toBe('Completed');
      const stored = await client.call('GET', `/api/external/runbook/jobs/${r.json.jobID}/output/streams`);
      expect(r.json.streams, who).toEqual(stored.json);
      expect(r.json.streams.map((s: { streamText: string }) => s.streamText)).toEqual(expect.arrayContaining(['first line', 'last line']));
      const f = await client.call('POST', `/api/external/runbook/${failing}/run`, {});
      expect(f.status, who).toBe(200);
      expect(f.json).toMatchObject({ status: 'Failed', exception: 'it broke' });
      expect(f.json.streams, who).toEqual((await client.call('GET', `/api/external/runbook/jobs/${f.json.jobID}/output/streams`)).json);
    }
  }, 180_000);

  it('the accepting instance dies mid-run: another instance runs the job again and it completes', async () => {
    const fast = {
      HOOKBOOK_LEASE_SECONDS: '2',
      HOOKBOOK_ORPHAN_SECONDS: '3',
      HOOKBOOK_SWEEPER_CRON: '*/1 * * * * *',
      HOOKBOOK_RUN_WAIT_SECONDS: '60',
    };
    const h1 = await host({ ...fast, HOOKBOOK_FUNCTIONS_GLOB: NO_WORKER });
    const a1 = api(h1.url, h1.adminKey);
    const name = await a1.createRunbook({
      name: uniqueName('dies'),
      type: 'bash',
      content: 'sleep 4\necho "done as attempt $HOOKBOOK_ATTEMPT"',
    });
    const pending = a1.call('POST', `/api/external/runbook/${name}/run`, {}).catch(() => undefined);
    const running = await waitFor(
      async () => (await a1.call('GET', `/api/v1/jobs?runbook=${name}&status=Running`)).json.value[0],
      'the job to run on the accepting instance',
    );
    await h1.kill();
    await pending;
    // A second instance with the worker: the message (or the sweeper) brings the job back.
    const h2 = await host({ ...fast, HOOKBOOK_FUNCTIONS_GLOB: 'functions/*.ts', HOOKBOOK_BOOTSTRAP_KEY: h1.adminKey });
    const job = await api(h2.url, h1.adminKey).waitForStatus(running.jobId, ['Completed', 'Failed', 'Stopped'], 120_000);
    expect(job.status).toBe('Completed');
    expect(job.attempt).toBe(2);
  }, 240_000);
});
