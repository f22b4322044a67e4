import { settings } from '../config';
import { isTerminal, JobMessage } from '../model/job';
import type { JobRecord, Versioned } from '../model/jobRecord';
import type { RunbookType } from '../model/runbook';
import type { WorkerJob } from '../model/workerGroup';
import { catalog } from '../runbooks/catalog';
import { jobStore } from '../store/jobStore';
import { groupQueueName, jobQueue, type ReceivedMessage } from '../store/jobQueue';
import { acquireSlot, releaseSlot } from '../jobs/concurrency';
import { decide, endWithoutRunning } from '../jobs/run';
import { finishJob } from '../jobs/finish';
import { TransitionError } from '../jobs/state';
import { transition, LeaseLostError } from '../jobs/transition';
import { unsealParameters } from '../jobs/parameters';
import { identityEnvNames, prepareJobAssets, type JobAssets } from '../assets/jobEnv';

/**
 * A hybrid worker's poll: take the next job of its group's queue that it can run, and claim it
 * exactly as the cloud worker does (decide, maxConcurrency slot, ETag-guarded move to Running with
 * attempt + 1 under the fence of the attempt decided on). The claimed attempt is the fencing token
 * the worker names on every later write. Held open up to HOOKBOOK_WORKER_POLL_SECONDS when the
 * queue is empty, so a poll fits Azure Functions' HTTP limits with room to spare.
 */

/** A received message stays out of sight this long: time to claim it, or for another worker to see it after. */
const VISIBILITY_SECONDS = 10;

export interface Poller {
  group: string;
  /** `<group>/<worker name>`: recorded as the job's worker. */
  workerId: string;
  capabilities: readonly RunbookType[];
}

export async function pollForJob(p: Poller, waitSeconds: number, signal?: AbortSignal): Promise<WorkerJob | undefined> {
  const deadline = Date.now() + Math.min(waitSeconds, settings().workerPollSeconds) * 1000;
  let idleMs = 100;
  for (;;) {
    const m = await jobQueue.receive(p.group, VISIBILITY_SECONDS);
    if (m) {
      idleMs = 100;
      const job = await tryClaim(p, m);
      if (job) return job;
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return undefined;
    await wake(groupQueueName(p.group), Math.min(idleMs, left), signal);
    idleMs = Math.min(1000, idleMs * 2);
  }
}

/** Resolve after `ms`, or at once when this process sends to `queueName` (the local host, one instance). */
function wake(queueName: string, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('hookbook:queue-sent' as never, onSent as never);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const onSent = (name: string) => {
      if (name === queueName) done();
    };
    const timer = setTimeout(done, ms);
    process.on('hookbook:queue-sent' as never, onSent as never);
    signal?.addEventListener('abort', done);
  });
}

async function tryClaim(p: Poller, m: ReceivedMessage): Promise<WorkerJob | undefined> {
  const parsed = JobMessage.safeParse(safeJson(m.text));
  if (!parsed.success) return drop(p, m);
  const jobId = parsed.data.jobId;
  let held: Versioned<JobRecord> | undefined = await jobStore.get(jobId);
  // Not this group's job (or none): a worker never sees another group's work.
  if (!held || held.value.runOn !== p.group || isTerminal(held.value.status)) return drop(p, m);
  const version = await catalog.version(held.value.runbook, held.value.runbookVersion);
  // Another worker of the group may be able to run it; the message comes back after VISIBILITY_SECONDS.
  if (version && !p.capabilities.includes(version.definition.type)) return undefined;
  const s = settings();
  const leaseMs = s.leaseSeconds * 1000;
  const maxRetries = version?.definition.retryOnWorkerLoss ?? 2;
  const maxConcurrency = version?.definition.maxConcurrency;
  const job = held.value;
  const decision = decide(job, leaseMs, Date.now(), maxRetries);
  let retryReason: string | undefined;
  try {
    if (decision.kind === 'busy') return drop(p, m); // a live lease elsewhere; if that worker dies the sweeper queues the job again
    if (await endWithoutRunning(decision, held, maxConcurrency)) return drop(p, m);
    // A worker that handed the job back on shutdown said so; otherwise it was lost.
    if (decision.kind === 'lost-retry') retryReason = job.statusDetails?.startsWith('Handed back') ? job.statusDetails : decision.reason;
    if (!version) {
      const reason = `Runbook '${job.runbook}' version ${job.runbookVersion} no longer exists.`;
      await finishJob(jobId, { status: 'Failed', exception: reason, statusDetails: reason }, { from: held });
      return drop(p, m);
    }
    if (maxConcurrency && !(await acquireSlot(job.runbook, maxConcurrency, jobId, leaseMs))) {
      // Stays Queued; its message comes back after VISIBILITY_SECONDS and asks again.
      await jobStore.update(jobId, { statusDetails: 'Waiting: the runbook is at its maxConcurrency.' }, held.etag).catch(() => undefined);
      return undefined;
    }
    const claimedAt = new Date().toISOString();
    held = await transition(
      jobId,
      'Running',
      { attempt: job.attempt + 1, startTime: job.startTime ?? claimedAt, heartbeat: claimedAt, worker: p.workerId, statusDetails: '' },
      { from: held, fence: job.attempt },
    );
  } catch (error) {
    // Claimed or changed by someone else meanwhile: the message comes back and is decided again.
    if (error instanceof LeaseLostError || error instanceof TransitionError) return undefined;
    throw error;
  }
  await jobQueue.remove(p.group, m);
  const claimed = held.value;
  let parameters: Record<string, unknown>;
  try {
    parameters = unsealParameters(claimed.parameters);
  } catch {
    const reason = 'Secret parameters could not be decrypted (was HOOKBOOK_ENCRYPTION_KEY changed?).';
    await finishJob(jobId, { status: 'Failed', exception: reason, statusDetails: reason }, { from: held, fence: claimed.attempt });
    if (maxConcurrency) await releaseSlot(job.runbook, maxConcurrency, jobId);
    return undefined;
  }
  // Assets as on the cloud worker (job token, mapped assets, masking), but never the Function App's
  // managed identity: its secrets must not leave the service for a machine outside it.
  let assets: JobAssets;
  try {
    assets = await prepareJobAssets({ jobId, attempt: claimed.attempt, runbook: claimed.runbook }, version, parameters);
  } catch (error) {
    const reason = `The runbook's assets could not be prepared: ${(error as Error).message}`;
    await finishJob(jobId, { status: 'Failed', exception: reason, statusDetails: reason }, { from: held, fence: claimed.attempt });
    if (maxConcurrency) await releaseSlot(job.runbook, maxConcurrency, jobId);
    return undefined;
  }
  const identity = new Set(identityEnvNames());
  const env = {
    set: Object.fromEntries(Object.entries(assets.env.set).filter(([name]) => !identity.has(name))),
    unset: [...new Set([...assets.env.unset, ...identity])],
  };
  return {
    jobId,
    attempt: claimed.attempt,
    env,
    secrets: assets.masker.forms,
    runbook: { name: version.name, version: version.version, definition: version.definition, content: version.content },
    parameters,
    limits: {
      timeoutSeconds: version.definition.timeoutSeconds ?? s.defaultTimeoutSeconds,
      leaseSeconds: s.leaseSeconds,
      streamCapBytes: s.streamCapBytes,
      stopGraceSeconds: s.stopGraceSeconds,
    },
    ...(retryReason ? { retryReason } : {}),
  };
}

async function drop(p: Poller, m: ReceivedMessage): Promise<undefined> {
  await jobQueue.remove(p.group, m);
  return undefined;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
