import { table } from '../store/clients';
import { jobStore } from '../store/jobStore';
import { isTerminal } from '../model/job';

/**
 * `maxConcurrency` as N slots per runbook in table "slots" (partition = runbook, row = slot
 * number, `holder` = job id or ""). A worker takes a free slot with an ETag-guarded write before
 * it claims the job, so the running count is exact across any number of worker instances. A slot
 * whose holder has ended, or whose holder's lease lapsed, is free again: a dead worker never keeps
 * a slot for ever.
 */
const isStatus = (error: unknown, code: number) => (error as { statusCode?: number }).statusCode === code;

async function holderIsGone(jobId: string, leaseMs: number): Promise<boolean> {
  if (!jobId) return true;
  const found = await jobStore.get(jobId);
  if (!found) return true;
  const job = found.value;
  if (isTerminal(job.status)) return true;
  if (job.status === 'Running' || job.status === 'Stopping') {
    return Date.now() - Date.parse(job.heartbeat ?? job.lastModifiedTime) > 2 * leaseMs;
  }
  // Queued/New: the slot was taken but the claim never happened (worker died in between).
  return Date.now() - Date.parse(job.lastModifiedTime) > 2 * leaseMs;
}

/** Take a slot for `jobId` (idempotent); false when all `max` slots are busy. */
export async function acquireSlot(runbook: string, max: number, jobId: string, leaseMs: number): Promise<boolean> {
  const slots = await table('slots');
  for (let i = 0; i < max; i++) {
    const rowKey = String(i).padStart(4, '0');
    let entity: { holder?: string; etag: string } | undefined;
    try {
      entity = await slots.getEntity<{ holder?: string }>(runbook, rowKey);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
    }
    try {
      if (!entity) {
        await slots.createEntity({ partitionKey: runbook, rowKey, holder: jobId });
        return true;
      }
      if (entity.holder === jobId) return true;
      if (await holderIsGone(entity.holder ?? '', leaseMs)) {
        await slots.updateEntity({ partitionKey: runbook, rowKey, holder: jobId }, 'Replace', { etag: entity.etag });
        return true;
      }
    } catch (error) {
      if (!isStatus(error, 409) && !isStatus(error, 412)) throw error; // another worker took it
    }
  }
  return false;
}

/** Give the slot back (best effort: a lost release is repaired by holderIsGone). */
export async function releaseSlot(runbook: string, max: number, jobId: string): Promise<void> {
  const slots = await table('slots');
  for (let i = 0; i < max; i++) {
    const rowKey = String(i).padStart(4, '0');
    try {
      const e = await slots.getEntity<{ holder?: string }>(runbook, rowKey);
      if (e.holder === jobId) {
        await slots.updateEntity({ partitionKey: runbook, rowKey, holder: '' }, 'Replace', { etag: e.etag });
        return;
      }
    } catch {
      /* missing or changed meanwhile: nothing of ours to release */
    }
  }
}
