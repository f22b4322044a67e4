/** Load loops and their statistics: percentiles, throughput, the mean of paired runs. */
import os from 'node:os';

export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Load {
  concurrency: number;
  ok: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

/** Runs `op` from `concurrency` loops for `ms` (after a short warm-up); latencies of successes. */
export async function load(concurrency: number, ms: number, op: () => Promise<boolean>): Promise<Load> {
  const warmUntil = Date.now() + Math.min(500, ms / 4);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < warmUntil) await op().catch(() => false);
    }),
  );
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const s = performance.now();
        const ok = await op().catch(() => false);
        if (ok) latencies.push(performance.now() - s);
        else errors++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    ok: latencies.length,
    errors,
    seconds,
    perSecond: latencies.length / seconds,
    p50ms: pct(latencies, 50),
    p99ms: pct(latencies, 99),
  };
}

/** Several runs at one concurrency as one: mean rates and p50s, the worst p99. */
export const mean = (xs: Load[]): Load => ({
  concurrency: xs[0]!.concurrency,
  ok: xs.reduce((a, x) => a + x.ok, 0),
  errors: xs.reduce((a, x) => a + x.errors, 0),
  seconds: xs.reduce((a, x) => a + x.seconds, 0),
  perSecond: xs.reduce((a, x) => a + x.perSecond, 0) / xs.length,
  p50ms: xs.reduce((a, x) => a + x.p50ms, 0) / xs.length,
  p99ms: Math.max(...xs.map((x) => x.p99ms)),
});

export const loadavg = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const r1 = (n: number): number => Math.round(n * 10) / 10;
