import { odata, type TableEntityResult } from '@azure/data-tables';
import { settings } from '../config';
import type { WebhookRecord } from '../model/webhook';
import { table } from './clients';
import { hasStatus } from './errors';
import { WEBHOOK_PARTITION, webhookNameRowKey, webhookTokenRowKey } from './keys';
import { joinProperty, splitProperty } from './chunks';

/**
 * Table "webhooks", one partition:
 * - row `t-<sha256 of token>` holds the webhook (JSON, secrets sealed) and `lastInvokedTime`:
 *   an invocation is one point read, computed from the token alone;
 * - row `n-<lower-case name>` points at it (`tokenHash`), for management by name and to keep
 *   names unique.
 * Both rows are created and deleted together in one entity-group transaction.
 */
const PK = WEBHOOK_PARTITION;
const tokenRow = webhookTokenRowKey;
const nameRow = webhookNameRowKey;

export interface VersionedWebhook {
  value: WebhookRecord;
  etag: string;
}

function toEntity(w: WebhookRecord): Record<string, unknown> {
  const { lastInvokedTime, ...rest } = w;
  const e: Record<string, unknown> = { partitionKey: PK, rowKey: tokenRow(w.tokenHash), name: w.name, runbook: w.runbook };
  if (lastInvokedTime) e.lastInvokedTime = lastInvokedTime;
  splitProperty('json', JSON.stringify(rest), e);
  return e;
}

function fromEntity(e: TableEntityResult<Record<string, unknown>>): VersionedWebhook {
  const value = JSON.parse(joinProperty('json', e) ?? '{}') as WebhookRecord;
  if (typeof e.lastInvokedTime === 'string') value.lastInvokedTime = e.lastInvokedTime;
  return { value, etag: e.etag };
}

export class WebhookChangedError extends Error {
  constructor(name: string) {
    super(`webhook ${name} was changed by someone else`);
    this.name = 'WebhookChangedError';
  }
}

/**
 * The invocation path reads webhooks through a short cache (HOOKBOOK_WEBHOOK_CACHE_SECONDS, default
 * 2): a burst of deliveries then costs the job's own two writes, not a token lookup each. Writes on
 * this instance drop the entry at once; a change made on another instance (disable, delete) takes
 * effect here within the cache time.
 */
const cacheMs = () => settings().webhookCacheSeconds * 1000;
type Lookup = VersionedWebhook | { deleted: string } | undefined;
const invokeCache = new Map<string, { found: Lookup; until: number }>();
const touched = new Map<string, number>();

export const webhookStore = {
  /** byTokenHash through the short invocation cache (see above). */
  async forInvocation(hash: string): Promise<Lookup> {
    const hit = invokeCache.get(hash);
    if (hit && hit.until > Date.now()) return hit.found;
    const found = await webhookStore.byTokenHash(hash);
    if (invokeCache.size > 10_000) invokeCache.clear();
    invokeCache.set(hash, { found, until: Date.now() + cacheMs() });
    return found;
  },

  /** False when the name is taken. */
  async create(w: WebhookRecord): Promise<boolean> {
    const t = await table('webhooks');
    try {
      await t.submitTransaction([
        ['create', { partitionKey: PK, rowKey: nameRow(w.name), tokenHash: w.tokenHash, name: w.name }],
        ['create', toEntity(w) as never],
      ]);
      return true;
    } catch (error) {
      if (hasStatus(error, 409)) return false;
      throw error;
    }
  },

  /**
   * The invocation path: one point read. `deleted` when the token belonged to a webhook that was
   * deleted (a tombstone keeps its hash), so that callers can tell "not found" (404) from a token
   * that never was one (400).
   */
  async byTokenHash(hash: string): Promise<Lookup> {
    const t = await table('webhooks');
    try {
      const e = await t.getEntity<Record<string, unknown>>(PK, tokenRow(hash));
      return e.deleted === true ? { deleted: String(e.reason ?? 'it was deleted') } : fromEntity(e);
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  async byName(name: string): Promise<VersionedWebhook | undefined> {
    const t = await table('webhooks');
    let hash: string;
    try {
      hash = String((await t.getEntity<{ tokenHash: string }>(PK, nameRow(name))).tokenHash);
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
    const found = await webhookStore.byTokenHash(hash);
    return found && 'deleted' in found ? undefined : found;
  },

  async list(runbook?: string): Promise<WebhookRecord[]> {
    const t = await table('webhooks');
    const out: WebhookRecord[] = [];
    const filter = odata`PartitionKey eq ${PK} and RowKey ge ${'t-'} and RowKey lt ${'t.'}`;
    for await (const e of t.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      if (e.deleted === true) continue;
      const w = fromEntity(e as TableEntityResult<Record<string, unknown>>).value;
      if (!runbook || w.runbook.toLowerCase() === runbook.toLowerCase()) out.push(w);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  },

  /** Replace the webhook if nobody changed it since `etag` (an invocation in between changes it too). */
  async replace(w: WebhookRecord, etag: string): Promise<void> {
    invokeCache.delete(w.tokenHash);
    const t = await table('webhooks');
    try {
      await t.updateEntity(toEntity(w) as never, 'Replace', { etag });
    } catch (error) {
      if (hasStatus(error, 412)) throw new WebhookChangedError(w.name);
      throw error;
    }
  },

  /** Best effort, unconditional: a merge of one property, at most once a second per webhook and instance. */
  async touch(tokenHash: string, time: string): Promise<void> {
    const last = touched.get(tokenHash) ?? 0;
    if (Date.now() - last < 1000) return;
    touched.set(tokenHash, Date.now());
    if (touched.size > 10_000) touched.clear();
    const t = await table('webhooks');
    await t.updateEntity({ partitionKey: PK, rowKey: tokenRow(tokenHash), lastInvokedTime: time }, 'Merge');
  },

  /** Delete, leaving a tombstone of the token hash with the reason (for a 404 that says why). */
  async delete(w: WebhookRecord, reason = 'it was deleted'): Promise<boolean> {
    invokeCache.delete(w.tokenHash);
    const t = await table('webhooks');
    try {
      await t.submitTransaction([
        ['delete', { partitionKey: PK, rowKey: nameRow(w.name) }],
        [
          'upsert',
          { partitionKey: PK, rowKey: tokenRow(w.tokenHash), deleted: true, name: w.name, reason, deletedTime: new Date().toISOString() },
          'Replace',
        ],
      ]);
      return true;
    } catch (error) {
      if (hasStatus(error, 404)) return false;
      throw error;
    }
  },
};
