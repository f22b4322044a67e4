import { app, type InvocationContext, type Timer } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { settings } from '../shared/config';
import { badRequest, describeZodError } from '../shared/http/errors';
import { json, text } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { AuditEntry } from '../shared/model/audit';
import { auditStore, InvalidAuditToken, type AuditQuery } from '../shared/store/auditStore';

/** Management API: the audit trail (docs/audit.md), and its retention timer. */
const ListQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  principal: z.string().min(1).max(256).optional(),
  resource: z.string().min(1).max(128).optional(),
  name: z.string().min(1).max(256).optional(),
  operation: z.string().min(1).max(128).optional(),
  top: z.coerce.number().int().min(1).max(1000).default(100),
  continuationToken: z.string().max(2048).optional(),
  format: z.enum(['json', 'jsonl']).default('json'),
});
/** Rows one JSON-lines export holds at most (narrow the time range for more). */
const EXPORT_MAX = 100_000;

async function page(q: AuditQuery): Promise<{ value: AuditEntry[]; continuationToken?: string }> {
  try {
    return await auditStore.list(q);
  } catch (error) {
    if (error instanceof InvalidAuditToken) throw badRequest(error.message);
    throw error;
  }
}

route('auditList', {
  methods: ['GET'],
  route: 'api/v1/audit',
  handler: async (req) => {
    await authenticate(req, { need: 'admin' });
    const parsed = ListQuery.safeParse(Object.fromEntries(req.query.entries()));
    if (!parsed.success) throw badRequest(describeZodError(parsed.error, 'query'));
    const { format, from, to, ...rest } = parsed.data;
    const q: AuditQuery = { ...rest, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) };
    if (format === 'json') return json(200, await page(q));
    // JSON lines: every entry of the range, oldest last as in the list, one object a line.
    const lines: string[] = [];
    let token = q.continuationToken;
    do {
      const p = await page({ ...q, top: 1000, continuationToken: token });
      for (const e of p.value) lines.push(JSON.stringify(e));
      token = p.continuationToken;
    } while (token && lines.length < EXPORT_MAX);
    return text(200, lines.map((l) => l + '\n').join(''), { 'Content-Type': 'application/jsonl; charset=utf-8' });
  },
  doc: {
    path: '/api/v1/audit',
    summary: 'The audit trail, newest first: every change through the management API, and every refused credential or role',
    description: 'Filters combine. `format=jsonl` exports every matching entry (up to 100,000) as JSON lines instead of a page.',
    tag: 'audit',
    role: 'admin',
    query: {
      from: { schema: ListQuery.shape.from, description: 'entries at or after this time' },
      to: { schema: ListQuery.shape.to, description: 'entries at or before this time' },
      principal: { schema: ListQuery.shape.principal, description: 'an API key id or Entra principal' },
      resource: { schema: ListQuery.shape.resource, description: 'a resource kind, e.g. `runbooks`' },
      name: { schema: ListQuery.shape.name, description: "a resource's name or id" },
      operation: { schema: ListQuery.shape.operation, description: 'an operation id, e.g. `runbooksCreate`' },
      top: { schema: ListQuery.shape.top },
      continuationToken: { schema: ListQuery.shape.continuationToken },
      format: { schema: ListQuery.shape.format },
    },
    responses: {
      200: {
        description: 'a page of entries, or with `format=jsonl` all of them as JSON lines',
        content: {
          'application/json': z.object({ value: z.array(AuditEntry), continuationToken: z.string().optional() }),
          'application/jsonl': z.string(),
        },
      },
    },
  },
});

/** Deletes entries older than HOOKBOOK_AUDIT_RETENTION_DAYS, on the job retention's schedule. */
export async function auditRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  const days = settings().auditRetentionDays;
  const deleted = await auditStore.deleteBefore(Date.now() - days * 24 * 3600 * 1000, settings().retentionBatch);
  if (deleted) context.log(`audit retention: deleted ${deleted} entries older than ${days} days`);
}

app.timer('auditRetention', { schedule: settings().retentionCron, runOnStartup: false, handler: auditRetention });
