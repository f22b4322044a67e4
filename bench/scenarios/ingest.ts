/**
 * 3. Webhook ingest against a local host with every function but the worker (the same HTTP path,
 * no job execution competing for the cores), alternated with the ceiling (ceiling, ingest,
 * ceiling, ingest at each concurrency) so that both see the same machine load, which on a shared
 * box moves.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { benchHost, postHook } from '../host';
import { childPids, cpuMs } from '../machine';
import { load, loadavg, mean, r1, type Load } from '../measure';
import { log, PHASE_MS, repoRoot } from '../settings';

/** CPU per request (ms) while the load ran, from /proc: where each side's time goes. */
export interface CpuPerRequest {
  /** The local host process (HTTP server, the app, its storage clients). */
  host?: number;
  /** Azurite's table and queue processes. */
  azurite?: number;
  /** The bench process: the load loop's HTTP client, or the ceiling's storage clients. */
  client: number;
}

export interface IngestVersusCeiling {
  ceiling: Load[];
  ingest: Load[];
  /** Per concurrency, means over the rounds: the ceiling's client, and the ingest's host, Azurite and client. */
  cpu: Array<{ ceiling: CpuPerRequest; ingest: CpuPerRequest }>;
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
    const cpu: IngestVersusCeiling['cpu'] = [];
    const azurite = childPids(c.host.pid);
    const azuriteMs = () => azurite.reduce((sum, pid) => sum + cpuMs(pid), 0);
    const clientMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    /** `run` with the CPU each side used per successful request. */
    const measured = async <T extends Load>(run: () => Promise<T>, withHost: boolean): Promise<[T, CpuPerRequest]> => {
      const h0 = cpuMs(c.host.pid);
      const a0 = azuriteMs();
      const b0 = clientMs();
      const l = await run();
      const per = (ms: number) => (l.ok > 0 ? ms / l.ok : NaN);
      return [
        l,
        { client: per(clientMs() - b0), ...(withHost ? { host: per(cpuMs(c.host.pid) - h0), azurite: per(azuriteMs() - a0) } : {}) },
      ];
    };
    for (const n of [1, 16, 64]) {
      const cs: Load[] = [];
      const is: Load[] = [];
      const rs: number[] = [];
      const cc: CpuPerRequest[] = [];
      const ic: CpuPerRequest[] = [];
      for (let round = 0; round < 4; round++) {
        const [cl, ccpu] = await measured(() => load(n, PHASE_MS / 2, ceilOp), false);
        const [il, icpu] = await measured(() => load(n, PHASE_MS / 2, postHook(uri)), true);
        cs.push(cl);
        is.push(il);
        cc.push(ccpu);
        ic.push(icpu);
        rs.push(il.perSecond / cl.perSecond);
      }
      const avg = (xs: CpuPerRequest[], k: keyof CpuPerRequest) => xs.reduce((sum, x) => sum + (x[k] ?? 0), 0) / xs.length;
      cpu.push({
        ceiling: { client: avg(cc, 'client') },
        ingest: { host: avg(ic, 'host'), azurite: avg(ic, 'azurite'), client: avg(ic, 'client') },
      });
      ceiling.push(mean(cs));
      ingest.push(mean(is));
      ratios.push(rs.sort((a, b) => a - b)[1]! / 2 + rs[2]! / 2); // median of the four paired ratios
      const u = cpu.at(-1)!;
      log(
        `c=${n}: CPU per request: ingest host ${u.ingest.host!.toFixed(2)} ms, Azurite ${u.ingest.azurite!.toFixed(2)} ms, load loop ${u.ingest.client.toFixed(2)} ms; ceiling client ${u.ceiling.client.toFixed(2)} ms`,
      );
      log(
        `c=${n}: ceiling ${r1(ceiling.at(-1)!.perSecond)}/s, webhook ingest ${r1(ingest.at(-1)!.perSecond)}/s (errors ${ingest.at(-1)!.errors}; median paired ratio ${Math.round(ratios.at(-1)! * 100)}%), load ${loadavg()}`,
      );
    }
    return { ceiling, ingest, ratios, cpu };
  } finally {
    await c.stop();
  }
}
