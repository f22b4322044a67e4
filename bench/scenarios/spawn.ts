/**
 * 7. What a job's process costs (issue 27), with the spawner on and off and the pwsh pool on and off:
 *  a. where one job's time goes, per runbook type, in this process (the job core against the bench's
 *     Azurite, as `run` runs it): accept, claim and prepare, spawn, run, streams, finish; and the CPU
 *     this process (the worker) and the spawner spend per job; and on a full host, per type, the
 *     queue's part: accepted, queue wait (created → started), started → ended (queueSplit);
 *  b. completed jobs/s at concurrency 1 on full hosts (RealmJoin `run`, through the queue and here),
 *     beside the machine floor (bare node:http + exec('echo hello')), with each side's CPU per job or
 *     request: the worker host's, the spawner's and the floor server's;
 *  c. a trivial pwsh job POST → Completed on an idle host, and a burst of 50 pwsh jobs, with the warm
 *     pool (HOOKBOOK_PWSH_WARM=1) and without (0).
 * Timings only: nothing here is asserted.
 */
import { startFloor } from '../floor';
import { benchHost, post, testPwsh, type BenchHost } from '../host';
import { childPids, cmdline, cpuMs } from '../machine';
import { pct, r1, sleep } from '../measure';
import { log, PHASE_MS, QUICK } from '../settings';

const p50 = (xs: number[]) =>
  pct(
    [...xs].sort((a, b) => a - b),
    50,
  );

export interface JobSplit {
  kind: string;
  spawner: boolean;
  samples: number;
  /** p50 of each part, ms. */
  acceptMs: number;
  claimPrepareMs: number;
  spawnMs: number;
  runMs: number;
  streamsMs: number;
  finishMs: number;
  totalMs: number;
  /** CPU per job, ms: this process (the worker, here the bench process running the core), the spawner. */
  workerCpuMs: number;
  spawnerCpuMs: number;
  /** Jobs served by a warm pwsh. */
  warm: number;
}

const RUNBOOKS: Record<string, string> = {
  bash: 'echo hello',
  node: "module.exports = async (params, ctx) => { ctx.output('hello'); return true; };",
  python3: 'print("hello")',
  pwsh: 'Write-Output hello',
};

/** a. In this process (call after transactions(), which points the core at the bench's Azurite). */
export async function jobSplit(n: number): Promise<JobSplit[]> {
  const { storageCounter } = await import('../../shared/store/clients');
  const { catalog } = await import('../../shared/runbooks/catalog');
  const { startAndWait } = await import('../../shared/jobs/runHere');
  const { processTimes } = await import('../../shared/runners/process');
  const { spawnerPid } = await import('../../shared/runners/spawnerClient');
  const pwsh = testPwsh();
  if (pwsh) process.env.HOOKBOOK_PWSH_PATH = pwsh;
  const quiet = { log() {}, warn() {}, error: (...a: unknown[]) => log(`spawn bench error: ${a.join(' ')}`) };
  const out: JobSplit[] = [];
  for (const kind of Object.keys(RUNBOOKS)) {
    if (kind === 'pwsh' && !pwsh) continue;
    const name = `split-${kind}`;
    await catalog.create({ name, type: kind, content: RUNBOOKS[kind], parameters: [], description: '' } as never);
    await catalog.publish(name);
    for (const spawner of [true, false]) {
      process.env.HOOKBOOK_SPAWNER = String(spawner);
      const runs = kind === 'pwsh' ? Math.max(3, Math.round(n / 4)) : n;
      for (let i = 0; i < 2; i++) await startAndWait({ runbook: name, startedBy: 'bench' }, 120_000, quiet);
      const parts: Record<string, number[]> = { accept: [], claim: [], spawn: [], run: [], streams: [], finish: [], total: [] };
      let warm = 0;
      let workerCpu = 0;
      let spawnerCpu = 0;
      for (let i = 0; i < runs; i++) {
        // pwsh: as a job arriving at an idle worker, so that the pool has refilled (as it would have).
        if (kind === 'pwsh') await sleep(QUICK ? 2500 : 4000);
        const times = new Promise<{ asked: number; spawned?: number; exited?: number; streamsClosed?: number; warm: boolean }>((r) =>
          processTimes.once('times', r),
        );
        const sp = spawner ? spawnerPid() : undefined;
        const s0 = sp ? cpuMs(sp) : 0;
        const c0 = process.cpuUsage();
        storageCounter.timings = [];
        const t0 = performance.now();
        const answer = await startAndWait({ runbook: name, startedBy: 'bench' }, 120_000, quiet);
        const t1 = performance.now();
        const c1 = process.cpuUsage(c0);
        workerCpu += (c1.user + c1.system) / 1000;
        if (sp) spawnerCpu += cpuMs(sp) - s0;
        const timings = storageCounter.timings;
        storageCounter.timings = undefined;
        if (answer.status !== 'Completed') throw new Error(`${name}: ${answer.status}`);
        const t = await times;
        if (t.warm) warm++;
        const insert = timings.find((x) => x.method === 'POST' && /jobs/i.test(x.url));
        const accepted = insert ? insert.startMs + insert.ms : t0;
        parts.accept!.push(accepted - t0);
        parts.claim!.push(t.asked - accepted);
        parts.spawn!.push((t.spawned ?? t.asked) - t.asked);
        parts.run!.push((t.exited ?? t.asked) - (t.spawned ?? t.asked));
        parts.streams!.push((t.streamsClosed ?? t.exited ?? t.asked) - (t.exited ?? t.asked));
        parts.finish!.push(t1 - (t.streamsClosed ?? t.asked));
        parts.total!.push(t1 - t0);
      }
      const split: JobSplit = {
        kind,
        spawner,
        samples: runs,
        acceptMs: p50(parts.accept!),
        claimPrepareMs: p50(parts.claim!),
        spawnMs: p50(parts.spawn!),
        runMs: p50(parts.run!),
        streamsMs: p50(parts.streams!),
        finishMs: p50(parts.finish!),
        totalMs: p50(parts.total!),
        // CPU clock ticks are 10 ms: a sum over the runs, divided.
        workerCpuMs: workerCpu / runs,
        spawnerCpuMs: spawnerCpu / runs,
        warm,
      };
      out.push(split);
      log(
        `split ${kind} spawner ${spawner ? 'on' : 'off'}: total ${r1(split.totalMs)} ms = accept ${r1(split.acceptMs)} + claim/prepare ${r1(split.claimPrepareMs)} + spawn ${r1(split.spawnMs)} + run ${r1(split.runMs)} + streams ${r1(split.streamsMs)} + finish ${r1(split.finishMs)}; CPU/job worker ${r1(split.workerCpuMs)} ms, spawner ${r1(split.spawnerCpuMs)} ms${kind === 'pwsh' ? `; warm ${warm}/${runs}` : ''}`,
      );
    }
  }
  delete process.env.HOOKBOOK_SPAWNER;
  return out;
}

interface C1 {
  count: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
}

/** One loop, back to back, for `ms`: everything it sends is counted (so CPU per request is exact). */
async function loopC1(ms: number, op: () => Promise<boolean>): Promise<C1> {
  const times: number[] = [];
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const t = performance.now();
    if (!(await op())) throw new Error('a request failed');
    times.push(performance.now() - t);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { count: times.length, seconds, perSecond: times.length / seconds, p50ms: p50(times) };
}

const sum = (xs: C1[]): C1 => {
  const count = xs.reduce((a, x) => a + x.count, 0);
  const seconds = xs.reduce((a, x) => a + x.seconds, 0);
  return { count, seconds, perSecond: count / seconds, p50ms: p50(xs.map((x) => x.p50ms)) };
};

const spawnerOf = (hostPid: number) => childPids(hostPid).find((pid) => cmdline(pid).includes('spawner.cjs'));

export interface RateAtC1 {
  path: 'queue' | 'here';
  spawner: boolean;
  run: C1;
  /** CPU per completed job, ms. */
  hostCpuMs: number;
  spawnerCpuMs: number;
  floor: C1;
  floorCpuMs: number;
}

/** b. `run` at concurrency 1, spawner on and off, alternating with the floor. */
export async function ratesAtC1(): Promise<RateAtC1[]> {
  const floor = await startFloor();
  const out: RateAtC1[] = [];
  try {
    for (const path of ['queue', 'here'] as const) {
      const hosts: Array<[boolean, BenchHost]> = [];
      for (const on of [true, false]) {
        const c = await benchHost({
          env: {
            HOOKBOOK_LOG_TRANSITIONS: 'false',
            HOOKBOOK_SPAWNER: String(on),
            ...(path === 'queue' ? { HOOKBOOK_RUN_HERE_MAX: '0' } : {}),
          },
        });
        await c.runbook('sync', 'bash', 'echo hello');
        hosts.push([on, c]);
      }
      try {
        const floorOp = async () => (await post(floor.url, '{}')).status === 200;
        const acc = new Map<boolean, { runs: C1[]; host: number; sp: number; jobs: number }>();
        const floors: C1[] = [];
        let floorCpu = 0;
        let floorReqs = 0;
        for (let round = 0; round < (QUICK ? 2 : 4); round++) {
          for (const [on, c] of hosts) {
            const op = async () => (await post(`${c.host.url}/api/external/runbook/sync/run`, '{}', c.api.authHeaders)).status === 200;
            if (round === 0) for (let i = 0; i < 3; i++) await op(); // the first spawn and table creation
            const sp = spawnerOf(c.host.pid);
            const h0 = cpuMs(c.host.pid);
            const s0 = sp ? cpuMs(sp) : 0;
            const l = await loopC1(PHASE_MS / 2, op);
            const a = acc.get(on) ?? { runs: [], host: 0, sp: 0, jobs: 0 };
            a.runs.push(l);
            a.host += cpuMs(c.host.pid) - h0;
            a.sp += sp ? cpuMs(sp) - s0 : 0;
            a.jobs += l.count;
            acc.set(on, a);
          }
          const f0 = cpuMs(floor.pid);
          const fl = await loopC1(PHASE_MS / 2, floorOp);
          floorCpu += cpuMs(floor.pid) - f0;
          floorReqs += fl.count;
          floors.push(fl);
        }
        for (const [on, a] of acc) {
          const r: RateAtC1 = {
            path,
            spawner: on,
            run: sum(a.runs),
            hostCpuMs: a.host / Math.max(1, a.jobs),
            spawnerCpuMs: a.sp / Math.max(1, a.jobs),
            floor: sum(floors),
            floorCpuMs: floorCpu / Math.max(1, floorReqs),
          };
          out.push(r);
          log(
            `run (${path}) c=1, spawner ${on ? 'on' : 'off'}: ${r1(r.run.perSecond)}/s p50 ${r1(r.run.p50ms)} ms (${r1(r.run.perSecond / r.floor.perSecond)}× the floor's ${r1(r.floor.perSecond)}/s); CPU per job: host ${r1(r.hostCpuMs)} ms, spawner ${r1(r.spawnerCpuMs)} ms; floor server ${r1(r.floorCpuMs)} ms per request`,
          );
        }
      } finally {
        for (const [, c] of hosts) await c.stop();
      }
    }
  } finally {
    floor.stop();
  }
  return out;
}

export interface QueueSplit {
  kind: string;
  samples: number;
  /** p50, ms: POST answered (accepted); created → started (queue wait and claim, the job's own timestamps); started → ended; POST → end seen. */
  acceptMs: number;
  queueWaitMs: number;
  runMs: number;
  totalMs: number;
}

/**
 * a'. The queue's part, per runbook type, on a full host (the in-process split above has no queue):
 * jobs started with POST /api/v1/jobs one after another, followed to their end, and the job's own
 * timestamps read back (ms resolution).
 */
export async function queueSplit(n: number): Promise<QueueSplit[]> {
  const pwsh = testPwsh();
  const c = await benchHost({ env: { HOOKBOOK_LOG_TRANSITIONS: 'false', ...(pwsh ? { HOOKBOOK_PWSH_PATH: pwsh } : {}) } });
  const out: QueueSplit[] = [];
  try {
    for (const kind of Object.keys(RUNBOOKS)) {
      if (kind === 'pwsh' && !pwsh) continue;
      const name = `queue-${kind}`;
      await c.runbook(name, kind as 'bash', RUNBOOKS[kind]!);
      for (let i = 0; i < 2; i++) await c.waitEnd(await c.start(name));
      const parts: Record<'accept' | 'queue' | 'run' | 'total', number[]> = { accept: [], queue: [], run: [], total: [] };
      const runs = kind === 'pwsh' ? Math.max(3, Math.round(n / 4)) : n;
      for (let i = 0; i < runs; i++) {
        if (kind === 'pwsh') await sleep(QUICK ? 2500 : 4000); // the warm pool refilled, as for a job arriving at an idle host
        const t0 = performance.now();
        const jobId = await c.start(name);
        const t1 = performance.now();
        const status = await c.waitEnd(jobId);
        const t2 = performance.now();
        if (status !== 'Completed') throw new Error(`${name}: ${status}`);
        const job = await c.api.jobs.get(jobId);
        parts.accept.push(t1 - t0);
        parts.queue.push(Date.parse(job.startTime!) - Date.parse(job.createdTime));
        parts.run.push(Date.parse(job.endTime!) - Date.parse(job.startTime!));
        parts.total.push(t2 - t0);
      }
      const s: QueueSplit = {
        kind,
        samples: runs,
        acceptMs: p50(parts.accept),
        queueWaitMs: p50(parts.queue),
        runMs: p50(parts.run),
        totalMs: p50(parts.total),
      };
      out.push(s);
      log(
        `queue split ${kind} (full host): POST → end seen ${r1(s.totalMs)} ms; accepted ${r1(s.acceptMs)} ms, queue wait (created → started) ${r1(s.queueWaitMs)} ms, started → ended ${r1(s.runMs)} ms`,
      );
    }
  } finally {
    await c.stop();
  }
  return out;
}

export interface PwshWarmFigures {
  warm: number;
  idle: { samples: number; p50ms: number; p99ms: number };
  burst: { jobs: number; seconds: number; failed: number };
}

/** c. pwsh on idle hosts with the pool (1) and without (0): POST → Completed, then a burst of 50. */
export async function pwshWarm(): Promise<PwshWarmFigures[] | undefined> {
  const pwsh = testPwsh();
  if (!pwsh) return undefined;
  const out: PwshWarmFigures[] = [];
  for (const warm of [1, 0]) {
    const c = await benchHost({ env: { HOOKBOOK_LOG_TRANSITIONS: 'false', HOOKBOOK_PWSH_PATH: pwsh, HOOKBOOK_PWSH_WARM: String(warm) } });
    try {
      await c.runbook('warm', 'pwsh', 'Write-Output ok');
      await c.waitEnd(await c.start('warm')); // the first pwsh job of a process starts the pool
      const times: number[] = [];
      for (let i = 0; i < (QUICK ? 3 : 8); i++) {
        await sleep(4000); // idle: the queue poller backed off, the pool refilled
        const t0 = performance.now();
        const status = await c.waitEnd(await c.start('warm'));
        if (status !== 'Completed') throw new Error(`pwsh job ended ${status}`);
        times.push(performance.now() - t0);
      }
      await sleep(4000);
      const b0 = performance.now();
      const ids = await Promise.all(Array.from({ length: 50 }, () => c.start('warm')));
      const ends = await Promise.all(ids.map((id) => c.waitEnd(id)));
      const seconds = (performance.now() - b0) / 1000;
      const sorted = [...times].sort((a, b) => a - b);
      const f: PwshWarmFigures = {
        warm,
        idle: { samples: times.length, p50ms: pct(sorted, 50), p99ms: pct(sorted, 99) },
        burst: { jobs: 50, seconds, failed: ends.filter((s) => s !== 'Completed').length },
      };
      out.push(f);
      log(
        `pwsh, warm pool ${warm}: idle POST → Completed p50 ${r1(f.idle.p50ms)} ms; burst of 50 in ${r1(seconds)} s (${f.burst.failed} not Completed)`,
      );
    } finally {
      await c.stop();
    }
  }
  return out;
}
