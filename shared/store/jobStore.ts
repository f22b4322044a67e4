import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { TERMINAL_STATUSES, type JobStatus } from '../model/job';
import type { JobRecord, Versioned } from '../model/jobRecord';
import { ConcurrencyError, hasStatus } from './errors';
import { table } from './clients';
import { joinProperty, splitProperty, cutString } from './chunks';
import {
  JOB_SHARD_PARTITIONS,
  JOBS_LAYOUT_ROW,
  LAYOUT_PARTITION,
  LEGACY_JOB_PARTITION,
  jobPartition,
  jobRowKey,
  rowKeyAtTime,
  spillRowKey,
} from './keys';
import { streamStore } from './streamStore';

/**
 * Table "jobs": JOB_SHARDS partitions chosen by a hash of the job id (shared/store/keys.ts), plus
 * the legacy partition `job` for jobs created before the layout row's `shardedSince`; row key =
 * inverted v7 job id (newest first, point reads from the id). Listing reads every partition in
 * parallel and merges by row key. Parameters too large for the entity spill into table
 * "jobparams" (partition = job id), written before the job entity so that a job never points at
 * missing data.
 */
const INLINE_PARAMETER_CHARS = 120_000;
const SPILL_CHARS_PER_ENTITY = 14 * 32_000;

export class InvalidContinuationToken extends Error {
  constructor() {
    super('continuation token is not one this service gave out');
    this.name = 'InvalidContinuationToken';
  }
}

/**
 * How long after the layout row is first written jobs still go to the legacy partition when it
 * holds jobs: instances of the previous version, still running during a deployment, write there,
 * and the new code must look for their jobs where they put them.
 */
export const LAYOUT_LEAD_MS = 10 * 60_000;

/** Per table name (the prefix may differ between stores in one process): `shardedSince`. */
const layouts = new Map<string, Promise<number>>();

/**
 * The layout row's `shardedSince` (epoch ms), read once per process. Written once, insert-if-absent:
 * 0 on a store whose legacy partition is empty, else now + LAYOUT_LEAD_MS; of two instances
 * writing it at once the loser reads the winner's row.
 */
function shardedSince(jobs: TableClient): Promise<number> {
  let p = layouts.get(jobs.tableName);
  if (!p) {
    const loading = loadLayout(jobs);
    layouts.set(jobs.tableName, loading);
    loading.catch(() => {
      if (layouts.get(jobs.tableName) === loading) layouts.delete(jobs.tableName);
    });
    p = loading;
  }
  return p;
}

async function readLayout(jobs: TableClient): Promise<number | undefined> {
  try {
    const e = await jobs.getEntity<Record<string, unknown>>(LAYOUT_PARTITION, JOBS_LAYOUT_ROW);
    const since = Number(e.shardedSince);
    if (!Number.isFinite(since) || since < 0) throw new Error(`table ${jobs.tableName}: layout row has no valid shardedSince`);
    return since;
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

async function loadLayout(jobs: TableClient): Promise<number> {
  const found = await readLayout(jobs);
  if (found !== undefined) return found;
  let legacy = false;
  const pages = jobs
    .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${LEGACY_JOB_PARTITION}`, select: ['RowKey'] } })
    .byPage({ maxPageSize: 1 });
  for await (const page of pages) {
    if (page.length > 0) {
      legacy = true;
      break;
    }
  }
  const since = legacy ? Date.now() + LAYOUT_LEAD_MS : 0;
  try {
    await jobs.createEntity({
      partitionKey: LAYOUT_PARTITION,
      rowKey: JOBS_LAYOUT_ROW,
      shardedSince: since,
      createdTime: new Date().toISOString(),
    });
    return since;
  } catch (error) {
    if (!hasStatus(error, 409)) throw error;
    const winner = await readLayout(jobs);
    if (winner === undefined) throw new Error(`table ${jobs.tableName}: layout row vanished`, { cause: error });
    return winner;
  }
}

/** The jobs table and, for `jobId`, its partition. */
async function locate(jobId: string): Promise<{ jobs: TableClient; partition: string }> {
  const jobs = await table('jobs');
  return { jobs, partition: jobPartition(jobId, await shardedSince(jobs)) };
}

/**
 * Every partition that can hold a job created at or after `createdFromMs` (all of them without it):
 * the shards, and the legacy partition while `shardedSince` > 0 and it can hold such a job.
 */
async function partitionsFor(jobs: TableClient, createdFromMs?: number): Promise<string[]> {
  const since = await shardedSince(jobs);
  const legacy = since > 0 && (createdFromMs === undefined || createdFromMs < since);
  return legacy ? [...JOB_SHARD_PARTITIONS, LEGACY_JOB_PARTITION] : [...JOB_SHARD_PARTITIONS];
}

const inPartition = (partition: string, filter: string): string => `${odata`PartitionKey eq ${partition}`} and ${filter}`;

/** Rows in ascending row key order: newest job first. */
const byRowKey = (a: { rowKey?: string }, b: { rowKey?: string }): number => (a.rowKey! < b.rowKey! ? -1 : a.rowKey! > b.rowKey! ? 1 : 0);

/**
 * The listing's continuation token: versioned and opaque to clients, base64url of
 * `{"v":2,"after":"<row key of the last job returned>"}`; the next page is `RowKey gt after` in
 * every partition. (Version 1 was the storage SDK's own token of the single partition.)
 */
const ROW_KEY = /^[0-9a-f-]{36}$/;
const encodeListToken = (after: string): string => Buffer.from(JSON.stringify({ v: 2, after }), 'utf8').toString('base64url');
function decodeListToken(token: string): string {
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; after?: unknown };
    if (t.v === 2 && typeof t.after === 'string' && ROW_KEY.test(t.after)) return t.after;
  } catch {
    // reported below
  }
  throw new InvalidContinuationToken();
}

/** A filtered page may come back short: a partition reads on, this many pages at most, to fill it. */
const LIST_ROUNDS = 5;

/**
 * Up to `want` rows of one partition matching `filter`, in row key order. `exhausted`: there are
 * no more. A partition that is not exhausted has at least one row: past LIST_ROUNDS it reads on
 * until it finds one, because the merged page can only include rows up to the last row of every
 * partition that has more (see list).
 */
async function readPartition(
  jobs: TableClient,
  filter: string,
  want: number,
): Promise<{ rows: TableEntityResult<Record<string, unknown>>[]; exhausted: boolean }> {
  const rows: TableEntityResult<Record<string, unknown>>[] = [];
  let token: string | undefined;
  for (let round = 1; ; round++) {
    const page = await jobs
      .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
      .byPage({ maxPageSize: want - rows.length, continuationToken: token })
      .next();
    if (page.done) return { rows, exhausted: true };
    for (const e of page.value) rows.push(e);
    token = page.value.continuationToken;
    if (!token) return { rows, exhausted: true };
    if (rows.length >= want || (round >= LIST_ROUNDS && rows.length > 0)) return { rows, exhausted: false };
  }
}

const FIELDS: (keyof JobRecord)[] = [
  'jobId',
  'runbook',
  'runbookVersion',
  'runbookCommit',
  'status',
  'statusDetails',
  'exception',
  'startedBy',
  'createdTime',
  'startTime',
  'endTime',
  'lastModifiedTime',
  'attempt',
  'heartbeat',
  'worker',
  'handBacks',
  'stopRequestedBy',
  'lastQueuedTime',
  'streamCount',
  'streamsLost',
  'runOn',
  'notify',
];

function toEntity(patch: Partial<JobRecord>): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  for (const f of FIELDS) if (patch[f] !== undefined) e[f] = patch[f];
  if (patch.exception !== undefined) e.exception = cutString(patch.exception, 32_000);
  if (patch.statusDetails !== undefined) e.statusDetails = cutString(patch.statusDetails, 32_000);
  if (patch.result !== undefined) splitProperty('result', patch.result, e);
  return e;
}

function fromEntity(e: Record<string, unknown>): JobRecord {
  const r: Record<string, unknown> = {};
  for (const f of FIELDS) if (e[f] !== undefined && e[f] !== null) r[f] = e[f];
  const result = joinProperty('result', e);
  if (result !== undefined) r.result = result;
  r.parameters = joinProperty('parameters', e) ?? '{}';
  return r as unknown as JobRecord;
}

/** A job's id and the times the sweeper decides on (a listing selects only these). */
export interface JobTimes {
  jobId: string;
  createdTime?: string;
  lastQueuedTime?: string;
  heartbeat?: string;
  lastModifiedTime?: string;
  /** The hybrid worker group it runs on (absent: the cloud). */
  runOn?: string;
}

export const jobStore = {
  /** Insert the job; `etag` of the new entity, or undefined when a job with that id exists. */
  async create(job: JobRecord): Promise<{ etag?: string }> {
    const { jobs, partition } = await locate(job.jobId);
    const entity: Record<string, unknown> = { partitionKey: partition, rowKey: jobRowKey(job.jobId), ...toEntity(job) };
    if (job.parameters.length > INLINE_PARAMETER_CHARS) {
      const spill = await table('jobparams');
      const parts = Math.ceil(job.parameters.length / SPILL_CHARS_PER_ENTITY);
      for (let i = 0; i < parts; i++) {
        const row: Record<string, unknown> = { partitionKey: job.jobId, rowKey: spillRowKey(i) };
        splitProperty('v', job.parameters.slice(i * SPILL_CHARS_PER_ENTITY, (i + 1) * SPILL_CHARS_PER_ENTITY), row);
        await spill.upsertEntity(row as never, 'Replace');
      }
      entity.parametersSpilled = parts;
    } else {
      splitProperty('parameters', job.parameters, entity);
    }
    try {
      const r = await jobs.createEntity(entity as never);
      return { etag: r.etag ?? '' };
    } catch (error) {
      if (hasStatus(error, 409)) return {};
      throw error;
    }
  },

  async get(jobId: string): Promise<Versioned<JobRecord> | undefined> {
    const { jobs, partition } = await locate(jobId);
    let e: TableEntityResult<Record<string, unknown>>;
    try {
      e = await jobs.getEntity(partition, jobRowKey(jobId));
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
    const record = fromEntity(e);
    if (typeof e.parametersSpilled === 'number') {
      const spill = await table('jobparams');
      let s = '';
      for (let i = 0; i < e.parametersSpilled; i++) s += joinProperty('v', await spill.getEntity(jobId, spillRowKey(i))) ?? '';
      record.parameters = s;
    }
    return { value: record, etag: e.etag };
  },

  /** Merge `patch` into the job if nobody changed it since `etag`; returns the new etag. */
  async update(jobId: string, patch: Partial<JobRecord>, etag: string): Promise<string> {
    const { jobs, partition } = await locate(jobId);
    try {
      const r = await jobs.updateEntity({ partitionKey: partition, rowKey: jobRowKey(jobId), ...toEntity(patch) } as never, 'Merge', {
        etag,
      });
      return r.etag!;
    } catch (error) {
      if (hasStatus(error, 412)) throw new ConcurrencyError(`job ${jobId}`);
      throw error;
    }
  },

  /**
   * A page of jobs, newest first. Every partition that can hold jobs is queried in parallel with
   * the same filter, each for up to `top` rows; the rows are merged by row key. A partition that has
   * more rows than it returned bounds the page: only rows up to its last one are certain to have no
   * unread row of another partition before them. The token (when more rows may exist) carries the
   * last row key returned.
   */
  async list(q: {
    runbook?: string;
    status?: JobStatus;
    startedBy?: string;
    from?: Date;
    to?: Date;
    top: number;
    continuationToken?: string;
  }): Promise<{ value: JobRecord[]; continuationToken?: string }> {
    const after = q.continuationToken === undefined ? undefined : decodeListToken(q.continuationToken);
    const jobs = await table('jobs');
    const parts: string[] = [];
    if (after) parts.push(odata`RowKey gt ${after}`);
    // Newer rows sort first: "created at or before `to`" is RowKey > key(to), "at or after `from`"
    // is RowKey < key(from − 1 ms).
    if (q.to) parts.push(odata`RowKey gt ${rowKeyAtTime(q.to.getTime())}`);
    if (q.from) parts.push(odata`RowKey lt ${rowKeyAtTime(q.from.getTime() - 1)}`);
    if (q.runbook) parts.push(odata`runbook eq ${q.runbook}`);
    if (q.status) parts.push(odata`status eq ${q.status}`);
    if (q.startedBy) parts.push(odata`startedBy eq ${q.startedBy}`);
    const filter = parts.join(' and ');
    const partitions = await partitionsFor(jobs, q.from?.getTime());
    const reads = await Promise.all(
      partitions.map((p) => readPartition(jobs, filter ? inPartition(p, filter) : odata`PartitionKey eq ${p}`, q.top)),
    );
    let bound: string | undefined;
    for (const r of reads) {
      if (r.exhausted) continue;
      const last = r.rows[r.rows.length - 1]!.rowKey!;
      if (bound === undefined || last < bound) bound = last;
    }
    const known = reads
      .flatMap((r) => r.rows)
      .filter((e) => bound === undefined || e.rowKey! <= bound)
      .sort(byRowKey);
    const page = known.slice(0, q.top);
    const more = bound !== undefined || known.length > q.top;
    return {
      value: page.map(fromEntity),
      ...(more && page.length > 0 ? { continuationToken: encodeListToken(page[page.length - 1]!.rowKey!) } : {}),
    };
  },

  /** Remove the job entity only (a job whose message could not be sent: it owns nothing else yet). */
  async delete(jobId: string): Promise<void> {
    const { jobs, partition } = await locate(jobId);
    try {
      await jobs.deleteEntity(partition, jobRowKey(jobId));
    } catch (error) {
      if (!hasStatus(error, 404)) throw error;
    }
  },

  /**
   * Remove the job with everything it owns: stream records and spilled parameters first, the job
   * entity last, so that a cleanup cut short is finished by the next one (the job is still listed).
   */
  async deleteWithAll(jobId: string): Promise<void> {
    await streamStore.deleteAll(jobId);
    await jobStore.deleteSpill(jobId);
    await jobStore.delete(jobId);
  },

  /** Remove the job's spilled parameters (table "jobparams"), if it has any. */
  async deleteSpill(jobId: string): Promise<void> {
    const spill = await table('jobparams');
    for await (const p of spill.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${jobId}`, select: ['RowKey'] } })) {
      await spill.deleteEntity(jobId, p.rowKey!).catch(() => undefined);
    }
  },

  /** Ids of jobs in `status` created after `createdAfterMs`, newest first (the sweeper's scan). */
  async withStatus(status: JobStatus, createdAfterMs: number): Promise<JobTimes[]> {
    const jobs = await table('jobs');
    const filter = odata`RowKey lt ${rowKeyAtTime(createdAfterMs)} and status eq ${status}`;
    const select = ['RowKey', 'jobId', 'createdTime', 'lastQueuedTime', 'heartbeat', 'lastModifiedTime', 'runOn'];
    const partitions = await partitionsFor(jobs, createdAfterMs);
    const found = await Promise.all(
      partitions.map(async (p) => {
        const rows: TableEntityResult<Record<string, unknown>>[] = [];
        for await (const e of jobs.listEntities<Record<string, unknown>>({ queryOptions: { filter: inPartition(p, filter), select } }))
          rows.push(e);
        return rows;
      }),
    );
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return found
      .flat()
      .sort(byRowKey)
      .map((e) => ({
        jobId: String(e.jobId),
        createdTime: text(e.createdTime),
        lastQueuedTime: text(e.lastQueuedTime),
        heartbeat: text(e.heartbeat),
        lastModifiedTime: text(e.lastModifiedTime),
        runOn: text(e.runOn),
      }));
  },

  /**
   * Delete ended jobs' entities in entity-group transactions, one per job partition and 100 jobs
   * (retention, after their streams and spilled parameters are gone). A transaction that fails
   * because one of its jobs is already gone (another instance's retention run) is done one by one.
   */
  async deleteEntities(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const jobs = await table('jobs');
    const since = await shardedSince(jobs);
    const byPartition = new Map<string, string[]>();
    for (const id of jobIds) {
      const p = jobPartition(id, since);
      byPartition.set(p, [...(byPartition.get(p) ?? []), id]);
    }
    for (const [partition, ids] of byPartition) {
      for (let i = 0; i < ids.length; i += 100) {
        const group = ids.slice(i, i + 100);
        try {
          await jobs.submitTransaction(group.map((id) => ['delete', { partitionKey: partition, rowKey: jobRowKey(id) }]));
        } catch (error) {
          if (!hasStatus(error, 404)) throw error;
          for (const id of group) await jobStore.delete(id);
        }
      }
    }
  },

  /**
   * Ended jobs past the newest `keep` jobs (all jobs count, ended or not), oldest first, at most
   * `limit` (retention's count limit). Reads the row key and status of every job: one projected
   * listing per partition.
   */
  async endedIdsBeyondNewest(keep: number, limit: number): Promise<string[]> {
    const jobs = await table('jobs');
    const partitions = await partitionsFor(jobs);
    const found = await Promise.all(
      partitions.map(async (p) => {
        const rows: TableEntityResult<Record<string, unknown>>[] = [];
        const query = { queryOptions: { filter: odata`PartitionKey eq ${p}`, select: ['RowKey', 'jobId', 'status'] } };
        for await (const e of jobs.listEntities<Record<string, unknown>>(query)) rows.push(e);
        return rows;
      }),
    );
    const ended = new Set<string>(TERMINAL_STATUSES);
    return found
      .flat()
      .sort(byRowKey)
      .slice(keep)
      .filter((e) => ended.has(String(e.status)))
      .reverse()
      .slice(0, limit)
      .map((e) => String(e.jobId));
  },

  /** Ids of up to `limit` ended jobs created before `createdBeforeMs`, oldest last (retention). */
  async endedIdsBefore(createdBeforeMs: number, limit: number): Promise<string[]> {
    const jobs = await table('jobs');
    // Older jobs have larger (inverted) row keys: "created before" is RowKey > key(cutoff − 1 ms).
    const ended = TERMINAL_STATUSES.map((status) => odata`status eq ${status}`).join(' or ');
    const filter = `${odata`RowKey gt ${rowKeyAtTime(createdBeforeMs - 1)}`} and (${ended})`;
    const partitions = await partitionsFor(jobs);
    // Each partition's first `limit` in row key order; merged, the first `limit` of all.
    const found = await Promise.all(
      partitions.map(async (p) => {
        const rows: TableEntityResult<Record<string, unknown>>[] = [];
        const query = { queryOptions: { filter: inPartition(p, filter), select: ['RowKey', 'jobId'] } };
        for await (const e of jobs.listEntities<Record<string, unknown>>(query)) {
          rows.push(e);
          if (rows.length >= limit) break;
        }
        return rows;
      }),
    );
    return found
      .flat()
      .sort(byRowKey)
      .slice(0, limit)
      .map((e) => String(e.jobId));
  },
};

/** What a state change needs of the store (a fake of it drives the unit tests of transition and lease). */
export type JobReadWrite = Pick<typeof jobStore, 'get' | 'update'>;
