// Starts the local host (local/start.ts) as a child process for black-box tests, exactly as
// `npm start` would run, and waits until GET /api/health answers 200.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startAzurite as startAzuriteServices } from '../../local/azurite';
import { repoRoot } from '../../local/settings';
import { http, waitFor } from './http';

export { http, waitFor } from './http';
export type { HttpResult } from './http';

// From local/settings (a plain CommonJS module): this file's own __dirname is not reliable when an
// ESM script imports it through tsx.
export { repoRoot };

export interface StartHostOptions {
  /** Extra environment for the host (wins over the defaults below). */
  env?: Record<string, string>;
  /** 'memory' (default): Azurite in memory on free ports; 'external': use connectionString. */
  storage?: 'memory' | 'external' | 'disk';
  connectionString?: string;
  /** HOOKBOOK_DATA_DIR for storage 'disk'. */
  dataDir?: string;
  /** How long to wait for /api/health (default 90 s: a cold tsx start on a busy 2-core box is slow). */
  readyTimeoutMs?: number;
  /** Start the host as the leader of its own process group (Azurite joins it), for killGroup(). */
  processGroup?: boolean;
  /** Run the host as this user and group (a root test harness showing the non-root fallback). */
  uid?: number;
  gid?: number;
  /** Options for the host's node itself, before the script (e.g. `--cpu-prof`: bench/profile-host.ts). */
  nodeArgs?: string[];
}

export interface RunningHost {
  url: string;
  /** "keyId:secret" of the bootstrap admin key. */
  adminKey: string;
  /** Authorization header value: Basic base64(keyId:secret). */
  basicAuth: string;
  pid: number;
  /** Everything the host printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then the exit code (a signal death gives 128 + n). */
  stop(): Promise<number>;
  /** SIGKILL, resolves once the process is gone. */
  kill(): Promise<void>;
  /** Resolves when the process has exited (for tests that send their own signal). */
  exited: Promise<number>;
  /** SIGKILL the whole process group, Azurite included, as an OOM kill or power loss would (needs processGroup). */
  killGroup(): Promise<void>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export async function startHost(opts: StartHostOptions = {}): Promise<RunningHost> {
  // A key id of its own per host: hosts sharing one storage must not overwrite each other's key.
  const adminKey =
    opts.env?.HOOKBOOK_BOOTSTRAP_KEY ?? `test-admin-${randomBytes(4).toString('hex')}:${randomBytes(18).toString('base64url')}`;
  const storage = opts.storage ?? 'memory';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOOKBOOK_STORAGE: storage,
    HOOKBOOK_BOOTSTRAP_KEY: adminKey,
    // Suites send wrong keys on purpose from one address; the limiter has its own test (auth-throttle).
    HOOKBOOK_AUTH_FAILURE_LIMIT: '0',
    // Suites read the route, queue and timer lines of the start-up banner (local/start.ts).
    HOOKBOOK_VERBOSE: '1',
    ...(opts.connectionString ? { AzureWebJobsStorage: opts.connectionString } : {}),
    ...(opts.dataDir ? { HOOKBOOK_DATA_DIR: opts.dataDir } : {}),
    ...opts.env,
  };
  delete env.HOOKBOOK_PUBLIC_URL; // the host derives it from its real port
  if (opts.env?.HOOKBOOK_PUBLIC_URL) env.HOOKBOOK_PUBLIC_URL = opts.env.HOOKBOOK_PUBLIC_URL;
  if (storage === 'external' && !env.AzureWebJobsStorage) throw new Error("startHost: storage 'external' needs connectionString");
  if (storage === 'disk') env.HOOKBOOK_STORAGE = '';

  // `--import tsx` by absolute URL: a bare "tsx" would be resolved against the caller's cwd. Not the
  // tsx CLI, which runs the script in a grandchild: then pid/kill would not reach the host itself.
  const fromRoot = createRequire(path.join(repoRoot, 'package.json'));
  const tsxPkg = fromRoot.resolve('tsx/package.json');
  const tsxLoader = pathToFileURL(
    path.join(path.dirname(tsxPkg), (fromRoot(tsxPkg) as { exports: Record<string, string> }).exports['.']),
  ).href;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', tsxLoader, path.join(repoRoot, 'local', 'start.ts')], {
    cwd: repoRoot,
    env,
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.processGroup ?? false,
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 0)));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const timeoutMs = opts.readyTimeoutMs ?? 90_000;
  const fail = (why: string) => new Error(`startHost: ${why}\n--- host output ---\n${out}`);
  let url: string;
  try {
    url = await waitFor(
      () => {
        if (hasExited) throw fail(`the host exited with code ${child.exitCode} before it was ready`);
        return /Hookbook is running at (http:\/\/\S+)/.exec(out)?.[1];
      },
      'the host to print its URL',
      timeoutMs,
      50,
    );
    await waitFor(
      async () => {
        if (hasExited) throw fail(`the host exited with code ${child.exitCode} before it was ready`);
        return (await http(url, 'api/health').catch(() => undefined))?.status === 200;
      },
      'GET /api/health to answer 200',
      timeoutMs,
      100,
    );
  } catch (err) {
    child.kill('SIGKILL');
    const e = err as Error;
    throw e.message.includes('--- host output ---') ? e : fail(e.message);
  }

  return {
    url,
    adminKey,
    basicAuth: `Basic ${Buffer.from(adminKey).toString('base64')}`,
    pid: child.pid ?? -1,
    output: () => out,
    exited,
    stop: async () => {
      if (!hasExited) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (!hasExited) child.kill('SIGKILL');
      await exited;
    },
    killGroup: async () => {
      if (!opts.processGroup) throw new Error('killGroup needs startHost({ processGroup: true })');
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
      await exited;
    },
  };
}

export interface RunningAzurite {
  connectionString: string;
  queuePort: number;
  tablePort: number;
  stop(): Promise<void>;
}

/**
 * Azurite on its own (in memory unless dataDir is given), for tests that share or restart storage.
 * Pass the ports of a stopped instance to bring storage back where a running host expects it.
 */
export async function startAzurite(opts: { dataDir?: string; queuePort?: number; tablePort?: number } = {}): Promise<RunningAzurite> {
  const preferredPorts = opts.queuePort && opts.tablePort ? { queue: opts.queuePort, table: opts.tablePort } : undefined;
  const a = await startAzuriteServices({ inMemory: !opts.dataDir, dataDir: opts.dataDir, preferredPorts, strictPorts: !!preferredPorts });
  return { connectionString: a.connectionString, queuePort: a.queuePort, tablePort: a.tablePort, stop: a.stop };
}

/** The environment that makes a host load the fixture functions of test/fixtures/functions. */
export function fixtureEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOOKBOOK_FUNCTIONS_GLOB: 'test/fixtures/functions/*.ts',
    HOOKBOOK_HOST_JSON: 'test/fixtures/functions/host.test.json',
    FIXTURE_QUEUE: 'fixture-inbox',
    FIXTURE_CRON: '0 0 0 1 1 *',
    ...extra,
  };
}

/**
 * A directory through which a test and its runbooks exchange files. Where the host runs as root,
 * each job runs under a uid of its own (docs/security.md), so a private mkdtemp directory would be
 * closed to it: this one is open to all, and `files` are created writable by every job.
 */
export function jobSharedDir(prefix: string, files: string[] = []): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o777);
  for (const f of files) {
    const p = path.join(dir, f);
    if (f.endsWith('/')) mkdirSync(p, { mode: 0o777 });
    else writeFileSync(p, '');
    chmodSync(p, f.endsWith('/') ? 0o777 : 0o666);
  }
  return dir;
}
