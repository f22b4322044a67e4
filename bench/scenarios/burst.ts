/**
 * 5. Burst and drain: on one full host (disk or memory storage), a small burst (the queue stays
 * shallow) gives the steady drain rate, then a big one the rate with a deep queue.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import type { Job } from '../../client';
import { startAzurite } from '../../local/azurite';
import { jobQueueNames } from '../../shared/store/jobQueue';
import { benchHost, postHook, type BenchHost } from '../host';
import { vmRssMb } from '../machine';
import { r1, sleep } from '../measure';
import { log, QUICK } from '../settings';

export interface Burst {
  storage: 'disk' | 'memory';
  concurrency: number;
  accepted: number;
  acceptSeconds: number;
  /** Completed before the last 202 was answered. */
  completedDuringLoad: number;
  /** From the last 202 to the last job's end. */
  drainSeconds: number;
  /** Jobs that ended after the load divided by drainSeconds. */
  drainPerSecond: number;
  /** Drain rate of a 200-job burst (a shallow queue) on the same host just before (completed jobs/s). */
  steadyPerSecond: number;
  failed: number;
  /** Azurite's RSS (queue + table) before the first job and after all of them, and how many jobs it then holds. */
  azuriteMb: { before: number; after: number; jobs: number };
  /** Completed jobs/s per interval after the load, with the jobs still waiting at its start. */
  overTime: Array<{ fromS: number; perSecond: number; waiting: number }>;
}

/** Every job of `runbook`, page by page. */
async function listAll(c: BenchHost, runbook: string): Promise<Job[]> {
  const all: Job[] = [];
  let token: string | undefined;
  do {
    const page = await c.api.jobs.list({ runbook, top: 500, continuationToken: token });
    all.push(...page.value);
    token = page.continuationToken;
  } while (token);
  return all;
}

interface Drain {
  accepted: number;
  acceptSeconds: number;
  completedDuringLoad: number;
  drainSeconds: number;
  drainPerSecond: number;
  failed: number;
  overTime: Array<{ fromS: number; perSecond: number; waiting: number }>;
}

/**
 * `jobs` webhook calls at concurrency 32, then the drain. The queue depth is sampled once a second
 * from the bench's own queue client; per-interval throughput comes from the jobs' own end times
 * afterwards (so the bench's reads are not in the way while it drains).
 */
async function drain(c: BenchHost, queues: QueueClient[], runbook: string, jobs: number): Promise<Drain> {
  await c.runbook(runbook, 'bash', 'echo hello');
  const uri = await c.webhook(runbook, runbook);
  const depth = async () => {
    const counts = await Promise.all(queues.map(async (q) => (await q.getProperties()).approximateMessagesCount ?? 0));
    return counts.reduce((a, b) => a + b, 0);
  };
  const samples: Array<{ t: number; waiting: number }> = [];
  let next = 0;
  const t0 = Date.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push({ t: Date.now(), waiting: await depth().catch(() => NaN) });
      await sleep(1000);
    }
  })();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < jobs) {
        next++;
        if (!(await postHook(uri)())) throw new Error('webhook did not answer 202');
      }
    }),
  );
  const loadEnd = Date.now();
  for (const deadline = Date.now() + 900_000; Date.now() < deadline;) {
    if (samples.length > 0 && samples.at(-1)!.t > loadEnd && samples.at(-1)!.waiting === 0) break;
    await sleep(500);
  }
  sampling = false;
  await sampler;
  const all = await listAll(c, runbook);
  const ends = all.filter((j) => j.endTime).map((j) => Date.parse(j.endTime!));
  const last = Math.max(...ends);
  const drainSeconds = (last - loadEnd) / 1000;
  const step = Math.max(2, Math.ceil(drainSeconds / 8));
  const overTime = [];
  for (let from = loadEnd; from < last; from += step * 1000) {
    const n = ends.filter((t) => t > from && t <= from + step * 1000).length;
    const sample = samples.find((s) => s.t >= from);
    overTime.push({
      fromS: Math.round((from - loadEnd) / 1000),
      perSecond: n / Math.min(step, (last - from) / 1000),
      waiting: sample?.waiting ?? NaN,
    });
  }
  return {
    accepted: all.length,
    acceptSeconds: (loadEnd - t0) / 1000,
    completedDuringLoad: ends.filter((t) => t <= loadEnd).length,
    drainSeconds,
    drainPerSecond: ends.filter((t) => t > loadEnd).length / drainSeconds,
    failed: all.filter((j) => j.status !== 'Completed').length,
    overTime,
  };
}

/**
 * On one full host: a small burst (200 jobs, the queue stays shallow) gives the steady drain rate,
 * then the big one (6,000) the rate with a deep queue; the same measurement, only the depth differs.
 */
export async function burst(storage: 'disk' | 'memory', jobs: number): Promise<Burst> {
  const dataDir = storage === 'disk' ? mkdtempSync(path.join(os.tmpdir(), 'hookbook-bench-')) : undefined;
  const az = await startAzurite({ inMemory: storage === 'memory', dataDir });
  const c = await benchHost({ storage: 'external', connectionString: az.connectionString, env: { HOOKBOOK_LOG_TRANSITIONS: 'false' } });
  try {
    // Every job queue the host listens to (HOOKBOOK_JOB_QUEUES, inherited from this environment).
    const q = jobQueueNames(Number(process.env.HOOKBOOK_JOB_QUEUES ?? 1)).map((name) => new QueueClient(az.connectionString, name));
    const azuriteMb = () => az.pids.reduce((sum, pid) => sum + vmRssMb(pid), 0);
    const rssBefore = azuriteMb();
    const steady = await drain(c, q, 'steady', QUICK ? 100 : 200);
    log(`burst (${storage}): steady (${steady.accepted} jobs) drained at ${r1(steady.drainPerSecond)}/s`);
    const big = await drain(c, q, 'burst', jobs);
    // Anything the host said about storage or failures meanwhile (a stall in the drain shows here).
    const said = c.host
      .output()
      .split('\n')
      .filter((l) => /unreachable|error|could not|warn|failed/i.test(l));
    if (said.length)
      log(`burst (${storage}): the host logged ${said.length} error/warning lines, e.g.\n  ${said.slice(0, 8).join('\n  ')}`);
    const result: Burst = {
      storage,
      concurrency: 32,
      ...big,
      steadyPerSecond: steady.drainPerSecond,
      azuriteMb: { before: rssBefore, after: azuriteMb(), jobs: steady.accepted + big.accepted },
    };
    log(
      `burst (${storage}): ${big.accepted} accepted in ${r1(big.acceptSeconds)} s, drained in ${r1(big.drainSeconds)} s at ${r1(big.drainPerSecond)}/s; over time ${big.overTime.map((o) => `${r1(o.perSecond)}/s@${o.waiting}`).join(' ')}`,
    );
    return result;
  } finally {
    await c.stop();
    await az.stop();
  }
}
