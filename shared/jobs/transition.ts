import { isTerminal, type JobStatus } from '../model/job';
import type { JobRecord, Versioned } from '../model/jobRecord';
import { DomainError } from '../errors';
import { jobStore, type JobReadWrite } from '../store/jobStore';
import { ConcurrencyError } from '../store/errors';
import { assertMove } from './state';
import { emitStatus, emitStopRequest } from './events';
import { logTransition } from './log';
import { recordJobEnd } from '../stats/jobStats';
import { notifyTransition } from '../notify/dispatch';

/**
 * The one way a stored job changes its status. Every caller (the worker's claim and finish, stop
 * requests, the sweeper, the poison handler) comes through here, so each change is checked against
 * the state table, written under an ETag guard with one retry policy, announced in-process and
 * logged: and nothing is announced that was not written.
 */

/** ETag conflicts tolerated per transition; each one re-reads the job and checks the move again. */
export const MAX_WRITE_TRIES = 5;

/** The changes a transition writes besides the status (lastModifiedTime and endTime come with it). */
export type TransitionPatch = Omit<Partial<JobRecord>, 'jobId' | 'status'>;
type OfJob<T> = T | ((job: JobRecord) => T);

export interface TransitionOptions {
  /** The job as last read (its ETag guards the first write); without it the job is read first. */
  from?: Versioned<JobRecord>;
  /**
   * The attempt the job must still carry: the fencing token of a worker's claim. Once another
   * worker has claimed the job (attempt + 1), writes on behalf of the old attempt are refused.
   */
  fence?: number;
  /** For tests: the store to read and write (default: table "jobs"). */
  store?: JobReadWrite;
}

export class JobMissingError extends DomainError {
  constructor(readonly jobId: string) {
    super('not-found', `Job '${jobId}' not found.`);
    this.name = 'JobMissingError';
  }
}

/** The job now carries another attempt than the writer's: its lease was taken over. */
export class LeaseLostError extends DomainError {
  constructor(
    readonly jobId: string,
    readonly attempt: number,
    readonly current: number,
  ) {
    super('conflict', `Job '${jobId}' is now attempt ${current}; attempt ${attempt} may no longer change it.`);
    this.name = 'LeaseLostError';
  }
}

/** Every try lost its ETag race: the job changes too often right now. */
export class JobBusyError extends DomainError {
  constructor(readonly jobId: string) {
    super('conflict', `Job '${jobId}' is changing too fast; retry.`);
    this.name = 'JobBusyError';
  }
}

/**
 * Move job `jobId` to status `to`, writing `patch` with it. `to` and `patch` may depend on the job
 * as it is at the time of the write (they are evaluated again after every ETag conflict).
 * Returns the job as written with its new ETag. Throws TransitionError when the status does not
 * allow the move, LeaseLostError when the fence does not hold, JobMissingError, JobBusyError after
 * MAX_WRITE_TRIES conflicts, or the store's error: in all these cases nothing is announced.
 */
export async function transition(
  jobId: string,
  to: OfJob<JobStatus>,
  patch: OfJob<TransitionPatch> = {},
  opts: TransitionOptions = {},
): Promise<Versioned<JobRecord>> {
  const store = opts.store ?? jobStore;
  let held = opts.from ?? (await store.get(jobId));
  for (let tries = 1; ; tries++) {
    if (!held) throw new JobMissingError(jobId);
    const job = held.value;
    if (opts.fence !== undefined && job.attempt !== opts.fence) throw new LeaseLostError(jobId, opts.fence, job.attempt);
    const status = typeof to === 'function' ? to(job) : to;
    assertMove(job.status, status);
    const time = new Date().toISOString();
    const changes: Partial<JobRecord> = {
      ...(typeof patch === 'function' ? patch(job) : patch),
      status,
      lastModifiedTime: time,
      ...(isTerminal(status) ? { endTime: time } : {}),
    };
    let etag: string;
    try {
      etag = await store.update(jobId, changes, held.etag);
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      if (tries >= MAX_WRITE_TRIES) throw new JobBusyError(jobId);
      held = await store.get(jobId);
      continue;
    }
    const written = { ...job, ...changes };
    announce(written, changes.statusDetails);
    return { value: written, etag };
  }
}

/**
 * Tell this process and the log that `job` now has its status (after the write, never before):
 * waiters hear it at once, a worker running it hears a stop request, an end counts in the hourly
 * stats (shared/stats/jobStats.ts), notification targets that want it are queued a delivery
 * (shared/notify/dispatch.ts), one structured log line.
 */
export function announce(job: JobRecord, reason?: string): void {
  emitStatus(job.jobId, job.status);
  notifyTransition(job);
  if (job.status === 'Stopping') emitStopRequest(job.jobId);
  if (isTerminal(job.status) && job.endTime)
    recordJobEnd({ jobId: job.jobId, runbook: job.runbook, status: job.status, startTime: job.startTime, endTime: job.endTime });
  logTransition({
    jobId: job.jobId,
    runbook: job.runbook,
    status: job.status,
    attempt: job.attempt,
    ...(isTerminal(job.status) && job.startTime && job.endTime ? { durationMs: Date.parse(job.endTime) - Date.parse(job.startTime) } : {}),
    ...(reason ? { reason } : {}),
    ...(job.status === 'Queued' ? { startedBy: job.startedBy } : {}),
  });
}
