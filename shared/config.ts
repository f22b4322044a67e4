import { z } from 'zod';

/**
 * App settings → typed configuration. Every setting Hookbook reads is listed here, so that the
 * README's configuration table and this schema can be compared line by line.
 */
const intSetting = (fallback: number) =>
  z.preprocess((v) => (v === undefined || v === '' ? fallback : Number(v)), z.number().int().nonnegative());

const settingsSchema = z.object({
  storageConnection: z.string().optional(),
  storageAccountName: z.string().optional(),
  publicUrl: z.string().default('http://localhost:7071'),
  runbookPrefix: z.string().default('rjgit-'),
  runbooksDir: z.string().default('runbooks'),
  runWaitSeconds: intSetting(220),
  leaseSeconds: intSetting(60),
  defaultTimeoutSeconds: intSetting(3 * 60 * 60),
  retentionDays: intSetting(30),
  streamCapBytes: intSetting(1024 * 1024),
  stopGraceSeconds: intSetting(10),
  bootstrapKey: z.string().optional(),
  encryptionKey: z.string().optional(),
  tablePrefix: z.string().default(''),
  /** Seconds a job over its runbook's maxConcurrency waits (still Queued) before it asks for a slot again. */
  concurrencyRetrySeconds: intSetting(5),
  /** Seconds a Queued job may wait after its message was sent before the sweeper queues it again. */
  orphanSeconds: intSetting(300),
  /** Jobs the retention cleaner deletes per run. */
  retentionBatch: intSetting(500),
  /** The URL a job calls for its assets (HOOKBOOK_URL in the job); default: publicUrl. */
  jobApiUrl: z.string().optional(),
  /** Extra variables a runbook with `identity: true` receives (a developer's credential locally). */
  identityPassEnv: z.array(z.string()).default([]),
  /** Account whose group jobs run with when the worker is root (docs/security.md). */
  jobUser: z.string().default('hookbook-job'),
  /** uid range, one uid per running job (`<first>-<last>`, or `off`). */
  jobUids: z.string().optional(),
  /** Failed authentications per client IP (and per IP and key id) a minute before 429. */
  authFailureLimit: intSetting(10),
});

export type Settings = z.infer<typeof settingsSchema>;

let cached: Settings | undefined;

export function settings(): Settings {
  if (cached) return cached;
  const env = process.env;
  cached = settingsSchema.parse({
    storageConnection: env.AzureWebJobsStorage || undefined,
    storageAccountName: env.AzureWebJobsStorage__accountName || undefined,
    publicUrl: (env.HOOKBOOK_PUBLIC_URL || undefined)?.replace(/\/+$/, ''),
    runbookPrefix: env.HOOKBOOK_RUNBOOK_PREFIX ?? undefined,
    runbooksDir: env.HOOKBOOK_RUNBOOKS_DIR || undefined,
    runWaitSeconds: env.HOOKBOOK_RUN_WAIT_SECONDS,
    leaseSeconds: env.HOOKBOOK_LEASE_SECONDS,
    defaultTimeoutSeconds: env.HOOKBOOK_DEFAULT_TIMEOUT_SECONDS,
    retentionDays: env.HOOKBOOK_RETENTION_DAYS,
    streamCapBytes: env.HOOKBOOK_STREAM_CAP_BYTES,
    stopGraceSeconds: env.HOOKBOOK_STOP_GRACE_SECONDS,
    bootstrapKey: env.HOOKBOOK_BOOTSTRAP_KEY || undefined,
    encryptionKey: env.HOOKBOOK_ENCRYPTION_KEY || undefined,
    tablePrefix: env.HOOKBOOK_TABLE_PREFIX || undefined,
    concurrencyRetrySeconds: env.HOOKBOOK_CONCURRENCY_RETRY_SECONDS,
    orphanSeconds: env.HOOKBOOK_ORPHAN_SECONDS,
    retentionBatch: env.HOOKBOOK_RETENTION_BATCH,
    jobApiUrl: (env.HOOKBOOK_JOB_API_URL || undefined)?.replace(/\/+$/, ''),
    identityPassEnv: (env.HOOKBOOK_IDENTITY_PASS_ENV ?? '').split(',').map((n) => n.trim()).filter(Boolean),
    jobUser: env.HOOKBOOK_JOB_USER || undefined,
    jobUids: env.HOOKBOOK_JOB_UIDS || undefined,
    authFailureLimit: env.HOOKBOOK_AUTH_FAILURE_LIMIT,
  });
  return cached;
}

/** For tests of pure logic that change the environment. */
export function resetSettings(): void {
  cached = undefined;
}
