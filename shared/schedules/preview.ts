import { z } from 'zod';
import { CreateScheduleBody, type ScheduleDefinition } from '../model/schedule';
import { checkTiming, recurrenceOf, timingOf } from './definition';
import { occurrencesBetween } from './recurrence';
import { isoInZone, offsetAt } from './timezone';

/**
 * The next occurrences a schedule would have, without creating it: the dashboard's live preview
 * while a schedule form is filled in. Same parsing and checks as create (so a preview that
 * answers is a schedule that would be accepted, timing-wise), same recurrence code as the scheduler.
 */
const { cronExpression, cron, frequency, interval, weekDays, monthDays, monthlyOccurrences, startTime, timeZone, expiryTime } =
  CreateScheduleBody.in.shape;
export const PreviewScheduleBody = z
  .object({
    cronExpression,
    cron,
    frequency,
    interval,
    weekDays,
    monthDays,
    monthlyOccurrences,
    startTime,
    timeZone,
    expiryTime,
    count: z.number().int().min(1).max(50).default(10),
  })
  .strict()
  .refine((b) => !(b.cron && b.cronExpression && b.cron !== b.cronExpression), {
    message: "give 'cronExpression' or its alias 'cron', not both",
    path: ['cron'],
  })
  .transform(({ cron, ...b }) => ({ ...b, cronExpression: b.cronExpression ?? cron }));
export type PreviewScheduleBody = z.infer<typeof PreviewScheduleBody>;

export const Occurrence = z.object({
  /** UTC instant. */
  time: z.string(),
  /** Wall-clock time in the schedule's zone, with the offset then in force. */
  local: z.string(),
  /** Minutes east of UTC at that instant. */
  offsetMinutes: z.number().int(),
  /** The zone's offset differs from the previous occurrence's: a daylight-saving change in between. */
  offsetChanged: z.boolean(),
});
export const SchedulePreview = z.object({ timeZone: z.string(), effectiveCron: z.string().optional(), occurrences: z.array(Occurrence) });
export type SchedulePreview = z.infer<typeof SchedulePreview>;

const iso = (ms: number) => new Date(ms).toISOString();
const HORIZON_MS = 5 * 366 * 24 * 3_600_000;

export function previewSchedule(body: PreviewScheduleBody, now = Date.now()): SchedulePreview {
  const timeZone = body.timeZone ?? 'UTC';
  const def: ScheduleDefinition = {
    id: 'preview',
    name: 'preview',
    runbook: 'preview',
    ...timingOf(body, timeZone),
    timeZone,
    isEnabled: true,
    createdTime: iso(now),
    lastModifiedTime: iso(now),
  };
  checkTiming(def, now, { startTimeChanged: true, expiryChanged: true, timingChanged: true });
  const { recurrence, effectiveCron } = recurrenceOf(def);
  const times = occurrencesBetween(recurrence, now, now + HORIZON_MS, body.count);
  let previous: number | undefined;
  const occurrences = times.map((t) => {
    const offsetMinutes = Math.round(offsetAt(t, timeZone) / 60_000);
    const offsetChanged = previous !== undefined && previous !== offsetMinutes;
    previous = offsetMinutes;
    return { time: iso(t), local: isoInZone(t, timeZone), offsetMinutes, offsetChanged };
  });
  return { timeZone, ...(effectiveCron ? { effectiveCron } : {}), occurrences };
}
