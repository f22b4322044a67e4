import { randomBytes } from 'node:crypto';
import { odata } from '@azure/data-tables';
import { AuditEntry } from '../model/audit';
import { table } from './clients';

/**
 * Table "audit": partition = the UTC day (`2026-12-06`), row key = inverted epoch ms + random, so a
 * partition lists newest first and a time range is a row key range. Filter columns (principal,
 * resource, name, operation) sit beside `json`, the entry as the API shows it. Rows are written
 * once and completed once with the outcome; only the retention removes them (by whole days).
 */
const MAX_TIME = 9_999_999_999_999;
const inverted = (ms: number) => String(MAX_TIME - ms).padStart(13, '0');
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
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

/** The token: the day and row key of the last row returned. */
const encodeToken = (day: string, rowKey: string) => Buffer.from(JSON.stringify([day, rowKey])).toString('base64url');
function decodeToken(token: string): { day: string; rowKey: string } {
  try {
    const [day, rowKey] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) && typeof rowKey === 'string') return { day, rowKey };
  } catch {
    // fall through
  }
  throw new InvalidAuditToken('continuationToken is not one this API gave out.');
}

export const auditStore = {
  /** Insert a new entry; its id is its row key in its day. */
  async add(e: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    const ms = Date.parse(e.time);
    const rowKey = `${inverted(ms)}-${randomBytes(4).toString('hex')}`;
    const entry: AuditEntry = { ...e, id: `${dayOf(ms)}.${rowKey}` };
    const t = await table('audit');
    await t.createEntity({ partitionKey: dayOf(ms), rowKey, ...columns(entry), json: JSON.stringify(entry) });
    return entry;
  },

  /** Complete an entry with its outcome (the one change a row sees). */
  async complete(entry: AuditEntry): Promise<void> {
    const [day, rowKey] = entry.id.split('.') as [string, string];
    const t = await table('audit');
    await t.updateEntity({ partitionKey: day, rowKey, ...columns(entry), json: JSON.stringify(entry) }, 'Replace');
  },

  /** Newest first, day by day from `to` back to `from` (default: the last 400 days). */
  async list(q: AuditQuery): Promise<{ value: AuditEntry[]; continuationToken?: string }> {
    const t = await table('audit');
    const toMs = q.to?.getTime() ?? Date.now();
    const fromMs = q.from?.getTime() ?? toMs - 400 * DAY_MS;
    const after = q.continuationToken ? decodeToken(q.continuationToken) : undefined;
    const extra: string[] = [odata`RowKey ge ${inverted(toMs)}`, odata`RowKey lt ${inverted(fromMs - 1)}`];
    if (q.principal) extra.push(odata`principal eq ${q.principal}`);
    if (q.resource) extra.push(odata`resource eq ${q.resource}`);
    if (q.name) extra.push(odata`name eq ${q.name}`);
    if (q.operation) extra.push(odata`operation eq ${q.operation}`);
    const out: AuditEntry[] = [];
    let last: { day: string; rowKey: string } | undefined;
    for (let dayMs = toMs; dayOf(dayMs) >= dayOf(fromMs); dayMs -= DAY_MS) {
      const day = dayOf(dayMs);
      if (after && day > after.day) continue;
      const parts = [odata`PartitionKey eq ${day}`, ...extra];
      if (after && day === after.day) parts.push(odata`RowKey gt ${after.rowKey}`);
      for await (const e of t.listEntities<{ json: string }>({
        queryOptions: { filter: parts.join(' and '), select: ['json', 'RowKey'] },
      })) {
        if (out.length === q.top) return { value: out, continuationToken: encodeToken(last!.day, last!.rowKey) };
        out.push(AuditEntry.parse(JSON.parse(e.json)));
        last = { day, rowKey: e.rowKey! };
      }
    }
    return { value: out };
  },

  /** Delete the entries of days before `beforeMs`, at most `limit`; how many were deleted. */
  async deleteBefore(beforeMs: number, limit: number): Promise<number> {
    const t = await table('audit');
    let deleted = 0;
    for await (const e of t.listEntities({
      queryOptions: { filter: odata`PartitionKey lt ${dayOf(beforeMs)}`, select: ['PartitionKey', 'RowKey'] },
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
