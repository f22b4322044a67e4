import { isTerminal } from '../model/job';
import { conflict } from '../http/errors';
import { jobStore, ConcurrencyError } from '../store/jobStore';
import { readJob } from './read';
import { emitStatus, emitStopRequest } from './events';
import { logTransition } from './log';
import type { Principal } from '../model/apiKey';
import { recordJobEnd } from '../stats/jobStats';

/**
 * Ask a job to stop. A job that has not started is Stopped at once (the worker that later takes its
 * message drops it); a running one goes to Stopping and its worker kills the process group
 * (SIGTERM, SIGKILL after the grace period), then records Stopped.
 */
export async function stopJob(jobId: string, by: string, principal?: Principal): Promise<{ status: string }> {
  await readJob(jobId, principal);
  for (let i = 0; i < 5; i++) {
    const found = await jobStore.get(jobId);
    if (!found) break;
    const job = found.value;
    if (isTerminal(job.status)) throw conflict(`Job '${jobId}' has already ended (${job.status}).`);
    if (job.status === 'Stopping') return { status: 'Stopping' };
    const t = new Date().toISOString();
    try {
      if (job.status === 'New' || job.status === 'Queued') {
        await jobStore.update(jobId, { status: 'Stopped', stopRequestedBy: by, statusDetails: `Stopped before it ran by ${by}.`, endTime: t, lastModifiedTime: t }, found.etag);
        emitStatus(jobId, 'Stopped');
        recordJobEnd({ jobId, runbook: job.runbook, status: 'Stopped', endTime: t });
        logTransition({ jobId, runbook: job.runbook, status: 'Stopped', attempt: job.attempt, reason: 'stopped before it ran' });
        return { status: 'Stopped' };
      }
      await jobStore.update(jobId, { status: 'Stopping', stopRequestedBy: by, lastModifiedTime: t }, found.etag);
      emitStopRequest(jobId);
      logTransition({ jobId, runbook: job.runbook, status: 'Stopping', attempt: job.attempt });
      return { status: 'Stopping' };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }
  throw conflict(`Job '${jobId}' is changing too fast to stop; retry.`);
}
