// The stats aggregate over real Azurite: jobs counted as they end, flushed, read back per hour and
// per runbook, limited to what the caller may see; concurrent flushes (two instances) both count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../support/host';

let s: RunningAzurite;
beforeAll(async () => {
  s = await startAzurite();
  process.env.AzureWebJobsStorage = s.connectionString;
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

describe('job statistics', () => {
  it('counts every ended job once, by hour and runbook, with duration percentiles', async () => {
    const { recordJobEnd, readStats, flushStats } = await import('../../shared/stats/jobStats');
    const now = Date.now();
    const end = new Date(now - 60_000).toISOString();
    const start = (ms: number) => new Date(Date.parse(end) - ms).toISOString();
    Array.from({ length: 20 }, (_, i) =>
      recordJobEnd({
        jobId: `a${i}`,
        runbook: 'alpha',
        status: i < 15 ? 'Completed' : 'Failed',
        startTime: start(i < 18 ? 400 : 20_000),
        endTime: end,
      }),
    );
    recordJobEnd({ jobId: 'b1', runbook: 'beta', status: 'Stopped', endTime: end }); // stopped before it ran: no duration
    recordJobEnd({
      jobId: 'old',
      runbook: 'alpha',
      status: 'Completed',
      startTime: start(1000),
      endTime: new Date(now - 3 * 86_400_000).toISOString(),
    });
    recordJobEnd({ jobId: 'x', runbook: 'alpha', status: 'Running' as never, endTime: end }); // not final: not counted
    expect((await readStats(7, () => true, now)).runbooks).toEqual([]); // nothing written before the flush
    await flushStats();

    const week = await readStats(7, () => true, now);
    expect(week.hours).toHaveLength(7 * 24);
    const alpha = week.runbooks.find((r) => r.runbook === 'alpha')!;
    expect(alpha).toMatchObject({ total: 21, Completed: 16, Failed: 5, Stopped: 0, p50Ms: 500, maxMs: 20_000 });
    expect(alpha.p99Ms).toBe(20_000);
    expect(week.runbooks.find((r) => r.runbook === 'beta')).toMatchObject({
      total: 1,
      Stopped: 1,
      p50Ms: null,
      last: { jobId: 'b1', status: 'Stopped' },
    });
    const lastHour = week.hours.find((h) => h.hour.startsWith(end.slice(0, 13)))!;
    expect(lastHour).toMatchObject({ Completed: 15, Failed: 5, Stopped: 1 });

    const day = await readStats(1, (rb) => rb !== 'beta', now);
    expect(day.hours).toHaveLength(24);
    expect(day.runbooks.map((r) => r.runbook)).toEqual(['alpha']);
    expect(day.runbooks[0]!.total).toBe(20); // the 3-day-old job is outside the day
    expect(day.hours.reduce((a, h) => a + h.Completed + h.Failed + h.Stopped, 0)).toBe(20);
  });

  it('counts concurrent merges of one row (several instances flushing at once) without losing any', async () => {
    const { statsStore } = await import('../../shared/store/statsStore');
    const hour = new Date().toISOString().slice(0, 13);
    await Promise.all(
      Array.from({ length: 12 }, () => statsStore.updateHour(hour, 'gamma', (row) => ({ ...row, Completed: row.Completed + 1 }))),
    );
    const rows = await statsStore.hoursSince(hour);
    expect(rows.find((r) => r.runbook === 'gamma')?.Completed).toBe(12);
  });
});
