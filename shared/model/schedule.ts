import { z } from 'zod';
import { RunOn } from './runOn';
import { NotifyList } from './notification';

/**
 * Schedules: a runbook, its parameters, and when to run it: a cron expression (5 fields, or 6 with
 * seconds first), an Azure Automation frequency (OneTime, Minute, Hour, Day, Week, Month with
 * interval, weekDays, monthDays, monthlyOccurrences), or a one-time `startTime` alone.
 */
export const ScheduleName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/,
    'must start with a letter or digit and hold only letters, digits, "_", "." and "-" (at most 128)',
  );

export const Frequency = z.enum(['OneTime', 'Minute', 'Hour', 'Day', 'Week', 'Month']);
export type Frequency = z.infer<typeof Frequency>;

export const WEEK_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export type WeekDayName = (typeof WEEK_DAYS)[number];

/** "Monday", "monday", "Mon" → "Monday". */
export const WeekDay = z
  .string()
  .transform((s, ctx) => {
    const lower = s.trim().toLowerCase();
    const hit = WEEK_DAYS.find((d) => d.toLowerCase() === lower || d.slice(0, 3).toLowerCase() === lower);
    if (!hit) {
      ctx.addIssue({ code: 'custom', message: `'${s}' is not a day of the week (Monday … Sunday)` });
      return z.NEVER;
    }
    return hit;
  })
  // The document names the canonical days; any case and three-letter abbreviations are accepted too.
  .meta({ enum: [...WEEK_DAYS], description: 'a day of the week (any case; "Mon" … "Sun" are accepted too)' });

/** How the document states the ranges below (zod's refine has no JSON Schema form). */
const dayOfMonth = { anyOf: [{ const: -1 }, { minimum: 1, maximum: 31 }], description: '1 … 31, or -1 for the last day of the month' };
const occurrenceOfMonth = { anyOf: [{ const: -1 }, { minimum: 1, maximum: 5 }], description: '1 … 5 (first … fifth), or -1 for the last' };

export const MonthDay = z
  .number()
  .int()
  .refine((d) => d === -1 || (d >= 1 && d <= 31), 'a day of the month is 1 … 31, or -1 for the last day')
  .meta(dayOfMonth);

export const MonthlyOccurrence = z
  .object({
    day: WeekDay,
    occurrence: z
      .number()
      .int()
      .refine((n) => n === -1 || (n >= 1 && n <= 5), 'occurrence is 1 … 5 (first … fifth), or -1 for the last')
      .meta(occurrenceOfMonth),
  })
  .strict();

/** ISO 8601 date-time; without an offset it is read as wall-clock time in the schedule's time zone. */
export const DateTimeText = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i,
    'expected an ISO 8601 date-time such as 2025-06-01T09:00:00+02:00 (without an offset: local time in timeZone)',
  );

const timing = {
  cronExpression: z.string().min(1).max(256).optional(),
  /** Alias of cronExpression. */
  cron: z.string().min(1).max(256).optional(),
  frequency: Frequency.optional(),
  interval: z.number().int().min(1).max(1000).optional(),
  weekDays: z.array(WeekDay).min(1).max(7).optional(),
  monthDays: z.array(MonthDay).min(1).max(32).optional(),
  monthlyOccurrences: z.array(MonthlyOccurrence).min(1).max(35).optional(),
  startTime: DateTimeText.optional(),
  timeZone: z.string().min(1).max(64).optional(),
};

export const CreateScheduleBody = z
  .object({
    name: ScheduleName,
    runbook: z.string().min(1).max(128),
    parameters: z.record(z.string(), z.unknown()).optional(),
    description: z.string().max(1024).optional(),
    ...timing,
    expiryTime: DateTimeText.optional(),
    isEnabled: z.boolean().optional(),
    /** Where its jobs run: 'cloud' or a hybrid worker group; default: the runbook's. */
    runOn: RunOn.optional(),
    /** Notification targets told about its jobs, besides the runbook's (docs/notifications.md). */
    notify: NotifyList.optional(),
  })
  .strict()
  .refine((b) => !(b.cron && b.cronExpression && b.cron !== b.cronExpression), {
    message: "give 'cronExpression' or its alias 'cron', not both",
    path: ['cron'],
  })
  .transform(({ cron, ...b }) => ({ ...b, cronExpression: b.cronExpression ?? cron }));
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>;

/** PATCH: every field optional; `null` clears cronExpression, startTime, expiryTime or description. */
export const UpdateScheduleBody = z
  .object({
    runbook: z.string().min(1).max(128).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    description: z.string().max(1024).nullable().optional(),
    ...timing,
    cronExpression: z.string().min(1).max(256).nullable().optional(),
    startTime: DateTimeText.nullable().optional(),
    expiryTime: DateTimeText.nullable().optional(),
    isEnabled: z.boolean().optional(),
    runOn: RunOn.nullable().optional(),
    notify: NotifyList.nullable().optional(),
  })
  .strict()
  .refine((b) => !(b.cron && b.cronExpression && b.cron !== b.cronExpression), {
    message: "give 'cronExpression' or its alias 'cron', not both",
    path: ['cron'],
  })
  .transform(({ cron, ...b }) => (cron !== undefined && b.cronExpression === undefined ? { ...b, cronExpression: cron } : b));
export type UpdateScheduleBody = z.infer<typeof UpdateScheduleBody>;

/** The stored definition (parameters are stored apart, sealed). Times are ISO 8601 UTC. */
export const ScheduleDefinition = z.object({
  /** Random, fixed for the schedule's life: the seed of its jobs' ids. */
  id: z.string(),
  name: ScheduleName,
  runbook: z.string(),
  description: z.string().optional(),
  cronExpression: z.string().optional(),
  frequency: Frequency.optional(),
  interval: z.number().int().optional(),
  weekDays: z.array(z.enum(WEEK_DAYS)).optional(),
  monthDays: z.array(z.number().int().meta(dayOfMonth)).optional(),
  monthlyOccurrences: z.array(z.object({ day: z.enum(WEEK_DAYS), occurrence: z.number().int().meta(occurrenceOfMonth) })).optional(),
  startTime: z.string().optional(),
  expiryTime: z.string().optional(),
  timeZone: z.string(),
  isEnabled: z.boolean(),
  createdTime: z.string(),
  lastModifiedTime: z.string(),
  createdBy: z.string().optional(),
  runOn: z.string().optional(),
  notify: z.array(z.string()).optional(),
});
export type ScheduleDefinition = z.infer<typeof ScheduleDefinition>;

/** What callers see. */
export const ScheduleView = ScheduleDefinition.omit({ id: true }).extend({
  parameters: z.record(z.string(), z.unknown()),
  /** The cron the schedule runs on (for frequencies: the mapped expression and its interval). */
  effectiveCron: z.string().optional(),
  isExpired: z.boolean(),
  nextRun: z.string().nullable(),
  lastRun: z.string().nullable(),
  lastJobId: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type ScheduleView = z.infer<typeof ScheduleView>;
