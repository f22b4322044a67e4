import { forbidden } from '../http/errors';
import { mayRead, mayWrite, type AssetKind, type Connection, type Credential, type RunbookAssets, type Variable } from '../model/asset';
import { assetAuditStore, assetStore } from '../store/assetStore';
import type { JobScope } from './jobToken';
import { missing, unseal, updateVariable } from './manage';

/**
 * What a running job reads and writes: the asset with its secret unsealed, for a job whose runbook
 * declares it. Every read of an encrypted value is audited (job id, asset, time).
 */
const FIELD: Record<AssetKind, string> = { variable: 'variables', credential: 'credentials', connection: 'connections' };

function checkDeclared(scope: JobScope, kind: AssetKind, name: string): void {
  if (!mayRead(scope.assets, kind, name)) {
    throw forbidden(
      `Runbook '${scope.runbook}' does not declare ${kind} '${name}' in its manifest (assets.${FIELD[kind]}); a job reads only the assets its runbook declares.`,
    );
  }
}

async function audited(scope: JobScope, kind: AssetKind, name: string, action: 'read' | 'write'): Promise<void> {
  await assetAuditStore.add({
    time: new Date().toISOString(),
    kind,
    name,
    action,
    by: `job:${scope.jobId}`,
    jobId: scope.jobId,
    runbook: scope.runbook,
  });
}

export interface VariableValue {
  name: string;
  type: Variable['type'];
  encrypted: boolean;
  value: unknown;
}
export async function readVariable(scope: JobScope, name: string): Promise<VariableValue> {
  checkDeclared(scope, 'variable', name);
  const found = await assetStore.get<Variable>('variable', name);
  if (!found) throw missing('variable', name);
  const v = found.meta;
  if (!v.encrypted) return { name: v.name, type: v.type, encrypted: false, value: v.value };
  const value = unseal<unknown>(found.sealed);
  await audited(scope, 'variable', v.name, 'read');
  return { name: v.name, type: v.type, encrypted: true, value };
}

export async function writeVariable(scope: JobScope, name: string, value: unknown): Promise<{ name: string; encrypted: boolean }> {
  if (!mayWrite(scope.assets, name)) {
    throw forbidden(`Runbook '${scope.runbook}' does not declare variable '${name}' as writable in its manifest (assets.writeVariables).`);
  }
  const v = await updateVariable(name, { value }, `job:${scope.jobId}`);
  await audited(scope, 'variable', v.name, 'write');
  return { name: v.name, encrypted: v.encrypted };
}

export interface CredentialValue {
  name: string;
  userName: string;
  password: string;
}
export async function readCredential(scope: JobScope, name: string): Promise<CredentialValue> {
  checkDeclared(scope, 'credential', name);
  const found = await assetStore.get<Credential>('credential', name);
  if (!found) throw missing('credential', name);
  const { password } = unseal<{ password: string }>(found.sealed);
  await audited(scope, 'credential', found.meta.name, 'read');
  return { name: found.meta.name, userName: found.meta.userName, password };
}

export interface ConnectionValue {
  name: string;
  connectionType: string;
  fields: Record<string, unknown>;
  secretFields: string[];
}
export async function readConnection(scope: JobScope, name: string): Promise<ConnectionValue> {
  checkDeclared(scope, 'connection', name);
  const found = await assetStore.get<Connection>('connection', name);
  if (!found) throw missing('connection', name);
  const c = found.meta;
  const hidden = unseal<Record<string, unknown>>(found.sealed);
  if (c.secretFields.length) await audited(scope, 'connection', c.name, 'read');
  return { name: c.name, connectionType: c.connectionType, fields: { ...c.fields, ...hidden }, secretFields: c.secretFields };
}

/**
 * Every secret value among the declared assets, for the worker's output masker. These reads are
 * not audited as job reads: the worker decrypts them to hide them, the job does not receive them.
 * An asset that does not exist (yet) is skipped; reading it later fails for the job anyway.
 */
export async function declaredSecrets(declared: RunbookAssets | undefined): Promise<string[]> {
  if (!declared) return [];
  const out: string[] = [];
  const variables = [...new Set([...declared.variables, ...declared.writeVariables].map((n) => n.toLowerCase()))];
  await Promise.all([
    ...variables.map(async (n) => {
      const f = await assetStore.get<Variable>('variable', n);
      if (f?.meta.encrypted) out.push(asText(unseal<unknown>(f.sealed)));
    }),
    ...declared.credentials.map(async (n) => {
      const f = await assetStore.get<Credential>('credential', n);
      if (f) out.push(unseal<{ password: string }>(f.sealed).password);
    }),
    ...declared.connections.map(async (n) => {
      const f = await assetStore.get<Connection>('connection', n);
      if (f) for (const v of Object.values(unseal<Record<string, unknown>>(f.sealed))) out.push(asText(v));
    }),
  ]);
  return out;
}

/** How a value reaches a script as text (environment, `hookbook-asset get`): strings as they are, the rest as JSON. */
export const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
