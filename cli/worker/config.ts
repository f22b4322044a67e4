import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { RunbookType } from '../../shared/model/runbook';
import { defaultStateDir } from './orphans';

/**
 * `hookbook worker` options: flags, else HOOKBOOK_WORKER_* environment variables, else a JSON
 * config file (--config) with the same names in camelCase. The key is better kept out of the
 * command line (process lists show it): use the file or HOOKBOOK_WORKER_KEY.
 */
export interface WorkerConfig {
  url: string;
  group: string;
  key: string;
  name: string;
  concurrency: number;
  /** Only these runbook types, even if more interpreters are found. */
  types?: RunbookType[];
  /** PEM file of the CA (or self-signed certificate) that signs the service's certificate. */
  ca?: string;
  /** SHA-256 fingerprints of certificates the service may present (pinning), `AA:BB:...`. */
  pins: string[];
  /** Seconds running jobs may take to finish after SIGTERM before they are handed back. */
  drainSeconds: number;
  /** Where the worker keeps the list of runbook processes it runs (cli/worker/orphans.ts). */
  stateDir: string;
}

export const WORKER_USAGE = `hookbook worker — run a hybrid worker (docs/hybrid-workers.md)

Usage: hookbook worker --url <service> --group <name> --key <keyId:secret> [options]

  --url <url>             the service (https://...; http only for localhost)
  --group <name>          the worker group
  --key <keyId:secret>    a registration key of the group (or HOOKBOOK_WORKER_KEY, or the config file)
  --name <name>           this worker's name in the group (default: the host name)
  --concurrency <n>       jobs run at once (default 1)
  --types bash,pwsh,...   run only these runbook types (default: every one whose interpreter is found)
  --ca <file.pem>         trust this CA for the service's certificate (besides the system's)
  --pin <sha256>          accept only a certificate with this SHA-256 fingerprint (repeatable)
  --drain-seconds <n>     on SIGTERM, wait this long for running jobs, then hand them back (default 60)
  --state-dir <dir>       where the worker records its runbook processes, to end them after a crash
                          (default: $STATE_DIRECTORY from systemd, else ~/.hookbook/worker)
  --config <file.json>    the same settings as JSON: {"url","group","key","name","concurrency","types","ca","pins","drainSeconds","stateDir"}
`;

const OPTIONS = {
  url: { type: 'string' },
  group: { type: 'string' },
  key: { type: 'string' },
  name: { type: 'string' },
  concurrency: { type: 'string' },
  types: { type: 'string' },
  ca: { type: 'string' },
  pin: { type: 'string', multiple: true },
  'drain-seconds': { type: 'string' },
  'state-dir': { type: 'string' },
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class UsageError extends Error {}

export function parseWorkerArgs(argv: string[], env: NodeJS.ProcessEnv): WorkerConfig | 'help' {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  let file: Record<string, unknown> = {};
  const configPath = (values.config as string | undefined) ?? env.HOOKBOOK_WORKER_CONFIG;
  if (configPath) {
    if (!existsSync(configPath)) throw new UsageError(`Config file ${configPath} does not exist.`);
    try {
      file = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`Config file ${configPath} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const pick = (flag: string, envName: string, fileKey: string): string | undefined => {
    const v = values[flag] ?? env[envName] ?? file[fileKey];
    return v === undefined || v === '' ? undefined : String(v);
  };
  const url = pick('url', 'HOOKBOOK_WORKER_URL', 'url')?.replace(/\/+$/, '');
  const group = pick('group', 'HOOKBOOK_WORKER_GROUP', 'group');
  const key = pick('key', 'HOOKBOOK_WORKER_KEY', 'key');
  if (!url || !group || !key) throw new UsageError('--url, --group and --key are needed (or HOOKBOOK_WORKER_URL/GROUP/KEY, or --config).');
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new UsageError(`--url ${url} is not a URL.`);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(parsedUrl.hostname);
  if (parsedUrl.protocol !== 'https:' && !(parsedUrl.protocol === 'http:' && local)) {
    throw new UsageError(
      '--url must be https:// (plain http only for localhost): the worker receives secrets and must authenticate the service.',
    );
  }
  const concurrency = Number(pick('concurrency', 'HOOKBOOK_WORKER_CONCURRENCY', 'concurrency') ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    throw new UsageError('--concurrency must be a whole number from 1 to 256.');
  const drainSeconds = Number(pick('drain-seconds', 'HOOKBOOK_WORKER_DRAIN_SECONDS', 'drainSeconds') ?? 60);
  if (!Number.isFinite(drainSeconds) || drainSeconds < 0) throw new UsageError('--drain-seconds must be a number of seconds.');
  const rawTypes = values.types ?? env.HOOKBOOK_WORKER_TYPES ?? (Array.isArray(file.types) ? file.types.join(',') : file.types);
  let types: RunbookType[] | undefined;
  if (rawTypes) {
    types = String(rawTypes)
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean) as RunbookType[];
    for (const t of types)
      if (!RunbookType.safeParse(t).success)
        throw new UsageError(`--types: '${t}' is not a runbook type (${RunbookType.options.join(', ')}).`);
  }
  const pins = (
    (values.pin as string[] | undefined) ??
    (Array.isArray(file.pins) ? (file.pins as string[]) : (env.HOOKBOOK_WORKER_PINS?.split(',') ?? []))
  )
    .map((p) => p.trim().toUpperCase())
    .filter(Boolean);
  const name = (pick('name', 'HOOKBOOK_WORKER_NAME', 'name') ?? hostname()).replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  const stateDir = pick('state-dir', 'HOOKBOOK_WORKER_STATE_DIR', 'stateDir') ?? defaultStateDir(env);
  return { url, group, key, name, concurrency, types, ca: pick('ca', 'HOOKBOOK_WORKER_CA', 'ca'), pins, drainSeconds, stateDir };
}
