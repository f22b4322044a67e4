import { z } from 'zod';
import type { Runbook, RunbookParameter } from '../model/runbook';
import { MAX_PARAMETERS } from '../model/runbook';
import { badRequest, tooLarge } from '../errors';

export const MAX_PARAMETER_BYTES = 512 * 1024;
export const SECRET_MASK = '***';

/** A runbook as the API shows it: a secret parameter's default is a secret, so it is shown as `***`. */
export function withSecretDefaultsMasked(r: Runbook): Runbook {
  const mask = (ps: RunbookParameter[]) => ps.map((p) => (p.secret && p.default !== undefined ? { ...p, default: SECRET_MASK } : p));
  return { ...r, parameters: mask(r.parameters), ...(r.draft ? { draft: { ...r.draft, parameters: mask(r.draft.parameters) } } : {}) };
}

/** `***` sent back as a secret parameter's default keeps the default stored before (by name). */
export function keepSecretDefaults(next: RunbookParameter[], previous: readonly RunbookParameter[]): RunbookParameter[] {
  return next.map((p) => {
    if (!p.secret || p.default !== SECRET_MASK) return p;
    const before = previous.find((q) => q.name.toLowerCase() === p.name.toLowerCase());
    if (before?.default === undefined || before.default === SECRET_MASK)
      throw badRequest(`Parameter '${p.name}' is secret and has no stored default to keep; send its default instead of ${SECRET_MASK}.`);
    return { ...p, default: before.default };
  });
}

/**
 * Strings are converted to the declared type only when the caller could not send typed values
 * (an HTML form, a query string); JSON callers must send the right JSON type.
 */
export interface ValidateOptions {
  coerceStrings?: boolean;
  /** The size limit of all parameters as JSON (default 512 KB; a webhook's WebhookData may carry a 512 KB body plus headers). */
  maxBytes?: number;
}

const TRUE_WORDS = ['true', '1', 'yes', 'on', '$true'];
const FALSE_WORDS = ['false', '0', 'no', 'off', '$false'];

function fromString(type: RunbookParameter['type'], value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const s = value.trim();
  switch (type) {
    case 'int':
      return /^[-+]?\d+$/.test(s) ? Number(s) : value;
    case 'bool':
      if (TRUE_WORDS.includes(s.toLowerCase())) return true;
      if (FALSE_WORDS.includes(s.toLowerCase())) return false;
      return value;
    case 'object':
    case 'array':
      try {
        return JSON.parse(s);
      } catch {
        return value;
      }
    default:
      return value;
  }
}

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO 8601 date-time');

function schemaFor(p: RunbookParameter): z.ZodType {
  switch (p.type) {
    case 'string':
      return z.string({ error: (i) => `expected a string, received ${typeName(i.input)}` });
    case 'int':
      return z
        .number({ error: (i) => `expected an integer, received ${typeName(i.input)}` })
        .int('expected an integer')
        .refine(Number.isSafeInteger, 'integer out of range');
    case 'bool':
      return z.boolean({ error: (i) => `expected true or false, received ${typeName(i.input)}` });
    case 'datetime':
      return isoDate.transform((s) => new Date(s).toISOString());
    case 'object':
      return z.record(z.string(), z.unknown(), { error: (i) => `expected a JSON object, received ${typeName(i.input)}` });
    case 'array':
      return z.array(z.unknown(), { error: (i) => `expected a JSON array, received ${typeName(i.input)}` });
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/**
 * Validate job parameters against a runbook's declared parameters: names are matched without
 * regard to case (as PowerShell does), unknown names are refused, mandatory ones are required,
 * defaults fill the rest. Every error names the parameter.
 */
export function validateParameters(
  defs: readonly RunbookParameter[],
  input: unknown,
  opts: ValidateOptions = {},
): Record<string, unknown> {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest('Parameters must be a JSON object of name → value.');
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_PARAMETERS) throw badRequest(`Too many parameters: ${entries.length}; at most ${MAX_PARAMETERS}.`);
  const size = Buffer.byteLength(JSON.stringify(input));
  const maxBytes = opts.maxBytes ?? MAX_PARAMETER_BYTES;
  if (size > maxBytes) {
    throw tooLarge(`Parameters are ${size} bytes; the limit is ${maxBytes} bytes (${Math.round(maxBytes / 1024)} KB).`);
  }

  const byLower = new Map(defs.map((d) => [d.name.toLowerCase(), d]));
  const given = new Map<string, unknown>();
  for (const [key, value] of entries) {
    const def = byLower.get(key.toLowerCase());
    if (!def) {
      const known = defs.map((d) => d.name).join(', ') || 'none';
      throw badRequest(`Unknown parameter '${key}'; this runbook takes: ${known}.`);
    }
    if (given.has(def.name)) throw badRequest(`Parameter '${def.name}' is given twice (names are not case-sensitive).`);
    given.set(def.name, value);
  }

  const out: Record<string, unknown> = {};
  for (const def of defs) {
    let value = given.get(def.name);
    if (value === undefined || value === null || (opts.coerceStrings && value === '' && def.type !== 'string')) {
      if (def.default !== undefined) value = def.default;
      else if (def.mandatory) throw badRequest(`Parameter '${def.name}' is mandatory (${def.type}).`);
      else continue;
    }
    if (opts.coerceStrings) value = fromString(def.type, value);
    const parsed = schemaFor(def).safeParse(value);
    if (!parsed.success) {
      throw badRequest(`Parameter '${def.name}' (${def.type}): ${parsed.error.issues[0]?.message ?? 'invalid value'}.`);
    }
    out[def.name] = parsed.data;
  }
  return out;
}

/** A declared default must itself be valid for its type. */
export function checkDefinitions(defs: readonly RunbookParameter[]): void {
  const seen = new Set<string>();
  for (const d of defs) {
    const lower = d.name.toLowerCase();
    if (seen.has(lower)) throw badRequest(`Parameter '${d.name}' is declared twice.`);
    seen.add(lower);
    if (d.default !== undefined && !schemaFor(d).safeParse(d.default).success) {
      throw badRequest(`Parameter '${d.name}': its default does not match its type ${d.type}.`);
    }
  }
}
