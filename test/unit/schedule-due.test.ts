// The due-occurrence computation of a scheduler tick, driven by a fake clock.
import { describe, expect, it } from 'vitest';
import { planDue, type CatchupPolicy } from '../../shared/schedules/due';
import type { Recurrence } from '../../shared/schedules/recurrence';
import { parseDuration, schedulerSettings } from '../../shared/schedules/scheduler';
import { isoInZone } from '../../shared/schedules/timezone';

const T = (s: string) => Date.parse(s);
const MIN = 60_000;
const policy: CatchupPolicy = { maxOccurrences: 3, maxAgeMs: 6 * 3_600_000, lateAfterMs: 90_000 };

/** Tick every `stepMs` from `from` to `to` like the timer would; returns every job a tick would create. */
function simulate(rec: Recurrence, from: number, to: number, stepMs = MIN, p = policy) {
  let cursor = from;
  const jobs: { at: number; late: boolean }[] = [];
  for (let now = from + stepMs; now <= to; now += stepMs) {
    const plan = planDue(rec, cursor, now, p);
    jobs.push(...plan.occurrences);
    cursor = plan.cursor;
  }
  return jobs;
}

describe('planDue', () => {
  it('on time: the occurrence of the last minute, not late', () => {
    const rec = { timeZone: 'UTC', cron: '*/5 * * * *' };
    const plan = planDue(rec, T('2025-01-01T10:04:00Z'), T('2025-01-01T10:05:00.300Z'), policy);
    expect(plan).toEqual({
      occurrences: [{ at: T('2025-01-01T10:05:00Z'), late: false }],
      skipped: 0,
      cursor: T('2025-01-01T10:05:00.300Z'),
    });
    expect(planDue(rec, plan.cursor, T('2025-01-01T10:06:00Z'), policy).occurrences).toEqual([]);
  });

  it('a tick after a gap catches up, marks those late, and keeps to the bounds', () => {
    const rec = { timeZone: 'UTC', cron: '*/10 * * * *' };
    // Down from 10:01 to 11:05: missed 10:10 … 11:00 (6), on time none; policy keeps the last 3.
    const plan = planDue(rec, T('2025-01-01T10:01:00Z'), T('2025-01-01T11:05:00Z'), policy);
    expect(plan.occurrences).toEqual([
      { at: T('2025-01-01T10:40:00Z'), late: true },
      { at: T('2025-01-01T10:50:00Z'), late: true },
      { at: T('2025-01-01T11:00:00Z'), late: true },
    ]);
    expect(plan.skipped).toBeGreaterThan(0);
    // Catch-up off: nothing late runs, the on-time one does.
    const off = planDue(rec, T('2025-01-01T10:01:00Z'), T('2025-01-01T11:00:30Z'), { ...policy, maxOccurrences: 0 });
    expect(off.occurrences).toEqual([{ at: T('2025-01-01T11:00:00Z'), late: false }]);
    expect(off.skipped).toBeGreaterThan(0);
  });

  it('nothing older than maxAge is caught up', () => {
    const rec = { timeZone: 'UTC', cron: '0 3 * * *' }; // daily at 03:00
    const plan = planDue(rec, T('2025-01-01T00:00:00Z'), T('2025-01-05T12:00:00Z'), policy);
    expect(plan.occurrences).toEqual([]); // the latest (Jan 5 03:00) is 9 h old > 6 h
    expect(plan.skipped).toBeGreaterThan(0);
    const recent = planDue(rec, T('2025-01-01T00:00:00Z'), T('2025-01-05T05:00:00Z'), policy);
    expect(recent.occurrences).toEqual([{ at: T('2025-01-05T03:00:00Z'), late: true }]);
  });

  it('a late tick (past due by 40 s) is still on time for its own occurrence', () => {
    const rec = { timeZone: 'UTC', cron: '0 * * * * *' };
    const plan = planDue(rec, T('2025-01-01T10:06:00.100Z'), T('2025-01-01T10:07:40Z'), policy);
    expect(plan.occurrences).toEqual([{ at: T('2025-01-01T10:07:00Z'), late: false }]);
  });

  it('ticking every minute through a day gives each occurrence exactly once', () => {
    const rec = { timeZone: 'UTC', cron: '*/7 * * * *' };
    const jobs = simulate(rec, T('2025-01-01T00:00:00Z'), T('2025-01-02T00:00:00Z'));
    const ats = jobs.map((j) => j.at);
    expect(new Set(ats).size).toBe(ats.length);
    expect(jobs.every((j) => !j.late)).toBe(true);
    expect(ats.length).toBe(24 * 9); // minutes 0,7,...,56 in each hour
  });

  it.each([
    ['Europe/Berlin', '2025-03-29T22:00:00Z', '2025-03-30T04:00:00Z', ['2025-03-30T03:00:00+02:00']],
    ['Europe/Berlin', '2025-10-25T22:00:00Z', '2025-10-26T04:00:00Z', ['2025-10-26T02:30:00+02:00']],
    ['America/New_York', '2025-03-09T04:00:00Z', '2025-03-09T09:00:00Z', ['2025-03-09T03:00:00-04:00']],
    ['America/New_York', '2025-11-02T04:00:00Z', '2025-11-02T09:00:00Z', ['2025-11-02T01:30:00-04:00']],
  ])('%s DST night %s: a daily job in the changing hour runs once', (tz, from, to, expected) => {
    const cron = tz === 'Europe/Berlin' ? '30 2 * * *' : new Date(from).getUTCMonth() === 2 ? '30 2 * * *' : '30 1 * * *';
    const jobs = simulate({ timeZone: tz, cron }, T(from), T(to));
    expect(jobs.map((j) => isoInZone(j.at, tz))).toEqual(expected);
    expect(jobs.every((j) => !j.late)).toBe(true);
  });

  it('ticking every 30 s through the Berlin fall-back night: every-15-minutes runs each wall time once', () => {
    const tz = 'Europe/Berlin';
    const jobs = simulate({ timeZone: tz, cron: '*/15 * * * *' }, T('2025-10-25T23:50:00Z'), T('2025-10-26T02:20:00Z'), 30_000);
    const local = jobs.map((j) => isoInZone(j.at, tz).slice(11, 16));
    expect(local).toEqual(['02:00', '02:15', '02:30', '02:45', '03:00', '03:15']);
    expect(new Set(jobs.map((j) => j.at)).size).toBe(jobs.length);
  });

  it('expiry ends the schedule; a one-time schedule runs once', () => {
    const rec = { timeZone: 'UTC', cron: '0 * * * *', expiryTime: T('2025-01-01T02:30:00Z') };
    expect(simulate(rec, T('2025-01-01T00:00:00Z'), T('2025-01-01T06:00:00Z')).map((j) => j.at)).toEqual([
      T('2025-01-01T01:00:00Z'),
      T('2025-01-01T02:00:00Z'),
    ]);
    const once = { timeZone: 'UTC', startTime: T('2025-01-01T01:00:00Z') };
    expect(simulate(once, T('2025-01-01T00:00:00Z'), T('2025-01-01T06:00:00Z'))).toEqual([{ at: T('2025-01-01T01:00:00Z'), late: false }]);
  });

  it('a clock behind the cursor plans nothing', () => {
    expect(planDue({ timeZone: 'UTC', cron: '* * * * * *' }, T('2025-01-01T00:01:00Z'), T('2025-01-01T00:00:00Z'), policy)).toEqual({
      occurrences: [],
      skipped: 0,
      cursor: T('2025-01-01T00:01:00Z'),
    });
  });
});

describe('scheduler settings', () => {
  it('defaults: every minute, 10 occurrences within 24 h, late after 90 s', () => {
    expect(schedulerSettings({})).toEqual({
      cron: '0 * * * * *',
      policy: { maxOccurrences: 10, maxAgeMs: 24 * 3_600_000, lateAfterMs: 90_000 },
    });
  });
  it('reads HOOKBOOK_SCHEDULER_CRON and HOOKBOOK_SCHEDULER_CATCHUP', () => {
    const s = schedulerSettings({ HOOKBOOK_SCHEDULER_CRON: '*/30 * * * * *', HOOKBOOK_SCHEDULER_CATCHUP: '3/2h' });
    expect(s.policy).toEqual({ maxOccurrences: 3, maxAgeMs: 2 * 3_600_000, lateAfterMs: 60_000 });
    expect(schedulerSettings({ HOOKBOOK_SCHEDULER_CATCHUP: '0' }).policy.maxOccurrences).toBe(0);
    expect(schedulerSettings({ HOOKBOOK_SCHEDULER_CRON: '00:05:00' }).policy.lateAfterMs).toBe(330_000);
    expect(() => schedulerSettings({ HOOKBOOK_SCHEDULER_CATCHUP: 'lots' })).toThrow(/HOOKBOOK_SCHEDULER_CATCHUP/);
    expect(() => schedulerSettings({ HOOKBOOK_SCHEDULER_CRON: 'every minute' })).toThrow(/HOOKBOOK_SCHEDULER_CRON/);
    expect(parseDuration('1.12:00:00', 'x')).toBe(36 * 3_600_000);
  });
});
