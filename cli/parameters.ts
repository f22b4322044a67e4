/** Job and webhook parameters from the command line: -p Name=value, --params, --declare. */
import { readFileSync } from 'node:fs';
import type { HookbookClient } from '../client';
import type { Values } from './args';
import { CliError } from './errors';

function splitAssignment(raw: string): [string, string] {
  const i = raw.indexOf('=');
  if (i <= 0) throw new CliError(`-p '${raw}': use Name=value.`);
  return [raw.slice(0, i), raw.slice(i + 1)];
}

export function readFileOr(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`${what}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** JSON given inline, or `@file` to read it from a file. */
export function readJsonArg(raw: string, what: string): unknown {
  const text = raw.startsWith('@') ? readFileOr(raw.slice(1), what) : raw;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/** Types whose value on the command line is JSON: a value that does not parse is a mistake to name here. */
const JSON_TYPES = new Set(['object', 'array', 'hashtable', 'pscustomobject']);

/**
 * `-p Name=value` typed by the runbook's declaration: strings as they are, the rest as JSON. A value
 * meant as JSON (an object or array type, or text that opens with `{` or `[`) that does not parse is
 * refused with the JSON error, instead of being sent as a string the service then calls the wrong type.
 */
export function coerceParameter(value: string, type: string | undefined, name = ''): unknown {
  if (type === 'string' || type === 'datetime') return value;
  const meantAsJson = JSON_TYPES.has(String(type).toLowerCase()) || /^\s*[[{]/.test(value);
  try {
    const v: unknown = JSON.parse(value);
    if (type === undefined) return typeof v === 'object' || typeof v === 'number' || typeof v === 'boolean' ? v : value;
    return v;
  } catch (error) {
    if (meantAsJson) throw new CliError(`-p ${name ? `${name}=` : ''}${value}: the value is not valid JSON (${(error as Error).message}).`);
    return value; // the service names the parameter and the expected type
  }
}

export async function buildParameters(api: HookbookClient, runbook: string, v: Values): Promise<Record<string, unknown> | undefined> {
  let params: Record<string, unknown> | undefined;
  if (v.params) {
    const p = readJsonArg(v.params, '--params');
    if (!isObject(p)) throw new CliError('--params must be a JSON object.');
    params = { ...p };
  }
  if (v.param?.length) {
    let declared: Record<string, string> = {};
    try {
      const rb = await api.runbooks.get(runbook);
      declared = Object.fromEntries((rb.parameters ?? []).map((p) => [String(p.name).toLowerCase(), p.type]));
    } catch {
      /* no read access to the runbook: fall back to JSON-or-string */
    }
    params ??= {};
    for (const raw of v.param) {
      const [name, value] = splitAssignment(raw);
      params[name] = coerceParameter(value, declared[name.toLowerCase()], name);
    }
  }
  return params;
}

/** `--declare 'Name:type[!][=default]'`: `!` makes it mandatory. */
export function parseDeclaration(spec: string): { name: string; type: string; mandatory: boolean; default?: unknown } {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(!)?(?:=(.*))?$/s.exec(spec);
  if (!m) throw new CliError(`--declare '${spec}': use Name:type, Name:type! (mandatory) or Name:type=default.`);
  const [, name = '', type = 'string', bang, def] = m;
  return {
    name,
    type,
    mandatory: Boolean(bang),
    ...(def !== undefined ? { default: coerceParameter(def, type) } : {}),
  };
}
