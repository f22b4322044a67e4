import { z } from 'zod';
import { Frequency, type ScheduleView } from '../model/schedule';
import type { PendingSchedule } from '../store/armScheduleStore';
import type { WorkerGroup } from '../model/workerGroup';
import type { ArmContext } from './request';
import { proxyResource } from './resource';

/**
 * Hookbook schedules in Azure's shape. A Hookbook schedule names its runbook, so it shows both as
 * an Azure schedule and as the one job schedule linking it to that runbook (jobScheduleId = the
 * schedule's own fixed id). Read-only here: schedules are made through the management API.
 */
export function scheduleResource(ctx: ArmContext, s: ScheduleView) {
  return proxyResource(ctx, 'schedules', s.name, {
    startTime: s.startTime ?? s.createdTime,
    startTimeOffsetMinutes: 0,
    expiryTime: s.expiryTime ?? null,
    expiryTimeOffsetMinutes: 0,
    isEnabled: s.isEnabled,
    nextRun: s.nextRun,
    nextRunOffsetMinutes: 0,
    interval: s.interval ?? 1,
    frequency: s.frequency ?? 'Minute',
    timeZone: s.timeZone,
    advancedSchedule: {
      weekDays: s.weekDays ?? [],
      monthDays: s.monthDays ?? [],
      monthlyOccurrences: (s.monthlyOccurrences ?? []).map((o) => ({ occurrence: o.occurrence, day: o.day })),
    },
    creationTime: s.createdTime,
    lastModifiedTime: s.lastModifiedTime,
    description: s.description ?? (s.cronExpression ? `cron: ${s.cronExpression}` : ''),
  });
}

export function jobScheduleResource(ctx: ArmContext, id: string, s: ScheduleView) {
  return proxyResource(ctx, 'jobSchedules', id, {
    jobScheduleId: id,
    schedule: { name: s.name },
    runbook: { name: s.runbook },
    runOn: s.runOn ?? null,
    parameters: Object.fromEntries(Object.entries(s.parameters).map(([k, v]) => [k, JSON.stringify(v)])),
  });
}

export const workerGroupResource = (ctx: ArmContext, g: WorkerGroup & { workers: unknown[] }) =>
  proxyResource(ctx, 'hybridRunbookWorkerGroups', g.name, { groupType: 'User', credential: null, hybridRunbookWorkers: g.workers });

/** A schedule no job schedule links yet (shared/store/armScheduleStore.ts), in Azure's shape. */
export function pendingScheduleResource(ctx: ArmContext, s: PendingSchedule) {
  return proxyResource(ctx, 'schedules', s.name, {
    startTime: s.startTime ?? s.createdTime,
    startTimeOffsetMinutes: 0,
    expiryTime: s.expiryTime ?? null,
    expiryTimeOffsetMinutes: 0,
    isEnabled: s.isEnabled,
    nextRun: s.startTime ?? null,
    nextRunOffsetMinutes: 0,
    interval: s.interval ?? 1,
    frequency: s.frequency,
    timeZone: s.timeZone ?? 'UTC',
    advancedSchedule: { weekDays: s.weekDays ?? [], monthDays: s.monthDays ?? [], monthlyOccurrences: s.monthlyOccurrences ?? [] },
    creationTime: s.createdTime,
    lastModifiedTime: s.lastModifiedTime,
    description: s.description ?? '',
  });
}

const nonEmpty = <T>(a: T[] | null | undefined): T[] | undefined => (a && a.length ? a : undefined);

/** ScheduleCreateOrUpdateParameters. */
export const SchedulePutBody = z.looseObject({
  name: z.string().max(128).optional(),
  properties: z.looseObject({
    description: z.string().max(1024).optional(),
    startTime: z.string().max(64).optional(),
    expiryTime: z.string().max(64).nullish(),
    interval: z.union([z.number().int().min(1).max(1000), z.string().regex(/^\d{1,4}$/)]).nullish(),
    frequency: Frequency,
    timeZone: z.string().max(64).nullish(),
    advancedSchedule: z
      .looseObject({
        weekDays: z.array(z.string().max(16)).max(7).nullish(),
        monthDays: z.array(z.number().int()).max(32).nullish(),
        monthlyOccurrences: z
          .array(z.looseObject({ occurrence: z.number().int(), day: z.string().max(16) }))
          .max(35)
          .nullish(),
      })
      .nullish(),
  }),
});
export const SchedulePatchBody = z.looseObject({
  name: z.string().max(128).optional(),
  properties: z.looseObject({ isEnabled: z.boolean().optional(), description: z.string().max(1024).optional() }).optional(),
});
export const JobSchedulePutBody = z.looseObject({
  properties: z.looseObject({
    schedule: z.looseObject({ name: z.string().min(1).max(128) }),
    runbook: z.looseObject({ name: z.string().min(1).max(128) }),
    parameters: z.record(z.string().max(128), z.unknown()).nullish(),
    runOn: z.string().max(128).nullish(),
  }),
});

/** Drop the date-time's digits past milliseconds (.NET writes seven). */
const time = (t: string | null | undefined) => (t ? t.replace(/(\.\d{3})\d+/, '$1') : undefined);

export function pendingFrom(name: string, body: z.infer<typeof SchedulePutBody>, now: string): PendingSchedule {
  const p = body.properties;
  const adv = p.advancedSchedule;
  return {
    name,
    ...(p.description ? { description: p.description } : {}),
    frequency: p.frequency,
    ...(p.interval != null ? { interval: Number(p.interval) } : {}),
    ...(p.startTime ? { startTime: time(p.startTime) } : {}),
    // Azure's "never" is the year 9999.
    ...(p.expiryTime && !p.expiryTime.startsWith('9999') ? { expiryTime: time(p.expiryTime) } : {}),
    ...(p.timeZone ? { timeZone: p.timeZone } : {}),
    ...(nonEmpty(adv?.weekDays) ? { weekDays: adv!.weekDays! } : {}),
    ...(nonEmpty(adv?.monthDays) ? { monthDays: adv!.monthDays! } : {}),
    ...(nonEmpty(adv?.monthlyOccurrences)
      ? { monthlyOccurrences: adv!.monthlyOccurrences!.map((o) => ({ day: o.day, occurrence: o.occurrence })) }
      : {}),
    isEnabled: true,
    createdTime: now,
    lastModifiedTime: now,
  };
}
