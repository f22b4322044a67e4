import { storageHealth } from '../shared/store/health';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { openApiDocument } from '../shared/openapi/registry';
import { settings } from '../shared/config';
import { z } from 'zod';

/**
 * 200 when storage can do what jobs need (a table write, a batch transaction, a queue send), 503
 * (retryable) naming the failing part otherwise. Probed at most every few seconds (shared/store/health.ts).
 */
const Health = z.object({
  status: z.enum(['healthy', 'unhealthy']),
  storage: z.enum(['reachable', 'unreachable', 'failing']),
  failing: z.array(z.string()).optional(),
  checks: z.object({ tableWrite: z.string(), batchTransaction: z.string(), queueSend: z.string() }),
  checkedAt: z.string(),
});

route('health', {
  methods: ['GET'],
  route: 'api/health',
  handler: async () => {
    const h = await storageHealth();
    if (h.healthy) return json(200, { status: 'healthy', storage: 'reachable', checks: h.checks, checkedAt: h.checkedAt });
    const failing = Object.entries(h.checks)
      .filter(([, v]) => v !== 'ok')
      .map(([k]) => k);
    const unreachable = failing.every((k) => h.checks[k as keyof typeof h.checks].startsWith('unreachable'));
    return json(
      503,
      { status: 'unhealthy', storage: unreachable ? 'unreachable' : 'failing', failing, checks: h.checks, checkedAt: h.checkedAt },
      { 'Retry-After': '5' },
    );
  },
  doc: {
    path: '/api/health',
    summary: 'Health: 200 when storage takes a table write, a batch transaction and a queue send; 503 naming the failing part otherwise',
    tag: 'service',
    security: [],
    responses: {
      200: { description: 'healthy', schema: Health },
      503: {
        description: 'unhealthy: `failing` names the part (tableWrite, batchTransaction, queueSend)',
        schema: Health,
        headers: { 'Retry-After': 'seconds' },
      },
    },
  },
});

route('openapi', {
  methods: ['GET'],
  route: 'api/openapi.json',
  handler: async () => json(200, openApiDocument(settings().publicUrl)),
  doc: {
    path: '/api/openapi.json',
    summary: 'This OpenAPI 3.1 document',
    tag: 'service',
    security: [],
    responses: {
      200: { description: 'the document', schema: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) },
    },
  },
});
