import { badRequest } from '../errors';
import { WEEK_DAYS, type CreateScheduleBody, type ScheduleDefinition } from '../model/schedule';
import { cronProblem, nextOccurrence, type IntervalUnit, type Recurrence } from './recurrence';
import { instantOfWallTime, timeZoneProblem, wallTimeOf } from './timezone';

/**
 * From a stored schedule definition to its Recurrence, and the checks that keep a bad definition
 * out of storage (every failure is a 400 naming the field and the reason).
 */

/** ISO text → epoch ms; without an offset, the text is wall-clock time in `timeZone`. */
export function parseDateTime(text: string, timeZone: string, field: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))?$/i.exec(text.trim());
  if (!m) throw badRequest(`${field}: '${text}' is not an ISO 8601 date-time.`);
  const [, y, mo, d, h, mi, s, frac, zone, sign, oh, om] = m;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
  const back = new Date(wall);
  if (
    back.getUTCFullYear() !== Number(y) ||
    back.getUTCMonth() !== Number(mo) - 1 ||
    back.getUTCDate() !== Number(d) ||
    back.getUTCHours() !== Number(h) ||
    back.getUTCMinutes() !== Number(mi) ||
    back.getUTCSeconds() !== Number(s ?? 0)
  ) {
    throw badRequest(`${field}: '${text}' is not a real date and time.`);
  }
  if (!zone) return instantOfWallTime(wall, timeZone).instant;
  if (zone.toUpperCase() === 'Z') return wall;
  const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
  return wall - offset;
}

const MONTH_DAY = (d: number) => (d === -1 ? 'L' : String(d));

/** The timing fields of a create (or preview) request, as a stored definition holds them. */
export type TimingRequest = Pick<
  CreateScheduleBody,
  'cronExpression' | 'frequency' | 'interval' | 'weekDays' | 'monthDays' | 'monthlyOccurrences' | 'startTime' | 'expiryTime'
>;

/** A request's timing as a definition holds it: start and expiry as instants read in `timeZone`. */
export function timingOf(body: TimingRequest, timeZone: string): Partial<ScheduleDefinition> {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    ...(body.cronExpression !== undefined ? { cronExpression: body.cronExpression.trim() } : {}),
    ...(body.frequency !== undefined ? { frequency: body.frequency } : {}),
    ...(body.interval !== undefined ? { interval: body.interval } : {}),
    ...(body.weekDays !== undefined ? { weekDays: body.weekDays } : {}),
    ...(body.monthDays !== undefined ? { monthDays: body.monthDays } : {}),
    ...(body.monthlyOccurrences !== undefined ? { monthlyOccurrences: body.monthlyOccurrences } : {}),
    ...(body.startTime !== undefined ? { startTime: iso(parseDateTime(body.startTime, timeZone, 'startTime')) } : {}),
    ...(body.expiryTime !== undefined ? { expiryTime: iso(parseDateTime(body.expiryTime, timeZone, 'expiryTime')) } : {}),
  };
}

/** The Recurrence a definition runs on, and the cron text shown as `effectiveCron`. */
export function recurrenceOf(def: ScheduleDefinition): { recurrence: Recurrence; effectiveCron?: string } {
  const tz = def.timeZone;
  const startTime = def.startTime !== undefined ? Date.parse(def.startTime) : undefined;
  const expiryTime = def.expiryTime !== undefined ? Date.parse(def.expiryTime) : undefined;
  const base = { timeZone: tz, startTime, expiryTime };
  if (def.cronExpression !== undefined) {
    return { recurrence: { ...base, cron: def.cronExpression }, effectiveCron: def.cronExpression };
  }
  if (def.frequency === undefined || def.frequency === 'OneTime' || startTime === undefined) return { recurrence: base };

  const wall = new Date(wallTimeOf(startTime, tz));
  const [s, m, h] = [wall.getUTCSeconds(), wall.getUTCMinutes(), wall.getUTCHours()];
  let cron: string;
  let unit: IntervalUnit;
  switch (def.frequency) {
    case 'Minute':
      cron = `${s} * * * * *`;
      unit = 'minute';
      break;
    case 'Hour':
      cron = `${s} ${m} * * * *`;
      unit = 'hour';
      break;
    case 'Day':
      cron = `${s} ${m} ${h} * * *`;
      unit = 'day';
      break;
    case 'Week': {
      const days = def.weekDays?.length ? def.weekDays.map((d) => WEEK_DAYS.indexOf(d)) : [wall.getUTCDay()];
      cron = `${s} ${m} ${h} * * ${[...new Set(days)].sort().join(',')}`;
      unit = 'week';
      break;
    }
    case 'Month': {
      if (def.monthlyOccurrences?.length) {
        const dow = def.monthlyOccurrences.map((o) => `${WEEK_DAYS.indexOf(o.day)}#${o.occurrence === -1 ? 'L' : o.occurrence}`);
        cron = `${s} ${m} ${h} * * ${[...new Set(dow)].join(',')}`;
      } else {
        const days = def.monthDays?.length ? def.monthDays : [wall.getUTCDate()];
        cron = `${s} ${m} ${h} ${[...new Set(days.map(MONTH_DAY))].join(',')} * *`;
      }
      unit = 'month';
      break;
    }
  }
  const n = def.interval ?? 1;
  const recurrence: Recurrence = { ...base, cron, ...(n > 1 ? { every: { unit, n, anchor: wall.getTime() } } : {}) };
  return { recurrence, effectiveCron: n > 1 ? `${cron} (every ${n} ${unit}s from ${def.startTime})` : cron };
}

/** Throws a 400 naming what is wrong with the timing of `def`, as of `now`. */
export function checkTiming(
  def: ScheduleDefinition,
  now: number,
  opts: { startTimeChanged: boolean; expiryChanged: boolean; timingChanged: boolean },
): void {
  const tzProblem = timeZoneProblem(def.timeZone);
  if (tzProblem) throw badRequest(`timeZone: ${tzProblem}.`);
  if (def.cronExpression !== undefined && def.frequency !== undefined) {
    throw badRequest('Give either cronExpression or frequency, not both.');
  }
  if (def.cronExpression !== undefined) {
    const problem = cronProblem(def.cronExpression);
    if (problem) throw badRequest(`cronExpression: ${problem}.`);
  }
  if (def.cronExpression === undefined && def.frequency === undefined && def.startTime === undefined) {
    throw badRequest('A schedule needs cronExpression, frequency (with startTime), or a one-time startTime.');
  }
  if (def.frequency !== undefined && def.startTime === undefined) {
    throw badRequest(`frequency ${def.frequency} needs a startTime (the first run; its time of day sets when later runs happen).`);
  }
  if (def.interval !== undefined && (def.frequency === undefined || def.frequency === 'OneTime')) {
    throw badRequest(
      'interval applies to frequency Minute, Hour, Day, Week or Month (with cronExpression, write the step into the expression, e.g. */5).',
    );
  }
  if (def.weekDays !== undefined && def.frequency !== 'Week') throw badRequest('weekDays applies to frequency Week only.');
  if (def.monthDays !== undefined && def.frequency !== 'Month') throw badRequest('monthDays applies to frequency Month only.');
  if (def.monthlyOccurrences !== undefined && def.frequency !== 'Month')
    throw badRequest('monthlyOccurrences applies to frequency Month only.');
  if (def.monthDays !== undefined && def.monthlyOccurrences !== undefined)
    throw badRequest('Give either monthDays or monthlyOccurrences, not both.');

  const oneTime = def.cronExpression === undefined && (def.frequency === undefined || def.frequency === 'OneTime');
  const start = def.startTime !== undefined ? Date.parse(def.startTime) : undefined;
  const expiry = def.expiryTime !== undefined ? Date.parse(def.expiryTime) : undefined;
  if (oneTime && start !== undefined && opts.startTimeChanged && start < now - 60_000) {
    throw badRequest(`startTime ${def.startTime} is in the past; a one-time schedule needs a time from now on.`);
  }
  if (expiry !== undefined && opts.expiryChanged && expiry <= now) throw badRequest(`expiryTime ${def.expiryTime} is in the past.`);
  if (expiry !== undefined && start !== undefined && expiry <= start) {
    throw badRequest(`expiryTime ${def.expiryTime} is not after startTime ${def.startTime}.`);
  }
  if ((opts.startTimeChanged || opts.expiryChanged || opts.timingChanged) && def.isEnabled !== false) {
    const { recurrence } = recurrenceOf(def);
    const from = Math.min(now, start !== undefined ? start - 1 : now);
    if (nextOccurrence(recurrence, from) === undefined) {
      throw badRequest(
        expiry !== undefined ? `The schedule would never run before its expiryTime ${def.expiryTime}.` : 'The schedule would never run.',
      );
    }
  }
}
