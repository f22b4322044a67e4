/**
 * Where the service is and which key to use: --url/--key, else HOOKBOOK_URL/HOOKBOOK_KEY, else the
 * config file (--config, else $XDG_CONFIG_HOME/hookbook/config.json or ~/.config/hookbook/config.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Values } from './args';
import { CliError } from './errors';

export interface Connection {
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

function readConfig(file: string): { url?: string; key?: string } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`Config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object') return {};
  const { url, key } = value as Record<string, unknown>;
  // A value of the wrong type is checked (and refused) below like any other.
  return { url: url == null ? undefined : String(url), key: key == null ? undefined : String(key) };
}

export function resolveConnection(v: Values, env: NodeJS.ProcessEnv): Connection {
  const file = configFile(v, env);
  const fromFile = file ? readConfig(file) : {};
  const url = v.url ?? env.HOOKBOOK_URL ?? fromFile.url;
  const key = v.key ?? env.HOOKBOOK_KEY ?? fromFile.key;
  if (!url) throw new CliError('No service URL: pass --url, set HOOKBOOK_URL, or put "url" in the config file.');
  if (!key) throw new CliError('No API key: pass --key, set HOOKBOOK_KEY (keyId:secret), or put "key" in the config file.');
  if (!/^[^:]+:.+$/.test(key)) throw new CliError('The API key must look like keyId:secret.');
  if (!/^https?:\/\//.test(url)) throw new CliError(`The service URL '${url}' must start with http:// or https://.`);
  return { url: url.replace(/\/+$/, ''), key };
}
