import { z } from 'zod';

/**
 * Shared assets, as in Azure Automation: variables (plain or encrypted), credentials (user name +
 * password, always encrypted) and connections (typed fields; the secret ones encrypted). Secret
 * values never appear in these shapes: the management API returns metadata only, and only a running
 * job (with its job token) reads a secret.
 */

/**
 * Asset names (docs/assets.md): letters of any script (`Müller`), digits, " ", ".", "_", "-"; they may
 * start with "_" or "." (`_Internal`, `.hidden`) but not with "-" or " ", nor end with " ", and are
 * not "." or ".." (a path segment). No "/" so that `kind/name/field` references stay unambiguous, and
 * nothing a Table row key refuses.
 */
export const AssetName = z
  .string()
  .regex(
    /^(?!\.{1,2}$)[\p{L}\p{N}_.](?:[\p{L}\p{N} ._-]{0,126}[\p{L}\p{N}_.-])?$/u,
    'must hold only letters, digits, " ", ".", "_" and "-", start with a letter, digit, "_" or ".", not end with a space, and be at most 128 characters (not "." or "..")',
  );

export const AssetKind = z.enum(['variable', 'credential', 'connection']);
export type AssetKind = z.infer<typeof AssetKind>;

export const VariableType = z.enum(['string', 'int', 'bool', 'datetime', 'object']);
export type VariableType = z.infer<typeof VariableType>;

const Meta = {
  name: AssetName,
  description: z.string().max(1024).default(''),
  createdTime: z.string(),
  lastModifiedTime: z.string(),
  /** Who made the last change: an API key id, an Entra principal, or `job:<jobId>`. */
  lastModifiedBy: z.string(),
};

export const Variable = z.object({
  ...Meta,
  type: VariableType,
  encrypted: z.boolean(),
  /** Plain variables only; an encrypted variable's value is never returned. */
  value: z.unknown().optional(),
});
export type Variable = z.infer<typeof Variable>;

export const Credential = z.object({ ...Meta, userName: z.string() });
export type Credential = z.infer<typeof Credential>;

export const Connection = z.object({
  ...Meta,
  connectionType: z.string(),
  /** The non-secret fields with their values. */
  fields: z.record(z.string(), z.unknown()),
  /** Names of the secret fields (their values are never returned). */
  secretFields: z.array(z.string()),
});
export type Connection = z.infer<typeof Connection>;

/**
 * Known connection types and their fields (Azure Automation's built-in types plus an Entra app with
 * a client secret). `Custom` takes any fields; its body names the secret ones.
 */
export const CONNECTION_TYPES: Record<string, { fields: string[]; secret: string[]; required: string[] }> = {
  AzureServicePrincipal: {
    fields: ['ApplicationId', 'TenantId', 'CertificateThumbprint', 'SubscriptionId'],
    secret: [],
    required: ['ApplicationId', 'TenantId', 'CertificateThumbprint', 'SubscriptionId'],
  },
  EntraApp: {
    fields: ['TenantId', 'ClientId', 'ClientSecret'],
    secret: ['ClientSecret'],
    required: ['TenantId', 'ClientId', 'ClientSecret'],
  },
  BasicAuth: { fields: ['Url', 'UserName', 'Password'], secret: ['Password'], required: ['UserName', 'Password'] },
};

/**
 * The one limit on an asset's value (docs/assets.md): a variable's value (as JSON for an object), a
 * password, a connection's fields together, each at most this many characters; longer is 400 with
 * TOO_LONG. Every accepted value is stored (shared/store/assetStore.ts splits long rows).
 */
export const MAX_VALUE_CHARS = 32 * 1024;
export const TOO_LONG = `is longer than ${MAX_VALUE_CHARS} characters, the limit of an asset's value`;
const FieldName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'field names must be identifiers (letters, digits, "_")');
const FieldValue = z.union([z.string().max(MAX_VALUE_CHARS, TOO_LONG), z.number(), z.boolean()]);
const fieldsLength = (f: Record<string, unknown>) => Object.values(f).reduce<number>((n, v) => n + String(v).length, 0);
const Fields = z
  .record(FieldName, FieldValue)
  .refine((f) => Object.keys(f).length <= 32, 'at most 32 fields')
  .refine((f) => fieldsLength(f) <= MAX_VALUE_CHARS, `together ${TOO_LONG}`);

export const CreateVariableBody = z
  .object({
    name: AssetName,
    type: VariableType.default('string'),
    encrypted: z.boolean().default(false),
    value: z.unknown(),
    description: z.string().max(1024).optional(),
  })
  .strict();
export const UpdateVariableBody = z.object({ value: z.unknown().optional(), description: z.string().max(1024).optional() }).strict();

export const CreateCredentialBody = z
  .object({
    name: AssetName,
    userName: z.string().min(1).max(1024),
    password: z.string().min(1).max(MAX_VALUE_CHARS, TOO_LONG),
    description: z.string().max(1024).optional(),
  })
  .strict();
export const UpdateCredentialBody = z
  .object({
    userName: z.string().min(1).max(1024).optional(),
    password: z.string().min(1).max(MAX_VALUE_CHARS, TOO_LONG).optional(),
    description: z.string().max(1024).optional(),
  })
  .strict();

export const CreateConnectionBody = z
  .object({
    name: AssetName,
    connectionType: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an identifier'),
    fields: Fields,
    /** For `Custom` (or any type not listed): which fields are secret. */
    secretFields: z.array(FieldName).max(32).optional(),
    description: z.string().max(1024).optional(),
  })
  .strict();
/** Fields given replace those stored one by one; a secret field left out keeps its value. */
export const UpdateConnectionBody = z.object({ fields: Fields.optional(), description: z.string().max(1024).optional() }).strict();

/** One audit row: a job read or wrote an asset, or someone changed it. */
export const AssetAudit = z.object({
  time: z.string(),
  kind: AssetKind,
  name: z.string(),
  action: z.enum(['read', 'write', 'create', 'update', 'delete']),
  /** Who: an API key id / principal, or `job:<jobId>`. */
  by: z.string(),
  jobId: z.string().optional(),
  runbook: z.string().optional(),
});
export type AssetAudit = z.infer<typeof AssetAudit>;

/**
 * What a runbook may touch, declared in its manifest (`assets`): names it may read per kind, the
 * variables it may write, environment variables filled from assets at start, and whether it gets
 * the Function App's managed identity (`identity`, a separate manifest field).
 */
/** Names an asset must not be injected as: the runner's own and those a shell or interpreter acts on. */
const ENV_RESERVED =
  /^(PATH|HOME|SHELL|IFS|ENV|BASH_ENV|BASH_FUNC.*|CDPATH|PS[0-9]|LD_.*|PYTHON.*|NODE_.*|HOOKBOOK_.*|TMPDIR|LANG|LC_.*|PSModulePath|IDENTITY_.*|MSI_.*)$/i;
const AssetRef = z
  .string()
  .regex(
    /^(variable\/[^/]+|credential\/[^/]+\/(userName|password)|connection\/[^/]+\/[A-Za-z_][A-Za-z0-9_]*)$/,
    "must be 'variable/<name>', 'credential/<name>/userName|password' or 'connection/<name>/<field>'",
  );
export const RunbookAssets = z
  .object({
    variables: z.array(AssetName).max(100).default([]),
    credentials: z.array(AssetName).max(100).default([]),
    connections: z.array(AssetName).max(100).default([]),
    writeVariables: z.array(AssetName).max(100).default([]),
    env: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'environment variable names must be identifiers')
          .refine(
            (n) => !ENV_RESERVED.test(n),
            'this name is one the shell, an interpreter or Hookbook acts on (PATH, LD_*, PYTHON*, NODE_*, HOOKBOOK_*, IDENTITY_*, ...)',
          ),
        AssetRef,
      )
      .default({}),
  })
  .strict();
export type RunbookAssets = z.infer<typeof RunbookAssets>;

/** Parse `kind/name[/field]`. */
export function parseAssetRef(ref: string): { kind: AssetKind; name: string; field?: string } {
  const [kind, name, field] = ref.split('/');
  return { kind: kind as AssetKind, name: name!, field };
}

/** Does the declaration let a job read (or write) this asset? Names compare without regard to case, as in Azure. */
export function mayRead(a: RunbookAssets | undefined, kind: AssetKind, name: string): boolean {
  if (!a) return false;
  const list = kind === 'variable' ? [...a.variables, ...a.writeVariables] : kind === 'credential' ? a.credentials : a.connections;
  return list.some((n) => n.toLowerCase() === name.toLowerCase());
}
export function mayWrite(a: RunbookAssets | undefined, name: string): boolean {
  return !!a && a.writeVariables.some((n) => n.toLowerCase() === name.toLowerCase());
}
