import { odata } from '@azure/data-tables';
import { Delivery, DeliveryMessage, NotificationTarget, type DeliveryAttempt } from '../model/notification';
import { queue, table } from './clients';
import { hasStatus } from './errors';
import { jsonRows } from './jsonRows';

/**
 * Table "notifytargets": partition "target", row key = the name in lower case. `json` holds what the
 * management API shows; `sealedUrl` and `sealedSecrets` (AES-GCM, shared/auth/secrets.ts) hold the
 * receiver's full URL and the signing secrets, never in plain text.
 *
 * Table "notifydeliveries": partition = the target's name in lower case, row key = the delivery id
 * (derived from job, event and target, so a duplicate enqueue finds its row); `jobId` is a column
 * for the per-job listing.
 *
 * Queue "notifications": one message per delivery attempt (DeliveryMessage, base64 JSON).
 */
const TARGET_PARTITION = 'target';
const targetRow = (name: string) => name.toLowerCase();
const targets = jsonRows('notifytargets');
export const NOTIFICATION_QUEUE = 'notifications';

export interface StoredTarget {
  target: NotificationTarget;
  sealedUrl: string;
  /** JSON list of sealed secrets, newest first: `[{ sealed, validUntil? }]`. */
  sealedSecrets: string;
  etag: string;
}

export class TargetChangedError extends Error {
  constructor(name: string) {
    super(`notification target '${name}' was changed by someone else`);
    this.name = 'TargetChangedError';
  }
}

export const notificationTargetStore = {
  /** False when a target with that name exists. */
  create: (t: Omit<StoredTarget, 'etag'>): Promise<boolean> =>
    targets.create({
      partitionKey: TARGET_PARTITION,
      rowKey: targetRow(t.target.name),
      json: JSON.stringify(t.target),
      sealedUrl: t.sealedUrl,
      sealedSecrets: t.sealedSecrets,
    }),

  async get(name: string): Promise<StoredTarget | undefined> {
    const e = await targets.get<{ json: string; sealedUrl: string; sealedSecrets: string; etag: string }>(
      TARGET_PARTITION,
      targetRow(name),
    );
    return (
      e && { target: NotificationTarget.parse(JSON.parse(e.json)), sealedUrl: e.sealedUrl, sealedSecrets: e.sealedSecrets, etag: e.etag }
    );
  },

  list: (): Promise<NotificationTarget[]> => targets.list(TARGET_PARTITION, (v) => NotificationTarget.parse(v)),

  /** Replace guarded by the ETag read before; TargetChangedError when someone wrote in between. */
  async replace(t: StoredTarget): Promise<void> {
    const tc = await table('notifytargets');
    try {
      await tc.updateEntity(
        {
          partitionKey: TARGET_PARTITION,
          rowKey: targetRow(t.target.name),
          json: JSON.stringify(t.target),
          sealedUrl: t.sealedUrl,
          sealedSecrets: t.sealedSecrets,
        },
        'Replace',
        { etag: t.etag },
      );
    } catch (error) {
      if (hasStatus(error, 412) || hasStatus(error, 404)) throw new TargetChangedError(t.target.name);
      throw error;
    }
  },

  delete: (name: string): Promise<boolean> => targets.delete(TARGET_PARTITION, targetRow(name)),
};

const MAX_LISTED = 1000;

export const deliveryStore = {
  /** Insert the delivery; false when one with that id exists already (a duplicate message). */
  async create(d: Delivery): Promise<boolean> {
    const t = await table('notifydeliveries');
    try {
      await t.createEntity({ partitionKey: targetRow(d.target), rowKey: d.deliveryId, ...columns(d) });
      return true;
    } catch (error) {
      if (hasStatus(error, 409)) return false;
      throw error;
    }
  },

  async get(target: string, deliveryId: string): Promise<{ delivery: Delivery; etag: string } | undefined> {
    const t = await table('notifydeliveries');
    try {
      const e = await t.getEntity<{ json: string }>(targetRow(target), deliveryId);
      return { delivery: Delivery.parse(JSON.parse(e.json)), etag: e.etag };
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  /** Write the delivery as it now is (its attempts included); last writer wins (one message handles a delivery at a time). */
  async put(d: Delivery): Promise<void> {
    const t = await table('notifydeliveries');
    await t.upsertEntity({ partitionKey: targetRow(d.target), rowKey: d.deliveryId, ...columns(d) }, 'Replace');
  },

  /** Deliveries of one target or of one job, newest first (at most `top`). */
  async list(q: { target?: string; jobId?: string; top: number }): Promise<Delivery[]> {
    const t = await table('notifydeliveries');
    const filters: string[] = [];
    if (q.target) filters.push(odata`PartitionKey eq ${targetRow(q.target)}`);
    if (q.jobId) filters.push(odata`jobId eq ${q.jobId}`);
    const out: Delivery[] = [];
    for await (const e of t.listEntities<{ json: string }>({
      queryOptions: { ...(filters.length ? { filter: filters.join(' and ') } : {}), select: ['json'] },
    })) {
      out.push(Delivery.parse(JSON.parse(e.json)));
      if (out.length >= MAX_LISTED) break;
    }
    out.sort((a, b) => b.createdTime.localeCompare(a.createdTime) || a.target.localeCompare(b.target));
    return out.slice(0, q.top);
  },

  /** Delete deliveries created before `beforeIso` that are no longer pending, at most `limit`; how many. */
  async deleteBefore(beforeIso: string, limit: number): Promise<number> {
    const t = await table('notifydeliveries');
    let deleted = 0;
    const filter = odata`createdTime lt ${beforeIso} and status ne ${'pending'}`;
    for await (const e of t.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
      await t.deleteEntity(e.partitionKey!, e.rowKey!).catch(() => undefined);
      if (++deleted >= limit) break;
    }
    return deleted;
  },
};

/** The columns beside `json`: the per-job list filters on `jobId`, the retention on the other two. */
const columns = (d: Delivery) => ({ jobId: d.jobId, createdTime: d.createdTime, status: d.status, json: JSON.stringify(d) });

export type { DeliveryAttempt };

export const notificationQueue = {
  /** Send one delivery message, visible after `delaySeconds`. */
  async send(m: DeliveryMessage, delaySeconds = 0): Promise<void> {
    const q = await queue(NOTIFICATION_QUEUE);
    await q.sendMessage(Buffer.from(JSON.stringify(m), 'utf8').toString('base64'), {
      visibilityTimeout: delaySeconds > 0 ? Math.ceil(delaySeconds) : undefined,
      messageTimeToLive: -1,
    });
    if (!(delaySeconds > 0)) process.emit('hookbook:queue-sent' as never, NOTIFICATION_QUEUE as never);
  },
};
