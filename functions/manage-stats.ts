import { z } from 'zod';
import { authenticate } from '../shared/auth/authenticate';
import { badRequest } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { mayUseRunbook, Role, RunbookPattern } from '../shared/model/apiKey';
import { readStats, Stats } from '../shared/stats/jobStats';

/**
 * Management API: the aggregates behind the dashboard's charts (jobs per hour by status, per
 * runbook counts and duration percentiles) and "who am I" (the caller's role, so that a screen can
 * leave out what the caller may not press). Storage cost of /stats: docs/dashboard.md.
 */
const StatsQuery = z.object({ days: z.coerce.number().int().min(1).max(31).default(7) }).strict();

route('statsGet', {
  methods: ['GET'],
  route: 'api/v1/stats',
  handler: async (req) => {
    const principal = await authenticate(req, { need: 'reader' });
    const parsed = StatsQuery.safeParse(Object.fromEntries(req.query.entries()));
    if (!parsed.success) throw badRequest("Query 'days' must be a whole number of days from 1 to 31.");
    const stats = await readStats(parsed.data.days, (runbook) => mayUseRunbook(principal, runbook));
    return json(200, stats, { 'Cache-Control': 'no-store' });
  },
  doc: {
    path: '/api/v1/stats',
    summary: 'Jobs per hour by final status and per-runbook totals and duration percentiles over the last days (counted as jobs end)',
    tag: 'jobs',
    role: 'reader',
    query: { days: { schema: z.coerce.number().int().min(1).max(31).default(7), description: 'how many days back (1-31, default 7)' } },
    responses: { 200: { description: 'the aggregates', schema: Stats } },
  },
});

const Me = z.object({ id: z.string(), role: Role, runbooks: z.array(RunbookPattern).optional() });

route('meGet', {
  methods: ['GET'],
  route: 'api/v1/me',
  handler: async (req) => {
    const p = await authenticate(req, { need: 'reader' });
    return json(200, { id: p.id, role: p.role, ...(p.runbooks?.length ? { runbooks: p.runbooks } : {}) }, { 'Cache-Control': 'no-store' });
  },
  doc: {
    path: '/api/v1/me',
    summary: 'The caller: key id (or Entra subject), role and runbook limits',
    tag: 'keys',
    role: 'reader',
    responses: { 200: { description: 'the caller', schema: Me } },
  },
});
