import { z } from 'zod';
import { RunbookPattern } from './apiKey';

/** What a notification target may be told: one event per job and kind (docs/notifications.md). */
export const NotificationEvent = z.enum(['job.started', 'job.completed', 'job.failed', 'job.stopped']);
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/** The wire format of a target: two signed JSON formats and two chat incoming-webhook shapes. */
export const NotificationFormat = z.enum(['standard-webhooks', 'github', 'teams', 'slack']);
export type NotificationFormat = z.infer<typeof NotificationFormat>;

/** Who started a job, by the form of its `startedBy`: `webhook:<name>`, `schedule:<name>`, else an API caller. */
export const StartedByKind = z.enum(['webhook', 'schedule', 'api']);
export type StartedByKind = z.infer<typeof StartedByKind>;

export const TargetName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'use a letter, then letters, digits, "_" or "-" (at most 64)');

/** Targets a job names (runbook, webhook, schedule or start body): at most this many. */
export const NotifyList = z.array(TargetName).max(10);

const Filters = {
  events: z.array(NotificationEvent).min(1).max(4),
  /** Runbook names or patterns (`*` any run of characters): the target hears every job of these. */
  runbooks: z.array(RunbookPattern).max(50),
  /** Only jobs started this way. */
  startedBy: z.array(StartedByKind).min(1).max(3),
  /** `job.failed` only once the runbook has failed this many times in a row (this job included). */
  onlyAfterConsecutiveFailures: z.number().int().min(1).max(100),
  /** `job.completed` only when the runbook's previous finished job did not complete (a recovery). */
  onRecovery: z.boolean(),
};

export const NotificationTarget = z.object({
  name: z.string(),
  /** The receiver; for `teams` and `slack` the path (which carries their secret) is masked. */
  url: z.string(),
  format: NotificationFormat,
  enabled: z.boolean(),
  /** Why the target was turned off by Hookbook (a receiver answering 410 Gone). */
  disabledReason: z.string().optional(),
  description: z.string(),
  events: Filters.events,
  runbooks: Filters.runbooks.optional(),
  startedBy: Filters.startedBy.optional(),
  onlyAfterConsecutiveFailures: Filters.onlyAfterConsecutiveFailures.optional(),
  onRecovery: Filters.onRecovery.optional(),
  /** When the secret was last rotated, and until when the previous one still signs. */
  secretRotatedTime: z.string().optional(),
  previousSecretValidUntil: z.string().optional(),
  createdTime: z.string(),
  lastModifiedTime: z.string(),
});
export type NotificationTarget = z.infer<typeof NotificationTarget>;

export const DEFAULT_EVENTS: NotificationEvent[] = ['job.completed', 'job.failed', 'job.stopped'];

export const CreateTargetBody = z
  .object({
    name: TargetName,
    url: z.string().url().max(2048),
    format: NotificationFormat.default('standard-webhooks'),
    enabled: z.boolean().default(true),
    description: z.string().max(1024).default(''),
    events: Filters.events.default(DEFAULT_EVENTS),
    runbooks: Filters.runbooks.optional(),
    startedBy: Filters.startedBy.optional(),
    onlyAfterConsecutiveFailures: Filters.onlyAfterConsecutiveFailures.optional(),
    onRecovery: Filters.onRecovery.optional(),
  })
  .strict();
export type CreateTargetBody = z.infer<typeof CreateTargetBody>;

/** A change: every field optional; `null` removes an optional filter. */
export const UpdateTargetBody = z
  .object({
    url: z.string().url().max(2048),
    enabled: z.boolean(),
    description: z.string().max(1024),
    events: Filters.events,
    runbooks: Filters.runbooks.nullable(),
    startedBy: Filters.startedBy.nullable(),
    onlyAfterConsecutiveFailures: Filters.onlyAfterConsecutiveFailures.nullable(),
    onRecovery: Filters.onRecovery.nullable(),
  })
  .partial()
  .strict();
export type UpdateTargetBody = z.infer<typeof UpdateTargetBody>;

export const RotateSecretBody = z
  .object({
    /** How long the previous secret still signs (alongside the new one). Default one day. */
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(30 * 24 * 3600)
      .default(24 * 3600),
  })
  .strict();

export const DeliveryStatus = z.enum(['pending', 'delivered', 'failed', 'skipped', 'stopped']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const DeliveryAttempt = z.object({
  time: z.string(),
  /** The receiver's status code; absent when none came (refused address, timeout, connection error). */
  statusCode: z.number().int().optional(),
  latencyMs: z.number().int(),
  /** The first bytes of the answer, or what went wrong. */
  response: z.string(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttempt>;

export const Delivery = z.object({
  deliveryId: z.string(),
  target: z.string(),
  jobId: z.string(),
  runbook: z.string(),
  event: NotificationEvent,
  status: DeliveryStatus,
  /** Why it was skipped, failed or stopped. */
  reason: z.string().optional(),
  createdTime: z.string(),
  lastModifiedTime: z.string(),
  nextAttemptTime: z.string().optional(),
  attempts: z.array(DeliveryAttempt),
});
export type Delivery = z.infer<typeof Delivery>;

/**
 * The queue message of one delivery (queue "notifications"): everything it needs is named, the job
 * and target are read when it is sent. `firstTime` bounds its age; `redelivery` marks a manual one.
 */
export const DeliveryMessage = z.object({
  deliveryId: z.string(),
  target: z.string(),
  jobId: z.string(),
  event: NotificationEvent,
  firstTime: z.string(),
  redelivery: z.boolean().optional(),
});
export type DeliveryMessage = z.infer<typeof DeliveryMessage>;
