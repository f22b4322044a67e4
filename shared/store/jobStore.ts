import { odata, type TableEntityResult } from '@azure/data-tables';
import { TERMINAL_STATUSES, type JobStatus } from '../model/job';
import type { JobRecord, Versioned } from '../model/jobRecord';
import { ConcurrencyError, hasStatus } from './errors';
import { table } from './clients';
import { joinProperty, splitProperty, cutString } from './chunks';
import { JOB_PARTITION, jobRowKey, rowKeyAtTime, spillRowKey } from './keys';
import { streamStore } from './streamStore';

/**
 * Table "jobs": one partition, row key = inverted v7 job id (newest first, point reads from the
 * id). Parameters too large for the entity spill into table "jobparams" (partition = job id),
 * written before the job entity so that a job never points at missing data.
 */
const INLINE_PARAMETER_CHARS = 120_000;
const SPILL_CHARS_PER_ENTITY = 14 * 32_000;

export class InvalidContinuationToken extends Error {
  constructor() {
    super('continuation token is not one this service gave out');
    this.name = 'InvalidContinuationToken';
  }
}

const FIELDS: (keyof JobRecord)[] = [
  'jobId',
  'runbook',
  'runbookVersion',
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
  'stopRequestedBy',
  'lastQueuedTime',
  'streamCount',
  'streamsLost',
  'runOn',
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
    const jobs = await table('jobs');
    const entity: Record<string, unknown> = { partitionKey: JOB_PARTITION, rowKey: jobRowKey(job.jobId), ...toEntity(job) };
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
    const jobs = await table('jobs');
    let e: TableEntityResult<Record<string, unknown>>;
    try {
      e = await jobs.getEntity(JOB_PARTITION, jobRowKey(jobId));
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
    const jobs = await table('jobs');
    try {
      const r = await jobs.updateEntity({ partitionKey: JOB_PARTITION, rowKey: jobRowKey(jobId), ...toEntity(patch) } as never, 'Merge', {
        etag,
      });
      return r.etag!;
    } catch (error) {
      if (hasStatus(error, 412)) throw new ConcurrencyError(`job ${jobId}`);
      throw error;
    }
  },

  async list(q: {
    runbook?: string;
    status?: JobStatus;
    startedBy?: string;
    from?: Date;
    to?: Date;
    top: number;
    continuationToken?: string;
  }): Promise<{ value: JobRecord[]; continuationToken?: string }> {
    const jobs = await table('jobs');
    const parts = [odata`PartitionKey eq ${JOB_PARTITION}`];
    // Newer rows sort first: "created at or before `to`" is RowKey >= key(to + 1 ms).
    if (q.to) parts.push(odata`RowKey ge ${rowKeyAtTime(q.to.getTime() + 1)}`);
    if (q.from) parts.push(odata`RowKey lt ${rowKeyAtTime(q.from.getTime())}`);
    if (q.runbook) parts.push(odata`runbook eq ${q.runbook}`);
    if (q.status) parts.push(odata`status eq ${q.status}`);
    if (q.startedBy) parts.push(odata`startedBy eq ${q.startedBy}`);
    const filter = parts.join(' and ');
    const out: JobRecord[] = [];
    let token = q.continuationToken;
    // A filtered page may come back short; read on (a few pages at most) to fill it.
    for (let round = 0; round < 5 && out.length < q.top; round++) {
      const pages = jobs
        .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
        .byPage({ maxPageSize: q.top - out.length, continuationToken: token });
      let page: Awaited<ReturnType<typeof pages.next>>;
      try {
        page = await pages.next();
      } catch (error) {
        if (token && !(error as { statusCode?: number }).statusCode) throw new InvalidContinuationToken();
        throw error;
      }
      if (page.done) {
        token = undefined;
        break;
      }
      for (const e of page.value) out.push(fromEntity(e));
      token = page.value.continuationToken;
      if (!token) break;
    }
    return { value: out, continuationToken: token };
  },

  /** Remove the job entity only (a job whose message could not be sent: it owns nothing else yet). */
  async delete(jobId: string): Promise<void> {
    const jobs = await table('jobs');
    try {
      await jobs.deleteEntity(JOB_PARTITION, jobRowKey(jobId));
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
    const spill = await table('jobparams');
    for await (const p of spill.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${jobId}`, select: ['RowKey'] } })) {
      await spill.deleteEntity(jobId, p.rowKey!).catch(() => undefined);
    }
    await jobStore.delete(jobId);
  },

  /** Ids of jobs in `status` created after `createdAfterMs` (the sweeper's scan). */
  async withStatus(status: JobStatus, createdAfterMs: number): Promise<JobTimes[]> {
    const jobs = await table('jobs');
    const filter = odata`PartitionKey eq ${JOB_PARTITION} and RowKey lt ${rowKeyAtTime(createdAfterMs)} and status eq ${status}`;
    const out: JobTimes[] = [];
    const select = ['jobId', 'createdTime', 'lastQueuedTime', 'heartbeat', 'lastModifiedTime', 'runOn'];
    for await (const e of jobs.listEntities<Record<string, unknown>>({ queryOptions: { filter, select } })) {
      const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
      out.push({
        jobId: String(e.jobId),
        createdTime: text(e.createdTime),
        lastQueuedTime: text(e.lastQueuedTime),
        heartbeat: text(e.heartbeat),
        lastModifiedTime: text(e.lastModifiedTime),
        runOn: text(e.runOn),
      });
    }
    return out;
  },

  /** Ids of up to `limit` ended jobs created before `createdBeforeMs`, oldest last (retention). */
  async endedIdsBefore(createdBeforeMs: number, limit: number): Promise<string[]> {
    const jobs = await table('jobs');
    // Older jobs have larger (inverted) row keys: "created before" is RowKey > key(cutoff).
    const ended = TERMINAL_STATUSES.map((status) => odata`status eq ${status}`).join(' or ');
    const filter = `${odata`PartitionKey eq ${JOB_PARTITION} and RowKey gt ${rowKeyAtTime(createdBeforeMs)}`} and (${ended})`;
    const ids: string[] = [];
    for await (const e of jobs.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['jobId'] } })) {
      ids.push(String(e.jobId));
      if (ids.length >= limit) break;
    }
    return ids;
  },
};

/** What a state change needs of the store (a fake of it drives the unit tests of transition and lease). */
export type JobReadWrite = Pick<typeof jobStore, 'get' | 'update'>;
