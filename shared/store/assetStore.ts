import { randomBytes } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { AssetAudit, type AssetKind } from '../model/asset';
import { table } from './clients';
import { hasStatus } from './errors';
import { joinProperty, splitProperty } from './chunks';

/**
 * Table "assets": partition = kind, row key = the name in lower case (names compare without regard
 * to case, as in Azure). `json` holds the metadata the management API may show; `sealed` holds the
 * secret part (AES-GCM, shared/auth/secrets.ts), never anything in plain text.
 *
 * Table "assetaudit": partition = `<kind>:<lower-case name>`, row key = inverted time + random, so a
 * partition lists newest first.
 */
const rowKey = (name: string) => name.toLowerCase();

/**
 * The row: `json` and `sealed` split over numbered properties when longer than a Table property holds
 * (chunks.ts), so that every value the API accepts (up to MAX_VALUE_CHARS, encrypted and base64'd) is
 * stored, instead of storage refusing some of them with 413.
 */
function row(
  kind: AssetKind,
  name: string,
  meta: object,
  sealed: string | undefined,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  const e: Record<string, unknown> & { partitionKey: string; rowKey: string } = { partitionKey: kind, rowKey: rowKey(name) };
  splitProperty('json', JSON.stringify(meta), e);
  if (sealed) splitProperty('sealed', sealed, e);
  return e;
}

import { AssetChangedError } from './errors';

export { AssetChangedError };

export interface StoredAsset<M = Record<string, unknown>> {
  meta: M;
  sealed?: string;
  etag: string;
}

export const assetStore = {
  /** false when an asset of that kind and name exists. */
  async create(kind: AssetKind, name: string, meta: object, sealed?: string): Promise<boolean> {
    const t = await table('assets');
    try {
      await t.createEntity(row(kind, name, meta, sealed));
      return true;
    } catch (error) {
      if (hasStatus(error, 409)) return false;
      throw error;
    }
  },

  async get<M>(kind: AssetKind, name: string): Promise<StoredAsset<M> | undefined> {
    const t = await table('assets');
    try {
      const e = await t.getEntity<Record<string, unknown>>(kind, rowKey(name));
      return { meta: JSON.parse(joinProperty('json', e) ?? '{}') as M, sealed: joinProperty('sealed', e), etag: e.etag };
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw error;
    }
  },

  async list<M>(kind: AssetKind): Promise<M[]> {
    const t = await table('assets');
    const out: M[] = [];
    // No `select`: a long `json` is split over properties whose names depend on its length.
    for await (const e of t.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${kind}` } })) {
      out.push(JSON.parse(joinProperty('json', e) ?? '{}') as M);
    }
    return out;
  },

  /** Replace guarded by the ETag read before; AssetChangedError when someone wrote in between. */
  async replace(kind: AssetKind, name: string, meta: object, sealed: string | undefined, etag: string): Promise<void> {
    const t = await table('assets');
    try {
      await t.updateEntity(row(kind, name, meta, sealed), 'Replace', { etag });
    } catch (error) {
      if (hasStatus(error, 412)) throw new AssetChangedError(kind, name);
      if (hasStatus(error, 404)) throw new AssetChangedError(kind, name);
      throw error;
    }
  },

  async delete(kind: AssetKind, name: string): Promise<boolean> {
    const t = await table('assets');
    try {
      await t.deleteEntity(kind, rowKey(name));
      return true;
    } catch (error) {
      if (hasStatus(error, 404)) return false;
      throw error;
    }
  },
};

const MAX_TIME = 9_999_999_999_999;

export const assetAuditStore = {
  async add(row: AssetAudit): Promise<void> {
    const t = await table('assetaudit');
    const inverted = String(MAX_TIME - Date.parse(row.time)).padStart(13, '0');
    await t.createEntity({
      partitionKey: `${row.kind}:${rowKey(row.name)}`,
      rowKey: `${inverted}-${randomBytes(4).toString('hex')}`,
      json: JSON.stringify(row),
      ...(row.jobId ? { jobId: row.jobId } : {}),
    });
  },

  /** Newest first within one asset; across assets, in storage order (then sorted here). */
  async list(q: { kind?: AssetKind; name?: string; jobId?: string; top: number }): Promise<AssetAudit[]> {
    const t = await table('assetaudit');
    const filters: string[] = [];
    if (q.kind && q.name) filters.push(odata`PartitionKey eq ${`${q.kind}:${rowKey(q.name)}`}`);
    else if (q.kind) filters.push(odata`PartitionKey ge ${`${q.kind}:`} and PartitionKey lt ${`${q.kind};`}`);
    if (q.jobId) filters.push(odata`jobId eq ${q.jobId}`);
    const out: AssetAudit[] = [];
    const iter = t.listEntities<{ json: string }>({
      queryOptions: { ...(filters.length ? { filter: filters.join(' and ') } : {}), select: ['json'] },
    });
    for await (const e of iter) {
      out.push(AssetAudit.parse(JSON.parse(e.json)));
      if (out.length >= 5000) break;
    }
    out.sort((a, b) => b.time.localeCompare(a.time));
    return out.slice(0, q.top);
  },
};
