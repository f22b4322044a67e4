import { pingStorage } from '../shared/store/clients';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { openApiDocument } from '../shared/openapi/registry';
import { settings } from '../shared/config';
import { z } from 'zod';

/** 200 once storage answers, 503 (retryable) while it does not. */
route('health', {
  methods: ['GET'],
  route: 'api/health',
  handler: async () => {
    try {
      await pingStorage();
      return json(200, { status: 'healthy', storage: 'reachable' });
    } catch {
      return json(503, { status: 'unhealthy', storage: 'unreachable' }, { 'Retry-After': '5' });
    }
  },
  doc: {
    path: '/api/health',
    summary: 'Health: 200 once storage is reachable, 503 otherwise',
    tag: 'service',
    security: [],
    responses: {
      200: { description: 'healthy', schema: z.looseObject({ status: z.literal('healthy') }) },
      503: { description: 'unhealthy: which part fails', schema: z.looseObject({ status: z.literal('unhealthy') }), headers: { 'Retry-After': 'seconds' } },
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
    responses: { 200: { description: 'the document', schema: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }) } },
  },
});
