// Retention of the audit trail (by whole days, HOOKBOOK_AUDIT_RETENTION_DAYS) and of notification
// deliveries (those no longer pending, as old as jobs are kept), against real Azurite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../support/host';
import type { Delivery } from '../../shared/model/notification';

let s: RunningAzurite;
beforeAll(async () => {
  s = await startAzurite();
  process.env.AzureWebJobsStorage = s.connectionString;
});
afterAll(async () => {
  await s?.stop();
});
const day = 86_400_000;

describe('retention of the audit trail and of deliveries', () => {
  it('deletes audit entries of days before the limit and keeps the rest, findable by time', async () => {
    const { auditStore } = await import('../../shared/store/auditStore');
    const now = Date.now();
    const entry = (ageDays: number, name: string) => ({
      time: new Date(now - ageDays * day).toISOString(),
      principal: 'k1',
      door: 'management',
      resource: 'runbooks',
      name,
      operation: 'runbooksDelete',
      method: 'DELETE',
      path: `/api/v1/runbooks/${name}`,
      outcome: 'succeeded' as const,
    });
    for (const [age, name] of [
      [500, 'ancient'],
      [401, 'old'],
      [10, 'recent'],
      [0, 'today'],
    ] as const)
      await auditStore.add(entry(age, name));
    expect((await auditStore.list({ top: 10, from: new Date(now - 600 * day) })).value.map((e) => e.name)).toEqual([
      'today',
      'recent',
      'old',
      'ancient',
    ]);
    expect(await auditStore.deleteBefore(now - 400 * day, 100)).toBe(2);
    expect((await auditStore.list({ top: 10, from: new Date(now - 600 * day) })).value.map((e) => e.name)).toEqual(['today', 'recent']);
    expect((await auditStore.list({ top: 10, from: new Date(now - 2 * day), to: new Date(now - 5 * 3600e3) })).value).toEqual([]);
  });

  it('deletes old deliveries that are done, never a pending one', async () => {
    const { deliveryStore } = await import('../../shared/store/notificationStore');
    const d = (id: string, ageDays: number, status: Delivery['status']): Delivery => {
      const t = new Date(Date.now() - ageDays * day).toISOString();
      return {
        deliveryId: id,
        target: 'T1',
        jobId: `job-${id}`,
        runbook: 'r',
        event: 'job.failed',
        status,
        createdTime: t,
        lastModifiedTime: t,
        attempts: [],
      };
    };
    for (const x of [
      d('msg_old_done', 40, 'delivered'),
      d('msg_old_failed', 40, 'failed'),
      d('msg_old_pending', 40, 'pending'),
      d('msg_new', 1, 'delivered'),
    ])
      expect(await deliveryStore.create(x)).toBe(true);
    expect(await deliveryStore.deleteBefore(new Date(Date.now() - 30 * day).toISOString(), 100)).toBe(2);
    expect((await deliveryStore.list({ target: 't1', top: 10 })).map((x) => x.deliveryId).sort()).toEqual(['msg_new', 'msg_old_pending']);
    expect((await deliveryStore.list({ jobId: 'job-msg_new', top: 10 })).map((x) => x.deliveryId)).toEqual(['msg_new']);
  });
});
