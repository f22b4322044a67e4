import { z } from 'zod';

/** Source controls: runbooks synced from a folder of a git repository (docs/source-control.md). */
export const SourceControlName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must start with a letter and hold only letters, digits, "_" and "-" (at most 64)');

const RepoUrl = z
  .string()
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.search && !url.hash;
    } catch {
      return false;
    }
  }, 'must be an https:// URL without a user name, password, query or fragment (the token goes in the credential asset)');

/** A folder inside the repository: plain segments, never `..` (nothing outside it is read). */
const Folder = z
  .string()
  .max(512)
  .transform((f) => f.replace(/^\/+|\/+$/g, ''))
  .refine(
    (f) => f === '' || f.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !/[\\\0]/.test(s)),
    'must be a plain folder path inside the repository (no "..", "." or empty segments); empty for the root',
  );

const Branch = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!\/|.*\/\/|.*\.\.|.*\/$|.*\.lock$)[A-Za-z0-9._/-]+$/, 'must be a branch name such as main or release/2026');

export const SourceControlFields = z.object({
  repoUrl: RepoUrl.describe('https URL of the repository (GitHub, Azure DevOps, GitLab, Gitea, any smart-HTTP git server)'),
  branch: Branch.default('main'),
  folder: Folder.default('').describe('the folder holding <scope>/<category>/<name>.<ext>; empty for the root'),
  credential: z.string().min(1).max(128).optional().describe('credential asset: user name and the access token as its password'),
  runbookPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,32}$/)
    .optional()
    .describe('name prefix of its runbooks (default HOOKBOOK_RUNBOOK_PREFIX, rjgit-)'),
  unpublishOnDelete: z.boolean().default(false).describe('a removed file deletes its runbook (else the runbook keeps its last version)'),
  syncOnSchedule: z.boolean().default(true).describe('sync on the HOOKBOOK_SOURCE_SYNC_CRON timer'),
  description: z.string().max(1024).default(''),
});

export const CreateSourceControlBody = SourceControlFields.extend({
  name: SourceControlName,
  pushSecret: z.string().min(16).max(256).optional().describe('the secret push events are signed with (default: generated, shown once)'),
}).strict();

export const UpdateSourceControlBody = z
  .object({
    repoUrl: RepoUrl,
    branch: Branch,
    folder: Folder,
    credential: z.string().min(1).max(128).nullable(),
    runbookPrefix: z.string().regex(/^[A-Za-z0-9_-]{0,32}$/),
    unpublishOnDelete: z.boolean(),
    syncOnSchedule: z.boolean(),
    description: z.string().max(1024),
  })
  .partial()
  .strict();

export const SyncStatus = z.enum(['Queued', 'Running', 'Succeeded', 'Failed']);
export type SyncStatus = z.infer<typeof SyncStatus>;

export const SyncSummary = z.object({ runId: z.string(), status: SyncStatus, commit: z.string().optional(), time: z.string() });

export const SourceControl = z.object({
  name: SourceControlName,
  repoUrl: z.string(),
  branch: z.string(),
  folder: z.string(),
  credential: z.string().optional(),
  runbookPrefix: z.string(),
  unpublishOnDelete: z.boolean(),
  syncOnSchedule: z.boolean(),
  description: z.string(),
  createdTime: z.string(),
  lastModifiedTime: z.string(),
  /** The commit of the last sync that succeeded (not a dry run). */
  syncedCommit: z.string().optional(),
  lastSync: SyncSummary.optional(),
});
export type SourceControl = z.infer<typeof SourceControl>;

export const CreatedSourceControl = SourceControl.extend({
  pushSecret: z.string().describe('shown once: configure it on the push webhook'),
  pushUrl: z.string().describe('where the git host sends push events'),
});

export const SyncTrigger = z.enum(['manual', 'schedule', 'push']);

export const SyncItem = z.object({ runbook: z.string(), file: z.string(), version: z.number().int().optional() });
export const SkippedFile = z.object({ path: z.string(), reason: z.string() });

/** One sync: what it fetched, what it changed (or would change: dryRun), and what it skipped and why. */
export const SyncRun = z.object({
  runId: z.string(),
  sourceControl: z.string(),
  trigger: SyncTrigger,
  dryRun: z.boolean(),
  status: SyncStatus,
  statusDetails: z.string().optional(),
  /** The commit synced (the branch head when the sync fetched). */
  commit: z.string().optional(),
  previousCommit: z.string().optional(),
  added: z.array(SyncItem),
  updated: z.array(SyncItem),
  unpublished: z.array(SyncItem),
  unchanged: z.number().int(),
  skipped: z.array(SkippedFile),
  error: z.string().optional(),
  requestedBy: z.string(),
  createdTime: z.string(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
});
export type SyncRun = z.infer<typeof SyncRun>;

export const SyncMessage = z.object({ sourceControl: z.string(), runId: z.string() });
export type SyncMessage = z.infer<typeof SyncMessage>;

export const ProposeBody = z
  .object({
    branch: z
      .string()
      .regex(/^[A-Za-z0-9._/-]{1,200}$/)
      .optional()
      .describe('the new branch (default hookbook/<runbook>-<time>)'),
    message: z.string().min(1).max(4096).optional(),
  })
  .strict();

export const Proposal = z.object({
  sourceControl: z.string(),
  branch: z.string(),
  commit: z.string(),
  parent: z.string(),
  file: z.string(),
});
