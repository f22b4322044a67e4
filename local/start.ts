// `npm start`: the local stand-in for the Azure Functions host. Starts Azurite, loads the very same
// function registrations Azure runs, and serves them over HTTP, queue polling and timers.
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startAzurite, type Azurite } from './azurite';
import { installFunctionsCore, registry, setSystemLog } from './functions-core';
import { buildRoutes, createHttpServer } from './http-server';
import { drainInvocations } from './invoke';
import { findFunctionFiles, loadFunctionFiles } from './load-functions';
import { httpsBanner, listenHttps, tlsFiles } from './https';
import { logLine } from './log';
import { SUPPORTED_OUTPUTS } from './output-bindings';
import { nudge, QueuePoller } from './queue-poller';
import { azuriteAccountKey, protectLocalFiles } from './protect';
import { jobSandbox } from '../shared/runners/sandbox';
import { describeInterpreters } from '../shared/runners/interpreters';
import { loadLocalSettings, readHostConfig, repoRoot } from './settings';
import { TimerRunner } from './timers';
import { existsSync } from 'node:fs';

type Storage = 'disk' | 'memory' | 'external';

const state = {
  stopping: false,
  azurite: undefined as Azurite | undefined,
  pollers: [] as QueuePoller[],
  timers: [] as TimerRunner[],
  front: undefined as ReturnType<typeof createHttpServer> | undefined,
  secure: undefined as Awaited<ReturnType<typeof listenHttps>> | undefined,
};

function storageMode(): Storage {
  const v = (process.env.HOOKBOOK_STORAGE ?? '').toLowerCase();
  return v === 'memory' || v === 'external' ? v : 'disk';
}

/** HOOKBOOK_AZURITE_SAVE_MS: disk mode's save interval (docs/job-lifecycle.md, durability). */
function saveIntervalMs(): number | undefined {
  const raw = process.env.HOOKBOOK_AZURITE_SAVE_MS;
  if (!raw) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100)
    throw new Error(`HOOKBOOK_AZURITE_SAVE_MS must be a whole number of milliseconds, at least 100 (got '${raw}').`);
  return ms;
}

async function main(): Promise<void> {
  const keyFromEnv = process.env.HOOKBOOK_BOOTSTRAP_KEY !== undefined;
  const settingsFile = loadLocalSettings();
  const keySource = keyFromEnv ? 'the environment' : settingsFile && path.relative(repoRoot, settingsFile);
  const host = readHostConfig();
  const storage = storageMode();
  // Installed first: nothing may require @azure/functions' app API before the stand-in exists.
  installFunctionsCore();
  setSystemLog((level, category, message) => {
    if (level !== 'debug' && level !== 'trace') logLine('host', `${category}/${level}:`, message);
  });

  // HTTP listens before the functions load (answering 503 meanwhile) because with PORT=0 the
  // public URL, which function modules may read at load time, is only known once we listen.
  const front = createHttpServer();
  state.front = front;
  const port = Number(process.env.PORT ?? 7071);
  const listening = new Promise<number>((resolve, reject) => {
    front.server.once('error', reject);
    front.server.listen(port, () => resolve((front.server.address() as AddressInfo).port));
  });
  const dataDir = path.resolve(repoRoot, process.env.HOOKBOOK_DATA_DIR ?? '.hookbook');
  // Before anything is written there: jobs must not read the settings or the data (docs/security.md).
  protectLocalFiles(repoRoot, storage === 'disk' ? dataDir : undefined, (l) => logLine('host', l));
  const azurite =
    storage === 'external'
      ? undefined
      : startAzurite({
          inMemory: storage === 'memory',
          dataDir,
          accountKey: azuriteAccountKey(storage === 'disk' ? dataDir : undefined),
          preferredPorts: storage === 'disk' ? { queue: 10001, table: 10002 } : undefined,
          saveIntervalMs: saveIntervalMs(),
        });
  const [realPort, started] = await Promise.all([listening, azurite]);
  state.azurite = started;
  if (state.stopping) return;
  if (started) process.env.AzureWebJobsStorage = started.connectionString;
  else if (!process.env.AzureWebJobsStorage) throw new Error('HOOKBOOK_STORAGE=external needs AzureWebJobsStorage');
  process.env.HOOKBOOK_PUBLIC_URL ??= `http://localhost:${realPort}`;
  // HTTPS beside HTTP when HOOKBOOK_HTTPS_PORT is set (local/https.ts; the Azure Automation API's clients need it).
  const tls = process.env.HOOKBOOK_HTTPS_PORT ? tlsFiles(dataDir) : undefined;
  if (tls) state.secure = await listenHttps(front.server, tls, Number(process.env.HOOKBOOK_HTTPS_PORT));
  // Source controls' fetched repositories persist with the local data (docs/source-control.md).
  if (storage === 'disk') process.env.HOOKBOOK_GIT_CACHE_DIR ??= path.join(dataDir, 'git');
  // Said once at start-up: who jobs run as, or why they cannot be isolated here. Also makes this
  // process non-dumpable. After the settings are complete (settings() is read once).
  jobSandbox((l) => logLine('host', l));
  // Which program runs each runbook type, or that one is missing and what to do (checked as the job user).
  for (const line of describeInterpreters()) logLine('host', line);

  const files = findFunctionFiles(process.env.HOOKBOOK_FUNCTIONS_GLOB ?? 'functions/*.ts');
  if (files.length === 0) logLine('host', 'warning:', `no function files match ${process.env.HOOKBOOK_FUNCTIONS_GLOB ?? 'functions/*.ts'}`);
  loadFunctionFiles(files);
  warnAboutUnsupported();

  for (const hook of registry.hooks.appStart) await hook({ hookData: registry.appHookData, functionAppDirectory: repoRoot });

  const byType = (t: string) => registry.functions.filter((f) => f.trigger.type.toLowerCase() === t);
  const routes = buildRoutes(registry.functions, host.routePrefix);
  state.pollers = byType('queuetrigger').map((f) => new QueuePoller(f, host.queues));
  state.timers = byType('timertrigger').map((f) => new TimerRunner(f));
  if (state.stopping) return;
  front.setRoutes(routes);
  state.pollers.forEach((p) => p.start());
  state.timers.forEach((t) => t.start());

  const base = `http://localhost:${realPort}`;
  const prefix = host.routePrefix ? `/${host.routePrefix}` : '';
  // First what a newcomer needs (docs/local-host.md); the full route list only when asked for.
  const lines = [
    `Hookbook is running at ${base}  (storage: ${storage})`,
    `  API:        ${base}${prefix}/api/v1  (OpenAPI: ${base}${prefix}/api/openapi.json)`,
    `  Dashboard:  ${dashboardLine(`${base}${prefix}/ui/`)}`,
    `  Admin key:  ${adminKeyLine(keySource)}`,
    `  Data:       ${dataLine(storage, dataDir, started)}`,
    ...tryIt(realPort),
  ];
  if (verbose()) {
    lines.push(
      `Functions (${registry.functions.length}):`,
      ...[...routes]
        .sort((a, b) => a.template.localeCompare(b.template))
        .map((r) => `  ${r.target.name}: [${[...r.methods].join(',')}] ${base}/${r.template}`),
      ...state.pollers.map((p, i) => `  ${byType('queuetrigger')[i].name}: queue ${p.queueName}`),
      ...state.timers.map(
        (t, i) => `  ${byType('timertrigger')[i].name}: timer "${t.schedule}" (next ${t.nextOccurrence()?.toISOString() ?? 'never'})`,
      ),
    );
  } else {
    lines.push(`${registry.functions.length} functions loaded; \`npm start -- --verbose\` (or HOOKBOOK_VERBOSE=1) lists every route.`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (state.secure && tls) process.stdout.write(httpsBanner(state.secure, tls) + '\n');
}

/** `npm start -- --verbose` or HOOKBOOK_VERBOSE=1: the route list too. */
function verbose(): boolean {
  return process.argv.includes('--verbose') || /^(1|true|yes|on)$/i.test(process.env.HOOKBOOK_VERBOSE ?? '');
}

function dashboardLine(url: string): string {
  // Where functions/ui.ts looks (not imported here: it registers a route when loaded).
  const dir = process.env.HOOKBOOK_UI_DIR || path.join(repoRoot, 'dist', 'ui');
  return existsSync(path.join(dir, 'index.html')) ? url : `${url}  (not built yet: npm run build:ui, which npm start runs)`;
}

/** Where HOOKBOOK_BOOTSTRAP_KEY came from: the environment, or the settings file loaded. */
function adminKeyLine(source: string | undefined): string {
  const keyId = (process.env.HOOKBOOK_BOOTSTRAP_KEY ?? '').split(':')[0];
  if (!keyId) return 'none: set HOOKBOOK_BOOTSTRAP_KEY=<keyId>:<secret> in local.settings.json or the environment (README)';
  return `key id "${keyId}"; the key is HOOKBOOK_BOOTSTRAP_KEY (<keyId>:<secret>) in ${source ?? 'the environment'} (the secret is not printed)`;
}

function dataLine(storage: Storage, dataDir: string, started: Azurite | undefined): string {
  const azurite = started ? `Azurite: queue 127.0.0.1:${started.queuePort}, table 127.0.0.1:${started.tablePort}` : '';
  if (storage === 'disk') return `${dataDir}  (${azurite}; HOOKBOOK_DATA_DIR moves it)`;
  if (storage === 'memory') return `in memory, gone when the host stops  (${azurite})`;
  return 'the storage account of AzureWebJobsStorage (external)';
}

/** A first call to make. The bootstrap key's secret is never printed: only where it is set. */
function tryIt(port: number): string[] {
  const keyId = (process.env.HOOKBOOK_BOOTSTRAP_KEY ?? '').split(':')[0];
  if (!keyId) return [];
  return [`Try:  curl -u ${keyId}:<secret> http://localhost:${port}/api/v1/runbooks`];
}

function warnAboutUnsupported(): void {
  for (const f of registry.functions) {
    const t = f.trigger.type.toLowerCase();
    if (!['httptrigger', 'queuetrigger', 'timertrigger'].includes(t))
      logLine('host', 'warning:', `${f.name}: trigger ${f.trigger.type} is not run by the local host`);
    for (const [name, b] of Object.entries(f.metadata.bindings)) {
      if (b.direction === 'out' && !SUPPORTED_OUTPUTS.has(b.type.toLowerCase()))
        logLine('host', 'warning:', `${f.name}: output ${name} (${b.type}) is ignored by the local host`);
      if (b.direction === 'in' && b !== f.metadata.bindings[f.trigger.name])
        logLine('host', 'warning:', `${f.name}: input ${name} (${b.type}) is not provided by the local host`);
    }
  }
}

async function shutdown(signal: string): Promise<void> {
  if (state.stopping) {
    process.stdout.write(`${signal} again: exiting now\n`);
    process.exit(1);
  }
  state.stopping = true;
  const graceMs = Number(process.env.HOOKBOOK_SHUTDOWN_GRACE_SECONDS ?? 30) * 1000;
  logLine('host', `${signal}: shutting down (grace ${graceMs / 1000} s)`);
  const deadline = Date.now() + graceMs;
  const front = state.front;
  // Take no new work: no new messages, no timer ticks, no new connections.
  const stopping = [...state.pollers.map((p) => p.stop()), ...state.timers.map((t) => t.stop())];
  if (front?.server.listening) {
    front.server.close();
    front.server.closeIdleConnections();
  }
  state.secure?.server.close();
  state.secure?.server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    (async () => {
      await Promise.allSettled(stopping);
      const left = await drainInvocations(Math.max(0, deadline - Date.now()));
      while (front && front.openResponses() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (left > 0) logLine('host', `${left} invocation(s) still running after the grace period`);
    })(),
    new Promise((r) => (timer = setTimeout(r, graceMs))),
  ]);
  clearTimeout(timer);
  front?.server.closeAllConnections();
  state.secure?.server.closeAllConnections();
  for (const hook of registry.hooks.appTerminate) {
    try {
      await hook({ hookData: registry.appHookData });
    } catch (err) {
      logLine('host', 'appTerminate hook failed:', (err as Error).message);
    }
  }
  await state.azurite?.stop();
  logLine('host', 'stopped');
  process.exit(0);
}

// Like the Functions host's shared queue watcher (which wakes a queue listener when a function of
// the same host writes to that queue), a send from this process cuts the poller's idle backoff.
process.on('hookbook:queue-sent' as never, ((queueName: string) => nudge(queueName)) as never);
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// A function that forgets to await must not take the whole host down, as in Azure's worker.
process.on('unhandledRejection', (err) =>
  logLine('host', 'unhandled rejection:', err instanceof Error ? (err.stack ?? err.message) : String(err)),
);

main().catch(async (err) => {
  process.stderr.write(`Hookbook failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await state.azurite?.stop().catch(() => {});
  process.exit(1);
});
