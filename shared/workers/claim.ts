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
import { workerStore } from '../store/workerStore';
import { handBack } from './attempt';
import { DRAINING_EVENT, whyNotRunnable } from './groups';

/**
 * A hybrid worker's poll: take the next job of its group's queue that it can run, and claim it
 * exactly as the cloud worker does (decide, maxConcurrency slot, ETag-guarded move to Running with
 * attempt + 1 under the fence of the attempt decided on). The claimed attempt is the fencing token
 * the worker names on every later write. Held open up to HOOKBOOK_WORKER_POLL_SECONDS when the
 * queue is empty, so a poll fits Azure Functions' HTTP limits with room to spare.
 */

/** A received message stays out of sight this long: time to claim it, or for another worker to see it after. */
const VISIBILITY_SECONDS = 10;
/** How many messages a poll looks at past one it cannot run (another type at the front of the queue). */
const LOOK_PAST = 32;
/** How old a poll's answer to "is this worker draining, does its group exist" may be before a claim. */
const GATE_MS = 2000;

export interface Poller {
  group: string;
  /** The worker's name in the group (its row: hello, draining). */
  name: string;
  /** `<group>/<worker name>`: recorded as the job's worker. */
  workerId: string;
  capabilities: readonly RunbookType[];
}

/**
 * Whether a poll may still claim for its worker: not once the worker said it is draining (SIGTERM)
 * nor once its group is deleted. Read at most every GATE_MS while the poll waits, and again, fresh,
 * right after each claim: a claim that raced the drain or the delete is undone at once.
 */
class ClaimGate {
  private checkedAt = 0;
  private why: 'draining' | 'deleted' | undefined;
  /** Called when the worker's drain is heard on this instance (wakes a waiting poll). */
  onDrain: (() => void) | undefined;

  /** Hears, for the poll's lifetime, its worker's drain said on this instance. */
  constructor(private readonly p: Poller) {
    openGates.add(this);
  }

  close(): void {
    openGates.delete(this);
  }

  heard(workerId: string): void {
    if (workerId !== this.p.workerId) return;
    this.why = 'draining';
    this.onDrain?.();
  }

  async closed(fresh = false): Promise<'draining' | 'deleted' | undefined> {
    if (this.why || (!fresh && Date.now() - this.checkedAt < GATE_MS)) return this.why;
    const [group, worker] = await Promise.all([workerStore.getGroup(this.p.group), workerStore.getWorker(this.p.group, this.p.name)]);
    this.checkedAt = Date.now();
    this.why = !group ? 'deleted' : worker?.draining ? 'draining' : undefined;
    return this.why;
  }
}

/** The polls open on this instance: one listener tells them all when a worker says it drains. */
const openGates = new Set<ClaimGate>();
process.on(
  DRAINING_EVENT as never,
  ((workerId: string) => {
    for (const gate of openGates) gate.heard(workerId);
  }) as never,
);

export async function pollForJob(p: Poller, waitSeconds: number, signal?: AbortSignal): Promise<WorkerJob | undefined> {
  const deadline = Date.now() + Math.min(waitSeconds, settings().workerPollSeconds) * 1000;
  const gate = new ClaimGate(p);
  try {
    return await poll(p, gate, deadline, signal);
  } finally {
    gate.close();
  }
}

async function poll(p: Poller, gate: ClaimGate, deadline: number, signal?: AbortSignal): Promise<WorkerJob | undefined> {
  const seen: Seen = { incapable: new Set(), reasons: new Map() };
  let idleMs = 100;
  for (;;) {
    if (signal?.aborted || (await gate.closed())) return undefined;
    // Once it has seen jobs it cannot run, the poll only peeks (which hides nothing from the
    // group's other workers) until a message it has not seen is at the front.
    const unseen = !seen.incapable.size || (await jobQueue.visibleIds(p.group, LOOK_PAST)).some((id) => !seen.incapable.has(id));
    const m = unseen ? await jobQueue.receive(p.group, VISIBILITY_SECONDS) : undefined;
    if (m) {
      const r = await tryClaim(p, m, gate, seen);
      if (r && r !== 'incapable') return r;
      if (r !== 'incapable') {
        idleMs = 100;
        continue;
      }
      // A job of a type this worker cannot run is at the front: it went back at once for a worker
      // that can; look past it for one this worker can run.
      const job = await lookPast(p, gate, seen);
      if (job) return job;
    }
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return undefined;
    await wake(groupQueueName(p.group), Math.min(idleMs, left), gate, signal);
    idleMs = Math.min(1000, idleMs * 2);
  }
}

interface Seen {
  /** Messages of jobs this worker cannot run, seen in this poll: handed back unread. */
  incapable: Set<string>;
  /** Why a job of a type waits (whyNotRunnable), asked once per poll. */
  reasons: Map<string, Promise<string | undefined>>;
}

async function lookPast(p: Poller, gate: ClaimGate, seen: Seen): Promise<WorkerJob | undefined> {
  const batch = await jobQueue.receiveSome(p.group, LOOK_PAST, VISIBILITY_SECONDS);
  // Those already seen go back at once, together; the others are tried in order.
  await Promise.all(batch.filter((m) => seen.incapable.has(m.messageId)).map((m) => jobQueue.release(p.group, m)));
  const rest = batch.filter((m) => !seen.incapable.has(m.messageId));
  for (let i = 0; i < rest.length; i++) {
    const r = await tryClaim(p, rest[i]!, gate, seen);
    if (r && r !== 'incapable') {
      await Promise.all(rest.slice(i + 1).map((m) => jobQueue.release(p.group, m)));
      return r;
    }
  }
  return undefined;
}

/** Resolve after `ms`, or at once when this process sends to `queueName` or hears the worker drains. */
function wake(queueName: string, ms: number, gate: ClaimGate, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('hookbook:queue-sent' as never, onSent as never);
      gate.onDrain = undefined;
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const onSent = (name: string) => {
      if (name === queueName) done();
    };
    const timer = setTimeout(done, ms);
    process.on('hookbook:queue-sent' as never, onSent as never);
    gate.onDrain = done;
    signal?.addEventListener('abort', done);
  });
}

async function tryClaim(p: Poller, m: ReceivedMessage, gate: ClaimGate, seen: Seen): Promise<WorkerJob | 'incapable' | undefined> {
  if (seen.incapable.has(m.messageId)) {
    await jobQueue.release(p.group, m);
    return 'incapable';
  }
  const parsed = JobMessage.safeParse(safeJson(m.text));
  if (!parsed.success) return drop(p, m);
  const jobId = parsed.data.jobId;
  let held: Versioned<JobRecord> | undefined = await jobStore.get(jobId);
  // Not this group's job (or none): a worker never sees another group's work.
  if (!held || held.value.runOn !== p.group || isTerminal(held.value.status)) return drop(p, m);
  const version = await catalog.version(held.value.runbook, held.value.runbookVersion);
  if (version && !p.capabilities.includes(version.definition.type)) {
    // Back at once for a worker of the group that can run it; the job says why it waits when none can.
    await jobQueue.release(p.group, m);
    seen.incapable.add(m.messageId);
    await sayWhyItWaits(p.group, version.definition.type, held, seen);
    return 'incapable';
  }
  // A job just handed back may be this very worker's, handed back because it drains: ask afresh.
  if (await gate.closed(held.value.statusDetails?.startsWith('Handed back'))) {
    await jobQueue.release(p.group, m); // for another worker, at once
    return undefined;
  }
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
    // A worker that handed the job back on shutdown said so (the job is Queued again); a lost one did not.
    if (decision.kind === 'lost-retry') retryReason = decision.reason;
    else if (job.statusDetails?.startsWith('Handed back')) retryReason = job.statusDetails;
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
  // The worker began draining, or its group was deleted, while this claim was made: undo it now.
  const closed = await gate.closed(true);
  if (closed === 'draining') {
    await handBack(held, `Handed back at once: worker ${p.workerId} was shutting down when its poll claimed the job.`);
    if (maxConcurrency) await releaseSlot(job.runbook, maxConcurrency, jobId);
    return undefined;
  }
  if (closed === 'deleted') {
    const reason = `The worker group '${p.group}' was deleted.`;
    await finishJob(jobId, { status: 'Failed', exception: reason, statusDetails: reason }, { from: held, fence: held.value.attempt });
    if (maxConcurrency) await releaseSlot(job.runbook, maxConcurrency, jobId);
    return undefined;
  }
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

/** A Queued job of `type` no live worker of the group can run says so (the sweeper refreshes it too). */
async function sayWhyItWaits(group: string, type: RunbookType, found: Versioned<JobRecord>, seen: Seen): Promise<void> {
  if (!seen.reasons.has(type)) seen.reasons.set(type, whyNotRunnable(group, type));
  const reason = await seen.reasons.get(type);
  const job = found.value;
  if (!reason || job.status !== 'Queued' || job.statusDetails === reason) return;
  if (job.statusDetails && !job.statusDetails.startsWith('Waiting:')) return; // a hand-back note stays
  await jobStore.update(job.jobId, { statusDetails: reason }, found.etag).catch(() => undefined);
}
