import { createHash } from 'node:crypto';

/**
 * Every table's partition and row keys, in one place (docs/architecture.md, "Storage layout").
 * Only shared/store/ uses them: callers speak in ids and names.
 */

/** Table "jobs": one partition. */
export const JOB_PARTITION = 'job';

const invertHex = (s: string): string => s.replace(/[0-9a-f]/gi, (c) => (15 - parseInt(c, 16)).toString(16));

/**
 * The job's row key: its v7 id with every hex digit inverted (f − d), so that a plain ascending
 * scan returns the newest job first and a point read needs only the id.
 */
export const jobRowKey = (jobId: string): string => invertHex(jobId.toLowerCase());

/** Row key bound for "created at `ms`": rows of newer jobs sort before it. */
export const rowKeyAtTime = (ms: number): string => invertHex(Math.max(0, ms).toString(16).padStart(12, '0'));

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
