import type { z } from 'zod';
import {
  connectionResource,
  ConnectionPatchBody,
  ConnectionPutBody,
  credentialResource,
  CredentialPatchBody,
  CredentialPutBody,
  decodeVariableValue,
  variableResource,
  VariablePatchBody,
  VariablePutBody,
} from '../shared/arm/assets';
import { armDoc, ArmPage, ArmResource } from '../shared/arm/doc';
import { armErrors } from '../shared/arm/errors';
import { ACCOUNT_ROUTE, armRequest, type ArmContext } from '../shared/arm/request';
import { page } from '../shared/arm/resource';
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
import { readJson } from '../shared/http/body';
import { badRequest } from '../shared/http/errors';
import { json } from '../shared/http/respond';
import { route } from '../shared/http/route';
import { AssetName, type AssetKind, type Connection, type Credential, type Variable } from '../shared/model/asset';
import { assetStore } from '../shared/store/assetStore';

/**
 * Azure Automation API (Azure Resource Manager shape): variables, credentials and connections,
 * through the same functions as the management API (shared/assets/manage.ts, which audits each change).
 */

interface Kind<M, P, Q> {
  kind: AssetKind;
  plural: 'variables' | 'credentials' | 'connections';
  Title: string;
  view: (ctx: ArmContext, m: M) => unknown;
  put: z.ZodType<P>;
  patch: z.ZodType<Q>;
  /** Create (true) or update an existing one. */
  upsert: (ctx: ArmContext, name: string, body: P, exists: boolean) => Promise<M>;
  update: (ctx: ArmContext, name: string, body: Q) => Promise<M>;
}

const variables: Kind<Variable, z.infer<typeof VariablePutBody>, z.infer<typeof VariablePatchBody>> = {
  kind: 'variable',
  plural: 'variables',
  Title: 'Variable',
  view: variableResource,
  put: VariablePutBody,
  patch: VariablePatchBody,
  upsert: async (ctx, name, body: z.infer<typeof VariablePutBody>, exists) => {
    const p = body.properties;
    const decoded = p.value !== undefined ? decodeVariableValue(p.value) : undefined;
    if (exists) return updateVariable(name, { value: decoded?.value, description: p.description }, ctx.principal.id);
    if (!decoded) throw badRequest('properties.value is required to create a variable (JSON-encoded).');
    return createVariable(
      { name, type: decoded.type, encrypted: p.isEncrypted ?? false, value: decoded.value, description: p.description },
      ctx.principal.id,
    );
  },
  update: async (ctx, name, body: z.infer<typeof VariablePatchBody>) =>
    updateVariable(
      name,
      {
        value: body.properties?.value !== undefined ? decodeVariableValue(body.properties.value).value : undefined,
        description: body.properties?.description,
      },
      ctx.principal.id,
    ),
};

const credentials: Kind<Credential, z.infer<typeof CredentialPutBody>, z.infer<typeof CredentialPatchBody>> = {
  kind: 'credential',
  plural: 'credentials',
  Title: 'Credential',
  view: credentialResource,
  put: CredentialPutBody,
  patch: CredentialPatchBody,
  upsert: async (ctx, name, body: z.infer<typeof CredentialPutBody>, exists) => {
    const p = body.properties;
    if (exists) return updateCredential(name, { userName: p.userName, password: p.password, description: p.description }, ctx.principal.id);
    return createCredential({ name, userName: p.userName, password: p.password, description: p.description }, ctx.principal.id);
  },
  update: async (ctx, name, body: z.infer<typeof CredentialPatchBody>) => updateCredential(name, { ...body.properties }, ctx.principal.id),
};

const connections: Kind<Connection, z.infer<typeof ConnectionPutBody>, z.infer<typeof ConnectionPatchBody>> = {
  kind: 'connection',
  plural: 'connections',
  Title: 'Connection',
  view: connectionResource,
  put: ConnectionPutBody,
  patch: ConnectionPatchBody,
  upsert: async (ctx, name, body: z.infer<typeof ConnectionPutBody>, exists) => {
    const p = body.properties;
    if (exists) return updateConnection(name, { fields: p.fieldDefinitionValues, description: p.description }, ctx.principal.id);
    return createConnection(
      { name, connectionType: p.connectionType.name, fields: p.fieldDefinitionValues ?? {}, description: p.description },
      ctx.principal.id,
    );
  },
  update: async (ctx, name, body: z.infer<typeof ConnectionPatchBody>) =>
    updateConnection(name, { fields: body.properties?.fieldDefinitionValues, description: body.properties?.description }, ctx.principal.id),
};

function assetName(raw: string | undefined): string {
  const parsed = AssetName.safeParse(raw ?? '');
  if (!parsed.success) throw badRequest(`asset name '${(raw ?? '').slice(0, 128)}': ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function register<M, P, Q>(k: Kind<M, P, Q>): void {
  const one = `${ACCOUNT_ROUTE}/${k.plural}/{name}`;
  const docPath = `/${k.plural}/{name}`;
  route(`arm${k.Title}sList`, {
    methods: ['GET'],
    route: `${ACCOUNT_ROUTE}/${k.plural}`,
    errors: armErrors,
    handler: async (req) => {
      const ctx = await armRequest(req, 'reader');
      return json(200, page((await assetStore.list<M>(k.kind)).map((m) => k.view(ctx, m))));
    },
    doc: armDoc(`/${k.plural}`, {
      summary: `List ${k.plural}`,
      role: 'reader',
      responses: { 200: { description: `the ${k.plural}`, schema: ArmPage } },
    }),
  });
  route(`arm${k.Title}Get`, {
    methods: ['GET'],
    route: one,
    errors: armErrors,
    handler: async (req) => {
      const ctx = await armRequest(req, 'reader');
      return json(200, k.view(ctx, await getAsset<M>(k.kind, assetName(req.params.name))));
    },
    doc: armDoc(docPath, {
      summary: `Get a ${k.kind} (no secret value)`,
      role: 'reader',
      responses: { 200: { description: `the ${k.kind}`, schema: ArmResource } },
    }),
  });
  route(`arm${k.Title}Put`, {
    methods: ['PUT'],
    route: one,
    errors: armErrors,
    handler: async (req) => {
      const ctx = await armRequest(req, 'admin');
      const name = assetName(req.params.name);
      const body = await readJson(req, k.put);
      const exists = (await assetStore.get(k.kind, name)) !== undefined;
      const m = await k.upsert(ctx, name, body, exists);
      return json(exists ? 200 : 201, k.view(ctx, m));
    },
    doc: armDoc(docPath, {
      summary: `Create or update a ${k.kind}`,
      role: 'admin',
      body: k.put,
      responses: {
        200: { description: 'updated', schema: ArmResource },
        201: { description: 'created', schema: ArmResource },
        409: { description: 'changed meanwhile by another request' },
      },
    }),
  });
  route(`arm${k.Title}Patch`, {
    methods: ['PATCH'],
    route: one,
    errors: armErrors,
    handler: async (req) => {
      const ctx = await armRequest(req, 'admin');
      const name = assetName(req.params.name);
      const body = await readJson(req, k.patch);
      return json(200, k.view(ctx, await k.update(ctx, name, body)));
    },
    doc: armDoc(docPath, {
      summary: `Change a ${k.kind}`,
      role: 'admin',
      body: k.patch,
      responses: {
        200: { description: `the ${k.kind}`, schema: ArmResource },
        409: { description: 'changed meanwhile by another request' },
      },
    }),
  });
  route(`arm${k.Title}Delete`, {
    methods: ['DELETE'],
    route: one,
    errors: armErrors,
    handler: async (req) => {
      const ctx = await armRequest(req, 'admin');
      await deleteAsset(k.kind, assetName(req.params.name), ctx.principal.id);
      return { status: 200 };
    },
    doc: armDoc(docPath, { summary: `Delete a ${k.kind}`, role: 'admin', responses: { 200: { description: 'deleted' } } }),
  });
}

register(variables);
register(credentials);
register(connections);
