import { createHash, randomBytes } from 'node:crypto';

/**
 * Job ids are UUID version 7: the first 48 bits are the creation time in milliseconds, so the
 * ids sort by time (the job table's row key builds on that: shared/store/keys.ts).
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
export const deterministicJobId = (seed: string, ms: number): string => uuidV7(ms, createHash('sha256').update(`${seed}|${ms}`).digest());

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isJobId = (s: string): boolean => GUID.test(s);

/** Creation time of a v7 id (undefined for other GUIDs). */
export function jobIdTime(jobId: string): number | undefined {
  if (jobId[14] !== '7') return undefined;
  return parseInt(jobId.replace(/-/g, '').slice(0, 12), 16);
}
