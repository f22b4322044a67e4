import { odata } from '@azure/data-tables';
import { table } from './clients';
import { hasStatus } from './errors';
import { dedupeRowKey } from './keys';

/**
 * Table "dedupe": partition = webhook id, row = SHA-256 of the delivery id (any characters may
 * come in a header; row keys allow few). A row claims the delivery for `jobId`: it is created with
 * insert-if-absent, so of two concurrent deliveries exactly one wins; the other reads the winner's
 * job id. Rows older than the window count as absent and are taken over (etag-guarded).
 */
const rowKey = dedupeRowKey;

export interface Claim {
  /** True when this call claimed the delivery (start the job); false when another did first. */
  won: boolean;
  jobId: string;
}

export const dedupeStore = {
  async claim(webhookId: string, deliveryId: string, jobId: string, windowMs: number, now = Date.now()): Promise<Claim> {
    const t = await table('dedupe');
    const entity = { partitionKey: webhookId, rowKey: rowKey(deliveryId), jobId, claimedTime: new Date(now).toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await t.createEntity(entity);
        return { won: true, jobId };
      } catch (error) {
        if (!hasStatus(error, 409)) throw error;
      }
      let existing: { jobId: string; claimedTime: string; etag: string };
      try {
        existing = await t.getEntity<{ jobId: string; claimedTime: string }>(entity.partitionKey, entity.rowKey);
      } catch (error) {
        if (hasStatus(error, 404)) continue; // released meanwhile: try to claim again
        throw error;
      }
      if (now - Date.parse(existing.claimedTime) < windowMs) return { won: false, jobId: existing.jobId };
      try {
        await t.updateEntity(entity, 'Replace', { etag: existing.etag });
        return { won: true, jobId };
      } catch (error) {
        if (!hasStatus(error, 412) && !hasStatus(error, 404)) throw error;
      }
    }
    throw new Error('could not claim the delivery id');
  },

  /** Delete claims older than `olderThanMs` (retention); returns how many. */
  async purge(olderThanMs: number, max = 1000): Promise<number> {
    const t = await table('dedupe');
    const cutoff = new Date(olderThanMs).toISOString();
    let n = 0;
    for await (const e of t.listEntities<{ claimedTime: string }>({
      queryOptions: { filter: odata`claimedTime lt ${cutoff}`, select: ['PartitionKey', 'RowKey', 'claimedTime'] },
    })) {
      await t.deleteEntity(e.partitionKey!, e.rowKey!).catch(() => undefined);
      if (++n >= max) break;
    }
    return n;
  },

  /** Give a claim back (the job could not be started), so that a retry of the delivery can. */
  async release(webhookId: string, deliveryId: string, jobId: string): Promise<void> {
    const t = await table('dedupe');
    try {
      const e = await t.getEntity<{ jobId: string }>(webhookId, rowKey(deliveryId));
      if (e.jobId === jobId) await t.deleteEntity(webhookId, rowKey(deliveryId), { etag: e.etag });
    } catch (error) {
      if (!hasStatus(error, 404) && !hasStatus(error, 412)) throw error;
    }
  },
};
