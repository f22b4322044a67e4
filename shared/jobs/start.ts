import { catalog } from '../runbooks/catalog';
import { validateParameters } from '../runbooks/parameters';
import { mayUseRunbook, roleAtLeast, type Principal } from '../model/apiKey';
import type { JobClaim, JobStatus } from '../model/job';
import { settings } from '../config';
import type { JobRecord } from '../model/jobRecord';
import { isPublished } from '../model/runbook';
import { badRequest, conflict, describeZodError, forbidden, unavailable } from '../errors';
import { isCloud, RunOn } from '../model/runOn';
import type { RunbookType } from '../model/runbook';
import { checkRunOn, whyNotRunnable } from '../workers/groups';
import { jobStore } from '../store/jobStore';
import { jobQueue } from '../store/jobQueue';
import { isStorageUnavailable } from '../store/errors';
import { newJobId } from './ids';
import { sealParameters } from './parameters';
import { announce } from './transition';

const MAX_CLAIM_PARAMETER_CHARS = 24_000;

export interface StartRequest {
  runbook: string;
  parameters?: unknown;
  /** Who starts it: API key id, `webhook:<name>`, `schedule:<name>`, ... (recorded on the job). */
  startedBy: string;
  /** The caller's rights; webhooks and schedules are checked when they are created instead. */
  principal?: Principal;
  /** Convert string values (form posts) to the declared types. */
  coerceStrings?: boolean;
  /** A caller-chosen id (schedules derive one per occurrence); an existing job with it is returned. */
  jobId?: string;
  /** Size limit of the parameters as JSON when it is not the default 512 KB (webhooks: body + headers). */
  maxParameterBytes?: number;
  /**
   * The caller will run the job itself right away (RealmJoin `run`, shared/jobs/runHere.ts): the
   * message is still sent, as the fallback if this instance dies, but without the claim and visible
   * only after the lease, when the job is long claimed (or its claimer's heartbeat has gone stale).
   * Ignored for a job that runs on a hybrid worker group: only the group's workers may run it.
   */
  runHere?: boolean;
  /** Where it runs, overriding the runbook's `runOn`: 'cloud' or a hybrid worker group. */
  runOn?: string;
  /** Notification targets this start names (its webhook's or schedule's, or the start body's), besides the runbook's. */
  notify?: string[];
}

export interface StartedJob {
  jobId: string;
  status: JobStatus;
  /** Why a Queued job cannot run yet (a hybrid group without a live worker for its type). */
  statusDetails?: string;
  /** False when a job with the requested id already existed. */
  created: boolean;
  /** With runHere: what the caller needs to claim the job without reading it (its ETag and fields). */
  claim?: JobClaim;
  /**
   * With runHere: the send of the delayed fallback message, in flight while the caller claims the
   * job (one round trip less on a synchronous run's path); resolves to the error if it failed.
   */
  queued?: Promise<Error | undefined>;
}

/**
 * The one way a job comes to be: validate, record the job (status Queued), then put its id on the
 * queue. If the queue send fails the entity is removed again and the caller gets 503, so an
 * accepted job is always both recorded and queued. A job run here (runHere) is the exception: the
 * caller claims and runs it at once, so its message (only the fallback should this instance die)
 * is sent while the claim is made, and a failed send leaves the sweeper as the fallback
 * (docs/job-lifecycle.md).
 */
export async function startJob(req: StartRequest): Promise<StartedJob> {
  const runbook = await catalog.require(req.runbook);
  if (req.principal) {
    if (!roleAtLeast(req.principal.role, 'operator')) {
      throw forbidden(`Key '${req.principal.id}' has the role ${req.principal.role}; starting a job needs operator or admin.`);
    }
    if (!mayUseRunbook(req.principal, runbook.name)) throw forbidden(`Key '${req.principal.id}' may not use runbook '${runbook.name}'.`);
  }
  if (!isPublished(runbook)) {
    throw conflict(`Runbook '${runbook.name}' is not published; publish it before starting jobs.`);
  }
  const parameters = validateParameters(runbook.parameters, req.parameters, {
    coerceStrings: req.coerceStrings,
    maxBytes: req.maxParameterBytes,
  });
  const jobId = req.jobId ?? newJobId();
  const now = new Date().toISOString();
  const sealed = sealParameters(runbook.parameters, parameters);
  const target = await resolveRunOn(req.runOn ?? runbook.runOn, runbook.type);
  const notify = [...new Set([...(runbook.notify ?? []), ...(req.notify ?? [])])].join(',');
  const job: JobRecord = {
    jobId,
    runbook: runbook.name,
    runbookVersion: runbook.version,
    ...(runbook.commit ? { runbookCommit: runbook.commit } : {}),
    parameters: sealed,
    status: 'Queued',
    startedBy: req.startedBy,
    createdTime: now,
    lastModifiedTime: now,
    lastQueuedTime: now,
    attempt: 0,
    ...(target.group ? { runOn: target.group } : {}),
    ...(target.waiting ? { statusDetails: target.waiting } : {}),
    ...(notify ? { notify } : {}),
  };
  const outcome = await jobStore.create(job);
  if (outcome.etag === undefined) {
    const existing = await jobStore.get(jobId);
    if (!existing) throw badRequest(`Job id ${jobId} is in use.`);
    return {
      jobId,
      status: existing.value.status,
      created: false,
      ...(existing.value.statusDetails ? { statusDetails: existing.value.statusDetails } : {}),
    };
  }
  const runHere = req.runHere === true && !target.group;
  const claim = {
    etag: outcome.etag,
    runbook: runbook.name,
    runbookVersion: runbook.version,
    parameters: sealed,
    startedBy: req.startedBy,
    createdTime: now,
    ...(notify ? { notify } : {}),
  };
  if (runHere) {
    const queued = jobQueue.send({ jobId }, settings().leaseSeconds).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    announce(job);
    return { jobId, status: 'Queued', created: true, claim, queued };
  }
  try {
    // Queue messages hold 64 KiB of base64: carry the claim only for small jobs.
    if (target.group) await jobQueue.send({ jobId }, 0, target.group);
    else await jobQueue.send(sealed.length <= MAX_CLAIM_PARAMETER_CHARS && outcome.etag ? { jobId, claim } : { jobId });
  } catch (error) {
    await jobStore.delete(jobId).catch(() => undefined);
    if (!isStorageUnavailable(error)) throw error; // a refusal is not an outage: the edge maps it (store/errors.ts)
    throw unavailable(`The job could not be queued (${(error as Error).message.split('\n')[0]}); nothing was started, retry.`);
  }
  announce(job); // New → Queued: the job exists only now, so this is the one move not written by transition()
  return {
    jobId,
    status: 'Queued',
    created: true,
    ...(target.waiting ? { statusDetails: target.waiting } : {}),
  };
}

/**
 * The group a job runs on (undefined: the cloud worker), and why it will wait when no live worker
 * of that group can run its type. A group that does not exist is the caller's mistake (400).
 */
async function resolveRunOn(runOn: string | undefined, type: RunbookType): Promise<{ group?: string; waiting?: string }> {
  if (isCloud(runOn)) return {};
  const parsed = RunOn.safeParse(runOn);
  if (!parsed.success) throw badRequest(`runOn: ${describeZodError(parsed.error, 'value')}.`);
  await checkRunOn(runOn);
  return { group: runOn, waiting: await whyNotRunnable(runOn!, type) };
}
