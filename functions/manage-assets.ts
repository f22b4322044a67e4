import { z } from 'zod';
import type { HttpRequest } from '@azure/functions';
import { authenticate } from '../shared/auth/authenticate';
import { readJson } from '../shared/http/body';
import { badRequest } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import {
  AssetAudit,
  AssetKind,
  AssetName,
  Connection,
  CreateConnectionBody,
  CreateCredentialBody,
  CreateVariableBody,
  Credential,
  UpdateConnectionBody,
  UpdateCredentialBody,
  UpdateVariableBody,
  Variable,
} from '../shared/model/asset';
import {
  createConnection,
  createCredential,
  createVariable,
  deleteAsset,
  getAsset,
  updateConnection,
  updateCredential,
  updateVariable,
} from '../shared/assets/manage';
import { assetAuditStore, assetStore } from '../shared/store/assetStore';

/**
 * Management API: shared assets (docs/assets.md). Encrypted values (encrypted variables, passwords,
 * secret connection fields) are accepted here and never returned; only a running job reads them.
 */

function nameParam(req: HttpRequest): string {
  const name = req.params.name ?? '';
  const parsed = AssetName.safeParse(name);
  if (!parsed.success) throw badRequest(`asset name '${name}': ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return name;
}

interface KindSpec {
  kind: AssetKind;
  plural: string;
  Title: string;
  schema: z.ZodType;
  create: { body: z.ZodType; run: (b: never, by: string) => Promise<unknown> };
  update: { body: z.ZodType; run: (name: string, b: never, by: string) => Promise<unknown> };
}

const KINDS: KindSpec[] = [
  {
    kind: 'variable',
    plural: 'variables',
    Title: 'Variable',
    schema: Variable,
    create: { body: CreateVariableBody, run: createVariable },
    update: { body: UpdateVariableBody, run: updateVariable },
  },
  {
    kind: 'credential',
    plural: 'credentials',
    Title: 'Credential',
    schema: Credential,
    create: { body: CreateCredentialBody, run: createCredential },
    update: { body: UpdateCredentialBody, run: updateCredential },
  },
  {
    kind: 'connection',
    plural: 'connections',
    Title: 'Connection',
    schema: Connection,
    create: { body: CreateConnectionBody, run: createConnection },
    update: { body: UpdateConnectionBody, run: updateConnection },
  },
];

for (const k of KINDS) {
  const base = `api/v1/assets/${k.plural}`;
  const item = `${base}/{name}`;
  const tag = 'assets';

  route(`assets${k.Title}Create`, {
    methods: ['POST'],
    route: base,
    handler: async (req) => {
      const p = await authenticate(req, { need: 'admin' });
      const body = await readJson(req, k.create.body);
      return json(201, await k.create.run(body as never, p.id));
    },
    doc: {
      path: `/${base}`,
      summary: `Create a ${k.kind} (secret values are stored encrypted and never returned)`,
      tag,
      role: 'admin',
      body: k.create.body,
      responses: {
        201: { description: `the ${k.kind}, without secret values`, schema: k.schema },
        409: { description: 'an asset of this kind with that name exists (names compare without regard to case)' },
      },
    },
  });

  route(`assets${k.Title}List`, {
    methods: ['GET'],
    route: base,
    handler: async (req) => {
      await authenticate(req, { need: 'reader' });
      const value = await assetStore.list<{ name: string }>(k.kind);
      value.sort((a, b) => a.name.localeCompare(b.name));
      return json(200, { value });
    },
    doc: {
      path: `/${base}`,
      summary: `List ${k.plural} (never secret values)`,
      tag,
      role: 'reader',
      responses: { 200: { description: `the ${k.plural}`, schema: z.object({ value: z.array(k.schema) }) } },
    },
  });

  const params = { name: AssetName };
  route(`assets${k.Title}Get`, {
    methods: ['GET'],
    route: item,
    handler: async (req) => {
      await authenticate(req, { need: 'reader' });
      const name = nameParam(req);
      return json(200, await getAsset(k.kind, name));
    },
    doc: {
      path: `/${item}`,
      params,
      summary: `Get a ${k.kind} (never its secret values)`,
      tag,
      role: 'reader',
      responses: { 200: { description: `the ${k.kind}`, schema: k.schema } },
    },
  });

  route(`assets${k.Title}Update`, {
    methods: ['PATCH'],
    route: item,
    handler: async (req) => {
      const p = await authenticate(req, { need: 'admin' });
      const name = nameParam(req);
      const body = await readJson(req, k.update.body);
      return json(200, await k.update.run(name, body as never, p.id));
    },
    doc: {
      path: `/${item}`,
      params,
      summary: `Update a ${k.kind} (recorded with who made the change)`,
      tag,
      role: 'admin',
      body: k.update.body,
      responses: {
        200: { description: `the ${k.kind}, without secret values`, schema: k.schema },
        409: { description: 'changed by someone else meanwhile: read it again and retry' },
      },
    },
  });

  route(`assets${k.Title}Delete`, {
    methods: ['DELETE'],
    route: item,
    handler: async (req) => {
      const p = await authenticate(req, { need: 'admin' });
      const name = nameParam(req);
      await deleteAsset(k.kind, name, p.id);
      return { status: 204 };
    },
    doc: { path: `/${item}`, params, summary: `Delete a ${k.kind}`, tag, role: 'admin', responses: { 204: { description: 'deleted' } } },
  });
}

/** The audit's `kind`: singular as stored, or plural as in the routes (`variables`, ...). */
const AuditKind = z.preprocess((k) => (typeof k === 'string' ? k.toLowerCase().replace(/s$/, '') : k), AssetKind);

const AuditQuery = z
  .object({
    kind: AuditKind.optional(),
    name: AssetName.optional(),
    jobId: z.string().max(64).optional(),
    top: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

route('assetsAudit', {
  methods: ['GET'],
  route: 'api/v1/assets/audit',
  handler: async (req) => {
    await authenticate(req, { need: 'reader' });
    const parsed = AuditQuery.safeParse(Object.fromEntries(req.query.entries()));
    if (!parsed.success)
      throw badRequest(parsed.error.issues.map((i) => `query '${i.path.join('.') || i.message}': ${i.message}`).join('; '));
    if (parsed.data.name && !parsed.data.kind)
      throw badRequest("query 'name' needs 'kind' (variable, credential or connection; plural too).");
    return json(200, { value: await assetAuditStore.list(parsed.data) });
  },
  doc: {
    path: '/api/v1/assets/audit',
    summary: 'Asset audit: reads of encrypted values by jobs, writes, and changes with who made them (newest first)',
    tag: 'assets',
    role: 'reader',
    query: {
      kind: {
        schema: z.enum(['variable', 'credential', 'connection', 'variables', 'credentials', 'connections']),
        description: 'singular or plural',
      },
      name: { schema: AssetName, description: 'with kind' },
      jobId: { schema: z.string() },
      top: { schema: z.number().int().min(1).max(1000), description: 'at most this many rows (default 100)' },
    },
    responses: { 200: { description: 'audit rows', schema: z.object({ value: z.array(AssetAudit) }) } },
  },
});
