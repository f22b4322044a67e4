import { createHash } from 'node:crypto';

/**
 * Every table's partition and row keys, in one place (docs/architecture.md, "Storage layout").
 * Only shared/store/ uses them: callers speak in ids and names.
 */

/**
 * Table "jobs": a job lives in one of JOB_SHARDS partitions `j0`…`j7`, chosen by a hash of its id,
 * so that the store's ~2,000 entity operations/s per partition are multiplied by 8. Jobs created
 * before the layout row's `shardedSince` (their v7 timestamp) stay in the partition all jobs had
 * before: LEGACY_JOB_PARTITION (docs/performance.md, "Scaling past one partition").
 * JOB_SHARDS is not a setting: changing it would move every job's partition and lose them all.
 */
export const JOB_SHARDS = 8;
export const LEGACY_JOB_PARTITION = 'job';
export const JOB_SHARD_PARTITIONS: readonly string[] = Array.from({ length: JOB_SHARDS }, (_, s) => `j${s}`);

/** The layout row of table "jobs" (its only non-job entity): `shardedSince`, epoch ms. */
export const LAYOUT_PARTITION = 'layout';
export const JOBS_LAYOUT_ROW = 'jobs';

/** FNV-1a (32 bit) of the lower-cased id: stable across processes and versions. */
function jobHash(jobId: string): number {
  const id = jobId.toLowerCase();
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The job's shard: its hash mod JOB_SHARDS (the hash's low 3 bits). */
export const jobShard = (jobId: string): number => jobHash(jobId) % JOB_SHARDS;

/**
 * The job's queue index of `queues` (HOOKBOOK_JOB_QUEUES, shared/store/jobQueue.ts): the same hash
 * without the bits the shard uses, mod `queues`, so that each queue's jobs still spread over all
 * eight partitions. Derived from the id alone: any process finds a job's queue.
 */
export const jobQueueIndex = (jobId: string, queues: number): number => Math.floor(jobHash(jobId) / JOB_SHARDS) % Math.max(1, queues);

const V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-/i;

/** The creation time (ms) in a v7 id's first 48 bits; undefined for anything else. */
export function v7Time(jobId: string): number | undefined {
  const m = V7.exec(jobId);
  return m ? parseInt(m[1]! + m[2]!, 16) : undefined;
}

/**
 * The job's partition: its shard when its v7 timestamp is at or after `shardedSince`, else (and
 * for an id without a v7 timestamp) the legacy partition.
 */
export function jobPartition(jobId: string, shardedSince: number): string {
  const t = v7Time(jobId);
  return t !== undefined && t >= shardedSince ? JOB_SHARD_PARTITIONS[jobShard(jobId)]! : LEGACY_JOB_PARTITION;
}

const invertHex = (s: string): string => s.replace(/[0-9a-f]/gi, (c) => (15 - parseInt(c, 16)).toString(16));

/**
 * The job's row key: its v7 id with every hex digit inverted (f − d), so that a plain ascending
 * scan returns the newest job first and a point read needs only the id.
 */
export const jobRowKey = (jobId: string): string => invertHex(jobId.toLowerCase());

/**
 * Row key bound at `ms`: rows of jobs created after `ms` sort before it, rows of jobs created in
 * that millisecond or earlier after it. It has the id's dash after 8 digits: a bound without it
 * compared '-' with a digit and misplaced the jobs of the same 65 s (2^16 ms) in time filters.
 */
export function rowKeyAtTime(ms: number): string {
  const h = invertHex(Math.max(0, ms).toString(16).padStart(12, '0'));
  return `${h.slice(0, 8)}-${h.slice(8)}`;
}

/** Table "streams" (partition = job id): attempt (2 digits) + sequence (8 digits), in write order. */
export const streamRowKey = (attempt: number, seq: number): string => `${String(attempt).padStart(2, '0')}${String(seq).padStart(8, '0')}`;

/** Table "jobparams" (partition = job id): the chunk number. */
export const spillRowKey = (chunk: number): string => String(chunk);

/** Table "slots" (partition = runbook name): the slot number. */
export const slotRowKey = (slot: number): string => String(slot).padStart(4, '0');

/** Table "runbooks" (partition = runbook name): the meta row and one row per frozen version. */
export const RUNBOOK_META_ROW = 'meta';
export const runbookVersionRowKey = (version: number): string => `v${String(version).padStart(8, '0')}`;

/** Table "keys": one partition, row = key id. */
export const KEY_PARTITION = 'key';

/** Table "schedules": one partition, row = the name in lower case (names are case-insensitive). */
export const SCHEDULE_PARTITION = 'schedule';
export const scheduleRowKey = (name: string): string => name.toLowerCase();

/** Table "webhooks": one partition; a row per token hash and a row per (lower-case) name. */
export const WEBHOOK_PARTITION = 'webhook';
export const webhookTokenRowKey = (hash: string): string => `t-${hash}`;
export const webhookNameRowKey = (name: string): string => `n-${name.toLowerCase()}`;

/** Table "dedupe" (partition = webhook id): SHA-256 of the delivery id. */
export const dedupeRowKey = (deliveryId: string): string => createHash('sha256').update(deliveryId, 'utf8').digest('hex');

/** Table "workers": a row per group (partition "group"), per worker (partition `w-<group>`), per registration key (partition "regkey"). */
export const WORKER_GROUP_PARTITION = 'group';
export const workerPartition = (group: string): string => `w-${group}`;
export const REGISTRATION_KEY_PARTITION = 'regkey';

/** Table "sourcecontrols": one partition, row = the name in lower case. */
export const SOURCE_CONTROL_PARTITION = 'source';
export const sourceControlRowKey = (name: string): string => name.toLowerCase();
/** Table "sourcesyncs": partition = the source's name in lower case, row = the run id (newest first). */
export const sourceSyncPartition = (name: string): string => name.toLowerCase();
