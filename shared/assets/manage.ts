import { decrypt, encrypt } from '../auth/secrets';
import { conflict, notFound } from '../http/errors';
import { CONNECTION_TYPES, type AssetKind, type Connection, type Credential, type Variable } from '../model/asset';
import type { z } from 'zod';
import type {
  CreateConnectionBody,
  CreateCredentialBody,
  CreateVariableBody,
  UpdateConnectionBody,
  UpdateCredentialBody,
  UpdateVariableBody,
} from '../model/asset';
import { assetAuditStore, assetStore } from '../store/assetStore';
import { checkVariableValue, connectionSecretFields } from './values';

/**
 * Management of assets: every secret is sealed before it reaches the store, and what these
 * functions return is metadata only (plain variables keep their value). Each change is audited
 * with who made it.
 */
const now = () => new Date().toISOString();
const seal = (v: unknown) => encrypt(JSON.stringify(v));
export function unseal<T>(sealed: string | undefined): T {
  if (!sealed) return {} as T;
  try {
    return JSON.parse(decrypt(sealed)) as T;
  } catch {
    throw new Error('An encrypted asset could not be decrypted (was HOOKBOOK_ENCRYPTION_KEY changed?).');
  }
}

async function audit(kind: AssetKind, name: string, action: 'create' | 'update' | 'delete', by: string): Promise<void> {
  await assetAuditStore.add({ time: now(), kind, name, action, by });
}

const exists = (kind: string, name: string) => conflict(`A ${kind} named '${name}' exists already (names compare without regard to case).`);
export const missing = (kind: string, name: string) => notFound(`No ${kind} named '${name}'.`);

export async function createVariable(b: z.infer<typeof CreateVariableBody>, by: string): Promise<Variable> {
  const value = checkVariableValue(b.type, b.value, b.name);
  const t = now();
  const meta: Variable = {
    name: b.name,
    description: b.description ?? '',
    type: b.type,
    encrypted: b.encrypted,
    createdTime: t,
    lastModifiedTime: t,
    lastModifiedBy: by,
    ...(b.encrypted ? {} : { value }),
  };
  if (!(await assetStore.create('variable', b.name, meta, b.encrypted ? seal(value) : undefined))) throw exists('variable', b.name);
  await audit('variable', b.name, 'create', by);
  return meta;
}

export async function updateVariable(name: string, b: z.infer<typeof UpdateVariableBody>, by: string): Promise<Variable> {
  const found = await assetStore.get<Variable>('variable', name);
  if (!found) throw missing('variable', name);
  const meta = {
    ...found.meta,
    lastModifiedTime: now(),
    lastModifiedBy: by,
    ...(b.description !== undefined ? { description: b.description } : {}),
  };
  let sealed = found.sealed;
  if (b.value !== undefined) {
    const value = checkVariableValue(meta.type, b.value, meta.name);
    if (meta.encrypted) sealed = seal(value);
    else meta.value = value;
  }
  await assetStore.replace('variable', name, meta, sealed, found.etag);
  await audit('variable', meta.name, 'update', by);
  return meta;
}

export async function createCredential(b: z.infer<typeof CreateCredentialBody>, by: string): Promise<Credential> {
  const t = now();
  const meta: Credential = {
    name: b.name,
    description: b.description ?? '',
    userName: b.userName,
    createdTime: t,
    lastModifiedTime: t,
    lastModifiedBy: by,
  };
  if (!(await assetStore.create('credential', b.name, meta, seal({ password: b.password })))) throw exists('credential', b.name);
  await audit('credential', b.name, 'create', by);
  return meta;
}

export async function updateCredential(name: string, b: z.infer<typeof UpdateCredentialBody>, by: string): Promise<Credential> {
  const found = await assetStore.get<Credential>('credential', name);
  if (!found) throw missing('credential', name);
  const meta: Credential = {
    ...found.meta,
    ...(b.userName !== undefined ? { userName: b.userName } : {}),
    ...(b.description !== undefined ? { description: b.description } : {}),
    lastModifiedTime: now(),
    lastModifiedBy: by,
  };
  await assetStore.replace('credential', name, meta, b.password !== undefined ? seal({ password: b.password }) : found.sealed, found.etag);
  await audit('credential', meta.name, 'update', by);
  return meta;
}

function splitFields(
  fields: Record<string, unknown>,
  secret: string[],
): { plain: Record<string, unknown>; hidden: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const hidden: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) (secret.includes(k) ? hidden : plain)[k] = v;
  return { plain, hidden };
}

export async function createConnection(b: z.infer<typeof CreateConnectionBody>, by: string): Promise<Connection> {
  const secretFields = connectionSecretFields(b.connectionType, b.fields, b.secretFields, b.name);
  const { plain, hidden } = splitFields(b.fields, secretFields);
  const t = now();
  const meta: Connection = {
    name: b.name,
    description: b.description ?? '',
    connectionType: b.connectionType,
    fields: plain,
    secretFields,
    createdTime: t,
    lastModifiedTime: t,
    lastModifiedBy: by,
  };
  if (!(await assetStore.create('connection', b.name, meta, seal(hidden)))) throw exists('connection', b.name);
  await audit('connection', b.name, 'create', by);
  return meta;
}

export async function updateConnection(name: string, b: z.infer<typeof UpdateConnectionBody>, by: string): Promise<Connection> {
  const found = await assetStore.get<Connection>('connection', name);
  if (!found) throw missing('connection', name);
  const old = found.meta;
  const hiddenOld = unseal<Record<string, unknown>>(found.sealed);
  const merged = { ...old.fields, ...hiddenOld, ...(b.fields ?? {}) };
  if (CONNECTION_TYPES[old.connectionType]) connectionSecretFields(old.connectionType, merged, undefined, old.name);
  const { plain, hidden } = splitFields(merged, old.secretFields);
  const meta: Connection = {
    ...old,
    fields: plain,
    lastModifiedTime: now(),
    lastModifiedBy: by,
    ...(b.description !== undefined ? { description: b.description } : {}),
  };
  await assetStore.replace('connection', name, meta, seal(hidden), found.etag);
  await audit('connection', meta.name, 'update', by);
  return meta;
}

export async function getAsset<M>(kind: AssetKind, name: string): Promise<M> {
  const found = await assetStore.get<M>(kind, name);
  if (!found) throw missing(kind, name);
  return found.meta;
}

export async function deleteAsset(kind: AssetKind, name: string, by: string): Promise<void> {
  const found = await assetStore.get<{ name: string }>(kind, name);
  if (!found || !(await assetStore.delete(kind, name))) throw missing(kind, name);
  await audit(kind, found.meta.name, 'delete', by);
}
