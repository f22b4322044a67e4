import { settings } from '../config';
import { jobStore, type JobTimes } from '../store/jobStore';
import { ConcurrencyError } from '../store/errors';
import { jobQueue } from '../store/jobQueue';
import { finishJob } from './finish';
import { refreshWaitingReason } from '../workers/waiting';

/**
 * The safety net under "an accepted job is never lost" (timer-triggered):
 * - a job still Queued long after its message was sent (its message was taken by a worker that
 *   died before claiming it, or the process died between the two writes) is queued again;
 * - a Running/Stopping job whose heartbeat is older than its lease is queued again, and the worker
 *   that takes the message retries it (attempt + 1) or fails it with "worker lost".
 * Duplicate messages are harmless: the claim is ETag-guarded and finished jobs are skipped.
 * Only jobs of the last HOOKBOOK_SWEEP_DAYS (default 7) are looked at.
 */
export interface SweepReport {
  requeued: string[];
}

export async function sweepJobs(nowMs = Date.now()): Promise<SweepReport> {
  const s = settings();
  const since = nowMs - s.sweepDays * 86_400_000;
  const report: SweepReport = { requeued: [] };
  const reasons = new Map<string, Promise<string | undefined>>();
  for (const status of ['Queued', 'Running', 'Stopping'] as const) {
    const waiting = status === 'Queued';
    const limitMs = waiting ? s.orphanSeconds * 1000 : s.leaseSeconds * 1000;
    const stale = (job: JobTimes) =>
      nowMs - Date.parse((waiting ? (job.lastQueuedTime ?? job.createdTime) : (job.heartbeat ?? job.lastModifiedTime)) ?? '') > limitMs;
    for (const listed of await jobStore.withStatus(status, since)) {
      // Decided on the listed times first: during a burst thousands of jobs wait, freshly queued, and
      // a point read of each every minute would take the storage budget the workers need.
      // (A job waiting for a hybrid worker group is read anyway: its waiting reason is refreshed.)
      if (!stale(listed) && !(waiting && listed.runOn)) continue;
      const found = await jobStore.get(listed.jobId);
      if (!found || found.value.status !== status) continue;
      const job = found.value;
      const jobId = job.jobId;
      // A job waiting for a hybrid worker says why (no live worker, none with its type) while it waits.
      if (waiting && job.runOn) await refreshWaitingReason(found, reasons);
      if (!stale(job)) continue;
      if (waiting && job.stopRequestedBy) {
        await finishJob(jobId, { status: 'Stopped', statusDetails: `Stopped before it ran by ${job.stopRequestedBy}.` }, { from: found });
        continue;
      }
      try {
        // Mark first (ETag): of two sweepers only one re-queues a job.
        await jobStore.update(jobId, { lastQueuedTime: new Date(nowMs).toISOString() }, found.etag);
      } catch (error) {
        if (error instanceof ConcurrencyError) continue;
        throw error;
      }
      await jobQueue.send({ jobId }, 0, job.runOn); // a hybrid job goes back to its group's queue
      report.requeued.push(jobId);
    }
  }
  return report;
}
