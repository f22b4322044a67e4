import { randomBytes } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { AuditEntry } from '../model/audit';
import { table } from './clients';

/**
 * Table "audit": partition = the UTC day inverted (99999999 − yyyymmdd, so newer days sort first),
 * row key = inverted epoch ms + random. Both fall as time goes on, so one query over a range of
 * partitions returns entries newest first, and a row key alone bounds a time range or continues a
 * page. Filter columns (principal, resource, name, operation) sit beside `json`, the entry as the
 * API shows it. Rows are written once and completed once with the outcome; only the retention
 * removes them (by whole days).
 */
const MAX_TIME = 9_999_999_999_999;
const inverted = (ms: number) => String(MAX_TIME - ms).padStart(13, '0');
const dayKey = (ms: number) => String(99_999_999 - Number(new Date(ms).toISOString().slice(0, 10).replace(/-/g, '')));
const DAY_MS = 24 * 3600 * 1000;

export interface AuditQuery {
  from?: Date;
  to?: Date;
  principal?: string;
  resource?: string;
  name?: string;
  operation?: string;
  top: number;
  continuationToken?: string;
}

export class InvalidAuditToken extends Error {}

/** The token: the row key of the last entry returned. */
const encodeToken = (rowKey: string) => Buffer.from(rowKey).toString('base64url');
function decodeToken(token: string): string {
  const rowKey = Buffer.from(token, 'base64url').toString('utf8');
  if (/^\d{13}-[0-9a-f]{8}$/.test(rowKey)) return rowKey;
  throw new InvalidAuditToken('continuationToken is not one this API gave out.');
}

export const auditStore = {
  /** Insert a new entry; its id is its partition and row key. */
  async add(e: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    const ms = Date.parse(e.time);
    const partitionKey = dayKey(ms);
    const rowKey = `${inverted(ms)}-${randomBytes(4).toString('hex')}`;
    const entry: AuditEntry = { ...e, id: `${partitionKey}.${rowKey}` };
    const t = await table('audit');
    await t.createEntity({ partitionKey, rowKey, ...columns(entry), json: JSON.stringify(entry) });
    return entry;
  },

  /** Complete an entry with its outcome (the one change a row sees). */
  async complete(entry: AuditEntry): Promise<void> {
    const [partitionKey, rowKey] = entry.id.split('.') as [string, string];
    const t = await table('audit');
    await t.updateEntity({ partitionKey, rowKey, ...columns(entry), json: JSON.stringify(entry) }, 'Replace');
  },

  /** Newest first, from `to` (default now) back to `from` (default: the beginning). */
  async list(q: AuditQuery): Promise<{ value: AuditEntry[]; continuationToken?: string }> {
    const t = await table('audit');
    const toMs = q.to?.getTime() ?? Date.now() + DAY_MS;
    const parts: string[] = [odata`PartitionKey ge ${dayKey(toMs)}`, odata`RowKey ge ${inverted(toMs)}`];
    if (q.from) parts.push(odata`PartitionKey le ${dayKey(q.from.getTime())}`, odata`RowKey lt ${inverted(q.from.getTime() - 1)}`);
    if (q.continuationToken) parts.push(odata`RowKey gt ${decodeToken(q.continuationToken)}`);
    if (q.principal) parts.push(odata`principal eq ${q.principal}`);
    if (q.resource) parts.push(odata`resource eq ${q.resource}`);
    if (q.name) parts.push(odata`name eq ${q.name}`);
    if (q.operation) parts.push(odata`operation eq ${q.operation}`);
    const out: AuditEntry[] = [];
    let last: string | undefined;
    for await (const e of t.listEntities<{ json: string }>({ queryOptions: { filter: parts.join(' and '), select: ['json', 'RowKey'] } })) {
      if (out.length === q.top) return { value: out, continuationToken: encodeToken(last!) };
      out.push(AuditEntry.parse(JSON.parse(e.json)));
      last = e.rowKey!;
    }
    return { value: out };
  },

  /** Delete the entries of days before the day of `beforeMs`, at most `limit`; how many were deleted. */
  async deleteBefore(beforeMs: number, limit: number): Promise<number> {
    const t = await table('audit');
    let deleted = 0;
    for await (const e of t.listEntities({
      queryOptions: { filter: odata`PartitionKey gt ${dayKey(beforeMs)}`, select: ['PartitionKey', 'RowKey'] },
    })) {
      await t.deleteEntity(e.partitionKey!, e.rowKey!);
      if (++deleted >= limit) break;
    }
    return deleted;
  },
};

function columns(e: AuditEntry): Record<string, string> {
  return { principal: e.principal, resource: e.resource, operation: e.operation, outcome: e.outcome, ...(e.name ? { name: e.name } : {}) };
}
