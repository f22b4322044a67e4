/**
 * `hookbook`: the command line client of the management API (docs/cli.md).
 *
 *   hookbook runbooks list|get|create|publish
 *   hookbook webhooks create|list|delete
 *   hookbook jobs start|run|list|get|stop|logs [--follow]
 *
 * URL and key: --url/--key, else HOOKBOOK_URL/HOOKBOOK_KEY (key = keyId:secret), else the config file
 * (--config, else $XDG_CONFIG_HOME/hookbook/config.json or ~/.config/hookbook/config.json).
 * Exit codes: 0 success (job Completed), 1 job Failed, 2 job Stopped, 3 usage, HTTP or network error.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { followSse, HttpStatusError, type SseEvent } from './sse';
import { workerMain } from './worker/main';

export const EXIT = { ok: 0, failed: 1, stopped: 2, error: 3 } as const;

class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.error,
  ) {
    super(message);
  }
}

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const USAGE = `hookbook — the Hookbook command line

Usage: hookbook <group> <command> [arguments] [options]

Runbooks
  runbooks list
  runbooks get <name> [--content]
  runbooks create <name> --type bash|node|python3|pwsh --file <script>
                 [--declare 'Name:type[!][=default]']... [--manifest <json file>]
                 [--description <text>] [--path </a/b/c>] [--publish]
  runbooks publish <name>

Webhooks
  webhooks create <name> --runbook <runbook> [-p Name=value]... [--expiry <ISO time>] [--disabled]
  webhooks list [--runbook <runbook>]
  webhooks delete <name>

Jobs
  jobs start <runbook> [-p Name=value]... [--params <json> | --params @file.json] [--run-on <group>|cloud]
  jobs run <runbook> [-p Name=value]... [--params ...] [--run-on ...]   start, show the output live, exit with the job's status
  jobs list [--runbook <name>] [--status <status>] [--top <n>]
  jobs get <jobId>
  jobs stop <jobId>
  jobs logs <jobId> [--follow] [--types Output,Error,...]

Hybrid worker (docs/hybrid-workers.md)
  worker --url <service> --group <name> --key <keyId:secret> [--concurrency <n>] [--config <file>]   see hookbook worker --help

Options
  --url <url>        service URL (else HOOKBOOK_URL, else the config file)
  --key <id:secret>  API key (else HOOKBOOK_KEY, else the config file)
  --config <file>    config file, JSON {"url": "...", "key": "keyId:secret"}
                     (default $XDG_CONFIG_HOME/hookbook/config.json or ~/.config/hookbook/config.json)
  --json             machine-readable output (logs --follow: one JSON object per line)
  --no-color         no colours (also NO_COLOR=1)
  -h, --help         this text

Exit codes: 0 success / job Completed, 1 job Failed, 2 job Stopped, 3 usage, HTTP or network error.
`;

const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  color: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  param: { type: 'string', short: 'p', multiple: true },
  params: { type: 'string' },
  declare: { type: 'string', multiple: true },
  manifest: { type: 'string' },
  type: { type: 'string' },
  file: { type: 'string' },
  description: { type: 'string' },
  path: { type: 'string' },
  publish: { type: 'boolean' },
  content: { type: 'boolean' },
  runbook: { type: 'string' },
  status: { type: 'string' },
  top: { type: 'string' },
  expiry: { type: 'string' },
  disabled: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  types: { type: 'string' },
  'run-on': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

interface Io {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

// ---------------------------------------------------------------------------------------------
// Configuration and HTTP

interface Connection {
  url: string;
  key: string;
}

function configFile(v: Values, env: NodeJS.ProcessEnv): string | undefined {
  if (v.config) {
    if (!existsSync(v.config)) throw new CliError(`Config file ${v.config} does not exist.`);
    return v.config;
  }
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  const file = path.join(base, 'hookbook', 'config.json');
  return existsSync(file) ? file : undefined;
}

export function resolveConnection(v: Values, env: NodeJS.ProcessEnv): Connection {
  let fromFile: { url?: string; key?: string } = {};
  const file = configFile(v, env);
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new CliError(`Config file ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const url = v.url ?? env.HOOKBOOK_URL ?? fromFile.url;
  const key = v.key ?? env.HOOKBOOK_KEY ?? fromFile.key;
  if (!url) throw new CliError('No service URL: pass --url, set HOOKBOOK_URL, or put "url" in the config file.');
  if (!key) throw new CliError('No API key: pass --key, set HOOKBOOK_KEY (keyId:secret), or put "key" in the config file.');
  if (!/^[^:]+:.+$/.test(key)) throw new CliError('The API key must look like keyId:secret.');
  if (!/^https?:\/\//.test(url)) throw new CliError(`The service URL '${url}' must start with http:// or https://.`);
  return { url: url.replace(/\/+$/, ''), key };
}

class Api {
  constructor(private readonly c: Connection) {}

  get headers(): Record<string, string> {
    return { Authorization: `Basic ${Buffer.from(this.c.key).toString('base64')}` };
  }

  url(p: string): string {
    return `${this.c.url}${p}`;
  }

  async call(method: string, p: string, body?: unknown): Promise<Json> {
    let res: Response;
    try {
      res = await fetch(this.url(p), {
        method,
        headers: { ...this.headers, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`Cannot reach ${this.c.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await res.text();
    let value: Json;
    try {
      value = text ? JSON.parse(text) : undefined;
    } catch {
      value = text;
    }
    if (!res.ok) throw new CliError(`${method} ${p} failed: HTTP ${res.status}: ${value?.detail ?? value?.error ?? (text || res.statusText)}`);
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Output helpers

const COLORS: Record<string, string> = {
  Output: '',
  Error: '\x1b[31m',
  Warning: '\x1b[33m',
  Verbose: '\x1b[36m',
  Debug: '\x1b[90m',
  Progress: '\x1b[35m',
  Completed: '\x1b[32m',
  Failed: '\x1b[31m',
  Stopped: '\x1b[33m',
};

function useColor(v: Values, io: Io): boolean {
  if (v['no-color'] || io.env.NO_COLOR) return false;
  if (v.color || (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0')) return true;
  return Boolean(io.out.isTTY);
}

function paint(color: boolean, key: string, s: string): string {
  const c = COLORS[key];
  return color && c ? `${c}${s}\x1b[0m` : s;
}

/** A record as a line: Output as it is, the others with their PowerShell prefix (VERBOSE: ...). */
export function formatRecord(r: Json, color: boolean): string {
  const text = String(r.streamText ?? r.summary ?? '');
  const line = r.streamType === 'Output' ? text : `${String(r.streamType).toUpperCase()}: ${text}`;
  return paint(color, r.streamType, line);
}

function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

const exitFor = (status: string): number => (status === 'Completed' ? EXIT.ok : status === 'Stopped' ? EXIT.stopped : EXIT.failed);

function duration(job: Json): string {
  if (!job.startTime) return '';
  const end = job.endTime ? Date.parse(job.endTime) : Date.now();
  return `${((end - Date.parse(job.startTime)) / 1000).toFixed(1)} s`;
}

/** A spinner on a TTY (stderr), plain lines otherwise. Stream lines go between its redraws. */
class Progress {
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private text = '';
  private shown = false;
  private readonly started = Date.now();
  constructor(
    private readonly io: Io,
    private readonly tty: boolean,
  ) {}

  start(text: string): void {
    this.text = text;
    if (!this.tty) {
      this.io.err.write(`${text}\n`);
      return;
    }
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
    this.draw();
  }

  update(text: string): void {
    if (text === this.text) return;
    this.text = text;
    if (!this.tty) this.io.err.write(`${text}\n`);
  }

  private draw(): void {
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    this.io.err.write(`\r\x1b[2K${frames[this.frame++ % frames.length]} ${this.text} (${secs} s)`);
    this.shown = true;
  }

  /** Write a line above the spinner. */
  line(s: string): void {
    if (this.tty && this.shown) this.io.err.write('\r\x1b[2K');
    this.io.out.write(`${s}\n`);
    if (this.tty && this.timer) this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty && this.shown) this.io.err.write('\r\x1b[2K');
    this.shown = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Parameters

function splitAssignment(raw: string): [string, string] {
  const i = raw.indexOf('=');
  if (i <= 0) throw new CliError(`-p '${raw}': use Name=value.`);
  return [raw.slice(0, i), raw.slice(i + 1)];
}

function readJsonArg(raw: string, what: string): Json {
  const text = raw.startsWith('@') ? readFileOr(raw.slice(1), what) : raw;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function readFileOr(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${what}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** `-p Name=value` typed by the runbook's declaration: strings as they are, the rest as JSON. */
export function coerceParameter(value: string, type: string | undefined): unknown {
  if (type === 'string' || type === 'datetime') return value;
  if (type === undefined) {
    try {
      const v = JSON.parse(value);
      return typeof v === 'object' || typeof v === 'number' || typeof v === 'boolean' ? v : value;
    } catch {
      return value;
    }
  }
  try {
    return JSON.parse(value);
  } catch {
    return value; // the service names the parameter and the expected type
  }
}

async function buildParameters(api: Api, runbook: string, v: Values): Promise<Record<string, unknown> | undefined> {
  let params: Record<string, unknown> | undefined;
  if (v.params) {
    const p = readJsonArg(v.params, '--params');
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new CliError('--params must be a JSON object.');
    params = { ...p };
  }
  if (v.param?.length) {
    let declared: Record<string, string> = {};
    try {
      const rb = await api.call('GET', `/api/v1/runbooks/${encodeURIComponent(runbook)}`);
      declared = Object.fromEntries((rb.parameters ?? []).map((p: Json) => [String(p.name).toLowerCase(), p.type]));
    } catch {
      /* no read access to the runbook: fall back to JSON-or-string */
    }
    params ??= {};
    for (const raw of v.param) {
      const [name, value] = splitAssignment(raw);
      params[name] = coerceParameter(value, declared[name.toLowerCase()]);
    }
  }
  return params;
}

/** `--declare 'Name:type[!][=default]'`: `!` makes it mandatory. */
export function parseDeclaration(spec: string): Record<string, unknown> {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(!)?(?:=(.*))?$/s.exec(spec);
  if (!m) throw new CliError(`--declare '${spec}': use Name:type, Name:type! (mandatory) or Name:type=default.`);
  const [, name, type = 'string', bang, def] = m;
  return {
    name,
    type,
    mandatory: Boolean(bang),
    ...(def !== undefined ? { default: coerceParameter(def, type) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Commands

function need(positionals: string[], i: number, what: string): string {
  const v = positionals[i];
  if (!v) throw new CliError(`Missing ${what}. See hookbook --help.`);
  return v;
}

async function runbooks(cmd: string, pos: string[], v: Values, api: Api, io: Io): Promise<number> {
  const print = (value: Json, text: () => string) => io.out.write(v.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  switch (cmd) {
    case 'list': {
      const { value } = await api.call('GET', '/api/v1/runbooks');
      print(value, () => table([['NAME', 'TYPE', 'STATE', 'VERSION', 'PATH'], ...value.map((r: Json) => [r.name, r.type, r.state, String(r.version), r.path])]));
      return EXIT.ok;
    }
    case 'get': {
      const name = encodeURIComponent(need(pos, 0, 'runbook name'));
      const rb = await api.call('GET', `/api/v1/runbooks/${name}`);
      if (v.content) {
        const res = await fetch(api.url(`/api/v1/runbooks/${name}/content${rb.version ? '' : '?version=draft'}`), { headers: api.headers });
        rb.content = res.ok ? await res.text() : undefined;
      }
      print(rb, () => {
        const params = (rb.parameters ?? []).map((p: Json) => `  ${p.name}: ${p.type}${p.mandatory ? ' (mandatory)' : ''}${p.default !== undefined ? ` = ${JSON.stringify(p.default)}` : ''}${p.secret ? ' [secret]' : ''}`);
        return [
          `${rb.name}  (${rb.type}, ${rb.state}, version ${rb.version}, ${rb.source})`,
          `path: ${rb.path}`,
          ...(rb.description ? [`description: ${rb.description}`] : []),
          ...(params.length ? ['parameters:', ...params] : ['parameters: none']),
          ...(rb.content !== undefined ? ['--- content ---', rb.content] : []),
        ].join('\n') + '\n';
      });
      return EXIT.ok;
    }
    case 'create': {
      const name = need(pos, 0, 'runbook name');
      const manifest = v.manifest ? readJsonArg(`@${v.manifest}`, '--manifest') : {};
      const type = v.type ?? manifest.type;
      if (!type) throw new CliError('runbooks create needs --type (bash, node, python3 or pwsh).');
      if (!v.file) throw new CliError('runbooks create needs --file <script>.');
      const body: Json = { ...manifest, name, type, content: readFileOr(v.file, '--file') };
      if (v.description) body.description = v.description;
      if (v.path) body.path = v.path;
      if (v.declare?.length) body.parameters = [...(manifest.parameters ?? []), ...v.declare.map(parseDeclaration)];
      let rb = await api.call('POST', '/api/v1/runbooks', body);
      if (v.publish) rb = await api.call('POST', `/api/v1/runbooks/${encodeURIComponent(name)}/publish`);
      print(rb, () => `Runbook ${rb.name} created (${rb.state}${rb.state === 'Published' ? `, version ${rb.version}` : ''}).\n`);
      return EXIT.ok;
    }
    case 'publish': {
      const rb = await api.call('POST', `/api/v1/runbooks/${encodeURIComponent(need(pos, 0, 'runbook name'))}/publish`);
      print(rb, () => `Runbook ${rb.name} published as version ${rb.version}.\n`);
      return EXIT.ok;
    }
  }
  throw new CliError(`Unknown command 'runbooks ${cmd}'. See hookbook --help.`);
}

async function webhooks(cmd: string, pos: string[], v: Values, api: Api, io: Io): Promise<number> {
  const print = (value: Json, text: () => string) => io.out.write(v.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  switch (cmd) {
    case 'create': {
      const name = need(pos, 0, 'webhook name');
      if (!v.runbook) throw new CliError('webhooks create needs --runbook <name>.');
      const parameters = await buildParameters(api, v.runbook, v);
      const wh = await api.call('POST', '/api/v1/webhooks', {
        name,
        runbook: v.runbook,
        ...(parameters ? { parameters } : {}),
        ...(v.expiry ? { expiryTime: v.expiry } : {}),
        ...(v.disabled ? { isEnabled: false } : {}),
      });
      print(wh, () => `Webhook ${wh.name} created for ${wh.runbook} (expires ${wh.expiryTime}).\nURL (shown only now, keep it secret):\n${wh.uri}\n`);
      return EXIT.ok;
    }
    case 'list': {
      const res = await api.call('GET', `/api/v1/webhooks${v.runbook ? `?runbook=${encodeURIComponent(v.runbook)}` : ''}`);
      const value: Json[] = Array.isArray(res) ? res : (res?.value ?? []);
      print(value, () => table([['NAME', 'RUNBOOK', 'ENABLED', 'EXPIRES', 'LAST INVOKED'], ...value.map((w) => [w.name, w.runbook, String(w.isEnabled), w.expiryTime ?? '', w.lastInvokedTime ?? ''])]));
      return EXIT.ok;
    }
    case 'delete': {
      const name = need(pos, 0, 'webhook name');
      await api.call('DELETE', `/api/v1/webhooks/${encodeURIComponent(name)}`);
      print({ name, deleted: true }, () => `Webhook ${name} deleted.\n`);
      return EXIT.ok;
    }
  }
  throw new CliError(`Unknown command 'webhooks ${cmd}'. See hookbook --help.`);
}

async function jobs(cmd: string, pos: string[], v: Values, api: Api, io: Io): Promise<number> {
  const print = (value: Json, text: () => string) => io.out.write(v.json ? `${JSON.stringify(value, null, 2)}\n` : text());
  const color = useColor(v, io);
  const jobPath = (id: string) => `/api/v1/jobs/${encodeURIComponent(id)}`;
  switch (cmd) {
    case 'start': {
      const runbook = need(pos, 0, 'runbook name');
      const parameters = await buildParameters(api, runbook, v);
      const r = await api.call('POST', '/api/v1/jobs', { runbook, ...(parameters ? { parameters } : {}), ...(v['run-on'] ? { runOn: v['run-on'] } : {}) });
      print(r, () => `${r.jobId}\n`);
      return EXIT.ok;
    }
    case 'run': {
      const runbook = need(pos, 0, 'runbook name');
      const parameters = await buildParameters(api, runbook, v);
      const started = await api.call('POST', '/api/v1/jobs', { runbook, ...(parameters ? { parameters } : {}), ...(v['run-on'] ? { runOn: v['run-on'] } : {}) });
      return runAndFollow(started.jobId, v, api, io, color);
    }
    case 'list': {
      const q = new URLSearchParams();
      if (v.runbook) q.set('runbook', v.runbook);
      if (v.status) q.set('status', v.status);
      if (v.top) q.set('top', v.top);
      const page = await api.call('GET', `/api/v1/jobs${q.size ? `?${q}` : ''}`);
      print(page, () =>
        table([
          ['JOB ID', 'RUNBOOK', 'STATUS', 'CREATED', 'DURATION', 'STARTED BY'],
          ...page.value.map((j: Json) => [j.jobId, j.runbook, paint(false, j.status, j.status), j.createdTime, duration(j), j.startedBy]),
        ]) + (page.continuationToken ? `(more: --top to see more)\n` : ''),
      );
      return EXIT.ok;
    }
    case 'get': {
      const job = await api.call('GET', jobPath(need(pos, 0, 'job id')));
      print(job, () =>
        [
          `${job.jobId}  ${paint(color, job.status, job.status)}`,
          `runbook: ${job.runbook} (version ${job.runbookVersion})`,
          `started by: ${job.startedBy}, attempt ${job.attempt}`,
          `created: ${job.createdTime}${job.startTime ? `, started: ${job.startTime}` : ''}${job.endTime ? `, ended: ${job.endTime}` : ''}${duration(job) ? ` (${duration(job)})` : ''}`,
          `parameters: ${JSON.stringify(job.parameters)}`,
          ...(job.statusDetails ? [`details: ${job.statusDetails}`] : []),
          ...(job.exception ? [`exception: ${job.exception}`] : []),
          ...(job.result !== undefined ? [`result: ${JSON.stringify(job.result)}`] : []),
        ].join('\n') + '\n',
      );
      return EXIT.ok;
    }
    case 'stop': {
      const r = await api.call('POST', `${jobPath(need(pos, 0, 'job id'))}/stop`);
      print(r, () => `Job ${r.jobId}: ${r.status}.\n`);
      return EXIT.ok;
    }
    case 'logs': {
      const id = need(pos, 0, 'job id');
      const types = v.types ? `streamTypes=${encodeURIComponent(v.types)}` : '';
      if (!v.follow) {
        const { value } = await api.call('GET', `${jobPath(id)}/streams${types ? `?${types}` : ''}`);
        if (v.json) io.out.write(`${JSON.stringify(value, null, 2)}\n`);
        else for (const r of value) io.out.write(`${formatRecord(r, color)}\n`);
        return EXIT.ok;
      }
      const end = await follow(api, id, types, (r) => io.out.write(v.json ? `${JSON.stringify(r)}\n` : `${formatRecord(r, color)}\n`));
      if (v.json) io.out.write(`${JSON.stringify({ end })}\n`);
      else {
        io.err.write(`${paint(color, end.status, `Job ${id} ${end.status}.`)}\n`);
        if (end.exception) io.err.write(`${paint(color, 'Error', end.exception)}\n`);
      }
      return exitFor(end.status);
    }
  }
  throw new CliError(`Unknown command 'jobs ${cmd}'. See hookbook --help.`);
}

/** Follows the SSE endpoint until `end`; returns the end event's data. */
async function follow(api: Api, jobId: string, typesQuery: string, onRecord: (r: Json) => void): Promise<Json> {
  try {
    const end: SseEvent = await followSse({
      url: api.url(`/api/v1/jobs/${encodeURIComponent(jobId)}/streams?follow=true${typesQuery ? `&${typesQuery}` : ''}`),
      headers: api.headers,
      onEvent: (ev) => {
        try {
          onRecord(JSON.parse(ev.data));
        } catch {
          /* not a record */
        }
      },
    });
    return JSON.parse(end.data);
  } catch (error) {
    if (error instanceof HttpStatusError) throw new CliError(`Following job ${jobId} failed: HTTP ${error.status}: ${error.detail}`);
    throw new CliError(`Following job ${jobId} failed: ${(error as Error).message}`);
  }
}

async function runAndFollow(jobId: string, v: Values, api: Api, io: Io, color: boolean): Promise<number> {
  if (v.json) {
    const records: Json[] = [];
    await follow(api, jobId, '', (r) => records.push(r));
    const job = await api.call('GET', `/api/v1/jobs/${jobId}`);
    io.out.write(`${JSON.stringify({ job, streams: records }, null, 2)}\n`);
    return exitFor(job.status);
  }
  const tty = Boolean(io.err.isTTY);
  const progress = new Progress(io, tty);
  progress.start(`Job ${jobId} queued`);
  // On a TTY the spinner says Queued/Running: a light status poll while waiting.
  let ended = false;
  const poll = tty
    ? (async () => {
        while (!ended) {
          await new Promise((r) => setTimeout(r, 1000));
          if (ended) break;
          const job = await api.call('GET', `/api/v1/jobs/${jobId}`).catch(() => undefined);
          if (job && !ended) progress.update(`Job ${jobId} ${job.status.toLowerCase()}`);
        }
      })()
    : Promise.resolve();
  let end: Json;
  try {
    end = await follow(api, jobId, '', (r) => progress.line(formatRecord(r, color)));
  } finally {
    ended = true;
    progress.stop();
  }
  await poll;
  const job = await api.call('GET', `/api/v1/jobs/${jobId}`).catch(() => end);
  const took = duration(job);
  io.err.write(`${paint(color, job.status, `Job ${jobId} ${job.status}${took ? ` in ${took}` : ''}.`)}\n`);
  if (job.exception) io.err.write(`${paint(color, 'Error', `Exception: ${job.exception}`)}\n`);
  return exitFor(job.status);
}

// ---------------------------------------------------------------------------------------------

export async function main(argv: string[], io: Io = { out: process.stdout, err: process.stderr, env: process.env }): Promise<number> {
  if (argv[0] === 'worker') return workerMain(argv.slice(1), io); // a hybrid worker: its own options (cli/worker/)
  let v: Values;
  let positionals: string[];
  try {
    ({ values: v, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (error) {
    io.err.write(`hookbook: ${(error as Error).message}\nSee hookbook --help.\n`);
    return EXIT.error;
  }
  const [group, cmd, ...rest] = positionals;
  if (v.help || !group) {
    (v.help ? io.out : io.err).write(USAGE);
    return v.help ? EXIT.ok : EXIT.error;
  }
  try {
    const groups = { runbooks, webhooks, jobs } as const;
    const handler = groups[group as keyof typeof groups];
    if (!handler) throw new CliError(`Unknown command group '${group}': use runbooks, webhooks or jobs. See hookbook --help.`);
    if (!cmd) throw new CliError(`'hookbook ${group}' needs a command. See hookbook --help.`);
    const api = new Api(resolveConnection(v, io.env));
    return await handler(cmd, rest, v, api, io);
  } catch (error) {
    const e = error instanceof CliError ? error : new CliError((error as Error).message ?? String(error));
    if (v.json) io.err.write(`${JSON.stringify({ error: e.message })}\n`);
    else io.err.write(`hookbook: ${e.message}\n`);
    return e.code;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
