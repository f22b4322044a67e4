import { isTerminal, type JobStatus } from '../model/job';
import { DomainError } from '../errors';

/**
 * The job life cycle (docs/job-lifecycle.md). A terminal status is never left.
 *   New → Queued → Running → Completed | Failed | Stopping → Stopped
 *   Queued → Stopped (stopped before it ran); Running → Running (a new attempt after the worker was lost)
 *   Running → Queued (a hybrid worker handed the job back on shutdown: it waits for the next claim)
 */
const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  New: ['Queued', 'Running', 'Failed', 'Stopping', 'Stopped'],
  Queued: ['Running', 'Failed', 'Stopping', 'Stopped'],
  Running: ['Completed', 'Failed', 'Stopping', 'Stopped', 'Running', 'Queued'],
  Stopping: ['Stopped', 'Completed', 'Failed'],
  Completed: [],
  Failed: [],
  Stopped: [],
};

export const canMove = (from: JobStatus, to: JobStatus): boolean => NEXT[from].includes(to);

/** The job is not in a status that allows the move (for example it has already ended). */
export class TransitionError extends DomainError {
  constructor(
    readonly from: JobStatus,
    readonly to: JobStatus,
  ) {
    super('conflict', `a job cannot go from ${from} to ${to}`);
    this.name = 'TransitionError';
  }
}

export function assertMove(from: JobStatus, to: JobStatus): void {
  if (!canMove(from, to)) throw new TransitionError(from, to);
}

export { isTerminal };
