import { isTerminal } from '../model/job';
import { jobStore } from '../store/jobStore';
import { slotStore } from '../store/slotStore';

/**
 * `maxConcurrency` as N slots per runbook (shared/store/slotStore.ts). A worker takes a free slot
 * with a guarded write before it claims the job, so the running count is exact across any number
 * of worker instances. A slot whose holder has ended, or whose holder's lease lapsed, is free
 * again: a dead worker never keeps a slot for ever.
 */
async function holderIsGone(jobId: string, leaseMs: number): Promise<boolean> {
  if (!jobId) return true;
  const found = await jobStore.get(jobId);
  if (!found) return true;
  const job = found.value;
  if (isTerminal(job.status)) return true;
  if (job.status === 'Running' || job.status === 'Stopping') {
    return Date.now() - Date.parse(job.heartbeat ?? job.lastModifiedTime) > 2 * leaseMs;
  }
  // Queued: the slot was taken but the claim never happened (worker died in between).
  return Date.now() - Date.parse(job.lastModifiedTime) > 2 * leaseMs;
}

/** Take a slot for `jobId` (idempotent); false when all `max` slots are busy. */
export async function acquireSlot(runbook: string, max: number, jobId: string, leaseMs: number): Promise<boolean> {
  for (let i = 0; i < max; i++) {
    const slot = await slotStore.get(runbook, i);
    if (!slot) {
      if (await slotStore.take(runbook, i, jobId)) return true;
      continue; // another worker created it meanwhile
    }
    if (slot.holder === jobId) return true;
    if ((await holderIsGone(slot.holder, leaseMs)) && (await slotStore.take(runbook, i, jobId, slot.etag))) return true;
  }
  return false;
}

/** Give the slot back (best effort: a lost release is repaired by holderIsGone). */
export async function releaseSlot(runbook: string, max: number, jobId: string): Promise<void> {
  for (let i = 0; i < max; i++) {
    try {
      const slot = await slotStore.get(runbook, i);
      if (slot?.holder === jobId) {
        await slotStore.take(runbook, i, '', slot.etag);
        return;
      }
    } catch {
      /* storage trouble: nothing released; holderIsGone frees the slot later */
    }
  }
}
