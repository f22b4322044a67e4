import { z } from 'zod';
import { RunbookDefinition, RunbookType } from './runbook';
import { StreamType } from './job';
import { GroupName } from './runOn';

export { GroupName, RunOn, isCloud } from './runOn';

/** Hybrid worker groups, their workers and registration keys (docs/hybrid-workers.md). */

export const WorkerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'letters, digits, ".", "_" and "-" (at most 63)');

export const WorkerGroup = z.object({
  name: GroupName,
  description: z.string().optional(),
  createdTime: z.string(),
});
export type WorkerGroup = z.infer<typeof WorkerGroup>;

export const CreateGroupBody = z.object({ name: GroupName, description: z.string().max(1024).optional() }).strict();

/** A worker as it last said hello (or polled). */
export const WorkerInfo = z.object({
  name: WorkerName,
  host: z.string().max(255),
  version: z.string().max(64),
  os: z.string().max(64).optional(),
  /** The runbook types it can run (it found the interpreter, and was not told to leave a type out). */
  capabilities: z.array(RunbookType),
  concurrency: z.number().int().min(1).max(256),
  lastSeen: z.string(),
  /** Job ids it holds (as it last reported them). */
  runningJobs: z.array(z.string()),
  /** It is shutting down (SIGTERM): the service hands it no job any more. */
  draining: z.boolean().optional(),
});
export type WorkerInfo = z.infer<typeof WorkerInfo>;

export const RegistrationKey = z.object({
  keyId: z.string(),
  group: GroupName,
  description: z.string().optional(),
  createdTime: z.string(),
});
export type RegistrationKey = z.infer<typeof RegistrationKey>;
export const CreateRegistrationKeyBody = z.object({ description: z.string().max(512).optional() }).strict();

// --- The worker routes' bodies (service ⇄ `hookbook worker`) ---

export const HelloBody = z
  .object({
    name: WorkerName,
    host: z.string().min(1).max(255),
    version: z.string().min(1).max(64),
    os: z.string().max(64).optional(),
    capabilities: z.array(RunbookType).max(8),
    concurrency: z.number().int().min(1).max(256),
    runningJobs: z.array(z.string().uuid()).max(256).default([]),
    /** Sent first thing on SIGTERM: from then on no poll of this worker claims a job. */
    draining: z.boolean().optional(),
  })
  .strict();
export type HelloBody = z.infer<typeof HelloBody>;

export const PollBody = z
  .object({
    name: WorkerName,
    /** The runbook types this worker runs now (a job of another type is left for another worker). */
    capabilities: z.array(RunbookType).min(1).max(8),
    /** Seconds the service may hold the request when there is no job (capped by the service). */
    waitSeconds: z.number().int().min(0).max(60).default(20),
  })
  .strict();

/** One claimed job as the worker receives it: everything it needs to run it, and nothing else. */
export const WorkerJob = z.object({
  jobId: z.string().uuid(),
  /** The fencing token: every later write for this job names it; another attempt's writes get 409. */
  attempt: z.number().int().min(1),
  runbook: z.object({ name: z.string(), version: z.number().int(), definition: RunbookDefinition, content: z.string() }),
  /** The job's parameters, secret ones decrypted (for this job only). */
  parameters: z.record(z.string(), z.unknown()),
  limits: z.object({
    timeoutSeconds: z.number().int().min(1),
    leaseSeconds: z.number().int().min(1),
    streamCapBytes: z.number().int().min(1),
    stopGraceSeconds: z.number().int().min(0),
  }),
  /** A warning to record first (the attempt before this one was lost). */
  retryReason: z.string().optional(),
  /** The job's environment from its assets (job token, mapped assets); never the service's identity. */
  env: z.object({ set: z.record(z.string(), z.string()), unset: z.array(z.string()) }).optional(),
  /** Secret forms the worker masks in streams and the outcome (shared/jobs/mask.ts). */
  secrets: z.array(z.string()).optional(),
});
export type WorkerJob = z.infer<typeof WorkerJob>;

export const WorkerStreamRow = z
  .object({
    seq: z.number().int().min(0).max(99_999_999),
    time: z.string().max(40),
    streamType: StreamType,
    summary: z.string().max(1024),
    streamText: z.string().max(32_000),
    value: z.string().max(32_000).optional(),
    continued: z.boolean().optional(),
  })
  .strict();
export const StreamsBody = z.object({ attempt: z.number().int().min(1), records: z.array(WorkerStreamRow).min(1).max(100) }).strict();
export const LeaseBody = z.object({ attempt: z.number().int().min(1) }).strict();

/** How the runbook process ended, as the shared runner reports it (shared/runners/process.ts). */
export const OutcomeBody = z
  .object({
    attempt: z.number().int().min(1),
    streamCount: z.number().int().min(0),
    /** The last stream records, sent with the outcome (one call instead of two for a short job). */
    records: z.array(WorkerStreamRow).max(100).optional(),
    outcome: z
      .object({
        exitCode: z.number().int().nullable(),
        signal: z.string().max(20).nullable(),
        result: z.unknown().optional(),
        hasResult: z.boolean(),
        exception: z.string().max(32_000).optional(),
        lastError: z.string().max(32_000).optional(),
        killedBecause: z.enum(['stop', 'timeout', 'lease']).optional(),
        spawnError: z.string().max(4000).optional(),
      })
      .strict(),
  })
  .strict();
export type OutcomeBody = z.infer<typeof OutcomeBody>;
export const ReleaseBody = z.object({ attempt: z.number().int().min(1), reason: z.string().max(512).optional() }).strict();
