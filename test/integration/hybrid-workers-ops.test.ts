// Hybrid workers under real operations (issue 26): graceful stops racing open polls, systemd's
// stop as the documented unit sends it, workers with mixed capabilities, deleted groups, a worker
// restarted after SIGKILL, and a stream of jobs across three workers while one is restarted.
// Real `hookbook worker` processes, a real local host and Azurite; every wait is on an observed
// state with a generous bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../local/settings';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/host';
import { api, uniqueName, type Api } from '../support/api';
import { waitFor } from '../support/http';
import { HYBRID_HOST_ENV, jobsCanWrite, newWorkerGroup, startWorker } from '../support/worker';

let storage: RunningAzurite;
let host: RunningHost;
let admin: Api;
const cleanups: (() => Promise<unknown>)[] = [];
const dir = jobsCanWrite('hookbook-hybrid-ops-');

beforeAll(async () => {
  storage = await startAzurite();
  host = await startHost({
    storage: 'external',
    connectionString: storage.connectionString,
    env: HYBRID_HOST_ENV,
  });
  admin = api(host.url, host.adminKey);
}, 120_000);

afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  await host?.kill();
  await storage?.stop();
});

const group = () => newWorkerGroup(admin);

/** A worker of group `g`, registered (its polls open) when this resolves. */
async function worker(g: { name: string; key: string }, name: string, opts: Partial<Parameters<typeof startWorker>[0]> = {}) {
  const w = startWorker({
    url: host.url,
    group: g.name,
    key: g.key,
    name,
    ...opts,
    env: { HOOKBOOK_WORKER_STATE_DIR: join(dir, 'state', g.name), ...opts.env },
  });
  cleanups.push(() => w.kill());
  await w.waitForOutput(/registered in group/, 90_000);
  return w;
}

const job = async (id: string) => (await admin.call('GET', `/api/v1/jobs/${id}`)).json;
const streams = async (jobId: string) =>
  (await admin.call('GET', `/api/v1/jobs/${jobId}/streams`)).json.value as { streamType: string; streamText: string }[];
const output = async (jobId: string) =>
  (await streams(jobId))
    .filter((s) => s.streamType === 'Output')
    .map((s) => s.streamText)
    .join('\n');

async function start(runbook: string, parameters: Record<string, unknown> = {}, runOn?: string): Promise<string> {
  const r = await admin.call('POST', '/api/v1/jobs', { runbook, parameters, ...(runOn ? { runOn } : {}) });
  expect(r.status, r.text).toBe(202);
  return r.json.jobId;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process below `pid` (what a cgroup holds besides the main process: the runbooks, their children). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [child, ppid] of parent) if (ppid === p) (found.push(child), walk(child));
  };
  walk(pid);
  return found;
}

/** A bash runbook that runs long on attempt 1 (writing its pid to a file) and says where it ran after. */
async function longFirstAttempt(g: string, extra: Record<string, unknown> = {}): Promise<string> {
  return admin.createRunbook({
    name: uniqueName('hybops'),
    type: 'bash',
    runOn: g,
    parameters: [{ name: 'PidFile', type: 'string' }],
    content:
      'if [ "$HOOKBOOK_ATTEMPT" = 1 ]; then [ -n "$PidFile" ] && echo $$ > "$PidFile"; echo started; sleep 600; fi\necho "attempt $HOOKBOOK_ATTEMPT on $WORKER_TAG"\n',
    ...extra,
  });
}

/** A bash runbook that waits until file Go exists (the test says when it may end). */
async function gated(g: string, extra: Record<string, unknown> = {}): Promise<string> {
  return admin.createRunbook({
    name: uniqueName('hybgate'),
    type: 'bash',
    runOn: g,
    parameters: [{ name: 'Go', type: 'string', mandatory: true }],
    content: 'echo waiting; while [ ! -e "$Go" ]; do sleep 0.1; done; echo "done on $WORKER_TAG"\n',
    ...extra,
  });
}

describe('hybrid workers under real operations', { timeout: 400_000 }, () => {
  it('a draining worker never claims again and a hand-back is no lost attempt (20 shutdowns racing open polls)', async () => {
    const g = await group();
    // The keeper is busy until the end: only the leaving workers' polls are open while they go.
    const keeper = await worker(g, 'keeper', { concurrency: 2, types: 'bash' });
    const go = join(dir, uniqueName('go'));
    const gate = await gated(g.name);
    const blockers = [await start(gate, { Go: go }), await start(gate, { Go: go })];
    for (const id of blockers) await admin.waitForStatus(id, ['Running'], 90_000);
    // retryOnWorkerLoss 1: had a hand-back counted as a loss, a job handed back twice would fail.
    const rb = await gated(g.name, { retryOnWorkerLoss: 1 });
    const jobs: string[] = [];
    for (let round = 0; round < 2; round++) {
      // Ten workers with two slots each: one runs a job, the other keeps a poll open. They stop one
      // after the other; each hands its job back while its own second poll (and the others') is open.
      const leaving = await Promise.all(
        Array.from({ length: 10 }, (_, i) => worker(g, `leaving-${round}-${i}`, { concurrency: 2, types: 'bash', drainSeconds: 0 })),
      );
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await start(rb, { Go: go }));
      await waitFor(
        async () => (await Promise.all(ids.map(output))).every((o) => o.includes('waiting')),
        'every job to have started',
        90_000,
      );
      for (const w of leaving) {
        w.signal('SIGTERM');
        expect(await w.exited, w.output()).toBe(0);
        // Its own jobs never came back to it. (A job another worker handed back may reach it on a
        // poll whose claim was made before the service heard of its drain: that one it hands back at once.)
        const ran = [...w.output().matchAll(/running job (\S+)/g)].map((m) => m[1]);
        const cameBack = [...w.output().matchAll(/job (\S+) attempt \d+ came on a poll/g)].map((m) => m[1]);
        expect(
          cameBack.filter((id) => ran.includes(id)),
          w.output(),
        ).toEqual([]);
      }
      for (const id of ids) {
        // Handed back and waiting: Queued again (not Running with nothing behind it). A job handed
        // back may have been taken by a worker not yet stopping, and handed back again by it.
        const j = await job(id);
        expect(j.status, JSON.stringify(j)).toBe('Queued');
        expect(j.statusDetails).toMatch(/^Handed back/);
      }
      jobs.push(...ids);
    }
    writeFileSync(go, '');
    for (const id of [...blockers, ...jobs]) {
      const j = await admin.waitForStatus(id, ['Completed', 'Failed', 'Stopped'], 120_000);
      expect(j.status, JSON.stringify(j)).toBe('Completed');
    }
    for (const id of jobs) {
      const j = await job(id);
      expect(j.attempt).toBeGreaterThanOrEqual(2);
      expect(await output(id)).toContain('done on keeper');
      expect((await streams(id)).some((s) => s.streamType === 'Warning' && /Handed back by worker/.test(s.streamText))).toBe(true);
    }
    expect(keeper.output()).not.toMatch(/refused/);
  });

  it('systemctl stop with the documented unit drains the running job and hands back the rest; a control-group stop hands back, never fails', async () => {
    const unit = readFileSync(join(repoRoot, 'infra', 'worker', 'hookbook-worker.service'), 'utf8');
    const setting = (key: string) => unit.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1]?.trim();
    expect(setting('KillMode')).toBe('mixed');
    expect(setting('KillSignal')).toBe('SIGTERM');
    // systemd SIGKILLs what is left after TimeoutStopSec: it must outlast the default drain (60 s).
    expect(Number(setting('TimeoutStopSec'))).toBeGreaterThan(60);

    const g = await group();
    const gate = await gated(g.name);
    const rb = await longFirstAttempt(g.name);

    // KillMode=mixed: SIGTERM to the main process only.
    const svc = await worker(g, 'svc', { concurrency: 2, types: 'bash', drainSeconds: 8 });
    const go = join(dir, uniqueName('go'));
    const pidFile = join(dir, uniqueName('pid'));
    const finishing = await start(gate, { Go: go });
    const long = await start(rb, { PidFile: pidFile });
    await waitFor(async () => (await output(finishing)).includes('waiting') && existsSync(pidFile), 'both jobs to run', 90_000);
    const longPid = Number(readFileSync(pidFile, 'utf8'));
    svc.signal('SIGTERM');
    await svc.waitForOutput(/SIGTERM: no new jobs/);
    writeFileSync(go, ''); // the short job ends within the drain time
    expect(await svc.exited, svc.output()).toBe(0);
    const drained = await job(finishing);
    expect(drained.status, JSON.stringify(drained)).toBe('Completed');
    expect(drained.attempt).toBe(1);
    expect(await output(finishing)).toContain('done on svc');
    expect(alive(longPid)).toBe(false);
    const handedBack = await job(long);
    expect(handedBack.status, JSON.stringify(handedBack)).toBe('Queued');
    expect(handedBack.statusDetails).toMatch(/Handed back by worker .*svc/);

    // KillMode=control-group: SIGTERM to every process of the unit at once, the runbooks too. The
    // worker hands their jobs back instead of failing them.
    const svc2 = await worker(g, 'svc2', { concurrency: 2, types: 'bash', drainSeconds: 8 });
    const pidFile2 = join(dir, uniqueName('pid'));
    const go2 = join(dir, uniqueName('go'));
    const a = await start(gate, { Go: go2 });
    const b = await start(rb, { PidFile: pidFile2 });
    await waitFor(async () => (await output(a)).includes('waiting') && existsSync(pidFile2), 'both jobs to run on svc2', 90_000);
    const cgroup = [svc2.pid, ...descendants(svc2.pid)];
    expect(cgroup.length).toBeGreaterThan(2);
    for (const pid of cgroup) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    expect(await svc2.exited, svc2.output()).toBe(0);
    for (const id of [a, b]) {
      const j = await job(id);
      expect(j.status, JSON.stringify(j)).toBe('Queued');
      expect(j.statusDetails).toMatch(/ended by SIGTERM while the worker was shutting down/);
    }

    // Another worker runs all three as their second attempt.
    writeFileSync(go2, '');
    await worker(g, 'rescuer', { concurrency: 3, types: 'bash' });
    for (const id of [long, a, b]) {
      const j = await admin.waitForStatus(id, ['Completed', 'Failed', 'Stopped'], 120_000);
      expect(j.status, JSON.stringify(j)).toBe('Completed');
      expect(j.attempt).toBe(2);
    }
  });

  it('a job a worker cannot run reaches a capable worker of the group at once, and says why while none is there', async () => {
    const g = await group();
    await worker(g, 'nodeonly', { concurrency: 4, types: 'node' });
    const rb = await admin.createRunbook({
      name: uniqueName('hybbash'),
      type: 'bash',
      runOn: g.name,
      content: 'echo "bash on $WORKER_TAG"\n',
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await start(rb));
    // The node-only worker's polls see the jobs and say why they wait.
    for (const id of ids)
      await waitFor(
        async () => /can run bash runbooks \(live: nodeonly \[node\]\)/.test((await job(id)).statusDetails ?? ''),
        'the waiting reason',
        60_000,
        200,
      );
    for (const id of ids) expect((await job(id)).status).toBe('Queued');
    // Their messages stay in sight for another worker: the node-only worker's polls give each back
    // at once instead of hiding it for the visibility timeout (10 s) on every look.
    const q = new QueueClient(storage.connectionString, `jobs-g-${g.name}`);
    let visible = 0;
    for (let i = 0; i < 20; i++) {
      if ((await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length > 0) visible++;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(visible).toBeGreaterThanOrEqual(10);
    // A bash-capable worker joins: the node-only worker's four polls no longer keep the messages
    // from it (before, each sighting hid a message for 10 s, so five jobs took minutes).
    await worker(g, 'basher', { concurrency: 1, types: 'bash' });
    for (const id of ids) {
      const j = await admin.waitForStatus(id, ['Completed', 'Failed'], 25_000);
      expect(j.status).toBe('Completed');
      expect(await output(id)).toBe('bash on basher');
    }
  });

  it('runOn naming no group is refused with 400 on a runbook create and a draft update', async () => {
    const g = await group();
    const bad = await admin.call('POST', '/api/v1/runbooks', {
      name: uniqueName('hybnone'),
      type: 'bash',
      runOn: 'no-such-group',
      content: 'echo\n',
    });
    expect(bad.status, bad.text).toBe(400);
    expect(bad.json.detail).toMatch(/no worker group 'no-such-group'/);
    const name = uniqueName('hybok');
    const good = await admin.call('POST', '/api/v1/runbooks', { name, type: 'bash', runOn: g.name, content: 'echo\n' });
    expect(good.status, good.text).toBe(201);
    const draft = await admin.call('PUT', `/api/v1/runbooks/${name}/draft`, { runOn: 'nowhere-else', content: 'echo\n' });
    expect(draft.status, draft.text).toBe(400);
    expect(draft.json.detail).toMatch(/no worker group 'nowhere-else'/);
    const cloud = await admin.call('PUT', `/api/v1/runbooks/${name}/draft`, { runOn: 'cloud', content: 'echo\n' });
    expect(cloud.status, cloud.text).toBe(200);
  });

  it('deleting a group fails its running and waiting jobs with the reason, and an open poll claims nothing after', async () => {
    const g = await group();
    const w = await worker(g, 'orphaned', { concurrency: 2, types: 'bash' });
    const pidFile = join(dir, uniqueName('pid'));
    // maxConcurrency 1: the second job waits while the worker's other poll keeps looking at it.
    const rb = await longFirstAttempt(g.name, { maxConcurrency: 1 });
    const running = await start(rb, { PidFile: pidFile });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the runbook to start', 90_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const waiting = await start(rb);
    await waitFor(
      async () => /maxConcurrency/.test((await job(waiting)).statusDetails ?? ''),
      'the second job to wait for its slot',
      60_000,
    );

    expect((await admin.call('DELETE', `/api/v1/workerGroups/${g.name}`)).status).toBe(204);
    for (const id of [running, waiting]) {
      const j = await job(id);
      expect(j.status, JSON.stringify(j)).toBe('Failed');
      expect(j.statusDetails).toBe(`The worker group '${g.name}' was deleted.`);
    }
    // The worker is locked out: it ends the runbook and stops; the jobs stay as the delete left them.
    await w.waitForOutput(/401/, 60_000);
    await waitFor(() => !alive(pid), 'the runbook to be ended', 30_000);
    expect(await w.exited).toBe(0);
    expect((await job(waiting)).attempt).toBe(0);
    expect((await job(running)).status).toBe('Failed');
  });

  // A whole-group SIGKILL (an OOM kill, `systemctl kill -s KILL`, a crash of the host process tree)
  // takes the worker and its spawner at once, so neither can end the job's processes; the runbook
  // runs in a process group of its own and is left behind. The same with the spawner turned off.
  it.each([
    ['through the spawner', {}],
    ['spawned by the worker itself', { HOOKBOOK_SPAWNER: 'false' }],
  ])('a worker restarted after SIGKILL ends the runbook processes it left behind (%s)', async (_how, env: Record<string, string>) => {
    const g = await group();
    const first = await worker(g, 'phoenix', { types: 'bash', env });
    const pidFile = join(dir, uniqueName('pid'));
    const rb = await longFirstAttempt(g.name);
    await start(rb, { PidFile: pidFile });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the runbook to start', 90_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    cleanups.push(async () => alive(pid) && process.kill(-pid, 'SIGKILL'));
    // The worker and its spawner (if any): every process below the worker but the runbook's group.
    const pgid = (p: number) => Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
    const spawners = descendants(first.pid).filter((p) => {
      try {
        return pgid(p) !== pid && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('spawner.cjs');
      } catch {
        return false;
      }
    });
    expect(spawners).toHaveLength('HOOKBOOK_SPAWNER' in env ? 0 : 1);
    // Stopped first, so that neither sees the other die and ends the runbook itself.
    for (const p of [first.pid, ...spawners]) process.kill(p, 'SIGSTOP');
    for (const p of [...spawners, first.pid]) process.kill(p, 'SIGKILL');
    await first.exited;
    await waitFor(() => spawners.every((p) => !alive(p)), 'the spawner to be gone', 10_000);
    expect(alive(pid)).toBe(true);
    const again = await worker(g, 'phoenix', { types: 'bash', env });
    expect(again.output()).toMatch(new RegExp(`ended process group ${pid} of job`));
    await waitFor(() => !alive(pid), 'the leftover runbook to be gone', 10_000);
  });

  it('200 jobs across three workers with mixed capabilities, one stopped and restarted meanwhile: each runs exactly once, none fails', async () => {
    const g = await group();
    await worker(g, 'both', { concurrency: 4, types: 'bash,node' });
    await worker(g, 'nodes', { concurrency: 4, types: 'node' });
    let bashes = await worker(g, 'bashes', { concurrency: 4, types: 'bash', drainSeconds: 0 });
    const file = join(dir, `${uniqueName('stream')}.txt`);
    writeFileSync(file, '');
    chmodSync(file, 0o666);
    // retryOnWorkerLoss 0: a hand-back counted as a loss would fail the job.
    const common = { runOn: g.name, retryOnWorkerLoss: 0, parameters: [{ name: 'File', type: 'string', mandatory: true }] };
    const bashRb = await admin.createRunbook({
      name: uniqueName('hybsb'),
      type: 'bash',
      ...common,
      content: 'sleep 0.2\necho "$HOOKBOOK_JOB_ID $HOOKBOOK_ATTEMPT $WORKER_TAG" >> "$File"\n',
    });
    const nodeRb = await admin.createRunbook({
      name: uniqueName('hybsn'),
      type: 'node',
      ...common,
      content:
        "const fs = require('node:fs');\nmodule.exports = async (p) => { await new Promise((r) => setTimeout(r, 200)); fs.appendFileSync(p.File, `${process.env.HOOKBOOK_JOB_ID} ${process.env.HOOKBOOK_ATTEMPT} ${process.env.WORKER_TAG}\\n`); };\n",
    });
    const ids: string[] = [];
    const startSome = async (n: number) => {
      for (let i = 0; i < n; i++) ids.push(await start(ids.length % 2 ? nodeRb : bashRb, { File: file }));
    };
    await startSome(80);
    // Mid-stream: a graceful stop of the bash-only worker, then its restart.
    await waitFor(() => /running job/.test(bashes.output()), 'the bash worker to be busy', 60_000);
    bashes.signal('SIGTERM');
    await startSome(40);
    expect(await bashes.exited, bashes.output()).toBe(0);
    bashes = await worker(g, 'bashes', { concurrency: 4, types: 'bash' });
    await startSome(80);
    for (const id of ids) {
      const j = await admin.waitForStatus(id, ['Completed', 'Failed', 'Stopped'], 240_000);
      expect(j.status, JSON.stringify(j)).toBe('Completed');
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const ran = lines.map((l) => l.split(' ')[0]);
    expect(ran).toHaveLength(200);
    expect(new Set(ran)).toEqual(new Set(ids));
    // No node job ran on the bash-only worker, nor a bash job on the node-only one.
    for (const line of lines) {
      const [id, , tag] = line.split(' ');
      const type = ids.indexOf(id!) % 2 ? 'node' : 'bash';
      expect(tag, line).not.toBe(type === 'node' ? 'bashes' : 'nodes');
    }
  });
});
