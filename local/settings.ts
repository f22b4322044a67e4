// App settings and host.json for the local host, read the way the Functions host reads them,
// so that the same files drive `npm start` here and the deployed app in Azure.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository root (local/ lives directly under it). */
// __filename, not __dirname: when tsx loads this file for an ESM importer only __filename is right.
export const repoRoot = path.resolve(path.dirname(__filename), '..');

/**
 * Copies `Values` of local.settings.json (or the committed sample when a developer has none) into
 * process.env. Variables that are already set win, as with Core Tools: that is how tests and CI
 * override a single setting without editing files.
 */
export function loadLocalSettings(root = repoRoot): string | undefined {
  for (const name of ['local.settings.json', 'local.settings.sample.json']) {
    const file = path.join(root, name);
    if (!existsSync(file)) continue;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { Values?: Record<string, unknown> };
    for (const [key, value] of Object.entries(parsed.Values ?? {})) {
      if (process.env[key] === undefined && value !== null && value !== undefined) {
        process.env[key] = String(value);
      }
    }
    return file;
  }
  return undefined;
}

export interface QueuesOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  maxDequeueCount: number;
  messageEncoding: 'base64' | 'none';
}

export interface HostConfig {
  file: string;
  routePrefix: string;
  queues: QueuesOptions;
  raw: Record<string, unknown>;
}

/** host.json, or the file named by HOOKBOOK_HOST_JSON (tests use that for short timeouts). */
export function readHostConfig(root = repoRoot): HostConfig {
  const file = process.env.HOOKBOOK_HOST_JSON ? path.resolve(root, process.env.HOOKBOOK_HOST_JSON) : path.join(root, 'host.json');
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const ext = (raw.extensions ?? {}) as { http?: { routePrefix?: string }; queues?: Record<string, unknown> };
  const q = ext.queues ?? {};
  // Defaults are the Functions host's own (Microsoft.Azure.WebJobs.Extensions.Storage QueuesOptions).
  const batchSize = Math.min(32, Math.max(1, Number(q.batchSize ?? 16)));
  const cores = Math.max(1, os.availableParallelism());
  const routePrefix = ext.http?.routePrefix ?? 'api';
  return {
    file,
    raw,
    routePrefix: routePrefix.replace(/^\/+|\/+$/g, ''),
    queues: {
      batchSize,
      newBatchThreshold: q.newBatchThreshold !== undefined ? Number(q.newBatchThreshold) : Math.floor(batchSize / 2) * cores,
      maxPollingIntervalMs: parseTimeSpan(q.maxPollingInterval, 60_000),
      visibilityTimeoutMs: parseTimeSpan(q.visibilityTimeout, 0),
      maxDequeueCount: Number(q.maxDequeueCount ?? 5),
      messageEncoding: String(q.messageEncoding ?? 'base64').toLowerCase() === 'none' ? 'none' : 'base64',
    },
  };
}

/** .NET TimeSpan text ("[d.]hh:mm:ss[.fff]") or a number of milliseconds, to milliseconds. */
export function parseTimeSpan(value: unknown, fallbackMs: number): number {
  if (value === undefined || value === null || value === '') return fallbackMs;
  if (typeof value === 'number') return value;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(String(value).trim());
  if (!m) throw new Error(`host.json: "${String(value)}" is not a TimeSpan (hh:mm:ss)`);
  const [, d, h, mi, s, frac] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  return ((Number(d ?? 0) * 24 + Number(h)) * 60 + Number(mi)) * 60_000 + Number(s) * 1000 + ms;
}

/**
 * Resolves `%NAME%` app-setting references in a binding value, as the Functions host does for
 * queueName, schedule and friends. A missing setting is an error at startup, as in Azure.
 */
export function resolveAppSettings(value: string, where: string): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = process.env[name];
    if (v === undefined) throw new Error(`${where}: '%${name}%' does not resolve to a value (app setting ${name} is not set)`);
    return v;
  });
}

/** The connection string a binding's `connection` names (default AzureWebJobsStorage). */
export function storageConnectionString(connection: unknown): string {
  const name = typeof connection === 'string' && connection ? connection : 'AzureWebJobsStorage';
  const value = process.env[name] ?? process.env[`AzureWebJobs${name}`];
  if (!value) throw new Error(`storage connection setting "${name}" is not set`);
  // Core Tools expands the shorthand too; the SDK clients do not understand it with custom ports.
  return value.trim() === 'UseDevelopmentStorage=true' ? developmentStorage(10001, 10002) : value;
}

const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export const DEVELOPMENT_ACCOUNT_KEY = DEV_KEY;

/** The explicit devstoreaccount1 connection string for Azurite on the given ports. */
export function developmentStorage(queuePort: number, tablePort: number, accountKey = DEV_KEY): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${accountKey};` +
    `QueueEndpoint=http://127.0.0.1:${queuePort}/devstoreaccount1;TableEndpoint=http://127.0.0.1:${tablePort}/devstoreaccount1;`
  );
}
