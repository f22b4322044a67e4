// Real `hookbook worker` processes and a TCP forwarder the test controls, for the hybrid suites.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../local/settings';
import { uniqueName, type Api } from './api';
import { waitFor } from './http';

/** The hybrid suites' lease: short, so that a lost worker's job is taken over within a test. */
export const HYBRID_LEASE_SECONDS = 6;

/** A host for the hybrid suites: that lease, a sweeper every second, quick polls and stops. */
export const HYBRID_HOST_ENV: Record<string, string> = {
  HOOKBOOK_LEASE_SECONDS: String(HYBRID_LEASE_SECONDS),
  HOOKBOOK_SWEEPER_CRON: '*/1 * * * * *',
  HOOKBOOK_ORPHAN_SECONDS: '30',
  HOOKBOOK_WORKER_POLL_SECONDS: '5',
  HOOKBOOK_STOP_GRACE_SECONDS: '1',
};

/** A new worker group and a registration key for it. */
export async function newWorkerGroup(admin: Api): Promise<{ name: string; key: string }> {
  const name = uniqueName('g').toLowerCase();
  const g = await admin.call('POST', '/api/v1/workerGroups', { name });
  if (g.status !== 201) throw new Error(`creating worker group ${name}: ${g.status} ${g.text}`);
  const k = await admin.call('POST', `/api/v1/workerGroups/${name}/keys`, { description: 'test' });
  if (k.status !== 201) throw new Error(`creating a key of ${name}: ${k.status} ${k.text}`);
  return { name, key: k.json.key };
}

/** A folder the jobs can write to: where the worker is root they run as a per-job uid (docs/security.md). */
export function jobsCanWrite(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o777);
  return dir;
}

export interface RunningWorker {
  name: string;
  pid: number;
  output(): string;
  /** Resolves once `re` appears in the worker's output. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<void>;
  signal(sig: NodeJS.Signals): void;
  exited: Promise<number>;
  kill(): Promise<void>;
}

export function startWorker(opts: {
  url: string;
  group: string;
  key: string;
  name: string;
  concurrency?: number;
  types?: string;
  env?: Record<string, string>;
  /** --drain-seconds (default 5). */
  drainSeconds?: number;
}): RunningWorker {
  const args = [
    path.join(repoRoot, 'cli', 'bin.cjs'),
    'worker',
    '--url',
    opts.url,
    '--group',
    opts.group,
    '--name',
    opts.name,
    '--drain-seconds',
    String(opts.drainSeconds ?? 5),
  ];
  if (opts.concurrency) args.push('--concurrency', String(opts.concurrency));
  if (opts.types) args.push('--types', opts.types);
  // The key through the environment, as the docs advise (not visible in process lists).
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, HOOKBOOK_WORKER_KEY: opts.key, WORKER_TAG: opts.name, HOOKBOOK_PASS_ENV: 'WORKER_TAG', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  let done = false;
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, sig) => ((done = true), resolve(code ?? (sig === 'SIGKILL' ? 137 : 143)))),
  );
  return {
    name: opts.name,
    pid: child.pid!,
    output: () => out,
    waitForOutput: (re, timeoutMs = 60_000) =>
      waitFor(() => re.test(out), `worker ${opts.name} to print ${re}\n--- output ---\n${out}`, timeoutMs, 100).then(() => undefined),
    signal: (sig) => void (!done && child.kill(sig)),
    exited,
    kill: async () => {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A TCP forwarder to `target` (host:port): `cut()` drops every connection and refuses new ones until `restore()`. */
export async function startProxy(targetUrl: string): Promise<{ url: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        open = false;
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
