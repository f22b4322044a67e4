import { settings } from '../config';
import { isTerminal, type JobClaim } from '../model/job';
import { catalog } from '../runbooks/catalog';
import type { JobRecord, Versioned } from '../model/jobRecord';
import { jobStore } from '../store/jobStore';
import { jobQueue } from '../store/jobQueue';
import { prepareRun } from '../runners/runner';
import { InterpreterUnavailable } from '../runners/interpreters';
import { startProcess, type ProcessOutcome } from '../runners/process';
import { readResultFile } from '../runners/sandbox';
import { StreamWriter, withStreamLoss } from './streamWriter';
import { acquireSlot, releaseSlot } from './concurrency';
import type { RunbookVersion } from '../model/runbook';
import { unsealParameters } from './parameters';
import { jobEvents } from './events';
import { finishJob, type Final } from './finish';
import { TransitionError } from './state';
import { transition, LeaseLostError } from './transition';
import { Lease } from './lease';
import { prepareJobAssets, type JobAssets } from '../assets/jobEnv';
import type { StreamRow } from '../store/streamStore';

/**
 * What a caller running the job in its own process (RealmJoin `run`, shared/jobs/runHere.ts) learns
 * without reading it back: the stream rows as written and the final status as written. `finished`
 * is true only when this attempt's finish was the write that ended the job.
 */
export interface RunObserver {
  streams: StreamRow[];
  streamsLost: boolean;
  final?: Final;
  finished: boolean;
  /** The attempt that ran here (the records above are that attempt's only). */
  attempt?: number;
  /** Called once the outcome is recorded (or left to another attempt), before the job's clean-up. */
  onFinish?: () => void;
}

export interface WorkerLog {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const now = () => new Date().toISOString();
const ms = (iso?: string) => (iso ? Date.parse(iso) : 0);

/**
 * Observers of `run` callers in this instance waiting for a job the queue may deliver here (runHere.ts):
 * the worker that runs it fills the observer, so the caller answers from what was written instead of
 * reading the outcome and the records back. A job run elsewhere leaves it empty; the caller reads.
 */
const watched = new Map<string, RunObserver>();

/** Watch a job this instance may run; stop with the returned function. */
export function watchHere(jobId: string, observer: RunObserver): () => void {
  watched.set(jobId, observer);
  return () => {
    if (watched.get(jobId) === observer) watched.delete(jobId);
  };
}

/**
 * Handle one queue message for `jobId`: decide whether this worker may run the job, claim it with
 * an ETag-guarded move to Running, run the runbook, record streams and the outcome.
 */
export async function runJob(jobId: string, log: WorkerLog, claim?: JobClaim, observer = watched.get(jobId)): Promise<void> {
  const s = settings();
  const leaseMs = s.leaseSeconds * 1000;
  // With a claim the first read is skipped: the ETag-guarded claim below fails if the entity is no
  // longer exactly as it was created, and the claim then reads it.
  let held = claim ? { value: fromClaim(jobId, claim), etag: claim.etag } : await jobStore.get(jobId);
  if (!held) {
    log.warn(`Message for job ${jobId} dropped: no such job.`);
    return;
  }
  if (isTerminal(held.value.status)) return; // a duplicate delivery of a finished job
  if (held.value.runOn) return void (await jobQueue.send({ jobId }, 0, held.value.runOn)); // a hybrid group's job: to its queue
  const version = await catalog.version(held.value.runbook, held.value.runbookVersion);
  const maxRetries = version?.definition.retryOnWorkerLoss ?? 2;
  const maxConcurrency = version?.definition.maxConcurrency;

  let claimed: Versioned<JobRecord>;
  let retryReason: string | undefined;
  for (let tries = 0; ; tries++) {
    const job = held.value;
    if (isTerminal(job.status)) return;
    const decision = decide(job, leaseMs, Date.now(), maxRetries);
    try {
      if (decision.kind === 'busy') {
        // A duplicate message while another worker holds a live lease: that worker finishes the
        // job; if it dies, the sweeper re-queues the job once the heartbeat is stale.
        log.log(`Job ${jobId} is running elsewhere (fresh heartbeat); duplicate message dropped.`);
        return;
      }
      if (await endWithoutRunning(decision, held, maxConcurrency)) return;
      retryReason = decision.kind === 'lost-retry' ? decision.reason : undefined;
      if (!version) {
        const reason = `Runbook '${job.runbook}' version ${job.runbookVersion} no longer exists.`;
        await finishJob(jobId, { status: 'Failed', exception: reason, statusDetails: reason }, { from: held });
        return;
      }
      if (maxConcurrency && !(await acquireSlot(job.runbook, maxConcurrency, jobId, leaseMs))) {
        await defer(job, held.etag, s.concurrencyRetrySeconds);
        return;
      }
      // The claim: attempt + 1 under the fence of the attempt we decided on. Of two workers holding
      // messages for the same job only one gets past it; the other decides again below.
      const claimedAt = now();
      claimed = await transition(
        jobId,
        'Running',
        { attempt: job.attempt + 1, startTime: job.startTime ?? claimedAt, heartbeat: claimedAt, worker: s.instanceId },
        { from: held, fence: job.attempt },
      );
      break;
    } catch (error) {
      // The job changed under us (claimed elsewhere, stopped, ended): decide again on what it is now.
      if (!(error instanceof LeaseLostError || error instanceof TransitionError) || tries >= 3) throw error;
      held = await jobStore.get(jobId);
      if (!held) {
        log.warn(`Message for job ${jobId} dropped: no such job.`);
        return;
      }
    }
  }
  try {
    await execute(claimed, version!, retryReason, log, observer);
  } finally {
    if (maxConcurrency) await releaseSlot(claimed.value.runbook, maxConcurrency, jobId).catch(() => undefined);
  }
}

/** The job as startJob created it (status Queued, attempt 0). */
function fromClaim(jobId: string, c: JobClaim): JobRecord {
  return {
    jobId,
    runbook: c.runbook,
    runbookVersion: c.runbookVersion,
    parameters: c.parameters,
    status: 'Queued',
    startedBy: c.startedBy,
    createdTime: c.createdTime,
    lastModifiedTime: c.createdTime,
    lastQueuedTime: c.createdTime,
    attempt: 0,
    ...(c.notify ? { notify: c.notify } : {}),
  };
}

/**
 * Over its runbook's maxConcurrency: the job stays Queued and its message comes back a little
 * later (with jitter, so that waiting jobs do not wake in lock step). Never failed.
 */
async function defer(job: JobRecord, etag: string, seconds: number): Promise<void> {
  const delay = Math.max(1, Math.round(seconds * (0.5 + Math.random())));
  await jobQueue.send({ jobId: job.jobId }, delay);
  await jobStore
    .update(job.jobId, { lastQueuedTime: now(), statusDetails: 'Waiting: the runbook is at its maxConcurrency.' }, etag)
    .catch(() => undefined); // a stop request may have changed it; the next delivery sees that
}

type Decision =
  | { kind: 'run' }
  | { kind: 'stop-before-run' }
  | { kind: 'busy' }
  | { kind: 'lost-retry'; reason: string }
  | { kind: 'lost-fail'; reason: string };

/**
 * Carries out a decision that ends the job without running it (stopped before it ran, lost too
 * often); true when it did. The cloud worker and the hybrid workers' claim share it.
 */
export async function endWithoutRunning(
  decision: Decision,
  held: Versioned<JobRecord>,
  maxConcurrency: number | undefined,
): Promise<boolean> {
  const job = held.value;
  if (decision.kind === 'stop-before-run') {
    const statusDetails = `Stopped before it ran${job.stopRequestedBy ? ` by ${job.stopRequestedBy}` : ''}.`;
    await finishJob(job.jobId, { status: 'Stopped', statusDetails }, { from: held });
    return true;
  }
  if (decision.kind === 'lost-fail') {
    await finishJob(job.jobId, { status: 'Failed', exception: decision.reason, statusDetails: decision.reason }, { from: held });
    if (maxConcurrency) await releaseSlot(job.runbook, maxConcurrency, job.jobId);
    return true;
  }
  return false;
}

/** Pure: what a worker holding a message should do with the job as it is now. */
export function decide(job: JobRecord, leaseMs: number, nowMs = Date.now(), maxRetries = 2): Decision {
  if (job.status === 'Queued') return job.stopRequestedBy ? { kind: 'stop-before-run' } : { kind: 'run' };
  if (job.status === 'Running' || job.status === 'Stopping') {
    if (nowMs - ms(job.heartbeat) < leaseMs) return { kind: 'busy' };
    if (job.status === 'Stopping') return { kind: 'stop-before-run' };
    const reason = `The worker running attempt ${job.attempt} was lost (no heartbeat for ${Math.round((nowMs - ms(job.heartbeat)) / 1000)} s).`;
    // Hand-backs on shutdown are attempts too, but not losses.
    return job.attempt - (job.handBacks ?? 0) <= maxRetries
      ? { kind: 'lost-retry', reason }
      : { kind: 'lost-fail', reason: `${reason} No retries left: worker lost.` };
  }
  return { kind: 'run' };
}

async function execute(
  claimed: Versioned<JobRecord>,
  version: RunbookVersion,
  retryReason: string | undefined,
  log: WorkerLog,
  observer?: RunObserver,
): Promise<void> {
  const s = settings();
  const job = claimed.value;
  const fence = { fence: job.attempt };
  if (observer) observer.attempt = job.attempt;
  const writer = new StreamWriter({
    jobId: job.jobId,
    attempt: job.attempt,
    capBytes: s.streamCapBytes,
    onRetry: (error) =>
      log.warn(
        `Job ${job.jobId}: a stream batch failed (${(error as Error).message.split('\n')[0]}); trying again, then record by record.`,
      ),
    onError: (error, lost) => {
      if (observer) observer.streamsLost = true;
      log.error(`Job ${job.jobId}: ${lost} stream records could not be saved, even one by one: ${(error as Error).message}`);
    },
    copyTo: observer?.streams,
  });
  if (retryReason) writer.write('Warning', `${retryReason} Running it again as attempt ${job.attempt}.`);

  let parameters: Record<string, unknown>;
  try {
    parameters = unsealParameters(job.parameters);
  } catch {
    const reason = 'Secret parameters could not be decrypted (was HOOKBOOK_ENCRYPTION_KEY changed?).';
    await writer.close();
    await finishJob(job.jobId, withStreamLoss<Final>({ status: 'Failed', exception: reason, statusDetails: reason }, writer), {
      from: claimed,
      ...fence,
    });
    return;
  }

  // Assets: job token, helpers, identity, and the masker that hides every secret handed to the job.
  let assets: JobAssets;
  try {
    assets = await prepareJobAssets(job, version, parameters);
  } catch (error) {
    const reason = `The runbook's assets could not be prepared: ${(error as Error).message}`;
    await writer.close();
    await finishJob(job.jobId, withStreamLoss<Final>({ status: 'Failed', exception: reason, statusDetails: reason }, writer), {
      from: claimed,
      ...fence,
    });
    return;
  }
  const output = assets.masker.stream((r) => writer.write(r.streamType, r.text, r.value));
  let prepared: ReturnType<typeof prepareRun>;
  try {
    prepared = prepareRun(version, parameters, job, assets.env);
  } catch (error) {
    // No private directory or job user could be had (sandbox.ts): say so, do not leave it Running.
    const reason = error instanceof InterpreterUnavailable ? error.message : `The job could not be prepared: ${(error as Error).message}`;
    log.error(`Job ${job.jobId}: ${reason}`);
    await writer.close();
    await finishJob(job.jobId, { status: 'Failed', exception: reason, statusDetails: reason }, { from: claimed, ...fence });
    return;
  }
  const proc = startProcess(prepared.spec, output.push);
  const timeoutSeconds = version.definition.timeoutSeconds ?? s.defaultTimeoutSeconds;
  const graceMs = s.stopGraceSeconds * 1000;
  const timeout = setTimeout(() => proc.kill('timeout', graceMs), timeoutSeconds * 1000);
  const onStop = () => proc.kill('stop', graceMs);
  jobEvents.on(`stop:${job.jobId}`, onStop);
  const lease = new Lease(claimed, { leaseMs: s.leaseSeconds * 1000 });
  lease.on('stop', onStop);
  lease.on('lost', (now) => {
    // We were presumed dead and the job was claimed again (or ended): the new attempt owns it.
    log.warn(`Job ${job.jobId}: lease lost to ${now.worker} (attempt ${now.attempt}, ${now.status}); stopping this attempt.`);
    proc.kill('lease', graceMs);
  });
  lease.on('warning', (error) => log.warn(`Job ${job.jobId}: heartbeat failed: ${error.message}`));
  lease.start();

  let outcome: ProcessOutcome;
  try {
    try {
      outcome = await proc.done;
      if (version.definition.type !== 'node') readResultFile(prepared.resultFile, prepared.uid, outcome);
    } finally {
      clearTimeout(timeout);
      lease.close();
      jobEvents.off(`stop:${job.jobId}`, onStop);
    }
    output.end();
    await writer.close();
    if (writer.dropped) log.warn(`Job ${job.jobId}: ${writer.dropped} stream records over the cap were dropped.`);

    if (outcome.killedBecause === 'lease' || lease.isLost) return; // the attempt that took over records the outcome
    try {
      const written = await finishJob(
        job.jobId,
        (now) => {
          const final: Final = withStreamLoss(
            {
              ...assets.masker.final(outcomeToFinal(outcome, version.definition.type, timeoutSeconds, now.stopRequestedBy)),
              streamCount: writer.count,
            },
            writer,
          );
          if (observer) observer.final = final;
          return final;
        },
        { from: lease.current, ...fence },
      );
      if (observer) observer.finished = written;
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      log.warn(`Job ${job.jobId}: ${error.message} Its outcome is left to that attempt.`);
    }
    observer?.onFinish?.();
  } finally {
    // After the outcome is recorded: what the runbook left running as its uid (sandbox.ts) ends
    // now, and the directory goes. Not on the path of the answer a synchronous run is waiting for.
    await prepared.cleanup();
  }
}

/** Pure: how a finished process maps onto the job's final status, exception and result. */
export function outcomeToFinal(o: ProcessOutcome, type: string, timeoutSeconds: number, stopRequestedBy?: string): Final {
  if (o.killedBecause === 'timeout') {
    const reason = `The job exceeded its time limit of ${timeoutSeconds} s and was stopped.`;
    return { status: 'Stopped', statusDetails: reason, exception: reason };
  }
  if (o.killedBecause === 'stop') {
    return { status: 'Stopped', statusDetails: `Stopped${stopRequestedBy ? ` by ${stopRequestedBy}` : ''}.` };
  }
  if (o.spawnError) {
    // The common case deserves a sentence that says what to do: no pwsh on this worker.
    const noPwsh = type === 'pwsh' && /ENOENT/.test(o.spawnError);
    const reason = noPwsh
      ? 'The runbook could not be started: PowerShell (pwsh) is not installed on this worker. Install it (docs/runbooks.md), set HOOKBOOK_PWSH_PATH, or run the runbook on a hybrid worker group that has pwsh (runOn).'
      : `The runbook could not be started: ${o.spawnError}`;
    return { status: 'Failed', exception: reason, statusDetails: reason };
  }
  if (o.lost !== undefined) return { status: 'Failed', exception: o.lost, statusDetails: "The job's process was lost." };
  if (o.exception !== undefined) return { status: 'Failed', exception: o.exception, statusDetails: 'The runbook threw an exception.' };
  if (o.exitCode === 0) {
    const result = o.hasResult ? o.result : type === 'node' ? null : 0;
    return { status: 'Completed', result: JSON.stringify(result ?? null) };
  }
  const exception = o.signal
    ? `The runbook process was ended by ${o.signal}.`
    : (o.lastError ?? `The runbook exited with code ${o.exitCode}.`);
  return {
    status: 'Failed',
    exception,
    statusDetails: o.exitCode !== null ? `Exit code ${o.exitCode}.` : undefined,
    result: o.exitCode !== null ? JSON.stringify(o.exitCode) : undefined,
  };
}
