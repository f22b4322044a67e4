// Starts Azurite's queue and table services as child processes for the local host and the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { developmentStorage, repoRoot } from './settings';

export interface AzuriteOptions {
  /** true: --inMemoryPersistence; false: data under `<dataDir>/azurite`. */
  inMemory: boolean;
  dataDir?: string;
  /** Ports to try first (persistent mode uses 10001/10002 so that tools find it where they expect). */
  preferredPorts?: { queue: number; table: number };
  /** Use exactly preferredPorts (waiting a little for them to free up), never others. */
  strictPorts?: boolean;
  /**
   * Account key of devstoreaccount1 (AZURITE_ACCOUNTS, passed in Azurite's environment, never on its
   * command line). Default: the well-known development key, which anyone on the machine knows.
   */
  accountKey?: string;
  log?: (line: string) => void;
  /**
   * Disk mode: how often Azurite saves its data (LokiJS autosave, Azurite's own is 5000 ms). What
   * was written since the last save is lost if Azurite is killed (see local/parent-guard.cjs).
   */
  saveIntervalMs?: number;
}

export interface Azurite {
  connectionString: string;
  queuePort: number;
  tablePort: number;
  pids: number[];
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. Azurite's table service does not report the port it got for 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** true when something accepts TCP connections on 127.0.0.1:port. */
export function portAccepts(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Disk mode's save interval unless HOOKBOOK_AZURITE_SAVE_MS says otherwise (Azurite's own: 5000).
 * It is the loss window of a whole-group kill. The table service's saves append only what changed
 * (local/azurite-table-patch.cjs); the queue service's still rewrite its (small) database.
 */
export const DEFAULT_SAVE_INTERVAL_MS = 2000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function azuriteMain(service: 'queue' | 'table'): string {
  const pkgDir = path.dirname(require.resolve('azurite/package.json', { paths: [repoRoot] }));
  return path.join(pkgDir, 'dist', 'src', service, 'main.js');
}

function spawnService(service: 'queue' | 'table', port: number, opts: AzuriteOptions, cwd: string, output: string[]): ChildProcess {
  const args = [
    '--require',
    path.join(path.dirname(__filename), 'parent-guard.cjs'),
    azuriteMain(service),
    `--${service}Host`,
    '127.0.0.1',
    `--${service}Port`,
    String(port),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--silent',
    '--loose',
  ];
  // Message operations that cost the same at any queue depth (see the file and docs/performance.md).
  if (service === 'queue') args.splice(2, 0, '--require', path.join(path.dirname(__filename), 'azurite-queue-patch.cjs'));
  // Disk mode: each save writes what changed, not the whole table database (see the file and
  // docs/performance.md, "Retained history").
  if (service === 'table' && !opts.inMemory) args.splice(2, 0, '--require', path.join(path.dirname(__filename), 'azurite-table-patch.cjs'));
  if (opts.inMemory) args.push('--inMemoryPersistence');
  else args.push('--location', path.join(opts.dataDir ?? path.join(repoRoot, '.hookbook'), 'azurite'));
  // Only what Azurite needs: the host's settings (admin key, encryption key) stay out of a process
  // that, once exec'd, is dumpable again (docs/security.md).
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, LANG: process.env.LANG };
  // For comparing with Azurite as shipped (local/azurite-queue-patch.cjs reads it).
  if (process.env.HOOKBOOK_AZURITE_QUEUE_PATCH) env.HOOKBOOK_AZURITE_QUEUE_PATCH = process.env.HOOKBOOK_AZURITE_QUEUE_PATCH;
  for (const name of ['HOOKBOOK_AZURITE_TABLE_PATCH', 'HOOKBOOK_AZURITE_COMPACT_BYTES'])
    if (process.env[name]) env[name] = process.env[name];
  if (opts.accountKey) env.AZURITE_ACCOUNTS = `devstoreaccount1:${opts.accountKey}`;
  // parent-guard.cjs sets LokiJS's save interval from this (disk mode only).
  if (!opts.inMemory) env.HOOKBOOK_AZURITE_SAVE_MS = String(opts.saveIntervalMs ?? DEFAULT_SAVE_INTERVAL_MS);
  // stdin is a pipe on purpose: parent-guard.cjs ends Azurite when that pipe closes.
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => {
    output.push(`[azurite-${service}] ${b.toString()}`);
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function pickPorts(opts: AzuriteOptions, attempt: number): Promise<[number, number]> {
  const pref = opts.preferredPorts;
  if (pref && opts.strictPorts) {
    // A previous instance on these ports may still be letting go of them.
    const deadline = Date.now() + 15_000;
    while (!((await portIsFree(pref.queue)) && (await portIsFree(pref.table)))) {
      if (Date.now() > deadline) throw new Error(`ports ${pref.queue}/${pref.table} are in use`);
      await sleep(200);
    }
    return [pref.queue, pref.table];
  }
  if (pref && attempt === 0 && (await portIsFree(pref.queue)) && (await portIsFree(pref.table))) return [pref.queue, pref.table];
  let q = await freePort();
  let t = await freePort();
  while (t === q) t = await freePort();
  return [q, t];
}

function terminate(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGINT: the signal both Azurite services shut down gracefully on.
    child.kill('SIGINT');
  });
}

/** Starts both services and resolves once both accept connections. */
export async function startAzurite(opts: AzuriteOptions): Promise<Azurite> {
  if (!opts.inMemory) mkdirSync(path.join(opts.dataDir ?? path.join(repoRoot, '.hookbook'), 'azurite'), { recursive: true });
  // In memory Azurite still wants a workspace directory: keep it out of the repository.
  const cwd = opts.inMemory ? mkdtempSync(path.join(os.tmpdir(), 'hookbook-azurite-')) : repoRoot;
  let lastError: Error | undefined;
  // Another process may grab a port between our probe and Azurite's bind: retry with fresh ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    const [queuePort, tablePort] = await pickPorts(opts, attempt);
    const output: string[] = [];
    const children = [spawnService('queue', queuePort, opts, cwd, output), spawnService('table', tablePort, opts, cwd, output)];
    const stop = async () => {
      await Promise.all(children.map((c) => terminate(c)));
    };
    try {
      // On disk Azurite loads every retained row before it listens: 50,000 jobs took 27 s on a
      // loaded 2-core machine (docs/performance.md, "Retained history").
      await waitReady(children, [queuePort, tablePort], output, opts.inMemory ? 30_000 : 180_000);
      opts.log?.(`Azurite queue on ${queuePort}, table on ${tablePort} (${opts.inMemory ? 'in memory' : 'on disk'})`);
      return {
        connectionString: developmentStorage(queuePort, tablePort, opts.accountKey),
        queuePort,
        tablePort,
        pids: children.map((c) => c.pid ?? -1),
        stop,
      };
    } catch (err) {
      await stop();
      lastError = new Error(`${(err as Error).message}\n${output.join('')}`);
    }
  }
  throw lastError ?? new Error('Azurite did not start');
}

async function waitReady(children: ChildProcess[], ports: number[], output: string[], timeoutMs: number): Promise<void> {
  // Ready means *our* child said it listens on its port: a port that merely accepts connections may
  // belong to another Azurite that won a race for the same preferred port (ours then exits with
  // EADDRINUSE), and a host talking to someone else's Azurite fails every request.
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ports);
  while (pending.size > 0) {
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead) throw new Error(`Azurite exited early (code ${dead.exitCode}, signal ${dead.signalCode})`);
    if (Date.now() > deadline) throw new Error(`Azurite did not listen on ports ${[...pending].join(', ')} within ${timeoutMs} ms`);
    const said = output.join('');
    for (const p of [...pending]) if (saysListening(said, p) && (await portAccepts(p))) pending.delete(p);
    if (pending.size > 0) await sleep(100);
  }
}

/** Azurite's start-up line for a port: the table service says "successfully started on 127.0.0.1:P",
 * the queue service "successfully listens on http://127.0.0.1:P". */
function saysListening(output: string, port: number): boolean {
  return new RegExp(`successfully (started on |listens on http://)127\\.0\\.0\\.1:${port}(?!\\d)`).test(output);
}
