import { z } from 'zod';

/**
 * The OpenAPI document is built from the same zod schemas the handlers validate with: every
 * route file describes its operations here when it registers them. The document must say what the
 * service does (test/integration/openapi-conformance.test.ts checks real answers against it, and
 * `npm run lint:openapi` lints it), so each operation also names the errors it can answer, in its
 * dialect's error format.
 */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Unique, stable: the registered function's name (a generated client's method name). */
  operationId: string;
  /** OpenAPI path, e.g. `/api/v1/jobs/{jobId}`. */
  path: string;
  summary: string;
  /** Longer text (Markdown); the role needed is appended. */
  description?: string;
  tag: string;
  /** The JSON body (application/json), or see `bodyContent`. */
  body?: z.ZodType;
  /** One schema per request media type (wins over `body`). */
  bodyContent?: Record<string, z.ZodType>;
  /** A body may be left out (it then counts as an empty one). */
  bodyOptional?: boolean;
  /** Query parameters; required when the schema refuses `undefined`. */
  query?: Record<string, { schema: z.ZodType; description?: string }>;
  /** Path parameter schemas (default: a non-empty string). */
  params?: Record<string, z.ZodType>;
  /**
   * Answers. A success without `schema`/`content` has no body (204, or a 200 that sends nothing);
   * an error (4xx/5xx) without one gets the operation's error format.
   */
  responses: Record<number, ResponseDoc>;
  /** The error format of this dialect (default: problem+json). */
  errors?: ErrorFormat;
  /** Security schemes accepted; default: every API-key form; `[]`: no credential. */
  security?: string[];
  /** Role needed, for the description (and a 403 answer). */
  role?: string;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Media type of `schema` (default application/json). */
  contentType?: string;
  /** One schema per media type, when the answer depends on Accept or a query (wins over `schema`). */
  content?: Record<string, z.ZodType>;
  /** Response headers the caller can rely on: name → description. */
  headers?: Record<string, string>;
}

/** How a dialect writes its errors: one schema per media type it sends them as. */
export interface ErrorFormat {
  content: Record<string, z.ZodType>;
}

/** RFC 9457 problem details: the management API's, RealmJoin's and health's error shape. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().describe('one sentence naming what is wrong'),
});
export const PROBLEM_ERRORS: ErrorFormat = { content: { 'application/problem+json': Problem } };

const operations: Operation[] = [];

export function describe(op: Operation): void {
  // operationIds are function names, which the host already keeps unique; a module loaded again
  // (tests that re-require the functions) describes its operations again: the last one stands.
  const i = operations.findIndex((o) => o.operationId === op.operationId);
  if (i >= 0) operations[i] = op;
  else operations.push(op);
}

/** The operations described so far (the conformance test walks them). */
export const describedOperations = (): readonly Operation[] => operations;

const schema = (s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
  try {
    const out = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
    delete out.$schema; // the document's jsonSchemaDialect says it once
    return out;
  } catch {
    return {};
  }
};

/** What a status means when an operation does not say it in its own words. */
const ERROR_MEANING: Record<number, string> = {
  400: 'the request is malformed: a parameter, query or body field is wrong (the detail names it)',
  401: 'no credential, or an unknown or wrong one',
  403: 'the key is valid but its role or runbook scope does not allow this',
  404: 'no such object (or one this key may not see)',
  405: 'this path does not take that method (see Allow)',
  409: 'the request conflicts with the current state (the detail says which)',
  413: 'the body is larger than the limit (512 KB)',
  415: 'the body has a media type this operation does not read',
  429: 'too many requests (for an API key: too many failed authentications from this client): retry after Retry-After seconds',
  503: 'storage is unreachable: nothing was done; retry after Retry-After seconds',
};

const ERROR_HEADERS: Record<number, Record<string, string>> = {
  401: { 'WWW-Authenticate': 'the scheme to authenticate with' },
  405: { Allow: 'the methods this path takes' },
  429: { 'Retry-After': 'seconds to wait' },
  503: { 'Retry-After': 'seconds to wait' },
};

/** The errors every operation of its kind can answer, besides those it lists itself. */
function implicitErrors(op: Operation, pathParams: string[]): number[] {
  const codes = new Set<number>();
  const input = Boolean(op.body || op.bodyContent || op.query || pathParams.length);
  const credential = (op.security ?? ['any']).length > 0;
  // Storage is behind every operation that reads a key or an input (not the document itself).
  if (input || credential) codes.add(503);
  if (input) codes.add(400);
  if (credential) {
    codes.add(401);
    // Failed authentications are limited per client: past the limit a failure is 429, not 401.
    codes.add(429);
  }
  if (op.role) codes.add(403);
  if (pathParams.length) codes.add(404);
  if (op.body || op.bodyContent) codes.add(413);
  return [...codes];
}

const headerObjects = (headers: Record<string, string> | undefined) =>
  headers && Object.keys(headers).length
    ? {
        headers: Object.fromEntries(
          Object.entries(headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
        ),
      }
    : {};

const contentOf = (content: Record<string, z.ZodType>) =>
  Object.fromEntries(Object.entries(content).map(([ct, s]) => [ct, { schema: schema(s, 'output') }]));

function responsesOf(op: Operation, pathParams: string[]): Record<string, unknown> {
  const errors = op.errors ?? PROBLEM_ERRORS;
  const all: Record<number, ResponseDoc> = {};
  for (const code of implicitErrors(op, pathParams)) all[code] = { description: ERROR_MEANING[code]! };
  Object.assign(all, op.responses);
  const out: Record<string, unknown> = {};
  for (const [codeText, r] of Object.entries(all).sort(([a], [b]) => Number(a) - Number(b))) {
    const code = Number(codeText);
    const content =
      r.content ?? (r.schema ? { [r.contentType ?? 'application/json']: r.schema } : code >= 400 ? errors.content : undefined);
    out[codeText] = {
      description: r.description,
      ...headerObjects({ ...(code >= 400 ? ERROR_HEADERS[code] : {}), ...r.headers }),
      ...(content ? { content: contentOf(content) } : {}),
    };
  }
  out.default = {
    description: 'an unexpected error (500), logged with its details; the answer names none',
    content: contentOf(errors.content),
  };
  return out;
}

/** A query parameter is required when its schema refuses a missing value. */
const isRequired = (s: z.ZodType) => !s.safeParse(undefined).success;

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const parameters: Record<string, unknown>[] = pathParams.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: op.params?.[name] ? schema(op.params[name], 'input') : { type: 'string', minLength: 1 },
    }));
    for (const [name, q] of Object.entries(op.query ?? {})) {
      const s = schema(q.schema, 'input');
      // A default is what the service assumes, not something a client must send.
      parameters.push({
        name,
        in: 'query',
        required: isRequired(q.schema),
        schema: s,
        ...(s.type === 'array' ? { style: 'form', explode: true } : {}),
        ...(q.description ? { description: q.description } : {}),
      });
    }
    const bodyContent = op.bodyContent ?? (op.body ? { 'application/json': op.body } : undefined);
    const description = [op.description, op.role ? `Needs the role \`${op.role}\` or above.` : undefined].filter(Boolean).join('\n\n');
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      tags: [op.tag],
      ...(description ? { description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(bodyContent
        ? {
            requestBody: {
              required: !op.bodyOptional,
              content: Object.fromEntries(Object.entries(bodyContent).map(([ct, s]) => [ct, { schema: schema(s, 'input') }])),
            },
          }
        : {}),
      responses: responsesOf(op, pathParams),
      security: (op.security ?? ['basic', 'token', 'bearer']).map((s) => ({ [s]: [] })),
    };
  }
  const tags = [...new Set(operations.map((o) => o.tag))].sort().map((name) => ({ name, description: TAGS[name] ?? name }));
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Hookbook',
      version: '0.1.0',
      description:
        'Runbook automation: start runbooks from webhooks, APIs, alerts and schedules; read their status, streams and exception.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: serverUrl }],
    tags,
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: 'keyId as user name, secret as password' },
        token: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Token <keyId>:<secret>` (Kompira form)' },
        bearer: { type: 'http', scheme: 'bearer', description: '`Bearer <keyId>:<secret>` or an Entra ID token' },
        query: { type: 'apiKey', in: 'query', name: 'token', description: '`?token=<keyId>:<secret>` (Kompira form)' },
        signedLink: {
          type: 'apiKey',
          in: 'query',
          name: 'sig',
          description: "a Kompira process page's signed link (`?sig=`): reads that one process",
        },
      },
    },
    paths,
  };
}

const TAGS: Record<string, string> = {
  'azure-automation':
    'The Azure Automation REST API (Azure Resource Manager shape, Microsoft.Automation): runbooks and jobs for Azure clients',
  jobs: 'Management API: jobs (start, list, read, stream, stop)',
  keys: 'Management API: API keys',
  kompira: 'The Kompira Enterprise REST API dialect, and its notification e-mail',
  realmjoin: "The RealmJoin runbook API dialect (also served under RealmJoin's newer layout `/runbook/...`, the same operations)",
  runbooks: 'Management API: runbooks (draft, publish, content)',
  schedules: 'Management API: schedules',
  audit: 'Management API: the audit trail of changes',
  notifications: 'Management API: notification targets and their deliveries',
  service: 'The service itself',
  'source-controls': 'Management API: source controls (runbooks synced from git), their sync runs and push events',
  webhooks: 'Azure Automation webhooks: invoke, and manage (admin)',
  workers: 'Management API: hybrid worker groups, their workers and registration keys',
  'worker-routes': "What `hookbook worker` calls (docs/hybrid-workers.md): a group's registration key, never an API key",
};
