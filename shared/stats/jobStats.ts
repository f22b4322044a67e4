import { z } from 'zod';
import type { JobStatus } from '../model/job';
import { settings } from '../config';
import { statsStore, type HourRow } from '../store/statsStore';

/**
 * The dashboard's aggregates: jobs per hour by final status, and per runbook the counts, failure
 * rate, duration percentiles and last job. Counted as jobs end, in memory, and merged into one
 * storage row per (hour, runbook) every few seconds (HOOKBOOK_STATS_FLUSH_SECONDS, default 5): a
 * job's own path gains no storage transaction, and a busy instance writes the same 2 per
 * (hour, runbook) per flush however many jobs ended. A read (readStats) is a few hundred small
 * rows: its cost depends on hours × runbooks, never on how many jobs there are. Jobs that ended
 * before this existed, and the last few seconds of counts of an instance that crashed, are missing
 * (statistics, not records: the jobs themselves are intact). docs/dashboard.md has the figures.
 */

/** Upper bounds of the duration buckets (ms); the last bucket is everything longer. */
export const DURATION_BUCKETS_MS = [
  250,
  500,
  1_000,
  2_000,
  5_000,
  10_000,
  30_000,
  60_000,
  120_000,
  300_000,
  600_000,
  1_800_000,
  3_600_000,
  4 * 3_600_000,
];
const FINAL = ['Completed', 'Failed', 'Stopped'] as const;

export const hourOf = (iso: string): string => iso.slice(0, 13); // yyyy-mm-ddThh (UTC)

export function bucketOf(ms: number): number {
  const i = DURATION_BUCKETS_MS.findIndex((b) => ms <= b);
  return i === -1 ? DURATION_BUCKETS_MS.length : i;
}

type Delta = Omit<HourRow, 'hour' | 'runbook'>;
const pending = new Map<string, Delta>();
let timer: NodeJS.Timeout | undefined;
let flushing: Promise<void> | undefined;
const flushMs = () => settings().statsFlushSeconds * 1000 || 5000;

const newer = (a?: HourRow['last'], b?: HourRow['last']) => (!a ? b : !b ? a : b.endTime >= a.endTime ? b : a);

function merge(into: Delta, d: Delta): Delta {
  const histogram = [...into.histogram];
  d.histogram.forEach((n, i) => {
    while (histogram.length <= i) histogram.push(0);
    histogram[i]! += n;
  });
  const last = newer(into.last, d.last);
  return {
    Completed: into.Completed + d.Completed,
    Failed: into.Failed + d.Failed,
    Stopped: into.Stopped + d.Stopped,
    durationMs: into.durationMs + d.durationMs,
    maxMs: Math.max(into.maxMs, d.maxMs),
    histogram,
    ...(last ? { last } : {}),
  };
}

const zero = (): Delta => ({ Completed: 0, Failed: 0, Stopped: 0, durationMs: 0, maxMs: 0, histogram: [] });

/** Count a job that reached a final status. In memory only: never slows nor fails the job. */
export function recordJobEnd(job: { jobId: string; runbook: string; status: JobStatus; startTime?: string; endTime: string }): void {
  if (!(FINAL as readonly string[]).includes(job.status)) return;
  const duration = job.startTime ? Math.max(0, Date.parse(job.endTime) - Date.parse(job.startTime)) : undefined;
  const d = zero();
  d[job.status as (typeof FINAL)[number]] = 1;
  if (duration !== undefined) {
    d.durationMs = duration;
    d.maxMs = duration;
    d.histogram = new Array(bucketOf(duration) + 1).fill(0);
    d.histogram[bucketOf(duration)] = 1;
  }
  d.last = { jobId: job.jobId, status: job.status, endTime: job.endTime };
  const key = `${hourOf(job.endTime)}|${job.runbook}`;
  pending.set(key, merge(pending.get(key) ?? zero(), d));
  if (!timer) {
    timer = setTimeout(() => void flushStats(), flushMs());
    timer.unref();
  }
}

/** Write what was counted since the last flush (also called by tests and at shutdown). */
export async function flushStats(): Promise<void> {
  if (flushing) await flushing;
  clearTimeout(timer);
  timer = undefined;
  if (pending.size === 0) return;
  const batch = [...pending.entries()];
  pending.clear();
  flushing = (async () => {
    for (const [key, delta] of batch) {
      const [hour, runbook] = key.split('|') as [string, string];
      try {
        await statsStore.updateHour(hour, runbook, (row) => ({ ...row, ...merge(row, delta) }));
      } catch (error) {
        // Keep the counts for the next flush rather than lose them.
        pending.set(key, merge(pending.get(key) ?? zero(), delta));
        console.warn(`jobstats: could not write ${key}, will retry: ${(error as Error).message}`);
      }
    }
  })();
  try {
    await flushing;
  } finally {
    flushing = undefined;
    if (pending.size && !timer) {
      timer = setTimeout(() => void flushStats(), flushMs());
      timer.unref();
    }
  }
}

/** The duration under which `q` (0..1) of the jobs ended: the upper bound of that bucket. */
export function percentile(histogram: number[], q: number, maxMs: number): number | null {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i] ?? 0;
    if (seen >= rank) return Math.min(DURATION_BUCKETS_MS[i] ?? maxMs, maxMs);
  }
  return maxMs;
}

export const HourStats = z.object({ hour: z.string(), Completed: z.number(), Failed: z.number(), Stopped: z.number() });
export const RunbookStats = z.object({
  runbook: z.string(),
  total: z.number(),
  Completed: z.number(),
  Failed: z.number(),
  Stopped: z.number(),
  failureRate: z.number(),
  meanMs: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p90Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
  last: z.object({ jobId: z.string(), status: z.string(), endTime: z.string() }).optional(),
});
export const Stats = z.object({
  generatedTime: z.string(),
  from: z.string(),
  hours: z.array(HourStats),
  runbooks: z.array(RunbookStats),
});
export type Stats = z.infer<typeof Stats>;

/**
 * `days` full days back from now, hour by hour (every hour present, zeros included), and per
 * runbook over the same window. `visible` limits runbooks to those the caller may see.
 */
export async function readStats(days: number, visible: (runbook: string) => boolean, now = Date.now()): Promise<Stats> {
  const endHour = Math.floor(now / 3_600_000) * 3_600_000;
  const startHour = endHour - (days * 24 - 1) * 3_600_000;
  const fromKey = hourOf(new Date(startHour).toISOString());
  const rows = await statsStore.hoursSince(fromKey);
  const mine = rows.filter((r) => visible(r.runbook));

  const byHour = new Map<string, { Completed: number; Failed: number; Stopped: number }>();
  for (let t = startHour; t <= endHour; t += 3_600_000)
    byHour.set(hourOf(new Date(t).toISOString()), { Completed: 0, Failed: 0, Stopped: 0 });
  const byRunbook = new Map<string, HourRow>();
  for (const r of mine) {
    const h = byHour.get(r.hour);
    if (h) for (const s of FINAL) h[s] += r[s];
    const acc = byRunbook.get(r.runbook) ?? { hour: r.hour, runbook: r.runbook, ...zero() };
    byRunbook.set(r.runbook, { hour: r.hour, runbook: r.runbook, ...merge(acc, r) });
  }
  const runbooks = [...byRunbook.values()].map((r) => {
    const total = r.Completed + r.Failed + r.Stopped;
    const timed = r.histogram.reduce((a, b) => a + b, 0);
    const last = r.last;
    return {
      runbook: r.runbook,
      total,
      Completed: r.Completed,
      Failed: r.Failed,
      Stopped: r.Stopped,
      failureRate: total ? r.Failed / total : 0,
      meanMs: timed ? Math.round(r.durationMs / timed) : null,
      p50Ms: percentile(r.histogram, 0.5, r.maxMs),
      p90Ms: percentile(r.histogram, 0.9, r.maxMs),
      p99Ms: percentile(r.histogram, 0.99, r.maxMs),
      maxMs: timed ? r.maxMs : null,
      ...(last ? { last: { jobId: last.jobId, status: last.status, endTime: last.endTime } } : {}),
    };
  });
  runbooks.sort((a, b) => a.runbook.localeCompare(b.runbook));
  return {
    generatedTime: new Date(now).toISOString(),
    from: new Date(startHour).toISOString(),
    hours: [...byHour.entries()].map(([hour, c]) => ({ hour: `${hour}:00:00Z`, ...c })),
    runbooks,
  };
}
