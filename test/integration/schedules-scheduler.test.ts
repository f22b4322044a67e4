// The scheduler core against real Azurite, in-process, with a fake clock: exactly once under
// concurrent ticks, catch-up after a gap, DST nights in Berlin and New York, expiry, disable.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../support/host';

type Manage = typeof import('../../shared/schedules/manage');
type Scheduler = typeof import('../../shared/schedules/scheduler');
type Store = typeof import('../../shared/store/scheduleStore');
type Jobs = typeof import('../../shared/store/jobStore');
type Ids = typeof import('../../shared/jobs/ids');

let azurite: RunningAzurite;
let manage: Manage;
let scheduler: Scheduler;
let store: Store['scheduleStore'];
let jobStore: Jobs['jobStore'];
let ids: Ids;

const admin = { id: 'test-admin', role: 'admin' as const };
const RUNBOOK = 'root_restart_process';
const T = (s: string) => Date.parse(s);
const at = (iso: string) => () => new Date(iso);
const unique = (p: string) => `${p}-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  azurite = await startAzurite();
  // Before any shared module reads its settings.
  process.env.AzureWebJobsStorage = azurite.connectionString;
  process.env.HOOKBOOK_TABLE_PREFIX = 'sch';
  manage = await import('../../shared/schedules/manage');
  scheduler = await import('../../shared/schedules/scheduler');
  store = (await import('../../shared/store/scheduleStore')).scheduleStore;
  jobStore = (await import('../../shared/store/jobStore')).jobStore;
  ids = await import('../../shared/jobs/ids');
});

afterAll(async () => {
  await azurite?.stop();
});

/** Every job this schedule created, oldest occurrence first. */
async function jobsOf(name: string) {
  const page = await jobStore.list({ runbook: RUNBOOK, top: 500 });
  return page.value
    .filter((j) => j.startedBy === `schedule:${name}` || j.startedBy === `schedule:${name} (late)`)
    .sort((a, b) => (ids.jobIdTime(a.jobId) ?? 0) - (ids.jobIdTime(b.jobId) ?? 0));
}

const occurrenceOf = (jobId: string) => new Date(ids.jobIdTime(jobId)!).toISOString();

async function create(body: Record<string, unknown>, nowIso: string) {
  const name = unique('s');
  await manage.createSchedule({ name, runbook: RUNBOOK, ...body } as never, admin, T(nowIso));
  return name;
}

/** Tick from `fromIso` to `toIso` every `stepMs`, as the timer would. */
async function tickThrough(name: string, fromIso: string, toIso: string, stepMs: number, lateAfterMs = stepMs + 30_000) {
  for (let now = T(fromIso); now <= T(toIso); now += stepMs) {
    await scheduler.runScheduler({ clock: () => new Date(now), only: [name], policy: { lateAfterMs } });
  }
}

describe('scheduler (fake clock, real Azurite)', () => {
  it('two concurrent ticks create each occurrence exactly once', async () => {
    const name = await create({ cronExpression: '*/20 * * * * *' }, '2025-01-01T10:00:05Z');
    let created = 0;
    for (const now of ['2025-01-01T10:00:41Z', '2025-01-01T10:01:00.5Z', '2025-01-01T10:01:45Z']) {
      const reports = await Promise.all([
        scheduler.runScheduler({ clock: at(now), only: [name] }),
        scheduler.runScheduler({ clock: at(now), only: [name] }),
        scheduler.runScheduler({ clock: at(now), only: [name] }),
      ]);
      for (const r of reports) expect(r.errors).toEqual([]);
      created += reports.flatMap((r) => r.jobs).filter((j) => j.created).length;
    }
    const jobs = await jobsOf(name);
    const expected = ['10:00:20', '10:00:40', '10:01:00', '10:01:20', '10:01:40'].map((t) => `2025-01-01T${t}.000Z`);
    expect(jobs.map((j) => occurrenceOf(j.jobId))).toEqual(expected);
    expect(created).toBe(5);
    expect(jobs.every((j) => j.status === 'Queued' && j.startedBy === `schedule:${name}`)).toBe(true);

    // Job ids are derived from (schedule, occurrence): a retry of the same tick finds them.
    const def = (await store.get(name))!.definition;
    expect(jobs[0]!.jobId).toBe(ids.deterministicJobId(`schedule:${def.id}`, T(expected[0]!)));
    const again = await scheduler.runScheduler({ clock: at('2025-01-01T10:01:45Z'), only: [name] });
    expect(again.jobs).toEqual([]);
    expect((await store.get(name))!.state).toMatchObject({
      cursor: '2025-01-01T10:01:45.000Z',
      lastRun: '2025-01-01T10:01:40.000Z',
      lastJobId: jobs[4]!.jobId,
    });
  });

  it('a tick that lost the cursor race re-reads and creates nothing twice', async () => {
    const name = await create({ cronExpression: '* * * * *' }, '2025-01-01T09:00:30Z');
    // A stale copy (as a second instance would hold) after the first instance moved on.
    const stale = (await store.get(name))!;
    await scheduler.runScheduler({ clock: at('2025-01-01T09:03:10Z'), only: [name] });
    await expect(store.saveState(name, { ...stale.state, cursor: '2025-01-01T09:03:10Z' }, stale.etag)).rejects.toThrow(
      /changed by someone else/,
    );
    expect((await jobsOf(name)).length).toBe(3);
  });

  it('after a gap, the late tick catches up within the bounds and marks those jobs late', async () => {
    const name = await create({ cronExpression: '*/10 * * * *' }, '2025-02-01T08:00:30Z');
    const first = await scheduler.runScheduler({ clock: at('2025-02-01T08:10:02Z'), only: [name] });
    expect(first.jobs.map((j) => [j.occurrence, j.late])).toEqual([['2025-02-01T08:10:00.000Z', false]]);
    // The host was down for three hours; the policy catches up at most 4 missed occurrences.
    const late = await scheduler.runScheduler({ clock: at('2025-02-01T11:10:05Z'), only: [name], policy: { maxOccurrences: 4 } });
    expect(late.jobs.map((j) => [j.occurrence, j.late])).toEqual([
      ['2025-02-01T10:30:00.000Z', true],
      ['2025-02-01T10:40:00.000Z', true],
      ['2025-02-01T10:50:00.000Z', true],
      ['2025-02-01T11:00:00.000Z', true],
      ['2025-02-01T11:10:00.000Z', false],
    ]);
    expect(late.skipped).toBeGreaterThan(0);
    const jobs = await jobsOf(name);
    expect(jobs.map((j) => j.startedBy)).toEqual([
      `schedule:${name}`,
      `schedule:${name} (late)`,
      `schedule:${name} (late)`,
      `schedule:${name} (late)`,
      `schedule:${name} (late)`,
      `schedule:${name}`,
    ]);
    // Nothing older than maxAge: a day later only the recent misses run.
    const old = await scheduler.runScheduler({
      clock: at('2025-02-02T11:10:05Z'),
      only: [name],
      policy: { maxOccurrences: 100, maxAgeMs: 31 * 60_000 },
    });
    expect(old.jobs.map((j) => j.occurrence)).toEqual([
      '2025-02-02T10:40:00.000Z',
      '2025-02-02T10:50:00.000Z',
      '2025-02-02T11:00:00.000Z',
      '2025-02-02T11:10:00.000Z',
    ]);
  });

  it('Europe/Berlin: the skipped hour runs once (at 03:00 CEST), the repeated hour once', async () => {
    const spring = await create({ cronExpression: '30 2 * * *', timeZone: 'Europe/Berlin' }, '2025-03-29T12:00:00Z');
    const hourly = await create({ cronExpression: '0 * * * *', timeZone: 'Europe/Berlin' }, '2025-10-25T22:30:00Z');
    const fall = await create({ cronExpression: '30 2 * * *', timeZone: 'Europe/Berlin' }, '2025-10-25T12:00:00Z');
    await tickThrough(spring, '2025-03-29T23:50:00Z', '2025-03-30T02:10:00Z', 10 * 60_000);
    await tickThrough(hourly, '2025-10-25T22:40:00Z', '2025-10-26T03:10:00Z', 10 * 60_000);
    await tickThrough(fall, '2025-10-25T23:50:00Z', '2025-10-26T02:10:00Z', 10 * 60_000);
    expect((await jobsOf(spring)).map((j) => occurrenceOf(j.jobId))).toEqual(['2025-03-30T01:00:00.000Z']);
    expect((await jobsOf(fall)).map((j) => occurrenceOf(j.jobId))).toEqual(['2025-10-26T00:30:00.000Z']);
    // 01:00 CEST, 02:00 CEST, (no 02:00 CET), 03:00 CET, 04:00 CET
    expect((await jobsOf(hourly)).map((j) => occurrenceOf(j.jobId))).toEqual([
      '2025-10-25T23:00:00.000Z',
      '2025-10-26T00:00:00.000Z',
      '2025-10-26T02:00:00.000Z',
      '2025-10-26T03:00:00.000Z',
    ]);
    for (const n of [spring, fall, hourly]) expect((await jobsOf(n)).every((j) => !j.startedBy.endsWith('(late)'))).toBe(true);
  });

  it('America/New_York: 02:30 on the spring-forward day runs once at 03:00 EDT; 01:30 on the fall-back day once', async () => {
    const spring = await create(
      { frequency: 'Day', startTime: '2025-03-01T02:30:00', timeZone: 'America/New_York' },
      '2025-03-09T05:50:00Z',
    );
    const fall = await create({ cronExpression: '30 1 * * *', timeZone: 'America/New_York' }, '2025-11-01T12:00:00Z');
    await tickThrough(spring, '2025-03-09T06:00:00Z', '2025-03-09T08:00:00Z', 10 * 60_000);
    await tickThrough(fall, '2025-11-02T05:00:00Z', '2025-11-02T07:00:00Z', 10 * 60_000);
    expect((await jobsOf(spring)).map((j) => occurrenceOf(j.jobId))).toEqual(['2025-03-09T07:00:00.000Z']);
    expect((await jobsOf(fall)).map((j) => occurrenceOf(j.jobId))).toEqual(['2025-11-02T05:30:00.000Z']);
  });

  it('expiry ends a schedule; a one-time schedule runs once', async () => {
    const name = await create({ cronExpression: '0 * * * *', expiryTime: '2025-04-01T02:30:00Z' }, '2025-04-01T00:00:30Z');
    await tickThrough(name, '2025-04-01T00:30:00Z', '2025-04-01T05:00:00Z', 30 * 60_000);
    expect((await jobsOf(name)).map((j) => occurrenceOf(j.jobId))).toEqual(['2025-04-01T01:00:00.000Z', '2025-04-01T02:00:00.000Z']);
    const view = manage.scheduleView((await store.get(name))!, T('2025-04-01T05:00:00Z'));
    expect(view).toMatchObject({ isExpired: true, nextRun: null, lastRun: '2025-04-01T02:00:00.000Z' });

    const once = await create({ startTime: '2025-04-02T09:00:00+02:00', timeZone: 'Europe/Berlin' }, '2025-04-02T06:00:00Z');
    await tickThrough(once, '2025-04-02T06:30:00Z', '2025-04-02T08:00:00Z', 30 * 60_000);
    expect((await jobsOf(once)).map((j) => occurrenceOf(j.jobId))).toEqual(['2025-04-02T07:00:00.000Z']);
    expect(manage.scheduleView((await store.get(once))!, T('2025-04-02T08:00:00Z')).nextRun).toBeNull();
  });

  it('a disabled schedule creates nothing; re-enabled, it does not replay the disabled time', async () => {
    const name = await create({ cronExpression: '*/5 * * * *' }, '2025-05-01T10:00:30Z');
    await manage.updateSchedule(name, { isEnabled: false }, admin, T('2025-05-01T10:02:00Z'));
    await tickThrough(name, '2025-05-01T10:05:00Z', '2025-05-01T10:30:00Z', 5 * 60_000);
    expect(await jobsOf(name)).toEqual([]);
    const view = await manage.updateSchedule(name, { isEnabled: true }, admin, T('2025-05-01T10:31:00Z'));
    expect(view.nextRun).toBe('2025-05-01T10:35:00.000Z');
    await tickThrough(name, '2025-05-01T10:35:00Z', '2025-05-01T10:40:00Z', 5 * 60_000);
    expect((await jobsOf(name)).map((j) => [occurrenceOf(j.jobId), j.startedBy.endsWith('(late)')])).toEqual([
      ['2025-05-01T10:35:00.000Z', false],
      ['2025-05-01T10:40:00.000Z', false],
    ]);
  });

  it('a schedule whose runbook no longer takes its parameters records why and moves on', async () => {
    const name = await create({ cronExpression: '* * * * *', parameters: { service: 'nginx' } }, '2025-06-01T10:00:30Z');
    // Simulate a runbook change by storing a parameter the runbook does not declare.
    const s = (await store.get(name))!;
    await store.replace({ ...s, parameters: JSON.stringify({ nope: 1 }) }, s.etag);
    const r = await scheduler.runScheduler({ clock: at('2025-06-01T10:01:05Z'), only: [name] });
    expect(r.errors).toMatchObject([{ schedule: name, permanent: true }]);
    expect(r.errors[0]!.message).toMatch(/Unknown parameter 'nope'/);
    const after = (await store.get(name))!;
    expect(after.state.cursor).toBe('2025-06-01T10:01:05.000Z');
    expect(manage.scheduleView(after).lastError).toMatch(/nope/);
  });
});
