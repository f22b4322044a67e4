import { z } from 'zod';

/**
 * The OpenAPI document is built from the same zod schemas the handlers validate with: every
 * route file describes its operations here when it registers them.
 */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path, e.g. `/api/v1/jobs/{jobId}`. */
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  bodyContentTypes?: string[];
  query?: Record<string, { schema: z.ZodType; description?: string }>;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** Security schemes accepted; default: every API-key form. */
  security?: string[];
  /** Role needed, for the description. */
  role?: string;
}

const operations: Operation[] = [];

export function describe(op: Operation): void {
  operations.push(op);
}

const schema = (s: z.ZodType, io: 'input' | 'output') => {
  try {
    return z.toJSONSchema(s, { io, unrepresentable: 'any' });
  } catch {
    return {};
  }
};

const problem = {
  type: 'object',
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
};

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    for (const [name, q] of Object.entries(op.query ?? {})) {
      params.push({ name, in: 'query', required: false, schema: schema(q.schema, 'input') as never, ...(q.description ? { description: q.description } : {}) } as never);
    }
    const responses: Record<string, unknown> = {};
    for (const [code, r] of Object.entries(op.responses)) {
      responses[code] = {
        description: r.description,
        ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: schema(r.schema, 'output') } } } : {}),
      };
    }
    responses.default = { description: 'An error, with a sentence naming what is wrong', content: { 'application/problem+json': { schema: problem } } };
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      ...(op.role ? { description: `Needs the role \`${op.role}\` or above.` } : {}),
      parameters: params,
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries((op.bodyContentTypes ?? ['application/json']).map((ct) => [ct, { schema: schema(op.body!, 'input') }])),
            },
          }
        : {}),
      responses,
      security: (op.security ?? ['basic', 'token', 'bearer']).map((s) => ({ [s]: [] })),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hookbook',
      version: '0.1.0',
      description: 'Runbook automation: start runbooks from webhooks, APIs, alerts and schedules; read their status, streams and exception.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: 'keyId as user name, secret as password' },
        token: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <keyId>:<secret>` (Kompira form)' },
        bearer: { type: 'http', scheme: 'bearer', description: '`Bearer <keyId>:<secret>` or an Entra ID token' },
        query: { type: 'apiKey', in: 'query', name: 'token' },
        webhookToken: { type: 'apiKey', in: 'query', name: 'token', description: 'the webhook token from its URL' },
      },
    },
    paths,
  };
}
