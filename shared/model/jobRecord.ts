import type { JobStatus } from './job';

/**
 * The job as stored (one entity in table "jobs"): what callers see (`Job` in ./job.ts) plus the
 * worker's bookkeeping (attempt, heartbeat, worker, stop request).
 */
export interface JobRecord {
  jobId: string;
  runbook: string;
  runbookVersion: number;
  /** Runbooks from git: the commit of that version. */
  runbookCommit?: string;
  /** JSON of the parameters, secret values sealed (see jobs/parameters). */
  parameters: string;
  status: JobStatus;
  statusDetails?: string;
  exception?: string;
  /** JSON of the result. */
  result?: string;
  startedBy: string;
  createdTime: string;
  startTime?: string;
  endTime?: string;
  lastModifiedTime: string;
  /**
   * Claims so far. Every claim raises it under an ETag guard, so it is also the lease's fencing
   * token: a write on behalf of attempt n is refused once the job carries another attempt.
   */
  attempt: number;
  heartbeat?: string;
  worker?: string;
  /**
   * Attempts a hybrid worker handed back on shutdown (counted in `attempt` too). They are not
   * losses: `retryOnWorkerLoss` counts only attempt − handBacks.
   */
  handBacks?: number;
  stopRequestedBy?: string;
  lastQueuedTime?: string;
  streamCount?: number;
  /** The hybrid worker group it runs on; absent: the cloud worker (docs/hybrid-workers.md). */
  runOn?: string;
  /** Stream records that could not be saved (after retries); the job's record is incomplete. */
  streamsLost?: number;
  /** Notification targets the job names (runbook, webhook, schedule, start), comma-separated. */
  notify?: string;
}

/** A stored value with the ETag it was read at (the guard of the next write). */
export interface Versioned<T> {
  value: T;
  etag: string;
}
