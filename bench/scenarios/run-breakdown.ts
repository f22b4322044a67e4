/**
 * 6a. Synchronous run, where the time goes: startAndWait (what RealmJoin `run` calls) in this
 * process against the bench's Azurite, timing every storage request; and exec alone for scale.
 */
import { log } from '../settings';
import { pct } from '../measure';

export interface RunBreakdown {
  samples: number;
  totalP50ms: number;
  /** Storage requests of one run, in order, with the p50 of each. */
  requests: Array<{ what: string; p50ms: number }>;
  storageP50ms: number;
  /** total − storage (storage = time with a request in flight; overlapping requests count once): spawning the process, its run, and the CPU of the core (p50 of the per-run differences). */
  restP50ms: number;
  /** `exec('echo hello')` alone in this process (p50). */
  execP50ms: number;
}

/** Milliseconds covered by at least one of the intervals. */
function onPath(timings: Array<{ startMs: number; ms: number }>): number {
  const sorted = [...timings].sort((a, b) => a.startMs - b.startMs);
  let total = 0;
  let end = -Infinity;
  for (const t of sorted) {
    const from = Math.max(t.startMs, end);
    const to = t.startMs + t.ms;
    if (to > from) total += to - from;
    end = Math.max(end, to);
  }
  return total;
}

/** startAndWait (what RealmJoin `run` calls) in this process, timing every storage request. */
export async function runBreakdown(n: number): Promise<RunBreakdown> {
  const { storageCounter } = await import('../../shared/store/clients');
  const { catalog } = await import('../../shared/runbooks/catalog');
  const { startAndWait } = await import('../../shared/jobs/runHere');
  const { exec } = await import('node:child_process');
  await catalog.create({ name: 'run-echo', type: 'bash', content: 'echo hello', parameters: [], description: '' } as never);
  await catalog.publish('run-echo');
  const quiet = { log() {}, warn() {}, error: (...a: unknown[]) => log(`run error: ${a.join(' ')}`) };
  const what = (m: string, url: string) => {
    if (url.includes('$batch')) return 'stream batch';
    if (url.includes('/messages')) return 'queue send';
    if (/\/[A-Za-z]*jobs\(/.test(url)) return m === 'GET' ? 'job read' : 'job update';
    if (/\/[A-Za-z]*jobs(\?|$)/.test(url)) return m === 'POST' ? 'job insert' : 'job query';
    return `${m} ${new URL(url).pathname}`;
  };
  for (let i = 0; i < 3; i++) await startAndWait({ runbook: 'run-echo', startedBy: 'bench' }, 60_000, quiet);
  const totals: number[] = [];
  const storage: number[] = [];
  const rest: number[] = [];
  const per = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    storageCounter.timings = [];
    const t0 = performance.now();
    const a = await startAndWait({ runbook: 'run-echo', startedBy: 'bench' }, 60_000, quiet);
    const total = performance.now() - t0;
    if (a.status !== 'Completed' || !a.streams) throw new Error(`run-echo: ${a.status}, answered from ${a.streams ? 'memory' : 'storage'}`);
    const timings = storageCounter.timings;
    storageCounter.timings = undefined;
    // Time with at least one storage request in flight (the send and the claim overlap).
    const sum = onPath(timings);
    totals.push(total);
    storage.push(sum);
    rest.push(total - sum);
    const updates = timings.filter((t) => what(t.method, t.url) === 'job update').length;
    let seen = 0;
    // In the order they started; the send and the claim run at the same time (either may start first).
    [...timings]
      .sort((a, b) => a.startMs - b.startMs)
      .forEach((t) => {
        let kind = what(t.method, t.url);
        if (kind === 'job update') kind = ++seen === 1 ? 'claim (job update)' : seen === updates ? 'finish (job update)' : 'job update';
        if (kind === 'queue send' || kind === 'claim (job update)') kind = `${kind}, in parallel`;
        per.set(kind, [...(per.get(kind) ?? []), t.ms]);
      });
  }
  const execs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => exec('echo hello', (e) => (e ? reject(e) : resolve())));
    execs.push(performance.now() - t0);
  }
  const p50 = (xs: number[]) =>
    pct(
      [...xs].sort((a, b) => a - b),
      50,
    );
  return {
    samples: n,
    totalP50ms: p50(totals),
    requests: [...per.entries()].map(([w, xs]) => ({ what: `${w}${xs.length < n ? ` (${xs.length} of ${n} runs)` : ''}`, p50ms: p50(xs) })),
    storageP50ms: p50(storage),
    restP50ms: p50(rest),
    execP50ms: p50(execs),
  };
}
