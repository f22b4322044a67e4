import { z } from 'zod';
import type { JobStatus } from '../model/job';
import { statsStore, type HourRow } from '../store/statsStore';

/**
 * The dashboard's aggregates: jobs per hour by final status, and per runbook the counts, failure
 * rate, duration percentiles and last job. Counted once when each job ends (recordJobEnd), read
 * back as a few hundred small rows (readStats): the cost of a read depends on hours × runbooks,
 * never on how many jobs there are. Jobs that ended before this existed are not counted.
 */

/** Upper bounds of the duration buckets (ms); the last bucket is everything longer. */
export const DURATION_BUCKETS_MS = [
  250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 4 * 3_600_000,
];
const FINAL = ['Completed', 'Failed', 'Stopped'] as const;
type Final = (typeof FINAL)[number];

export const hourOf = (iso: string): string => iso.slice(0, 13); // yyyy-mm-ddThh (UTC)

export function bucketOf(ms: number): number {
  const i = DURATION_BUCKETS_MS.findIndex((b) => ms <= b);
  return i === -1 ? DURATION_BUCKETS_MS.length : i;
}

/** The job's final status counted into its end hour. Never throws into the job's own path. */
export async function recordJobEnd(job: { jobId: string; runbook: string; status: JobStatus; startTime?: string; endTime: string }): Promise<void> {
  if (!(FINAL as readonly string[]).includes(job.status)) return;
  const status = job.status as Final;
  const duration = job.startTime ? Math.max(0, Date.parse(job.endTime) - Date.parse(job.startTime)) : undefined;
  try {
    await statsStore.updateHour(hourOf(job.endTime), job.runbook, (row) => {
      const histogram = [...row.histogram];
      if (duration !== undefined) {
        const b = bucketOf(duration);
        while (histogram.length <= b) histogram.push(0);
        histogram[b]! += 1;
      }
      return {
        ...row,
        [status]: row[status] + 1,
        durationMs: row.durationMs + (duration ?? 0),
        maxMs: Math.max(row.maxMs, duration ?? 0),
        histogram,
      };
    });
    await statsStore.setLast({ runbook: job.runbook, jobId: job.jobId, status: job.status, endTime: job.endTime });
  } catch (error) {
    // Statistics are a convenience: a job's outcome must never depend on them.
    console.warn(`jobstats: could not count job ${job.jobId}: ${(error as Error).message}`);
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
  const [rows, lasts] = await Promise.all([statsStore.hoursSince(fromKey), statsStore.lasts()]);
  const mine = rows.filter((r) => visible(r.runbook));

  const byHour = new Map<string, { Completed: number; Failed: number; Stopped: number }>();
  for (let t = startHour; t <= endHour; t += 3_600_000) byHour.set(hourOf(new Date(t).toISOString()), { Completed: 0, Failed: 0, Stopped: 0 });
  const byRunbook = new Map<string, HourRow>();
  for (const r of mine) {
    const h = byHour.get(r.hour);
    if (h) for (const s of FINAL) h[s] += r[s];
    const acc = byRunbook.get(r.runbook) ?? { ...r, Completed: 0, Failed: 0, Stopped: 0, durationMs: 0, maxMs: 0, histogram: [] };
    for (const s of FINAL) acc[s] += r[s];
    acc.durationMs += r.durationMs;
    acc.maxMs = Math.max(acc.maxMs, r.maxMs);
    r.histogram.forEach((n, i) => {
      while (acc.histogram.length <= i) acc.histogram.push(0);
      acc.histogram[i]! += n;
    });
    byRunbook.set(r.runbook, acc);
  }
  const lastOf = new Map(lasts.map((l) => [l.runbook, l]));
  const runbooks = [...byRunbook.values()].map((r) => {
    const total = r.Completed + r.Failed + r.Stopped;
    const timed = r.histogram.reduce((a, b) => a + b, 0);
    const last = lastOf.get(r.runbook);
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
  // Runbooks with a last job but none in the window still show their last run.
  for (const l of lasts) {
    if (byRunbook.has(l.runbook) || !visible(l.runbook)) continue;
    runbooks.push({
      runbook: l.runbook, total: 0, Completed: 0, Failed: 0, Stopped: 0, failureRate: 0,
      meanMs: null, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null, last: { jobId: l.jobId, status: l.status, endTime: l.endTime },
    });
  }
  runbooks.sort((a, b) => a.runbook.localeCompare(b.runbook));
  return {
    generatedTime: new Date(now).toISOString(),
    from: new Date(startHour).toISOString(),
    hours: [...byHour.entries()].map(([hour, c]) => ({ hour: `${hour}:00:00Z`, ...c })),
    runbooks,
  };
}
