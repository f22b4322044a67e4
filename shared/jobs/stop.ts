import { isTerminal } from '../model/job';
import type { Principal } from '../model/apiKey';
import { conflict } from '../errors';
import { readJob } from './read';
import { TransitionError } from './state';
import { transition } from './transition';

/**
 * Ask a job to stop. A job that has not started is Stopped at once (the worker that later takes its
 * message drops it); a running one goes to Stopping and its worker kills the process group
 * (SIGTERM, SIGKILL after the grace period), then records Stopped.
 */
export async function stopJob(jobId: string, by: string, principal?: Principal): Promise<{ status: string }> {
  const job = await readJob(jobId, principal);
  if (job.status === 'Stopping') return { status: 'Stopping' };
  try {
    const { value } = await transition(
      jobId,
      (now) => (now.status === 'Queued' ? 'Stopped' : 'Stopping'),
      (now) =>
        now.status === 'Queued' ? { stopRequestedBy: by, statusDetails: `Stopped before it ran by ${by}.` } : { stopRequestedBy: by },
    );
    return { status: value.status };
  } catch (error) {
    if (!(error instanceof TransitionError)) throw error;
    if (error.from === 'Stopping') return { status: 'Stopping' }; // another stop request got there first
    if (isTerminal(error.from)) throw conflict(`Job '${jobId}' has already ended (${error.from}).`);
    throw error;
  }
}
