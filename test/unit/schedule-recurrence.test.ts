// Pure schedule maths: time zones, the DST policy, cron validation, Azure frequency mapping.
import { describe, expect, it } from 'vitest';
import { checkTiming, parseDateTime, recurrenceOf } from '../../shared/schedules/definition';
import { cronProblem, lastOccurrences, nextOccurrence, occurrencesBetween, type Recurrence } from '../../shared/schedules/recurrence';
import { instantOfWallTime, instantsOfWallTime, isoInZone, timeZoneProblem, wallTimeOf } from '../../shared/schedules/timezone';
import type { ScheduleDefinition } from '../../shared/model/schedule';
import { DomainError } from '../../shared/errors';
import { toHttpError } from '../../shared/http/errors';

const T = (s: string) => Date.parse(s);
const between = (rec: Recurrence, from: string, to: string) =>
  occurrencesBetween(rec, T(from), T(to)).map((t) => new Date(t).toISOString());
const local = (tz: string, xs: string[]) => xs.map((x) => isoInZone(Date.parse(x), tz));
const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';

describe('time zones', () => {
  it('reads wall-clock time and maps it back', () => {
    expect(new Date(wallTimeOf(T('2025-07-01T10:00:00Z'), BERLIN)).toISOString()).toBe('2025-07-01T12:00:00.000Z');
    expect(new Date(wallTimeOf(T('2025-01-01T10:00:00Z'), NEW_YORK)).toISOString()).toBe('2025-01-01T05:00:00.000Z');
    expect(instantOfWallTime(Date.UTC(2025, 6, 1, 12), BERLIN)).toEqual({ instant: T('2025-07-01T10:00:00Z'), kind: 'unique' });
  });

  it('a repeated wall time has two instants and runs at the first', () => {
    const wall = Date.UTC(2025, 9, 26, 2, 30); // Berlin, last Sunday of October
    expect(instantsOfWallTime(wall, BERLIN).map((t) => new Date(t).toISOString())).toEqual([
      '2025-10-26T00:30:00.000Z',
      '2025-10-26T01:30:00.000Z',
    ]);
    expect(instantOfWallTime(wall, BERLIN)).toEqual({ instant: T('2025-10-26T00:30:00Z'), kind: 'repeated' });
  });

  it('a skipped wall time runs at the jump', () => {
    expect(instantOfWallTime(Date.UTC(2025, 2, 30, 2, 30), BERLIN)).toEqual({ instant: T('2025-03-30T01:00:00Z'), kind: 'skipped' });
    expect(instantOfWallTime(Date.UTC(2025, 2, 9, 2, 15), NEW_YORK)).toEqual({ instant: T('2025-03-09T07:00:00Z'), kind: 'skipped' });
  });

  it('names what is wrong with a time zone', () => {
    expect(timeZoneProblem('Europe/Berlin')).toBeUndefined();
    expect(timeZoneProblem('UTC')).toBeUndefined();
    expect(timeZoneProblem('America/Argentina/Buenos_Aires')).toBeUndefined();
    expect(timeZoneProblem('Mars/Olympus_Mons')).toMatch(/not a time zone this service knows/);
    expect(timeZoneProblem('W. Europe Standard Time')).toMatch(/not an IANA time zone name/);
    expect(timeZoneProblem('../../etc')).toMatch(/not an IANA/);
  });
});

describe('cron validation', () => {
  it('accepts 5 and 6 fields, names the reason otherwise', () => {
    expect(cronProblem('*/5 * * * *')).toBeUndefined();
    expect(cronProblem('30 0 9 * * MON-FRI')).toBeUndefined();
    expect(cronProblem('0 0 9 ? * MON')).toBeUndefined();
    expect(cronProblem('@daily')).toBeUndefined();
    expect(cronProblem('* * * *')).toMatch(/has 4 fields; use 5 .* or 6/);
    expect(cronProblem('* * * * * * *')).toMatch(/has 7 fields/);
    expect(cronProblem('61 * * * *')).toMatch(/invalid: .*minute/i);
    expect(cronProblem('hello world')).toMatch(/fields|invalid/);
    expect(cronProblem('0 0 31 2 *')).toMatch(/never fires/);
  });

  it('"?" means any day (not croner\'s "now")', () => {
    const mondays = between({ timeZone: 'UTC', cron: '0 0 9 ? * MON' }, '2025-01-01T00:00:00Z', '2025-01-31T00:00:00Z');
    expect(mondays).toEqual([
      '2025-01-06T09:00:00.000Z',
      '2025-01-13T09:00:00.000Z',
      '2025-01-20T09:00:00.000Z',
      '2025-01-27T09:00:00.000Z',
    ]);
  });
});

describe('occurrences and DST', () => {
  it('matches seconds and stays inside (after, until]', () => {
    const rec = { timeZone: 'UTC', cron: '*/20 * * * * *' };
    expect(between(rec, '2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z')).toEqual([
      '2025-01-01T00:00:20.000Z',
      '2025-01-01T00:00:40.000Z',
      '2025-01-01T00:01:00.000Z',
    ]);
  });

  it('Berlin, spring forward: a daily 02:30 runs once, at 03:00 CEST', () => {
    const xs = between({ timeZone: BERLIN, cron: '30 2 * * *' }, '2025-03-28T12:00:00Z', '2025-04-01T00:00:00Z');
    expect(local(BERLIN, xs)).toEqual(['2025-03-29T02:30:00+01:00', '2025-03-30T03:00:00+02:00', '2025-03-31T02:30:00+02:00']);
  });

  it('Berlin, spring forward: the skipped hour of an hourly and a 15-minute schedule runs once', () => {
    expect(local(BERLIN, between({ timeZone: BERLIN, cron: '0 * * * *' }, '2025-03-29T23:30:00Z', '2025-03-30T02:30:00Z'))).toEqual([
      '2025-03-30T01:00:00+01:00',
      '2025-03-30T03:00:00+02:00',
      '2025-03-30T04:00:00+02:00',
    ]);
    const quarter = between({ timeZone: BERLIN, cron: '*/15 * * * *' }, '2025-03-30T00:30:00Z', '2025-03-30T01:20:00Z');
    expect(local(BERLIN, quarter)).toEqual(['2025-03-30T01:45:00+01:00', '2025-03-30T03:00:00+02:00', '2025-03-30T03:15:00+02:00']);
  });

  it('Berlin, fall back: a daily 02:30 and an hourly schedule run once in the repeated hour', () => {
    const daily = between({ timeZone: BERLIN, cron: '30 2 * * *' }, '2025-10-25T12:00:00Z', '2025-10-27T12:00:00Z');
    expect(local(BERLIN, daily)).toEqual(['2025-10-26T02:30:00+02:00', '2025-10-27T02:30:00+01:00']);
    const hourly = between({ timeZone: BERLIN, cron: '0 * * * *' }, '2025-10-25T22:30:00Z', '2025-10-26T03:30:00Z');
    expect(local(BERLIN, hourly)).toEqual([
      '2025-10-26T01:00:00+02:00',
      '2025-10-26T02:00:00+02:00',
      '2025-10-26T03:00:00+01:00',
      '2025-10-26T04:00:00+01:00',
    ]);
  });

  it('New York: 01:30 on the fall-back day runs once; 02:30 on the spring-forward day runs at 03:00 EDT', () => {
    const fall = between({ timeZone: NEW_YORK, cron: '30 1 * * *' }, '2025-11-01T12:00:00Z', '2025-11-03T12:00:00Z');
    expect(local(NEW_YORK, fall)).toEqual(['2025-11-02T01:30:00-04:00', '2025-11-03T01:30:00-05:00']);
    const spring = between({ timeZone: NEW_YORK, cron: '30 2 * * *' }, '2025-03-08T12:00:00Z', '2025-03-10T12:00:00Z');
    expect(local(NEW_YORK, spring)).toEqual(['2025-03-09T03:00:00-04:00', '2025-03-10T02:30:00-04:00']);
  });

  it('a window that starts inside the repeated hour does not run its second pass', () => {
    // After 01:30 CET (the second 02:30 wall time), the next hourly run is 03:00 CET.
    const xs = between({ timeZone: BERLIN, cron: '0 * * * *' }, '2025-10-26T01:30:00Z', '2025-10-26T02:30:00Z');
    expect(local(BERLIN, xs)).toEqual(['2025-10-26T03:00:00+01:00']);
  });

  it('honours startTime, expiryTime and one-time schedules', () => {
    const rec = { timeZone: 'UTC', cron: '0 * * * *', startTime: T('2025-01-01T03:00:00Z'), expiryTime: T('2025-01-01T05:30:00Z') };
    expect(between(rec, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z')).toEqual([
      '2025-01-01T03:00:00.000Z',
      '2025-01-01T04:00:00.000Z',
      '2025-01-01T05:00:00.000Z',
    ]);
    const once = { timeZone: 'UTC', startTime: T('2025-01-01T03:00:00Z') };
    expect(between(once, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z')).toEqual(['2025-01-01T03:00:00.000Z']);
    expect(nextOccurrence(once, T('2025-01-01T03:00:00Z'))).toBeUndefined();
    expect(nextOccurrence({ timeZone: 'UTC', cron: '0 0 29 2 *' }, T('2025-03-01T00:00:00Z'))).toBe(T('2028-02-29T00:00:00Z'));
  });

  it('finds the last occurrences of a per-second schedule cheaply', () => {
    const rec = { timeZone: 'UTC', cron: '* * * * * *' };
    const started = Date.now();
    const xs = lastOccurrences(rec, T('2025-01-01T00:00:00Z'), T('2025-01-08T00:00:00Z'), 3);
    expect(xs.map((t) => new Date(t).toISOString())).toEqual([
      '2025-01-07T23:59:58.000Z',
      '2025-01-07T23:59:59.000Z',
      '2025-01-08T00:00:00.000Z',
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

const def = (over: Partial<ScheduleDefinition>): ScheduleDefinition => ({
  id: 'x',
  name: 's',
  runbook: 'r',
  timeZone: 'UTC',
  isEnabled: true,
  createdTime: '2025-01-01T00:00:00Z',
  lastModifiedTime: '2025-01-01T00:00:00Z',
  ...over,
});

describe('Azure Automation frequencies map onto cron', () => {
  it('Hour, Day, Week, Month, Minute', () => {
    const start = '2025-01-06T09:30:00.000Z'; // a Monday
    expect(recurrenceOf(def({ frequency: 'Hour', startTime: start })).effectiveCron).toBe('0 30 * * * *');
    expect(recurrenceOf(def({ frequency: 'Day', startTime: start })).effectiveCron).toBe('0 30 9 * * *');
    expect(recurrenceOf(def({ frequency: 'Week', startTime: start })).effectiveCron).toBe('0 30 9 * * 1');
    expect(recurrenceOf(def({ frequency: 'Week', startTime: start, weekDays: ['Wednesday', 'Monday'] })).effectiveCron).toBe(
      '0 30 9 * * 1,3',
    );
    expect(recurrenceOf(def({ frequency: 'Month', startTime: start, monthDays: [1, 15, -1] })).effectiveCron).toBe('0 30 9 1,15,L * *');
    expect(
      recurrenceOf(def({ frequency: 'Month', startTime: start, monthlyOccurrences: [{ day: 'Friday', occurrence: -1 }] })).effectiveCron,
    ).toBe('0 30 9 * * 5#L');
    expect(recurrenceOf(def({ frequency: 'Minute', startTime: start, interval: 15 })).effectiveCron).toMatch(
      /^0 \* \* \* \* \* \(every 15 minutes/,
    );
    expect(recurrenceOf(def({ frequency: 'OneTime', startTime: start })).recurrence.cron).toBeUndefined();
  });

  it('the time of day comes from startTime in the schedule time zone', () => {
    const d = def({
      frequency: 'Day',
      startTime: new Date(parseDateTime('2025-01-06T09:30:00', BERLIN, 'startTime')).toISOString(),
      timeZone: BERLIN,
    });
    expect(d.startTime).toBe('2025-01-06T08:30:00.000Z');
    expect(recurrenceOf(d).effectiveCron).toBe('0 30 9 * * *');
    // In summer it still runs at 09:30 Berlin time.
    const xs = occurrencesBetween(recurrenceOf(d).recurrence, T('2025-07-01T00:00:00Z'), T('2025-07-02T00:00:00Z'));
    expect(
      local(
        BERLIN,
        xs.map((x) => new Date(x).toISOString()),
      ),
    ).toEqual(['2025-07-01T09:30:00+02:00']);
  });

  it('interval > 1 counts from the start: every 2nd week, every 3rd day, every 2nd month', () => {
    const weekly = recurrenceOf(
      def({ frequency: 'Week', interval: 2, startTime: '2025-01-06T09:00:00.000Z', weekDays: ['Monday', 'Friday'] }),
    ).recurrence;
    expect(between(weekly, '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z')).toEqual([
      '2025-01-06T09:00:00.000Z',
      '2025-01-10T09:00:00.000Z',
      '2025-01-20T09:00:00.000Z',
      '2025-01-24T09:00:00.000Z',
    ]);
    const daily = recurrenceOf(def({ frequency: 'Day', interval: 3, startTime: '2025-01-30T06:00:00.000Z' })).recurrence;
    expect(between(daily, '2025-01-29T00:00:00Z', '2025-02-06T00:00:00Z')).toEqual([
      '2025-01-30T06:00:00.000Z',
      '2025-02-02T06:00:00.000Z',
      '2025-02-05T06:00:00.000Z',
    ]);
    const monthly = recurrenceOf(
      def({ frequency: 'Month', interval: 2, startTime: '2025-01-31T06:00:00.000Z', monthDays: [-1] }),
    ).recurrence;
    expect(between(monthly, '2025-01-01T00:00:00Z', '2025-07-01T00:00:00Z')).toEqual([
      '2025-01-31T06:00:00.000Z',
      '2025-03-31T06:00:00.000Z',
      '2025-05-31T06:00:00.000Z',
    ]);
    const hourly = recurrenceOf(def({ frequency: 'Hour', interval: 5, startTime: '2025-01-01T22:15:00.000Z' })).recurrence;
    expect(between(hourly, '2025-01-01T22:00:00Z', '2025-01-02T14:00:00Z')).toEqual([
      '2025-01-01T22:15:00.000Z',
      '2025-01-02T03:15:00.000Z',
      '2025-01-02T08:15:00.000Z',
      '2025-01-02T13:15:00.000Z',
    ]);
  });
});

describe('checkTiming', () => {
  const now = T('2025-01-01T00:00:00Z');
  const all = { startTimeChanged: true, expiryChanged: true, timingChanged: true };
  const fails = (d: Partial<ScheduleDefinition>) => {
    try {
      checkTiming(def(d), now, all);
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect(toHttpError(error).status).toBe(400);
      return (error as DomainError).message;
    }
    throw new Error('expected a 400');
  };
  it('names the problem', () => {
    expect(fails({ cronExpression: '* * *' })).toMatch(/^cronExpression: .*3 fields/);
    expect(fails({ cronExpression: '0 0 * * *', timeZone: 'Nowhere/Land' })).toMatch(/^timeZone: /);
    expect(fails({})).toMatch(/needs cronExpression, frequency/);
    expect(fails({ frequency: 'Day' })).toMatch(/needs a startTime/);
    expect(fails({ cronExpression: '0 0 * * *', frequency: 'Day', startTime: '2025-02-01T00:00:00Z' })).toMatch(
      /either cronExpression or frequency/,
    );
    expect(fails({ cronExpression: '0 0 * * *', interval: 2 })).toMatch(/interval applies/);
    expect(fails({ frequency: 'Day', weekDays: ['Monday'], startTime: '2025-02-01T00:00:00Z' })).toMatch(
      /weekDays applies to frequency Week/,
    );
    expect(fails({ startTime: '2024-12-01T00:00:00.000Z' })).toMatch(/in the past/);
    expect(fails({ cronExpression: '0 0 * * *', expiryTime: '2024-12-01T00:00:00.000Z' })).toMatch(/expiryTime .* in the past/);
    expect(fails({ cronExpression: '0 0 1 1 *', expiryTime: '2025-06-01T00:00:00.000Z' })).toMatch(/never run before its expiryTime/);
    expect(() => checkTiming(def({ cronExpression: '0 9 * * MON-FRI', timeZone: BERLIN }), now, all)).not.toThrow();
  });
  it('parses dates with and without offsets, and refuses impossible ones', () => {
    expect(parseDateTime('2025-06-01T09:00:00+02:00', 'UTC', 'startTime')).toBe(T('2025-06-01T07:00:00Z'));
    expect(parseDateTime('2025-06-01T09:00:00', NEW_YORK, 'startTime')).toBe(T('2025-06-01T13:00:00Z'));
    expect(() => parseDateTime('2025-02-30T09:00:00Z', 'UTC', 'startTime')).toThrow(/not a real date/);
  });
});
