import { settings } from '../config';
import { jobStore, type JobTimes } from '../store/jobStore';
import { ConcurrencyError } from '../store/errors';
import { jobQueue, queueFor } from '../store/jobQueue';
import { finishJob } from './finish';
import { refreshWaitingReason } from '../workers/waiting';

/**
 * The safety net under "an accepted job is never lost" (timer-triggered):
 * - a job still Queued long after its message was sent (its message was taken by a worker that
 *   died before claiming it, or the process died between the two writes) is queued again, unless
 *   its message may still be waiting: while the front of its queue holds a message inserted no later
 *   than the job was queued, the job's message, if it exists, is behind it (a backlog, e.g. an alert
 *   storm that takes longer than HOOKBOOK_ORPHAN_SECONDS to drain). Such a job is left alone and
 *   counted as `waiting`: re-queueing it would only put a copy behind the same backlog, and during a
 *   storm that is thousands of reads, writes and sends a minute, taken from the workers;
 * - a Running/Stopping job whose heartbeat is older than its lease is queued again, and the worker
 *   that takes the message retries it (attempt + 1) or fails it with "worker lost".
 * Duplicate messages are harmless: the claim is ETag-guarded and finished jobs are skipped.
 * Only jobs of the last HOOKBOOK_SWEEP_DAYS (default 7) are looked at.
 */
export interface SweepReport {
  requeued: string[];
  /** Queued jobs past the orphan age left alone because their message may still wait in their queue. */
  waiting: number;
}

/**
 * Storage's clock and the clock of the instance that stamped lastQueuedTime may differ, and a send
 * reaches storage a moment after the stamp: a message inserted up to this long after the job's
 * queue time still counts as "not after it".
 */
const CLOCK_SKEW_MS = 5_000;

export async function sweepJobs(nowMs = Date.now()): Promise<SweepReport> {
  const s = settings();
  const since = nowMs - s.sweepDays * 86_400_000;
  const report: SweepReport = { requeued: [], waiting: 0 };
  const reasons = new Map<string, Promise<string | undefined>>();
  // Each queue is peeked at most once per sweep. The answer ages while a long sweep goes on; the
  // front only moves forward, so an aged answer errs towards leaving a job for the next sweep.
  const fronts = new Map<string, Promise<number | undefined>>();
  const queuedAt = (job: JobTimes) => Date.parse(job.lastQueuedTime ?? job.createdTime ?? '');
  /**
   * The oldest message waiting at the front of the job's queue (jobQueue.oldestVisible) was
   * inserted at or before the job was (last) queued: the job's message, if it exists, is still
   * behind it. Only visible messages are seen, and that is enough: a message a worker took is out of
   * sight until it is deleted or its visibility timeout ends; if that worker died, the message
   * reappears by itself, so it is not lost, and nor is a delayed one (the run-here fallback, a
   * maxConcurrency deferral). The sweeper is for messages that no longer exist. With several job
   * queues (HOOKBOOK_JOB_QUEUES) the job's queue is the one its id picks among the current ones: a
   * message left on a queue no longer listened to (the count lowered) is re-queued onto it.
   */
  const mayStillWait = async (job: JobTimes): Promise<boolean> => {
    const name = queueFor(job.jobId, job.runOn);
    if (!fronts.has(name)) fronts.set(name, jobQueue.oldestVisible(name));
    const front = await fronts.get(name);
    return front !== undefined && front <= queuedAt(job) + CLOCK_SKEW_MS;
  };
  for (const status of ['Queued', 'Running', 'Stopping'] as const) {
    const waiting = status === 'Queued';
    const limitMs = waiting ? s.orphanSeconds * 1000 : s.leaseSeconds * 1000;
    const stale = (job: JobTimes) => nowMs - (waiting ? queuedAt(job) : Date.parse(job.heartbeat ?? job.lastModifiedTime ?? '')) > limitMs;
    for (const listed of await jobStore.withStatus(status, since)) {
      // Decided on the listed times first: during a burst thousands of jobs wait, freshly queued, and
      // a point read of each every minute would take the storage budget the workers need.
      // (A job waiting for a hybrid worker group is read anyway: its waiting reason is refreshed.)
      if (!stale(listed) && !(waiting && listed.runOn)) continue;
      // Past the orphan age but perhaps only behind a backlog: not read, not re-queued. (A stop
      // request on it is seen by the worker that takes its message; stopJob stops a Queued job itself.)
      if (waiting && !listed.runOn && (await mayStillWait(listed))) {
        report.waiting++;
        continue;
      }
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
      if (waiting && (await mayStillWait(job))) {
        report.waiting++;
        continue;
      }
      try {
        // Mark first (ETag): of two sweepers only one re-queues a job.
        // A hybrid job whose worker went silent says so until a worker of its group takes it
        // again (its claim clears the sentence); it stays Running: the worker may only be slow.
        const lost =
          !waiting && job.runOn
            ? {
                statusDetails: `Waiting: the worker running attempt ${job.attempt} sent no heartbeat for ${Math.round((nowMs - Date.parse(job.heartbeat ?? job.lastModifiedTime)) / 1000)} s; a worker of group '${job.runOn}' retries it or fails it "worker lost".`,
              }
            : {};
        await jobStore.update(jobId, { lastQueuedTime: new Date(nowMs).toISOString(), ...lost }, found.etag);
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
