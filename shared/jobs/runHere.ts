import { settings } from '../config';
import { isTerminal, type StreamRecord } from '../model/job';
import { streamRowKey } from '../store/keys';
import type { StreamRow } from '../store/streamStore';
import { jobQueue } from '../store/jobQueue';
import { startJob, type StartRequest } from './start';
import { runJob, watchHere, type RunObserver, type WorkerLog } from './run';
import { waitForJob } from './wait';

/**
 * A synchronous run (RealmJoin `run`): start the job and wait for its end, in the fewest storage
 * round trips the guarantees allow. With free capacity (fewer than HOOKBOOK_RUN_HERE_MAX such jobs
 * running here) the instance that accepted the request claims and runs the job itself, through the
 * same runJob as the queue worker (the same ETag-guarded claim, lease, streams and finish), and
 * answers from what it wrote instead of reading status and streams back. The job is still recorded
 * and queued before it runs; its message, visible only after the lease, is the fallback if this
 * instance dies (the worker then finds the job ended, claimed with a live lease, or lost).
 * Without capacity, or when running here did not end the job, it waits the usual way.
 */

export interface RunAnswer {
  jobId: string;
  status: string;
  exception?: string;
  /** Set when the job ended: its records in write order (as readStreams would return them). */
  streams?: StreamRecord[];
  /** False when the wait ran out first (the job goes on; status is what it was then). */
  ended: boolean;
}

let runningHere = 0;

const quiet: WorkerLog = {
  log: () => undefined,
  warn: (...args) => console.warn('[hookbook] run:', ...args),
  error: (...args) => console.error('[hookbook] run:', ...args),
};

export async function startAndWait(req: StartRequest, waitMs: number, log: WorkerLog = quiet): Promise<RunAnswer> {
  const deadline = Date.now() + waitMs;
  const here = runningHere < settings().runHereMax;
  const started = await startJob({ ...req, runHere: here });
  void started.queued?.then((error) => {
    if (error)
      log.warn(`job ${started.jobId}: its fallback message could not be sent (${error.message.split('\n')[0]}); the sweeper stands in`);
  });
  if (here && started.claim) {
    const observer: RunObserver = { streams: [], streamsLost: false, finished: false };
    runningHere++;
    const running = runJob(started.jobId, log, started.claim, observer)
      .then(() => true)
      .catch(async (error: unknown) => {
        log.error(`job ${started.jobId} could not run here (${(error as Error).message}); it goes through the queue`);
        // The delayed message would pick it up after the lease; do not make the caller wait that long.
        await jobQueue.send({ jobId: started.jobId }).catch(() => undefined);
        return false;
      })
      .finally(() => runningHere--);
    // The answer is ready once the outcome is recorded; the job's clean-up goes on after it.
    const recorded = new Promise<true>((resolve) => (observer.onFinish = () => resolve(true)));
    let timer: NodeJS.Timeout | undefined;
    const ran = await Promise.race([
      running,
      recorded,
      new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(timer);
    if (ran === true && observer.finished && observer.final && !observer.streamsLost)
      return answerFrom(started.jobId, observer.final, observer.streams);
    // Still running past the wait, deferred (maxConcurrency), ended by someone else, or streams
    // not all written: the stored job is the answer.
  }
  if (here && started.claim) return fromStorage(started.jobId, started.status, deadline);
  // Through the queue. If it delivers the job to this same instance, its worker hands over what it
  // wrote (as running here does); otherwise the stored job is the answer.
  const observer: RunObserver = { streams: [], streamsLost: false, finished: false };
  const unwatch = watchHere(started.jobId, observer);
  const stop = new AbortController();
  try {
    const local = new Promise<'local'>((resolve) => (observer.onFinish = () => resolve('local')));
    const stored = fromStorage(started.jobId, started.status, deadline, stop.signal, true);
    const first = await Promise.race([local, stored]);
    // Attempt 1 only: a later attempt's observer lacks the records of the ones before it.
    if (first === 'local' && observer.finished && observer.final && !observer.streamsLost && observer.attempt === 1) {
      stop.abort();
      return answerFrom(started.jobId, observer.final, observer.streams);
    }
    return await stored;
  } finally {
    stop.abort();
    unwatch();
  }
}

function answerFrom(jobId: string, final: NonNullable<RunObserver['final']>, rows: StreamRow[]): RunAnswer {
  return {
    jobId,
    status: final.status,
    ...(final.exception ? { exception: final.exception } : {}),
    streams: rows.map((r) => toRecord(jobId, r)),
    ended: isTerminal(final.status),
  };
}

/** The answer from the stored job (its records are read by the caller). */
async function fromStorage(jobId: string, status: string, deadline: number, signal?: AbortSignal, justStarted = false): Promise<RunAnswer> {
  const job = await waitForJob(jobId, Math.max(0, deadline - Date.now()), { justStarted, signal });
  if (!job || !isTerminal(job.status)) return { jobId, status: job?.status ?? status, ended: false };
  return { jobId: job.jobId, status: job.status, ...(job.exception ? { exception: job.exception } : {}), ended: true };
}

/** A row as streamStore.list reads it back (value parsed from its JSON). */
function toRecord(jobId: string, r: StreamRow): StreamRecord {
  let value: unknown;
  if (r.value !== undefined) {
    try {
      value = JSON.parse(r.value);
    } catch {
      value = r.value;
    }
  }
  return {
    jobStreamId: `${jobId}:${streamRowKey(r.attempt, r.seq)}`,
    time: r.time,
    streamType: r.streamType,
    summary: r.summary,
    streamText: r.streamText,
    ...(value !== undefined ? { value } : {}),
    ...(r.continued ? { continued: true } : {}),
  };
}
