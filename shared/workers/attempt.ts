import { z } from 'zod';
import { isTerminal } from '../model/job';
import type { JobRecord, Versioned } from '../model/jobRecord';
import type { OutcomeBody, StreamsBody } from '../model/workerGroup';
import { notFound } from '../errors';
import { catalog } from '../runbooks/catalog';
import { settings } from '../config';
import { jobStore } from '../store/jobStore';
import { jobQueue } from '../store/jobQueue';
import { streamStore } from '../store/streamStore';
import { ConcurrencyError } from '../store/errors';
import { releaseSlot } from '../jobs/concurrency';
import { emitStreams } from '../jobs/events';
import { finishJob } from '../jobs/finish';
import { outcomeToFinal } from '../jobs/run';
import { LeaseLostError, transition } from '../jobs/transition';
import { TransitionError } from '../jobs/state';

/**
 * What a hybrid worker may do with the job it holds, each write fenced by the attempt it claimed:
 * once the job carries another attempt (the lease was taken over) or has ended, every call throws
 * LeaseLostError (409 at the edge) and writes nothing. A worker only ever reaches jobs of its own
 * group: another group's job id is "not found".
 */

async function held(jobId: string, group: string, attempt: number): Promise<Versioned<JobRecord>> {
  const found = await jobStore.get(jobId);
  if (!found || found.value.runOn !== group) throw notFound(`Job '${jobId}' not found in worker group '${group}'.`);
  const job = found.value;
  if (job.attempt !== attempt || isTerminal(job.status) || (job.status !== 'Running' && job.status !== 'Stopping')) {
    throw new LeaseLostError(jobId, attempt, job.attempt);
  }
  return found;
}

/**
 * Append a batch of stream records. Row keys carry the attempt, so even a write racing a takeover
 * can never overwrite the new attempt's records; retried batches are idempotent (upsert).
 */
export async function writeStreams(jobId: string, group: string, body: z.infer<typeof StreamsBody>): Promise<void> {
  await held(jobId, group, body.attempt);
  await streamStore.append(
    jobId,
    body.records.map((r) => ({ ...r, attempt: body.attempt })),
  );
  emitStreams(jobId);
}

/** Renew the lease (fresh heartbeat, ETag-guarded); tells the worker whether a stop was asked for. */
export async function renewLease(jobId: string, group: string, attempt: number): Promise<{ stop: boolean }> {
  for (let tries = 0; ; tries++) {
    const found = await held(jobId, group, attempt);
    try {
      await jobStore.update(jobId, { heartbeat: new Date().toISOString() }, found.etag);
      return { stop: found.value.status === 'Stopping' };
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || tries >= 4) throw error;
    }
  }
}

/** Record how the attempt ended (the same mapping as the cloud worker's) and free its slot. */
export async function finishAttempt(jobId: string, group: string, body: OutcomeBody): Promise<{ status: string }> {
  const found = await held(jobId, group, body.attempt);
  if (body.records?.length) {
    await streamStore.append(
      jobId,
      body.records.map((r) => ({ ...r, attempt: body.attempt })),
    );
    emitStreams(jobId);
  }
  const version = await catalog.version(found.value.runbook, found.value.runbookVersion);
  const type = version?.definition.type ?? 'bash';
  const timeoutSeconds = version?.definition.timeoutSeconds ?? settings().defaultTimeoutSeconds;
  const outcome = { ...body.outcome, signal: body.outcome.signal as NodeJS.Signals | null };
  let status = '';
  await finishJob(
    jobId,
    (now) => {
      const final = { ...outcomeToFinal(outcome, type, timeoutSeconds, now.stopRequestedBy), streamCount: body.streamCount };
      status = final.status;
      return final;
    },
    { from: found, fence: body.attempt },
  );
  if (version?.definition.maxConcurrency) await releaseSlot(found.value.runbook, version.definition.maxConcurrency, jobId);
  return { status };
}

/**
 * Hand the job back (its worker is shutting down and could not finish it): the job is `Queued`
 * again at once, its message back on the group's queue, and the next claim runs it as a new
 * attempt. A hand-back is not a loss: it is counted in `handBacks`, which `retryOnWorkerLoss`
 * leaves out (shared/jobs/run.ts, decide). A job whose stop was asked for meanwhile ends Stopped.
 */
export async function releaseAttempt(jobId: string, group: string, attempt: number, workerId: string, reason?: string): Promise<void> {
  const found = await held(jobId, group, attempt);
  const job = found.value;
  const version = await catalog.version(job.runbook, job.runbookVersion);
  await handBack(found, `Handed back by worker ${workerId}${reason ? ` (${reason})` : ''}; it runs again as a new attempt.`);
  if (version?.definition.maxConcurrency) await releaseSlot(job.runbook, version.definition.maxConcurrency, jobId);
}

/** Move a held attempt back to Queued (or Stopped, when a stop was asked for) and queue it again. */
export async function handBack(found: Versioned<JobRecord>, statusDetails: string): Promise<void> {
  const fence = found.value.attempt;
  for (let tries = 0; ; tries++) {
    const job = found.value;
    if (job.status === 'Stopping') {
      const by = job.stopRequestedBy ? ` by ${job.stopRequestedBy}` : '';
      const stopped = `Stopped${by} while its worker was shutting down.`;
      await finishJob(job.jobId, { status: 'Stopped', statusDetails: stopped }, { from: found, fence });
      return;
    }
    try {
      await transition(
        job.jobId,
        'Queued',
        (now) => ({ statusDetails, handBacks: (now.handBacks ?? 0) + 1, lastQueuedTime: new Date().toISOString() }),
        { from: found, fence },
      );
      break;
    } catch (error) {
      // A stop request came in meanwhile: read it again and end it Stopped.
      if (!(error instanceof TransitionError) || tries >= 2) throw error;
      const again = await jobStore.get(job.jobId);
      if (!again) return;
      found = again;
    }
  }
  await jobQueue.send({ jobId: found.value.jobId }, 0, found.value.runOn);
}
