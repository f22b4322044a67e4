import { isTerminal, type JobStatus } from '../model/job';
import type { JobRecord } from '../model/jobRecord';
import { TransitionError } from './state';
import { transition, type TransitionOptions } from './transition';

export interface Final {
  status: JobStatus;
  statusDetails?: string;
  exception?: string;
  result?: string;
  streamCount?: number;
  /** Stream records lost after retries (streamWriter.withStreamLoss). */
  streamsLost?: number;
}

/**
 * End the job: write its terminal status, exception and result through `transition` (a stop
 * request racing the end is re-read, not lost). `final` may depend on the job as it is then (who
 * asked it to stop). False when the job had already ended otherwise (the sweeper, the poison
 * handler or a stop before it ran got there first): nothing is written or announced then.
 */
export async function finishJob(jobId: string, final: Final | ((job: JobRecord) => Final), opts: TransitionOptions = {}): Promise<boolean> {
  const of = (job: JobRecord) => (typeof final === 'function' ? final(job) : final);
  try {
    await transition(
      jobId,
      (job) => of(job).status,
      (job) => {
        const { status: _status, ...rest } = of(job);
        return rest;
      },
      opts,
    );
    return true;
  } catch (error) {
    if (error instanceof TransitionError && isTerminal(error.from)) return false;
    throw error;
  }
}
