import { odata } from '@azure/data-tables';
import { table } from './clients';
import { hasStatus } from './errors';

/**
 * Table "jobstats": running totals kept as jobs end, so that the dashboard's charts cost the same
 * few storage transactions whether there are a hundred jobs or a million (docs/dashboard.md).
 *
 * Partition `hour`, row `<yyyy-mm-ddThh>|<runbook>`: counts per final status, a duration
 * histogram and the latest job of that runbook that ended in that UTC hour.
 *
 * Hour rows are merged with optimistic concurrency (ETag), retried on conflict, so two workers
 * ending jobs at once both count.
 */
export interface HourRow {
  hour: string;
  runbook: string;
  Completed: number;
  Failed: number;
  Stopped: number;
  /** Sum of run durations (ms) of the jobs that had a start time. */
  durationMs: number;
  maxMs: number;
  /** Count per duration bucket (see DURATION_BUCKETS_MS), as a JSON array. */
  histogram: number[];
  last?: { jobId: string; status: string; endTime: string };
}

const HOUR = 'hour';

function toHour(e: Record<string, unknown>): HourRow {
  const [hour, runbook] = String(e.rowKey).split('|') as [string, string];
  let histogram: number[] = [];
  try {
    histogram = JSON.parse(String(e.histogram ?? '[]')) as number[];
  } catch {
    histogram = [];
  }
  return {
    hour,
    runbook,
    Completed: Number(e.Completed ?? 0),
    Failed: Number(e.Failed ?? 0),
    Stopped: Number(e.Stopped ?? 0),
    durationMs: Number(e.durationMs ?? 0),
    maxMs: Number(e.maxMs ?? 0),
    histogram,
    ...(e.lastJobId
      ? { last: { jobId: String(e.lastJobId), status: String(e.lastStatus ?? ''), endTime: String(e.lastEndTime ?? '') } }
      : {}),
  };
}

export const statsStore = {
  /** Read-modify-write one hour row; `change` gets the current row (zeros when new). */
  async updateHour(hour: string, runbook: string, change: (row: HourRow) => HourRow): Promise<void> {
    const stats = await table('jobstats');
    const rowKey = `${hour}|${runbook}`;
    for (let attempt = 0; attempt < 40; attempt++) {
      // Jittered back-off after a conflict: many jobs of one runbook may end in the same moment.
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(500, 20 * attempt)));
      let current: HourRow = { hour, runbook, Completed: 0, Failed: 0, Stopped: 0, durationMs: 0, maxMs: 0, histogram: [] };
      let etag: string | undefined;
      try {
        const e = await stats.getEntity<Record<string, unknown>>(HOUR, rowKey);
        current = toHour(e);
        etag = e.etag;
      } catch (error) {
        if (!hasStatus(error, 404)) throw error;
      }
      const next = change(current);
      const entity = {
        partitionKey: HOUR,
        rowKey,
        Completed: next.Completed,
        Failed: next.Failed,
        Stopped: next.Stopped,
        durationMs: next.durationMs,
        maxMs: next.maxMs,
        histogram: JSON.stringify(next.histogram),
        ...(next.last ? { lastJobId: next.last.jobId, lastStatus: next.last.status, lastEndTime: next.last.endTime } : {}),
      };
      try {
        if (etag) await stats.updateEntity(entity, 'Replace', { etag });
        else await stats.createEntity(entity);
        return;
      } catch (error) {
        if (hasStatus(error, 412) || hasStatus(error, 409)) continue; // someone else counted first: read again
        throw error;
      }
    }
    throw new Error(`jobstats row ${rowKey} kept changing under us`);
  },

  /** Deletes hour rows before `beforeHour` (retention), at most `max` a run; returns how many. */
  async purgeHoursBefore(beforeHour: string, max = 1000): Promise<number> {
    const stats = await table('jobstats');
    const filter = odata`PartitionKey eq ${HOUR} and RowKey lt ${beforeHour}`;
    let n = 0;
    for await (const e of stats.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
      await stats.deleteEntity(e.partitionKey!, e.rowKey!).catch((error: unknown) => {
        if (!hasStatus(error, 404)) throw error;
      });
      if (++n >= max) break;
    }
    return n;
  },

  /** Hour rows from `fromHour` (inclusive) on: one query, 1,000 rows per storage transaction. */
  async hoursSince(fromHour: string): Promise<HourRow[]> {
    const stats = await table('jobstats');
    const out: HourRow[] = [];
    const filter = odata`PartitionKey eq ${HOUR} and RowKey ge ${fromHour}`;
    for await (const e of stats.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) out.push(toHour(e));
    return out;
  },
};
