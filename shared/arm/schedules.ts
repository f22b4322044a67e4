import type { ScheduleView } from '../model/schedule';
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
