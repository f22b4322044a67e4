import { odata, type TransactionAction } from '@azure/data-tables';
import type { StreamRecord, StreamType } from '../model/job';
import { table } from './clients';
import { cutString, joinProperty, splitProperty } from './chunks';
import { streamRowKey } from './keys';

/**
 * Table "streams": partition = job id. A job's records are stored **packed**: one row holds a run
 * of consecutive records (those of one write, up to ~240 K characters of JSON), so a job that prints
 * 30,000 lines costs a handful of rows, not 30,000 (issue 28: the local host's table store pays per
 * row; Azure bills per transaction). A pack's row key is the attempt (2 digits) + the sequence
 * number (8 digits) of its **last** record, so `RowKey gt <a record's key>` finds every pack that
 * holds a later record, and a retried attempt never collides with the records of the one before.
 *
 *   pack row:   { pack: <count>, records: JSON [{ s, t, y, x, v?, c?, m? }, ...] }   (split as chunks.ts splits)
 *   single row: { time, streamType, summary, streamText, value?, continued? }   (rows written before packing;
 *               still read, and still written as a pack of one by appendOne)
 *
 * Each record keeps its own id (`<jobId>:<attempt><seq>`), the same in both layouts. Reading sorts
 * the records by that key and keeps one per key, so a record written twice (a batch that landed
 * after all, then retried one by one) is read once.
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

/** Rows (entities) per entity-group transaction: the Table service's limit. */
export const MAX_BATCH = 100;
/** JSON characters per pack before a new one starts (a record is never split: one may go over). */
export const PACK_CHARS = 240_000;
/**
 * Pack characters per transaction: the service takes at most 4 MiB of payload per batch, and a
 * character takes up to 3 bytes of UTF-8 (CJK text), so 1 M characters stay below it with room.
 */
const TRANSACTION_CHARS = 1_000_000;
/** The summary a record gets when none is given (the stream writer's rule). */
export const SUMMARY_CHARS = 256;

interface Packed {
  s: number;
  t: string;
  y: StreamType;
  x: string;
  v?: string;
  c?: true;
  /** The summary, only when it is not the text's first SUMMARY_CHARS characters. */
  m?: string;
}

/**
 * A lone surrogate becomes U+FFFD, as storage keeps it in a property of its own (encoding.ts): in a
 * pack it is inside our JSON text, where storage would keep the escape and give it back unchanged.
 */
const wellFormed = (s: string): string => (s as string & { toWellFormed(): string }).toWellFormed();

function packOf(r: StreamRow): Packed {
  const text = wellFormed(r.streamText);
  const p: Packed = { s: r.seq, t: r.time, y: r.streamType, x: text };
  // The value is JSON text: a lone surrogate in it is an escape and stays one, as in a property of its own.
  if (r.value !== undefined) p.v = wellFormed(r.value);
  if (r.continued) p.c = true;
  if (r.summary !== cutString(r.streamText, SUMMARY_CHARS)) p.m = wellFormed(r.summary);
  return p;
}

function packEntity(jobId: string, attempt: number, records: string[], lastSeq: number): Record<string, unknown> {
  const e: Record<string, unknown> = { partitionKey: jobId, rowKey: streamRowKey(attempt, lastSeq), pack: records.length };
  splitProperty('records', `[${records.join(',')}]`, e);
  return e;
}

function packChars(e: Record<string, unknown>): number {
  let n = 0;
  for (const v of Object.values(e)) if (typeof v === 'string') n += v.length;
  return n;
}

/** Rows of one write as pack entities, in key order: deterministic, so a retried write lands on the same keys. */
export function packEntities(jobId: string, rows: StreamRow[]): Record<string, unknown>[] {
  const sorted = [...rows].sort((a, b) => a.attempt - b.attempt || a.seq - b.seq);
  const out: Record<string, unknown>[] = [];
  let records: string[] = [];
  let chars = 0;
  let attempt = sorted[0]?.attempt ?? 0;
  let lastSeq = -1;
  for (const r of sorted) {
    const json = JSON.stringify(packOf(r));
    if (records.length > 0 && (r.attempt !== attempt || chars + json.length + 1 > PACK_CHARS)) {
      out.push(packEntity(jobId, attempt, records, lastSeq));
      records = [];
      chars = 0;
    }
    attempt = r.attempt;
    lastSeq = r.seq;
    records.push(json);
    chars += json.length + 1;
  }
  if (records.length > 0) out.push(packEntity(jobId, attempt, records, lastSeq));
  return out;
}

/** The records a row holds, packed or single, each with its own row key. */
function recordsOf(jobId: string, e: Record<string, unknown>): Array<{ key: string; record: StreamRecord }> {
  const rowKey = String(e.rowKey);
  if (typeof e.pack !== 'number') return [{ key: rowKey, record: singleRecord(jobId, rowKey, e) }];
  const attempt = Number(rowKey.slice(0, 2));
  let packed: Packed[];
  try {
    packed = JSON.parse(joinProperty('records', e) ?? '[]') as Packed[];
  } catch {
    return [];
  }
  return packed.map((p) => {
    const key = streamRowKey(attempt, p.s);
    return {
      key,
      record: {
        jobStreamId: `${jobId}:${key}`,
        time: p.t,
        streamType: p.y,
        summary: p.m ?? cutString(p.x, SUMMARY_CHARS),
        streamText: p.x,
        ...(p.v !== undefined ? { value: parseValue(p.v) } : {}),
        ...(p.c ? { continued: true } : {}),
      },
    };
  });
}

function parseValue(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

function singleRecord(jobId: string, rowKey: string, e: Record<string, unknown>): StreamRecord {
  return {
    jobStreamId: `${jobId}:${rowKey}`,
    time: String(e.time),
    streamType: e.streamType as StreamType,
    summary: String(e.summary ?? ''),
    streamText: joinProperty('streamText', e) ?? '',
    ...(typeof e.value === 'string' ? { value: parseValue(e.value) } : {}),
    ...(e.continued === true ? { continued: true } : {}),
  };
}

export const streamStore = {
  /**
   * The rows as packs, in entity-group transactions (one partition, atomic each) of at most 100
   * packs and ~1 M characters; a write of 1,000 records of typical lines is one transaction.
   */
  async append(jobId: string, rows: StreamRow[]): Promise<void> {
    if (rows.length === 0) return;
    const streams = await table('streams');
    const packs = packEntities(jobId, rows);
    let actions: TransactionAction[] = [];
    let chars = 0;
    for (const e of packs) {
      const size = packChars(e);
      if (actions.length > 0 && (actions.length >= MAX_BATCH || chars + size > TRANSACTION_CHARS)) {
        await streams.submitTransaction(actions);
        actions = [];
        chars = 0;
      }
      // upsert: a retried batch (after a timeout that did land) must not fail on "already exists".
      actions.push(['upsert', e as never, 'Replace']);
      chars += size;
    }
    if (actions.length > 0) await streams.submitTransaction(actions);
  },

  /** One record on its own, as a pack of one (the writer's fallback when a batch keeps failing). */
  async appendOne(jobId: string, row: StreamRow): Promise<void> {
    const streams = await table('streams');
    await streams.upsertEntity(packEntities(jobId, [row])[0] as never, 'Replace');
  },

  /** Records in write order, optionally of some types only, optionally after a record's row key. */
  async list(jobId: string, opts: { types?: StreamType[]; after?: string } = {}): Promise<StreamRecord[]> {
    const streams = await table('streams');
    const filter = opts.after ? odata`PartitionKey eq ${jobId} and RowKey gt ${opts.after}` : odata`PartitionKey eq ${jobId}`;
    const found: Array<{ key: string; record: StreamRecord }> = [];
    let ordered = true;
    for await (const e of streams.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      for (const r of recordsOf(jobId, e)) {
        if (opts.after !== undefined && r.key <= opts.after) continue;
        if (opts.types && opts.types.length && !opts.types.includes(r.record.streamType)) continue;
        if (found.length > 0 && r.key <= found[found.length - 1]!.key) ordered = false;
        found.push(r);
      }
    }
    if (!ordered) found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const out: StreamRecord[] = [];
    for (let i = 0; i < found.length; i++) if (i === 0 || found[i]!.key !== found[i - 1]!.key) out.push(found[i]!.record);
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
