// Hybrid workers (docs/hybrid-workers.md): real `hookbook worker` processes beside a real local
// host and Azurite; faults made real (SIGKILL, a cut TCP connection). Every wait is on an observed
// state with a generous bound; nothing asserts speed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHost, type RunningHost } from '../support/host';
import { api, basic, uniqueName, type Api } from '../support/api';
import { http, waitFor } from '../support/http';
import {
  HYBRID_HOST_ENV,
  HYBRID_LEASE_SECONDS,
  jobsCanWrite,
  newWorkerGroup,
  startProxy,
  startWorker,
  type RunningWorker,
} from '../support/worker';
import { testPwsh } from '../support/pwsh';

const LEASE_SECONDS = HYBRID_LEASE_SECONDS;
const pwsh = testPwsh();
let host: RunningHost;
let admin: Api;
const cleanups: (() => Promise<unknown>)[] = [];
const dir = jobsCanWrite('hookbook-hybrid-');

beforeAll(async () => {
  host = await startHost({
    env: HYBRID_HOST_ENV,
  });
  admin = api(host.url, host.adminKey);
}, 120_000);

afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  await host?.kill();
});

const group = () => newWorkerGroup(admin);

function worker(opts: Parameters<typeof startWorker>[0]): RunningWorker {
  const w = startWorker(opts);
  cleanups.push(() => w.kill());
  return w;
}

async function liveWorkers(groupName: string, n: number): Promise<void> {
  await waitFor(
    async () => {
      const r = await admin.call('GET', `/api/v1/workerGroups/${groupName}`);
      return r.json?.workers?.filter((w: { live: boolean }) => w.live).length >= n;
    },
    `${n} live worker(s) in ${groupName}`,
    90_000,
    200,
  );
}

const output = async (jobId: string) =>
  (await streams(jobId))
    .filter((s) => s.streamType === 'Output')
    .map((s) => s.streamText)
    .join('\n');
const streams = async (jobId: string) =>
  (await admin.call('GET', `/api/v1/jobs/${jobId}/streams`)).json.value as {
    jobStreamId: string;
    streamType: string;
    streamText: string;
  }[];

/** A file every job may append to, whichever uid it runs as. */
function sharedFile(prefix: string): string {
  const file = join(dir, `${uniqueName(prefix)}.txt`);
  writeFileSync(file, '');
  chmodSync(file, 0o666);
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('hybrid workers', { timeout: 300_000 }, () => {
  it("a registration key opens only its group's worker routes; an API key opens none of them", async () => {
    const g = await group();
    const other = await group();
    const onManagement = await http(host.url, '/api/v1/jobs', { headers: { Authorization: basic(g.key) } });
    expect(onManagement.status).toBe(403);
    expect(onManagement.json.detail).toMatch(/registration key/);
    const bearerOnManagement = await http(host.url, '/api/v1/runbooks', { headers: { Authorization: `Bearer ${g.key}` } });
    expect(bearerOnManagement.status).toBe(403);
    const hello = { name: 'w', host: 'h', version: '1', capabilities: ['bash'], concurrency: 1 };
    const post = (groupName: string, auth: string) =>
      http(host.url, `/api/worker/v1/groups/${groupName}/hello`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(hello),
      });
    expect((await post(g.name, `Bearer ${g.key}`)).status).toBe(200);
    expect((await post(other.name, `Bearer ${g.key}`)).status).toBe(403); // another group's routes
    expect((await post(g.name, host.basicAuth)).status).toBe(403); // an API key, even the admin's
    expect((await post(g.name, 'Bearer hw000000000000:nope')).status).toBe(401);
    // The secret is shown once: the list never has it.
    const keys = await admin.call('GET', `/api/v1/workerGroups/${g.name}/keys`);
    expect(keys.status).toBe(200);
    expect(JSON.stringify(keys.json)).not.toContain(g.key.split(':')[1]);
    // Revoked: locked out.
    const keyId = g.key.split(':')[0];
    expect((await admin.call('DELETE', `/api/v1/workerGroups/${g.name}/keys/${keyId}`)).status).toBe(204);
    expect((await post(g.name, `Bearer ${g.key}`)).status).toBe(401);
  });

  it('a job routed to a group runs on its worker and nowhere else; runOn cloud overrides it', async () => {
    const g = await group();
    const w = worker({ url: host.url, group: g.name, key: g.key, name: 'alpha', types: 'bash' });
    await liveWorkers(g.name, 1);
    const rb = await admin.createRunbook({
      name: uniqueName('hyb'),
      type: 'bash',
      runOn: g.name,
      content: 'echo "ran on ${WORKER_TAG:-cloud}"\n',
    });

    const start = await admin.call('POST', '/api/v1/jobs', { runbook: rb });
    expect(start.status, start.text).toBe(202);
    const job = await admin.waitForStatus(start.json.jobId, ['Completed', 'Failed'], 90_000);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(job.runOn).toBe(g.name);
    expect(await output(job.jobId)).toBe('ran on alpha');

    const cloud = await admin.call('POST', '/api/v1/jobs', { runbook: rb, runOn: 'cloud' });
    const cloudJob = await admin.waitForStatus(cloud.json.jobId, ['Completed', 'Failed'], 90_000);
    expect(cloudJob.runOn).toBeUndefined();
    expect(await output(cloudJob.jobId)).toBe('ran on cloud');

    const listed = await admin.call('GET', `/api/v1/workerGroups/${g.name}`);
    expect(listed.json.workers).toEqual([
      expect.objectContaining({ name: 'alpha', capabilities: ['bash'], live: true, version: expect.any(String), host: expect.any(String) }),
    ]);
    expect(w.output()).toContain(job.jobId);
    expect(w.output()).not.toContain(cloudJob.jobId);

    const missing = await admin.call('POST', '/api/v1/jobs', { runbook: rb, runOn: 'no-such-group' });
    expect(missing.status).toBe(400);
    expect(missing.json.detail).toMatch(/no worker group 'no-such-group'/);
  });

  it('webhooks and schedules carry runOn: a webhook of a cloud runbook starts jobs on the group', async () => {
    const g = await group();
    worker({ url: host.url, group: g.name, key: g.key, name: 'hooked', types: 'bash' });
    await liveWorkers(g.name, 1);
    const rb = await admin.createRunbook({ name: uniqueName('hybhook'), type: 'bash', content: 'echo "ran on ${WORKER_TAG:-cloud}"\n' });
    const hook = await admin.call('POST', '/api/v1/webhooks', { name: uniqueName('wh'), runbook: rb, runOn: g.name });
    expect(hook.status, hook.text).toBe(201);
    expect(hook.json.runOn).toBe(g.name);
    const fired = await http(host.url, new URL(hook.json.uri).pathname + new URL(hook.json.uri).search, { method: 'POST', body: '{}' });
    expect(fired.status, fired.text).toBe(202);
    const job = await admin.waitForStatus(fired.json.JobIds[0], ['Completed', 'Failed'], 90_000);
    expect(job.runOn).toBe(g.name);
    expect(await output(job.jobId)).toBe('ran on hooked');

    const sched = await admin.call('POST', '/api/v1/schedules', {
      name: uniqueName('sc'),
      runbook: rb,
      cronExpression: '0 0 0 1 1 *',
      runOn: g.name,
    });
    expect(sched.status, sched.text).toBe(201);
    expect(sched.json.runOn).toBe(g.name);
    const bad = await admin.call('POST', '/api/v1/webhooks', { name: uniqueName('wh'), runbook: rb, runOn: 'nowhere' });
    expect(bad.status).toBe(400);
  });

  it('a hybrid job reads its assets through the service with its job token; secrets are masked', async () => {
    const g = await group();
    worker({ url: host.url, group: g.name, key: g.key, name: 'assets', types: 'bash' });
    await liveWorkers(g.name, 1);
    const varName = uniqueName('HybSecret').replace(/-/g, '_');
    const v = await admin.call('POST', '/api/v1/assets/variables', { name: varName, value: 'hybrid-s3cr3t-value', encrypted: true });
    expect(v.status, v.text).toBe(201);
    const rb = await admin.createRunbook({
      name: uniqueName('hybassets'),
      type: 'bash',
      runOn: g.name,
      assets: { variables: [varName] },
      parameters: [{ name: 'Pass', type: 'string', secret: true }],
      content: `echo "url=$HOOKBOOK_URL"\necho "secret=$(hookbook-asset get ${varName})"\necho "token=$HOOKBOOK_JOB_TOKEN"\necho "pass=$Pass"\n`,
    });
    const start = await admin.call('POST', '/api/v1/jobs', { runbook: rb, parameters: { Pass: 'param-s3cr3t-value' } });
    const job = await admin.waitForStatus(start.json.jobId, ['Completed', 'Failed'], 90_000);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    const out = await output(job.jobId);
    expect(out).toContain(`url=${host.url}`);
    expect(out).toContain('secret=***');
    expect(out).toContain('token=***');
    expect(out).toContain('pass=***');
    expect(out).not.toContain('s3cr3t');
  });

  it.skipIf(!pwsh)('runs PowerShell runbooks where the worker finds pwsh', async () => {
    const g = await group();
    worker({ url: host.url, group: g.name, key: g.key, name: 'pwshbox', types: 'pwsh', env: { HOOKBOOK_PWSH_PATH: pwsh! } });
    await liveWorkers(g.name, 1);
    expect((await admin.call('GET', `/api/v1/workerGroups/${g.name}`)).json.workers[0].capabilities).toEqual(['pwsh']);
    const rb = await admin.createRunbook({
      name: uniqueName('hybpwsh'),
      type: 'pwsh',
      runOn: g.name,
      content: 'param([string]$Name)\nWrite-Output "hello $Name from $env:WORKER_TAG"\nWrite-Warning "careful"\n',
    });
    const start = await admin.call('POST', '/api/v1/jobs', { runbook: rb, parameters: { Name: 'Ada' } });
    expect(start.status, start.text).toBe(202);
    const job = await admin.waitForStatus(start.json.jobId, ['Completed', 'Failed'], 180_000);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(await output(job.jobId)).toContain('hello Ada from pwshbox');
    expect((await streams(job.jobId)).some((r) => r.streamType === 'Warning' && r.streamText.includes('careful'))).toBe(true);
  });

  it('a job no live worker can run stays Queued and says why', async () => {
    const g = await group();
    const rb = await admin.createRunbook({ name: uniqueName('hybnode'), type: 'node', content: 'module.exports = async () => 1;\n' });
    const none = await admin.call('POST', '/api/v1/jobs', { runbook: rb, runOn: g.name });
    expect(none.status).toBe(202);
    expect(none.json.statusDetails).toMatch(/no live worker in group/);

    worker({ url: host.url, group: g.name, key: g.key, name: 'bashonly', types: 'bash' });
    await liveWorkers(g.name, 1);
    const start = await admin.call('POST', '/api/v1/jobs', { runbook: rb, runOn: g.name });
    expect(start.json.statusDetails).toMatch(/can run node runbooks \(live: bashonly \[bash\]\)/);
    // The sweeper keeps the reason current on the first job too; neither runs.
    await waitFor(
      async () => /can run node/.test((await admin.call('GET', `/api/v1/jobs/${none.json.jobId}`)).json.statusDetails ?? ''),
      'the reason refreshed',
      30_000,
      250,
    );
    for (const id of [none.json.jobId, start.json.jobId]) {
      const j = (await admin.call('GET', `/api/v1/jobs/${id}`)).json;
      expect(j.status).toBe('Queued');
      expect((await admin.call('POST', `/api/v1/jobs/${id}/stop`)).status).toBeLessThan(300);
    }
  });

  it('two workers in one group never run a job twice', async () => {
    const g = await group();
    worker({ url: host.url, group: g.name, key: g.key, name: 'one', concurrency: 4, types: 'bash' });
    worker({ url: host.url, group: g.name, key: g.key, name: 'two', concurrency: 4, types: 'bash' });
    await liveWorkers(g.name, 2);
    const file = sharedFile('runs');
    const rb = await admin.createRunbook({
      name: uniqueName('hybappend'),
      type: 'bash',
      runOn: g.name,
      parameters: [{ name: 'File', type: 'string', mandatory: true }],
      content: 'echo "$HOOKBOOK_JOB_ID $WORKER_TAG" >> "$File"\n',
    });
    const ids: string[] = [];
    for (let i = 0; i < 16; i++)
      ids.push((await admin.call('POST', '/api/v1/jobs', { runbook: rb, parameters: { File: file } })).json.jobId);
    for (const id of ids) expect((await admin.waitForStatus(id, ['Completed', 'Failed'], 120_000)).status).toBe('Completed');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(16);
    expect(new Set(lines.map((l) => l.split(' ')[0]))).toEqual(new Set(ids));
  });

  it('maxConcurrency holds across the cloud worker and a hybrid group', async () => {
    const g = await group();
    worker({ url: host.url, group: g.name, key: g.key, name: 'limited', concurrency: 4, types: 'bash' });
    await liveWorkers(g.name, 1);
    const file = sharedFile('mc');
    const rb = await admin.createRunbook({
      name: uniqueName('hybmax'),
      type: 'bash',
      maxConcurrency: 1,
      parameters: [{ name: 'File', type: 'string', mandatory: true }],
      content: 'echo "start $HOOKBOOK_JOB_ID" >> "$File"; sleep 0.5; echo "end $HOOKBOOK_JOB_ID" >> "$File"\n',
    });
    const ids: string[] = [];
    for (const runOn of ['cloud', g.name, 'cloud', g.name, g.name]) {
      const r = await admin.call('POST', '/api/v1/jobs', { runbook: rb, runOn, parameters: { File: file } });
      expect(r.status, r.text).toBe(202);
      ids.push(r.json.jobId);
    }
    for (const id of ids) expect((await admin.waitForStatus(id, ['Completed', 'Failed'], 180_000)).status).toBe('Completed');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(10);
    // Never two jobs inside at once: every start is followed by its own end.
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toMatch(/^start /);
      expect(lines[i + 1]).toBe(lines[i]!.replace('start', 'end'));
    }
  });

  it('SIGKILL a worker mid-job: the job is retried on the other worker', async () => {
    const g = await group();
    const first = worker({ url: host.url, group: g.name, key: g.key, name: 'doomed', types: 'bash' });
    await liveWorkers(g.name, 1);
    const pidFile = join(dir, `${uniqueName('pid')}.txt`);
    const rb = await admin.createRunbook({
      name: uniqueName('hybkill'),
      type: 'bash',
      runOn: g.name,
      parameters: [{ name: 'PidFile', type: 'string', mandatory: true }],
      content:
        'if [ "$HOOKBOOK_ATTEMPT" = 1 ]; then echo $$ > "$PidFile"; echo started; sleep 600; fi\necho "attempt $HOOKBOOK_ATTEMPT on $WORKER_TAG"\n',
    });
    const jobId = (await admin.call('POST', '/api/v1/jobs', { runbook: rb, parameters: { PidFile: pidFile } })).json.jobId;
    await admin.waitForStatus(jobId, ['Running'], 90_000);
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), 'the runbook to start', 60_000);
    const orphan = Number(readFileSync(pidFile, 'utf8').trim());
    cleanups.push(async () => process.kill(-orphan, 'SIGKILL'));
    await first.kill();
    // Between the attempts the job says what it waits for.
    await waitFor(
      async () =>
        /^Waiting: the worker running attempt 1 sent no heartbeat/.test(
          (await admin.call('GET', `/api/v1/jobs/${jobId}`)).json.statusDetails ?? '',
        ),
      'the job to say its worker went silent',
      60_000,
      250,
    );

    worker({ url: host.url, group: g.name, key: g.key, name: 'rescuer', types: 'bash' });
    const job = await admin.waitForStatus(jobId, ['Completed', 'Failed'], 120_000);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(job.attempt).toBe(2);
    expect(await output(jobId)).toContain('attempt 2 on rescuer');
    expect((await streams(jobId)).some((s) => s.streamType === 'Warning' && /attempt 1 was lost/.test(s.streamText))).toBe(true);
  });

  it('SIGTERM: a worker hands back a job that does not finish within its drain time, and exits 0', async () => {
    const g = await group();
    const leaving = worker({ url: host.url, group: g.name, key: g.key, name: 'leaving', types: 'bash' });
    await liveWorkers(g.name, 1);
    const pidFile = join(dir, `${uniqueName('pid')}.txt`);
    const rb = await admin.createRunbook({
      name: uniqueName('hybterm'),
      type: 'bash',
      runOn: g.name,
      parameters: [{ name: 'PidFile', type: 'string', mandatory: true }],
      content:
        'if [ "$HOOKBOOK_ATTEMPT" = 1 ]; then echo $$ > "$PidFile"; sleep 600; fi\necho "attempt $HOOKBOOK_ATTEMPT on $WORKER_TAG"\n',
    });
    const jobId = (await admin.call('POST', '/api/v1/jobs', { runbook: rb, parameters: { PidFile: pidFile } })).json.jobId;
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), 'the runbook to start', 90_000);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    leaving.signal('SIGTERM');
    expect(await leaving.exited).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(leaving.output()).toMatch(/handed back/);
    worker({ url: host.url, group: g.name, key: g.key, name: 'staying', types: 'bash' });
    const job = await admin.waitForStatus(jobId, ['Completed', 'Failed'], 90_000);
    expect(job.status).toBe('Completed');
    expect(job.attempt).toBe(2);
    expect((await streams(jobId)).some((s) => s.streamType === 'Warning' && /Handed back by worker/.test(s.streamText))).toBe(true);
  });

  it('a worker cut off longer than its lease stops its process; its late writes get 409; the job holds only the new attempt', async () => {
    const g = await group();
    const proxy = await startProxy(host.url);
    cleanups.push(() => proxy.close());
    const stale = worker({ url: proxy.url, group: g.name, key: g.key, name: 'islanded', types: 'bash' });
    await liveWorkers(g.name, 1);
    const pidFile = join(dir, `${uniqueName('pid')}.txt`);
    const rb = await admin.createRunbook({
      name: uniqueName('hybcut'),
      type: 'bash',
      runOn: g.name,
      parameters: [{ name: 'PidFile', type: 'string', mandatory: true }],
      content:
        'if [ "$HOOKBOOK_ATTEMPT" = 1 ]; then echo $$ > "$PidFile"; for i in $(seq 1 3000); do echo "tick $i"; sleep 0.2; done; fi\necho "attempt $HOOKBOOK_ATTEMPT on $WORKER_TAG"\n',
    });
    const jobId = (await admin.call('POST', '/api/v1/jobs', { runbook: rb, parameters: { PidFile: pidFile } })).json.jobId;
    await waitFor(async () => (await streams(jobId)).length >= 3, 'the first ticks to arrive', 90_000, 200);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());

    proxy.cut();
    const cutAt = Date.now();
    // Without an answer for longer than its lease, the worker stops its process...
    await stale.waitForOutput(/longer than the lease\); stopping the local process/, 90_000);
    await waitFor(() => !alive(pid), 'the stale process to be gone', 30_000);
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000 - 500);
    // ...while the service, seeing no heartbeat, gives the job to another worker.
    worker({ url: host.url, group: g.name, key: g.key, name: 'mainland', types: 'bash' });
    const job = await admin.waitForStatus(jobId, ['Completed', 'Failed'], 120_000);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(job.attempt).toBe(2);
    const firstAttempt = (await streams(jobId)).filter((s) => s.jobStreamId.startsWith(`${jobId}:01`)).length;

    // Back online: everything the stale worker still offers is refused with 409.
    proxy.restore();
    await stale.waitForOutput(/409/, 180_000);
    const after = await admin.call('GET', `/api/v1/jobs/${jobId}`);
    expect(after.json.status).toBe('Completed');
    expect(after.json.attempt).toBe(2);
    expect((await streams(jobId)).filter((s) => s.jobStreamId.startsWith(`${jobId}:01`)).length).toBe(firstAttempt);
    expect(await output(jobId)).toContain('attempt 2 on mainland');
  });
});
