import { odata, type TransactionAction } from '@azure/data-tables';
import type { StreamRecord, StreamType } from '../model/job';
import { table } from './clients';
import { joinProperty, splitProperty } from './chunks';
import { streamRowKey } from './keys';

/**
 * Table "streams": partition = job id, row key = attempt (2 digits) + sequence (8 digits), so a
 * retried attempt never collides with the records of the one before and all sort in write order.
 * Records go in entity-group transactions of at most 100 (one partition, atomic).
 */
export interface StreamRow {
  seq: number;
  attempt: number;
  time: string;
  streamType: StreamType;
  summary: string;
  streamText: string;
  /** JSON of the record's value, if any. */
  value?: string;
  /** The line goes on in the next record (it was split). */
  continued?: boolean;
}

export const MAX_BATCH = 100;

function toEntity(jobId: string, r: StreamRow): Record<string, unknown> {
  const e: Record<string, unknown> = {
    partitionKey: jobId,
    rowKey: streamRowKey(r.attempt, r.seq),
    time: r.time,
    streamType: r.streamType,
    summary: r.summary,
  };
  splitProperty('streamText', r.streamText, e);
  if (r.value !== undefined) e.value = r.value;
  if (r.continued) e.continued = true;
  return e;
}

export const streamStore = {
  /** One entity-group transaction per 100 rows (atomic per transaction). */
  async append(jobId: string, rows: StreamRow[]): Promise<void> {
    if (rows.length === 0) return;
    const streams = await table('streams');
    for (let i = 0; i < rows.length; i += MAX_BATCH) {
      // upsert: a retried batch (after a timeout that did land) must not fail on "already exists".
      const actions: TransactionAction[] = rows.slice(i, i + MAX_BATCH).map((r) => ['upsert', toEntity(jobId, r) as never, 'Replace']);
      await streams.submitTransaction(actions);
    }
  },

  /** One row on its own (the writer's fallback when a batch keeps failing). */
  async appendOne(jobId: string, row: StreamRow): Promise<void> {
    const streams = await table('streams');
    await streams.upsertEntity(toEntity(jobId, row) as never, 'Replace');
  },

  /** Records in write order, optionally of some types only, optionally after a row key. */
  async list(jobId: string, opts: { types?: StreamType[]; after?: string } = {}): Promise<StreamRecord[]> {
    const streams = await table('streams');
    const filter = opts.after ? odata`PartitionKey eq ${jobId} and RowKey gt ${opts.after}` : odata`PartitionKey eq ${jobId}`;
    const out: StreamRecord[] = [];
    for await (const e of streams.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      const type = e.streamType as StreamType;
      if (opts.types && opts.types.length && !opts.types.includes(type)) continue;
      let value: unknown;
      if (typeof e.value === 'string') {
        try {
          value = JSON.parse(e.value);
        } catch {
          value = e.value;
        }
      }
      out.push({
        jobStreamId: `${jobId}:${e.rowKey}`,
        time: String(e.time),
        streamType: type,
        summary: String(e.summary ?? ''),
        streamText: joinProperty('streamText', e) ?? '',
        ...(value !== undefined ? { value } : {}),
        ...(e.continued === true ? { continued: true } : {}),
      });
    }
    return out;
  },

  /**
   * Delete every record of these jobs (retention), without one query per job: job ids are UUIDv7
   * (time first), so the stream partitions of a round of jobs lie in one key range, read once
   * (keys only); rows of other jobs in the range (not finished, not in the round) are left alone.
   * Each job's rows go in transactions of 100 (one partition each), `parallel` jobs at a time.
   */
  async deleteAllOf(jobIds: string[], parallel = 8): Promise<number> {
    if (jobIds.length === 0) return 0;
    const streams = await table('streams');
    const sorted = [...jobIds].sort();
    const wanted = new Set(sorted);
    const rows = new Map<string, string[]>();
    const filter = odata`PartitionKey ge ${sorted[0]!} and PartitionKey le ${sorted[sorted.length - 1]!}`;
    for await (const e of streams.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
      if (!wanted.has(e.partitionKey!)) continue;
      let keys = rows.get(e.partitionKey!);
      if (!keys) rows.set(e.partitionKey!, (keys = []));
      keys.push(e.rowKey!);
    }
    const work = [...rows];
    let next = 0;
    let deleted = 0;
    await Promise.all(
      Array.from({ length: Math.min(parallel, work.length) }, async () => {
        while (next < work.length) {
          const [jobId, keys] = work[next++]!;
          for (let i = 0; i < keys.length; i += MAX_BATCH) {
            await streams.submitTransaction(keys.slice(i, i + MAX_BATCH).map((rowKey) => ['delete', { partitionKey: jobId, rowKey }]));
            deleted += Math.min(MAX_BATCH, keys.length - i);
          }
        }
      }),
    );
    return deleted;
  },

  /** Delete every record of a job, in batches. */
  async deleteAll(jobId: string): Promise<number> {
    const streams = await table('streams');
    const keys: string[] = [];
    for await (const e of streams.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${jobId}`, select: ['RowKey'] } })) {
      keys.push(e.rowKey!);
    }
    for (let i = 0; i < keys.length; i += MAX_BATCH) {
      await streams.submitTransaction(keys.slice(i, i + MAX_BATCH).map((rowKey) => ['delete', { partitionKey: jobId, rowKey }]));
    }
    return keys.length;
  },
};
