import { z } from 'zod';
import { NotifyList } from './notification';
import { RunOn } from './runOn';
import { RunbookAssets } from './asset';

/** Runbook names follow Azure Automation; the RealmJoin form `[rjgit-]<scope>_<category>_<name>` fits. */
export const RunbookName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,127}$/, 'must start with a letter and hold only letters, digits, "_" and "-" (at most 128)');

/** The Kompira-style slash path; no dots, so `<path>.execute` is never ambiguous and `..` cannot occur. */
export const RunbookPath = z
  .string()
  .max(512)
  .regex(/^(\/[A-Za-z0-9_-]+)+$/, 'must look like /scope/category/name (letters, digits, "_" and "-" per segment)');

export const ParameterType = z.enum(['string', 'int', 'bool', 'datetime', 'object', 'array']);
export type ParameterType = z.infer<typeof ParameterType>;

export const RunbookParameter = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'parameter names must be identifiers (letters, digits, "_")'),
    type: ParameterType.default('string'),
    mandatory: z.boolean().default(false),
    default: z.unknown().optional(),
    description: z.string().max(1024).optional(),
    secret: z.boolean().default(false),
  })
  // A default must match the type (checkDefinitions refuses one that does not); the document says so.
  .meta({
    allOf: (
      [
        ['string', { type: 'string' }],
        ['int', { type: 'integer' }],
        ['bool', { type: 'boolean' }],
        ['datetime', { type: 'string', description: 'an ISO 8601 date-time' }],
        ['object', { type: 'object' }],
        ['array', { type: 'array' }],
      ] as const
    ).map(([type, value]) => ({
      // A missing type is 'string', so the string case also applies when `type` is absent.
      if: type === 'string' ? { properties: { type: { const: type } } } : { properties: { type: { const: type } }, required: ['type'] },
      then: { properties: { default: value } },
    })),
  });
export type RunbookParameter = z.infer<typeof RunbookParameter>;

export const RunbookType = z.enum(['node', 'bash', 'python3', 'pwsh']);
export type RunbookType = z.infer<typeof RunbookType>;

export const RunbookState = z.enum(['New', 'Edit', 'Published']);
export type RunbookState = z.infer<typeof RunbookState>;

export const MAX_PARAMETERS = 50;
export const MAX_CONTENT_CHARS = 256 * 1024;

/** What a runbook's behaviour depends on; a published version freezes all of it. */
export const RunbookDefinition = z.object({
  type: RunbookType,
  parameters: z.array(RunbookParameter).max(MAX_PARAMETERS).default([]),
  description: z.string().max(4096).default(''),
  maxConcurrency: z.number().int().min(1).max(1000).optional(),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
  retryOnWorkerLoss: z.number().int().min(0).max(10).optional(),
  /** Where its jobs run unless a start says otherwise: 'cloud' (default) or a hybrid worker group. */
  runOn: RunOn.optional(),
  /** PowerShell runbooks: record Write-Verbose messages ($VerbosePreference = 'Continue'), as Azure's "Log verbose records". */
  logVerbose: z.boolean().optional(),
  /** Shared assets the runbook's jobs may read/write (docs/assets.md). */
  assets: RunbookAssets.optional(),
  /** Pass the Function App's managed identity environment to its jobs (docs/assets.md). */
  identity: z.boolean().optional(),
  /** Notification targets told about every job of this runbook (docs/notifications.md). */
  notify: NotifyList.optional(),
});
export type RunbookDefinition = z.infer<typeof RunbookDefinition>;

/** Azure's limits: at most 50 tags, names up to 512 characters, values up to 256. */
export const RunbookTags = z
  .record(z.string().min(1).max(512), z.string().max(256))
  .refine((t) => Object.keys(t).length <= 50, { message: 'at most 50 tags' });

export const Runbook = RunbookDefinition.extend({
  name: RunbookName,
  path: RunbookPath,
  state: RunbookState,
  /** `repository`: the deployment's runbooks/ folder; `git`: a source control (docs/source-control.md); `api`: created through the API. */
  source: z.enum(['repository', 'api', 'git']),
  /** Runbooks from git: the source control, the file inside the repository, and the commit of the published version. */
  sourceControl: z.string().optional(),
  sourceFile: z.string().optional(),
  commit: z.string().optional(),
  /** Published version number (0 = never published). */
  version: z.number().int().nonnegative(),
  createdTime: z.string(),
  lastModifiedTime: z.string(),
  publishedTime: z.string().optional(),
  /** The draft, when one is being edited (API runbooks only). */
  draft: RunbookDefinition.optional(),
  /** Azure resource tags, kept for the Azure Automation API's clients (Terraform, Az); nothing acts on them. */
  tags: RunbookTags.optional(),
});
export type Runbook = z.infer<typeof Runbook>;

/**
 * A runbook can run once it has a published version, even while a newer draft is being edited
 * (state Edit), as in Azure Automation.
 */
export const isPublished = (r: Runbook): boolean => r.version > 0;

/** A frozen, runnable version of a runbook: what a queued job points at. */
export interface RunbookVersion {
  name: string;
  version: number;
  definition: RunbookDefinition;
  content: string;
  /** Repository runbooks run from their file, API runbooks from their stored content. */
  file?: string;
  /** Runbooks from git: the commit this version was published from. */
  commit?: string;
}

export const CreateRunbookBody = RunbookDefinition.extend({
  name: RunbookName,
  content: z.string().min(1).max(MAX_CONTENT_CHARS),
  path: RunbookPath.optional(),
}).strict();

/**
 * A new draft: the content, and any definition fields to change. Fields left out keep their value
 * (the definition's defaults must not apply here: a draft saved without `parameters` would lose them).
 */
export const UpdateDraftBody = RunbookDefinition.partial()
  .extend({
    parameters: z.array(RunbookParameter).max(MAX_PARAMETERS).optional(),
    description: z.string().max(4096).optional(),
    content: z.string().min(1).max(MAX_CONTENT_CHARS),
  })
  .strict();

/** Default slash path for a name: `a_b_c` → `/a/b/c` (a leading `xxx-` prefix such as `rjgit-` is dropped). */
export function defaultPathFor(name: string): string {
  const bare = name.replace(/^[A-Za-z0-9]+-(?=[a-z]+_)/, '');
  const parts = bare.split('_').filter(Boolean);
  return '/' + (parts.length > 1 ? parts : ['api', bare]).join('/');
}
