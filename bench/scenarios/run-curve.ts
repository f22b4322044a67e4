/**
 * 6b. Synchronous run, the concurrency curve: POST /api/external/runbook/{name}/run at concurrency
 * 1, 8 and 32 on a full host with disk storage, alternating with the machine floor (a bare
 * node:http server running exec('echo hello') per request).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAzurite } from '../../local/azurite';
import { benchHost, post } from '../host';
import { startFloor } from '../floor';
import { load, mean, r1, type Load } from '../measure';
import { log, PHASE_MS } from '../settings';

export interface RunCurve {
  mode: 'here' | 'queue';
  storage: 'disk';
  points: Array<{ run: Load; floor: Load }>;
}

/**
 * POST /api/external/runbook/{name}/run at concurrency 1, 8 and 32 against a full host on disk
 * storage, alternating with the floor server (run, floor four times per concurrency: the mean of four 2 s rounds each, so that a 2-core machine's noise of a few per cent does not decide the c=8 against c=32 comparison). `queue`:
 * the same with HOOKBOOK_RUN_HERE_MAX=0 (every job through the queue and the worker), for comparison.
 */
export async function runCurve(mode: 'here' | 'queue'): Promise<RunCurve> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-bench-'));
  const az = await startAzurite({ inMemory: false, dataDir });
  const c = await benchHost({
    storage: 'external',
    connectionString: az.connectionString,
    env: { HOOKBOOK_LOG_TRANSITIONS: 'false', ...(mode === 'queue' ? { HOOKBOOK_RUN_HERE_MAX: '0' } : {}) },
  });
  const floor = await startFloor();
  try {
    await c.runbook('sync', 'bash', 'echo hello');
    // The same load generator as every load loop (bench/host.ts `post`), for the run and the floor.
    const runOp = async () => (await post(`${c.host.url}/api/external/runbook/sync/run`, '{}', c.api.authHeaders)).status === 200;
    const floorOp = async () => (await post(floor.url, '{}')).status === 200;
    const points = [];
    for (const n of [1, 8, 32]) {
      const runs: Load[] = [];
      const floors: Load[] = [];
      for (let round = 0; round < 4; round++) {
        runs.push(await load(n, PHASE_MS / 2, runOp));
        floors.push(await load(n, PHASE_MS / 2, floorOp));
      }
      points.push({ run: mean(runs), floor: mean(floors) });
      const p = points.at(-1)!;
      log(
        `run (${mode}) c=${n}: ${r1(p.run.perSecond)}/s p50 ${r1(p.run.p50ms)} ms (errors ${p.run.errors}); floor ${r1(p.floor.perSecond)}/s p50 ${r1(p.floor.p50ms)} ms`,
      );
    }
    return { mode, storage: 'disk', points };
  } finally {
    floor.stop();
    await c.stop();
    await az.stop();
  }
}
