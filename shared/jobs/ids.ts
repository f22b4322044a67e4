import { createHash, randomBytes } from 'node:crypto';

/**
 * Job ids are UUID version 7: the first 48 bits are the creation time in milliseconds, so the
 * ids sort by time. The job table's row key is the id with every hex digit inverted (f − d), which
 * makes a plain ascending table scan return the newest job first, and still lets a point read
 * compute the row key from the id alone.
 */
function uuidV7(ms: number, rand: Buffer): string {
  const b = Buffer.alloc(16);
  b.writeUIntBE(Math.max(0, Math.min(ms, 2 ** 48 - 1)), 0, 6);
  rand.copy(b, 6, 0, 10);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const newJobId = (now = Date.now()): string => uuidV7(now, randomBytes(10));

/** The same (seed, time) always gives the same id: a schedule occurrence can create its job once. */
export const deterministicJobId = (seed: string, ms: number): string =>
  uuidV7(ms, createHash('sha256').update(`${seed}|${ms}`).digest());

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isJobId = (s: string): boolean => GUID.test(s);

const invertHex = (s: string): string =>
  s.replace(/[0-9a-f]/gi, (c) => (15 - parseInt(c, 16)).toString(16));

export const jobRowKey = (jobId: string): string => invertHex(jobId.toLowerCase());

/** Row key bound for "created at `ms`": rows of newer jobs sort before it. */
export const rowKeyAtTime = (ms: number): string => invertHex(Math.max(0, ms).toString(16).padStart(12, '0'));

/** Creation time of a v7 id (undefined for other GUIDs). */
export function jobIdTime(jobId: string): number | undefined {
  if (jobId[14] !== '7') return undefined;
  return parseInt(jobId.replace(/-/g, '').slice(0, 12), 16);
}
