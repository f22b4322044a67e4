import { isTerminal, type JobStatus } from '../model/job';
import { jobStore, ConcurrencyError, type JobRecord } from '../store/jobStore';
import { emitStatus } from './events';
import { logTransition } from './log';
import { assertMove } from './state';

const now = () => new Date().toISOString();

export interface Final {
  status: JobStatus;
  statusDetails?: string;
  exception?: string;
  result?: string;
  streamCount?: number;
  /** Stream records lost after retries (streamWriter.withStreamLoss). */
  streamsLost?: number;
}

/** Write the terminal status, re-reading on ETag conflicts (a stop request may race the end). */
export async function finishStatus(job: JobRecord, etag: string, final: Final): Promise<void> {
  const endTime = now();
  let currentEtag = etag;
  let current = job.status;
  for (let i = 0; i < 5; i++) {
    assertMove(current, final.status);
    try {
      await jobStore.update(job.jobId, { ...final, endTime, lastModifiedTime: endTime }, currentEtag);
      break;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      const fresh = await jobStore.get(job.jobId);
      if (!fresh || isTerminal(fresh.value.status)) return;
      currentEtag = fresh.etag;
      current = fresh.value.status;
    }
  }
  emitStatus(job.jobId, final.status);
  logTransition({
    jobId: job.jobId,
    runbook: job.runbook,
    status: final.status,
    attempt: job.attempt,
    durationMs: job.startTime ? Date.parse(endTime) - Date.parse(job.startTime) : undefined,
    reason: final.statusDetails,
  });
}

