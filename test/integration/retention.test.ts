// Retention against real Azurite, with an injected clock: finished jobs older than the retention
// period are deleted with their streams and spilled parameters; recent and unfinished ones stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../support/host';

let s: RunningAzurite;
beforeAll(async () => {
  s = await startAzurite();
  process.env.AzureWebJobsStorage = s.connectionString;
  process.env.HOOKBOOK_RETENTION_DAYS = '30';
});
afterAll(async () => {
  await s?.stop();
});

describe('retention', () => {
  it('deletes expired finished jobs in full and keeps the rest', async () => {
    const { jobStore } = await import('../../shared/store/jobStore');
    const { streamStore } = await import('../../shared/store/streamStore');
    const { newJobId } = await import('../../shared/jobs/ids');
    const { deleteExpiredJobs } = await import('../../shared/jobs/retention');
    const now = Date.parse('2026-06-30T12:00:00Z');
    const day = 86_400_000;
    const make = async (ageDays: number, status: 'Completed' | 'Running', bigParams = false) => {
      const created = now - ageDays * day;
      const jobId = newJobId(created);
      const t = new Date(created).toISOString();
      await jobStore.create({
        jobId,
        runbook: 'r',
        runbookVersion: 1,
        status,
        startedBy: 'test',
        createdTime: t,
        lastModifiedTime: t,
        attempt: 1,
        parameters: JSON.stringify({ Data: bigParams ? 'p'.repeat(200_000) : 'small' }),
      });
      await streamStore.append(
        jobId,
        Array.from({ length: 150 }, (_, seq) => ({
          seq,
          attempt: 1,
          time: t,
          streamType: 'Output' as const,
          summary: 's',
          streamText: `line ${seq}`,
        })),
      );
      return jobId;
    };
    const oldDone = await make(40, 'Completed', true);
    const oldRunning = await make(45, 'Running');
    const recent = await make(5, 'Completed');

    expect((await jobStore.get(oldDone))?.value.parameters.length).toBeGreaterThan(200_000);
    const r = await deleteExpiredJobs(now);
    expect(r.deleted).toBe(1);
    expect(await jobStore.get(oldDone)).toBeUndefined();
    expect(await streamStore.list(oldDone)).toEqual([]);
    expect(await jobStore.get(oldRunning)).toBeDefined();
    expect(await jobStore.get(recent)).toBeDefined();
    expect((await streamStore.list(recent)).length).toBe(150);
    expect((await deleteExpiredJobs(now)).deleted).toBe(0);
  });

  it("deletes the dashboard's hourly rollups older than the retention (at least the charts' 31 days)", async () => {
    const { statsStore } = await import('../../shared/store/statsStore');
    const { deleteExpiredJobs } = await import('../../shared/jobs/retention');
    const now = Date.parse('2026-06-30T12:00:00Z');
    const hourAgo = (days: number) => new Date(now - days * 86_400_000).toISOString().slice(0, 13);
    for (const days of [40, 32, 29, 1])
      await statsStore.updateHour(hourAgo(days), 'r', (row) => ({ ...row, Completed: row.Completed + 1 }));
    const r = await deleteExpiredJobs(now);
    expect(r.stats).toBe(2);
    const left = (await statsStore.hoursSince('0000')).map((row) => row.hour);
    expect(left).toEqual([hourAgo(29), hourAgo(1)]);
    expect((await deleteExpiredJobs(now)).stats).toBe(0);
  });
});
