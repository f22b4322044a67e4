/**
 * 3. Webhook ingest against a local host with every function but the worker (the same HTTP path,
 * no job execution competing for the cores), alternated with the ceiling (ceiling, ingest,
 * ceiling, ingest at each concurrency) so that both see the same machine load, which on a shared
 * box moves.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { benchHost, postHook } from '../host';
import { load, loadavg, mean, r1, type Load } from '../measure';
import { log, PHASE_MS, repoRoot } from '../settings';

export interface IngestVersusCeiling {
  ceiling: Load[];
  ingest: Load[];
  /** Median of the paired (same-moment) ingest/ceiling ratios, per concurrency. */
  ratios: number[];
}

export async function ingestVersusCeiling(ceilOp: () => Promise<boolean>): Promise<IngestVersusCeiling> {
  const files = readdirSync(path.join(repoRoot, 'functions'))
    .filter((f) => f.endsWith('.ts') && f !== 'worker.ts')
    .map((f) => `functions/${f}`);
  const c = await benchHost({ env: { HOOKBOOK_FUNCTIONS_GLOB: files.join(','), HOOKBOOK_LOG_TRANSITIONS: 'false' } });
  try {
    await c.runbook('ingest', 'bash', 'echo ok');
    const uri = await c.webhook('ingest', 'ingest');
    const ceiling: Load[] = [];
    const ingest: Load[] = [];
    const ratios: number[] = [];
    for (const n of [1, 16, 64]) {
      const cs: Load[] = [];
      const is: Load[] = [];
      const rs: number[] = [];
      for (let round = 0; round < 4; round++) {
        cs.push(await load(n, PHASE_MS / 2, ceilOp));
        is.push(await load(n, PHASE_MS / 2, postHook(uri)));
        rs.push(is.at(-1)!.perSecond / cs.at(-1)!.perSecond);
      }
      ceiling.push(mean(cs));
      ingest.push(mean(is));
      ratios.push(rs.sort((a, b) => a - b)[1]! / 2 + rs[2]! / 2); // median of the four paired ratios
      log(
        `c=${n}: ceiling ${r1(ceiling.at(-1)!.perSecond)}/s, webhook ingest ${r1(ingest.at(-1)!.perSecond)}/s (errors ${ingest.at(-1)!.errors}; median paired ratio ${Math.round(ratios.at(-1)! * 100)}%), load ${loadavg()}`,
      );
    }
    return { ceiling, ingest, ratios };
  } finally {
    await c.stop();
  }
}
