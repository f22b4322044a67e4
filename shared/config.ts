import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * Every app setting Hookbook reads, one line each: the environment variable, its type with its
 * default, and the sentence the README's configuration table says about it
 * (test/unit/config.test.ts holds the three against each other and against infra/main.bicep).
 * Adding a setting is one line in SETTINGS. Nothing else reads process.env for a setting; the
 * local host's own plumbing (PORT, HOOKBOOK_STORAGE, ... in local/) is not an app setting.
 */

type Env = Record<string, string | undefined>;

/** An empty value counts as unset (app settings cannot always be removed, only emptied). */
const unset = (v: unknown) => (v === '' ? undefined : v);
const int = (fallback: number) => z.preprocess((v) => (v === undefined || v === '' ? fallback : Number(v)), z.number().int().nonnegative());
const intIn = (fallback: number, min: number, max: number) =>
  z.preprocess((v) => (v === undefined || v === '' ? fallback : Number(v)), z.number().int().min(min).max(max));
const text = (fallback: string) => z.preprocess(unset, z.string().trim().default(fallback));
const optionalText = () => z.preprocess(unset, z.string().trim().optional());
const flag = (fallback: boolean) =>
  z.preprocess((v) => (v === undefined || v === '' ? fallback : !/^(false|0|no|off)$/i.test(String(v).trim())), z.boolean());
const list = () =>
  z.preprocess(
    (v) =>
      String(v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    z.array(z.string()),
  );

const setting = <T extends z.ZodType>(env: string, type: T, doc: string) => ({ env, type, doc });

export const SETTINGS = {
  storageConnection: setting('AzureWebJobsStorage', optionalText(), 'storage connection string (Azurite locally)'),
  storageAccountName: setting('AzureWebJobsStorage__accountName', optionalText(), 'storage account for managed identity (in Azure)'),
  publicUrl: setting(
    'HOOKBOOK_PUBLIC_URL',
    z.preprocess(
      unset,
      z
        .string()
        .trim()
        .default('http://localhost:7071')
        .transform((u) => u.replace(/\/+$/, '')),
    ),
    'base URL shown in webhook URIs and links',
  ),
  bootstrapKey: setting('HOOKBOOK_BOOTSTRAP_KEY', optionalText(), '`<keyId>:<secret>`: ensures an admin API key at start'),
  encryptionKey: setting('HOOKBOOK_ENCRYPTION_KEY', optionalText(), 'key for secret parameters and signing secrets at rest'),
  runbooksDir: setting('HOOKBOOK_RUNBOOKS_DIR', text('runbooks'), 'repository runbooks'),
  // An empty prefix is a valid choice here, so empty is not "unset".
  runbookPrefix: setting('HOOKBOOK_RUNBOOK_PREFIX', z.string().default('rjgit-'), 'name prefix of repository runbooks'),
  tablePrefix: setting('HOOKBOOK_TABLE_PREFIX', text(''), 'prefix of every table name (several services in one storage account)'),
  runWaitSeconds: setting('HOOKBOOK_RUN_WAIT_SECONDS', int(220), 'how long RealmJoin `run` waits before answering 202'),
  runHereMax: setting(
    'HOOKBOOK_RUN_HERE_MAX',
    int(16),
    'RealmJoin `run` jobs an instance runs itself at once (more go through the queue; 0: all do)',
  ),
  defaultTimeoutSeconds: setting(
    'HOOKBOOK_DEFAULT_TIMEOUT_SECONDS',
    int(3 * 60 * 60),
    'job time limit unless the runbook sets `timeoutSeconds`',
  ),
  leaseSeconds: setting('HOOKBOOK_LEASE_SECONDS', int(60), 'heartbeat lease of a running job'),
  orphanSeconds: setting(
    'HOOKBOOK_ORPHAN_SECONDS',
    int(300),
    'a `Queued` job whose message was sent this long ago is queued again, unless its queue still holds older messages',
  ),
  jobQueues: setting(
    'HOOKBOOK_JOB_QUEUES',
    intIn(1, 1, 16),
    "cloud job queues (1–16): `jobs`, `jobs-1`, …, a job's chosen by a hash of its id; each has its own worker function",
  ),
  sweepDays: setting('HOOKBOOK_SWEEP_DAYS', int(7), 'the sweeper looks at jobs created this many days back'),
  stopGraceSeconds: setting('HOOKBOOK_STOP_GRACE_SECONDS', int(10), 'SIGTERM → SIGKILL grace when stopping a job'),
  concurrencyRetrySeconds: setting('HOOKBOOK_CONCURRENCY_RETRY_SECONDS', int(5), 'how soon a job over `maxConcurrency` asks again'),
  streamCapBytes: setting('HOOKBOOK_STREAM_CAP_BYTES', int(1024 * 1024), 'stream text kept per job'),
  retentionDays: setting('HOOKBOOK_RETENTION_DAYS', int(30), 'finished jobs older than this are deleted'),
  retentionBatch: setting(
    'HOOKBOOK_RETENTION_BATCH',
    int(500),
    'jobs deleted per round of a retention run (a run repeats rounds until none is due)',
  ),
  retentionMaxJobs: setting(
    'HOOKBOOK_RETENTION_MAX_JOBS',
    int(0),
    'keep at most this many jobs: older finished ones are deleted (0: no count limit)',
  ),
  workerPollSeconds: setting(
    'HOOKBOOK_WORKER_POLL_SECONDS',
    int(20),
    "longest a hybrid worker's poll is held open when its group has no job",
  ),
  workerStaleSeconds: setting('HOOKBOOK_WORKER_STALE_SECONDS', int(60), 'a hybrid worker not heard from this long is not live'),
  sweeperCron: setting('HOOKBOOK_SWEEPER_CRON', text('15 * * * * *'), 'NCRONTAB of the sweeper that recovers lost jobs'),
  retentionCron: setting('HOOKBOOK_RETENTION_CRON', text('0 17 * * * *'), 'NCRONTAB of the retention cleaner'),
  schedulerCron: setting('HOOKBOOK_SCHEDULER_CRON', text('0 * * * * *'), 'NCRONTAB of the schedule runner'),
  schedulerCatchup: setting('HOOKBOOK_SCHEDULER_CATCHUP', text('10/24h'), 'missed schedule occurrences a late scheduler tick still starts'),
  followMaxSeconds: setting('HOOKBOOK_FOLLOW_MAX_SECONDS', int(200), 'a live-output stream closes after this long'),
  kompiraBase: setting('HOOKBOOK_KOMPIRA_BASE', text('/kompira'), 'where the Kompira dialect is mounted (`/` for the site root)'),
  passEnv: setting('HOOKBOOK_PASS_ENV', list(), 'comma-separated environment variables passed on to runbooks'),
  webhookCacheSeconds: setting('HOOKBOOK_WEBHOOK_CACHE_SECONDS', int(2), 'how long an instance trusts a webhook it has read'),
  instanceId: setting(
    'HOOKBOOK_INSTANCE_ID',
    z.preprocess(
      unset,
      z
        .string()
        .trim()
        .default(() => `${hostname()}:${process.pid}`),
    ),
    'this worker instance as recorded on the jobs it runs',
  ),
  logTransitions: setting('HOOKBOOK_LOG_TRANSITIONS', flag(true), '`false` turns the `job.transition` log lines off'),
  entraTenantId: setting('HOOKBOOK_ENTRA_TENANT_ID', optionalText(), 'Entra ID tenant of bearer tokens for the APIs'),
  entraAudience: setting('HOOKBOOK_ENTRA_AUDIENCE', optionalText(), 'the audience those tokens must carry'),
  entraJwksUri: setting('HOOKBOOK_ENTRA_JWKS_URI', optionalText(), "the tenant's signing keys when not the default"),
  entraIssuer: setting('HOOKBOOK_ENTRA_ISSUER', optionalText(), 'the accepted issuer when not the default'),
  entraRoleMap: setting(
    'HOOKBOOK_ENTRA_ROLE_MAP',
    text('Hookbook.Admin=admin,Hookbook.Operator=operator,Hookbook.Reader=reader'),
    'app roles → Hookbook roles',
  ),
  entraAllowedAppIds: setting('HOOKBOOK_ENTRA_ALLOWED_APP_IDS', list(), 'only tokens of these client app ids'),
  entraAuthorityHost: setting(
    'HOOKBOOK_ENTRA_AUTHORITY_HOST',
    text('https://login.microsoftonline.com'),
    'the login host (sovereign clouds)',
  ),
  entraJwksCooldownSeconds: setting('HOOKBOOK_ENTRA_JWKS_COOLDOWN_SECONDS', int(30), 'least time between two fetches of the signing keys'),
  jobApiUrl: setting(
    'HOOKBOOK_JOB_API_URL',
    z.preprocess(
      unset,
      z
        .string()
        .trim()
        .transform((u) => u.replace(/\/+$/, ''))
        .optional(),
    ),
    'the URL jobs call for their assets (`HOOKBOOK_URL` in the job); default: publicUrl',
  ),
  identityPassEnv: setting('HOOKBOOK_IDENTITY_PASS_ENV', list(), 'variables passed only to `identity: true` runbooks'),
  jobUser: setting('HOOKBOOK_JOB_USER', text('hookbook-job'), 'where the worker is root: the account whose group jobs run with'),
  jobUids: setting(
    'HOOKBOOK_JOB_UIDS',
    text('200000-299999'),
    'where the worker is root: one uid from this range per running job (`<first>-<last>`, or `off`)',
  ),
  uiDir: setting('HOOKBOOK_UI_DIR', optionalText(), 'the built dashboard to serve (default: dist/ui)'),
  uiEntraClientId: setting('HOOKBOOK_UI_ENTRA_CLIENT_ID', optionalText(), "client id of the dashboard's single-page-app registration"),
  uiEntraScope: setting(
    'HOOKBOOK_UI_ENTRA_SCOPE',
    optionalText(),
    'the scope the dashboard asks Entra ID for (default: <audience>/.default)',
  ),
  statsFlushSeconds: setting('HOOKBOOK_STATS_FLUSH_SECONDS', int(5), 'how often an instance writes the job counts behind /api/v1/stats'),
  pwshPath: setting('HOOKBOOK_PWSH_PATH', optionalText(), 'the PowerShell 7 executable for pwsh runbooks (default: pwsh on PATH)'),
  python3Path: setting('HOOKBOOK_PYTHON3_PATH', optionalText(), 'the Python 3 executable for python3 runbooks (default: python3 on PATH)'),
  authFailureLimit: setting(
    'HOOKBOOK_AUTH_FAILURE_LIMIT',
    int(10),
    'failed authentications per minute per client (and key id) before 429; 0 = off',
  ),
  spawner: setting(
    'HOOKBOOK_SPAWNER',
    flag(true),
    '`false`: the worker spawns jobs itself instead of through its small spawner process (docs/performance.md)',
  ),
  pwshWarm: setting(
    'HOOKBOOK_PWSH_WARM',
    intIn(1, 0, 16),
    'pwsh processes kept started ahead of demand, each for one job (0: off; docs/performance.md)',
  ),
  // Source controls (docs/source-control.md).
  gitCacheDir: setting('HOOKBOOK_GIT_CACHE_DIR', optionalText(), 'where fetched repositories are cached (default: <tmp>/hookbook-git)'),
  gitAllowHttp: setting(
    'HOOKBOOK_GIT_ALLOW_HTTP',
    flag(false),
    'accept http:// repository URLs (a git server on a private network, tests)',
  ),
  gitMaxFileBytes: setting('HOOKBOOK_GIT_MAX_FILE_BYTES', int(262144), 'files of a source larger than this are skipped'),
  gitMaxEntries: setting('HOOKBOOK_GIT_MAX_ENTRIES', int(5000), "files and folders a source's folder may hold (a sync past it fails)"),
  gitTimeoutSeconds: setting('HOOKBOOK_GIT_TIMEOUT_SECONDS', int(120), 'a fetch or push that takes longer fails'),
  sourceSyncCron: setting('HOOKBOOK_SOURCE_SYNC_CRON', text('0 */15 * * * *'), 'NCRONTAB of the scheduled source-control sync'),
  sourceSyncLeaseSeconds: setting(
    'HOOKBOOK_SOURCE_SYNC_LEASE_SECONDS',
    int(600),
    'how long a sync holds its source before another may start',
  ),
  notifyAllowPrivate: setting(
    'HOOKBOOK_NOTIFY_ALLOW_PRIVATE',
    flag(false),
    'notification targets may be on loopback, link-local or private addresses (and plain http): a receiver on this network',
  ),
  notifyTimeoutSeconds: setting('HOOKBOOK_NOTIFY_TIMEOUT_SECONDS', intIn(10, 1, 120), 'time limit of one notification attempt'),
  notifyRetryBaseMs: setting(
    'HOOKBOOK_NOTIFY_RETRY_BASE_MS',
    int(5000),
    'pause after the first failed notification attempt; doubled after each',
  ),
  notifyMaxAgeSeconds: setting('HOOKBOOK_NOTIFY_MAX_AGE_SECONDS', int(24 * 3600), 'a notification is not tried past this age'),
  notifyCacheSeconds: setting('HOOKBOOK_NOTIFY_CACHE_SECONDS', int(5), 'how long an instance trusts the notification targets it has read'),
  auditRetentionDays: setting('HOOKBOOK_AUDIT_RETENTION_DAYS', int(400), 'audit entries older than this are deleted'),
};

type Definitions = typeof SETTINGS;
export type Settings = { [K in keyof Definitions]: z.output<Definitions[K]['type']> };

const schema = z.object(
  Object.fromEntries(Object.entries(SETTINGS).map(([key, s]) => [key, s.type])) as { [K in keyof Definitions]: Definitions[K]['type'] },
);

let last: { fingerprint: string; value: Settings } | undefined;
let frozen = false;

/**
 * A Functions host's environment does not change while it runs (Azure restarts the app when its
 * settings change; the local host sets its environment before loading the functions). From here on
 * settings() returns what it parsed last without reading the environment again: reading ~60
 * variables costs ~20 µs a call, and a job's path calls it dozens of times. Tests do not freeze, so
 * a test that changes a variable still sees the change.
 */
export function freezeSettings(): void {
  try {
    settings();
    frozen = true;
  } catch {
    // A bad value: not frozen, so that every use says which setting is wrong.
  }
}

/**
 * The settings from `env` (default: this process's environment), parsed and checked; a bad value
 * throws naming the setting. Parsed once per distinct environment, so a test that changes a
 * variable sees the change without resetting anything.
 */
export function settings(env: Env = process.env): Settings {
  if (frozen && last && env === process.env) return last.value;
  const input: Record<string, string | undefined> = {};
  for (const [key, s] of Object.entries(SETTINGS)) input[key] = env[s.env];
  const fingerprint = JSON.stringify(input);
  if (last?.fingerprint === fingerprint) return last.value;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = SETTINGS[issue.path[0] as keyof Definitions]?.env ?? String(issue.path[0]);
    throw new Error(`App setting ${name}: ${issue.message} (got '${input[issue.path[0] as string]}').`);
  }
  last = { fingerprint, value: parsed.data as Settings };
  return last.value;
}

/** The host's PATH (not a setting), for the processes the worker starts before a job's environment exists. */
export function hostPath(): string {
  return process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
}
