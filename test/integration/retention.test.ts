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

/** A job entity as the core writes it, created at `createdMs` (its id is time-ordered from it). */
async function createJob(
  createdMs: number,
  status: 'Completed' | 'Failed' | 'Running',
  parameters = '{}',
): Promise<{ jobId: string; t: string }> {
  const { jobStore } = await import('../../shared/store/jobStore');
  const { newJobId } = await import('../../shared/jobs/ids');
  const jobId = newJobId(createdMs);
  const t = new Date(createdMs).toISOString();
  await jobStore.create({
    jobId,
    runbook: 'r',
    runbookVersion: 1,
    status,
    startedBy: 'test',
    createdTime: t,
    lastModifiedTime: t,
    attempt: 1,
    parameters,
  });
  return { jobId, t };
}

describe('retention', () => {
  // Runs first: the later tests' jobs are older and would count.
  it('one run deletes every expired job in rounds, and the count limit keeps only the newest', async () => {
    const { jobStore } = await import('../../shared/store/jobStore');
    const { streamStore } = await import('../../shared/store/streamStore');
    const { deleteExpiredJobs } = await import('../../shared/jobs/retention');
    const now = Date.parse('2026-09-30T12:00:00Z');
    const make = async (ageMinutes: number, status: 'Completed' | 'Failed' | 'Running') => {
      const created = now - ageMinutes * 60_000;
      const { jobId, t } = await createJob(created, status);
      await streamStore.append(jobId, [{ seq: 0, attempt: 1, time: t, streamType: 'Output', summary: 's', streamText: 'x' }]);
      return jobId;
    };
    // 23 expired jobs spread over the eight partitions, with rounds of 5: one run takes them all.
    process.env.HOOKBOOK_RETENTION_BATCH = '5';
    const expired: string[] = [];
    for (let i = 0; i < 23; i++) expired.push(await make(40 * 1440 + i, i % 2 ? 'Failed' : 'Completed'));
    // Not finished, and amid the expired ones: neither it nor its stream rows may go.
    const middle = await make(40 * 1440 + 11.5, 'Running');
    const kept = [await make(50, 'Completed'), await make(40, 'Running'), await make(30, 'Completed'), await make(20, 'Completed')];
    let r = await deleteExpiredJobs(now);
    expect(r).toMatchObject({ deleted: 23, byCount: 0, more: false });
    for (const id of expired) expect(await jobStore.get(id)).toBeUndefined();
    for (const id of expired.slice(0, 3)) expect(await streamStore.list(id)).toEqual([]);
    for (const id of kept) expect(await jobStore.get(id)).toBeDefined();
    expect(await jobStore.get(middle)).toBeDefined();
    expect(await streamStore.list(middle)).toHaveLength(1);
    await jobStore.update(middle, { status: 'Failed' }, (await jobStore.get(middle))!.etag!);
    expect((await deleteExpiredJobs(now)).deleted).toBe(1);

    // Keep at most 2 jobs: the two oldest finished ones go; the running one stays although it is older.
    process.env.HOOKBOOK_RETENTION_MAX_JOBS = '2';
    try {
      r = await deleteExpiredJobs(now);
    } finally {
      delete process.env.HOOKBOOK_RETENTION_MAX_JOBS;
      delete process.env.HOOKBOOK_RETENTION_BATCH;
    }
    expect(r).toMatchObject({ deleted: 1, byCount: 1 });
    expect(await jobStore.get(kept[0]!)).toBeUndefined();
    expect(await streamStore.list(kept[0]!)).toEqual([]);
    for (const id of kept.slice(1)) expect(await jobStore.get(id)).toBeDefined();
  });

  it('deletes expired finished jobs in full and keeps the rest', async () => {
    const { jobStore } = await import('../../shared/store/jobStore');
    const { streamStore } = await import('../../shared/store/streamStore');
    const { deleteExpiredJobs } = await import('../../shared/jobs/retention');
    const now = Date.parse('2026-06-30T12:00:00Z');
    const day = 86_400_000;
    const make = async (ageDays: number, status: 'Completed' | 'Running', bigParams = false) => {
      const { jobId, t } = await createJob(
        now - ageDays * day,
        status,
        JSON.stringify({ Data: bigParams ? 'p'.repeat(200_000) : 'small' }),
      );
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

  it("forgets the Azure API's client-chosen job ids once their job is gone, and only then", async () => {
    const { jobStore } = await import('../../shared/store/jobStore');
    const { jobAliasStore } = await import('../../shared/store/jobAliasStore');
    const { deleteExpiredJobs } = await import('../../shared/jobs/retention');
    const { randomUUID } = await import('node:crypto');
    // Jobs created now, the clock 40 days ahead: the finished one is due, the running one is kept.
    const now = Date.now() + 40 * 86_400_000;
    const make = async (status: 'Completed' | 'Running') => {
      const { jobId } = await createJob(Date.now(), status);
      const alias = randomUUID();
      expect(await jobAliasStore.claim(alias, jobId)).toBe(jobId);
      return { jobId, alias };
    };
    const done = await make('Completed');
    const running = await make('Running');
    const r = await deleteExpiredJobs(now);
    expect(r.aliases).toBeGreaterThanOrEqual(1);
    expect(await jobStore.get(done.jobId)).toBeUndefined();
    expect(await jobAliasStore.resolve(done.alias)).toBeUndefined();
    expect(await jobAliasStore.resolve(running.alias)).toBe(running.jobId);
    // The GUID is free again: a new PUT with it starts a new job.
    expect(await jobAliasStore.claim(done.alias, 'another')).toBe('another');
  });
});
