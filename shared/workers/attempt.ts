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
import { LeaseLostError } from '../jobs/transition';

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
 * Hand the job back (the worker is shutting down and could not finish it): its lease is marked
 * expired and the job queued again for the group, so that the next poll runs it as a new attempt
 * (counted against retryOnWorkerLoss like a lost worker).
 */
export async function releaseAttempt(jobId: string, group: string, attempt: number, workerId: string, reason?: string): Promise<void> {
  const found = await held(jobId, group, attempt);
  const expired = new Date(Date.now() - settings().leaseSeconds * 1000 - 1000).toISOString();
  const statusDetails = `Handed back by worker ${workerId}${reason ? ` (${reason})` : ''}; it runs again as a new attempt.`;
  await jobStore.update(jobId, { heartbeat: expired, statusDetails }, found.etag).catch((error) => {
    if (error instanceof ConcurrencyError) throw new LeaseLostError(jobId, attempt, attempt);
    throw error;
  });
  const version = await catalog.version(found.value.runbook, found.value.runbookVersion);
  if (version?.definition.maxConcurrency) await releaseSlot(found.value.runbook, version.definition.maxConcurrency, jobId);
  await jobQueue.send({ jobId }, 0, group);
}
