import { table } from './clients';
import { hasStatus } from './errors';
import { slotRowKey } from './keys';

/**
 * Table "slots": `maxConcurrency` as numbered slots per runbook (partition = runbook, row = slot
 * number, `holder` = job id or ""). Every write is guarded (create, or replace If-Match), so of two
 * workers racing for one slot exactly one gets it. Who may take a slot is decided in
 * shared/jobs/concurrency.ts.
 */
export interface Slot {
  /** The job holding it; "" when free. */
  holder: string;
  etag: string;
}

export const slotStore = {
  async get(runbook: string, slot: number): Promise<Slot | undefined> {
    const slots = await table('slots');
    try {
      const e = await slots.getEntity<{ holder?: string }>(runbook, slotRowKey(slot));
      return { holder: e.holder ?? '', etag: e.etag };
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  /**
   * Give the slot to `holder`: a new slot, or one read at `etag`. False when another writer got
   * there first.
   */
  async take(runbook: string, slot: number, holder: string, etag?: string): Promise<boolean> {
    const slots = await table('slots');
    const entity = { partitionKey: runbook, rowKey: slotRowKey(slot), holder };
    try {
      if (etag === undefined) await slots.createEntity(entity);
      else await slots.updateEntity(entity, 'Replace', { etag });
      return true;
    } catch (error) {
      if (hasStatus(error, 409) || hasStatus(error, 412) || hasStatus(error, 404)) return false;
      throw error;
    }
  },
};
