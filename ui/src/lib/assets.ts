import { ApiError } from './apiError';

/** What the assets pages share besides their components: the kinds, typed values, secret checks, declarations. */

/** A runbook's declaration of the assets its jobs may use (its manifest's `assets`). */
export interface RunbookAssets {
  variables: string[];
  credentials: string[];
  connections: string[];
  writeVariables: string[];
  env: Record<string, string>;
}
/** What of a runbook says which assets it declares. */
export interface DeclaringRunbook {
  name: string;
  version: number;
  assets?: RunbookAssets;
  draft?: { assets?: RunbookAssets };
}

export type AssetKind = 'variable' | 'credential' | 'connection';
export const KINDS = {
  variables: { kind: 'variable', title: 'Variables', one: 'variable' },
  credentials: { kind: 'credential', title: 'Credentials', one: 'credential' },
  connections: { kind: 'connection', title: 'Connections', one: 'connection' },
} as const;
export type KindPath = keyof typeof KINDS;

interface Meta {
  name: string;
  description: string;
  createdTime: string;
  lastModifiedTime: string;
  lastModifiedBy: string;
}
export type VariableType = 'string' | 'int' | 'bool' | 'datetime' | 'object';
export interface Variable extends Meta {
  type: VariableType;
  encrypted: boolean;
  value?: unknown;
}
export interface Credential extends Meta {
  userName: string;
}
export interface Connection extends Meta {
  connectionType: string;
  fields: Record<string, unknown>;
  secretFields: string[];
}
export type Asset = Variable | Credential | Connection;
export interface AuditRow {
  time: string;
  kind: AssetKind;
  name: string;
  action: 'read' | 'write' | 'create' | 'update' | 'delete';
  by: string;
  jobId?: string;
  runbook?: string;
}

/** The API's connection types (shared/model/asset.ts CONNECTION_TYPES); any other name takes any fields. */
export const CONNECTION_TYPES: Record<string, { fields: string[]; secret: string[]; required: string[] }> = {
  EntraApp: {
    fields: ['TenantId', 'ClientId', 'ClientSecret'],
    secret: ['ClientSecret'],
    required: ['TenantId', 'ClientId', 'ClientSecret'],
  },
  AzureServicePrincipal: {
    fields: ['ApplicationId', 'TenantId', 'CertificateThumbprint', 'SubscriptionId'],
    secret: [],
    required: ['ApplicationId', 'TenantId', 'CertificateThumbprint', 'SubscriptionId'],
  },
  BasicAuth: { fields: ['Url', 'UserName', 'Password'], secret: ['Password'], required: ['UserName', 'Password'] },
};

const refused = (detail: string) => new ApiError(0, 'Not sent', detail);

/** A plain value as the text in its input. */
export const valueText = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 2);

/**
 * The text of a value field as the API takes it for `type`. What cannot be parsed here is sent as
 * it is, so the API answers with its own sentence; only JSON, which a string would satisfy, is
 * checked first (with the API's wording).
 */
export function variableValue(type: VariableType, text: string, name: string): unknown {
  switch (type) {
    case 'int':
      return /^[+-]?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'object':
      try {
        return JSON.parse(text);
      } catch {
        throw refused(`variable '${name}' is of type object: the value must be JSON.`);
      }
    default:
      return text;
  }
}

/** A secret typed twice; the two must match. Its value lives in the parent's state until submit. */
export interface SecretEntry {
  value: string;
  repeat: string;
}
export const NO_SECRET: SecretEntry = { value: '', repeat: '' };

export function checkSecret(label: string, s: SecretEntry, required: boolean): string | undefined {
  if (s.value !== s.repeat) throw refused(`The two entries of ${label} differ; type it again.`);
  if (required && !s.value) throw refused(`${label} is required.`);
  return s.value || undefined;
}

/** How a runbook's manifest declares one asset: read, write, env variables (empty: not at all). */
export function declaredUses(a: RunbookAssets | undefined, kind: AssetKind, name: string): string[] {
  if (!a) return [];
  const same = (n: string) => n.toLowerCase() === name.toLowerCase();
  const out: string[] = [];
  const reads = kind === 'variable' ? a.variables : kind === 'credential' ? a.credentials : a.connections;
  if (reads?.some(same)) out.push('reads');
  if (kind === 'variable' && a.writeVariables?.some(same)) out.push('writes');
  for (const [env, ref] of Object.entries(a.env ?? {})) {
    const [k, n, field] = ref.split('/');
    if (k === kind && n && same(n)) out.push(`env ${env}${field ? ` (${field})` : ''}`);
  }
  return out;
}

/** The runbooks declaring an asset: in their published version, or only in a draft. */
export function declaredBy(
  runbooks: DeclaringRunbook[],
  kind: AssetKind,
  name: string,
): { runbook: string; uses: string[]; draftOnly: boolean }[] {
  const out: { runbook: string; uses: string[]; draftOnly: boolean }[] = [];
  for (const r of runbooks) {
    const published = r.version > 0 ? declaredUses(r.assets, kind, name) : [];
    const draft = declaredUses(r.draft?.assets, kind, name);
    if (published.length) out.push({ runbook: r.name, uses: published, draftOnly: false });
    else if (draft.length) out.push({ runbook: r.name, uses: draft, draftOnly: true });
  }
  return out;
}

export const assetPath = (kind: KindPath, name?: string) =>
  `/api/v1/assets/${kind}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}`;
