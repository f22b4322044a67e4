import type { RunbookParameter } from '../model/runbook';
import { decrypt, encrypt } from '../auth/secrets';

/**
 * Job parameters at rest: secret values are sealed (AES-GCM) as `{"$sealed":"v1..."}`; the worker
 * unseals them just before the runbook starts. Nothing else ever sees them.
 */
const SEALED = '$sealed';

export function sealParameters(defs: readonly RunbookParameter[], params: Record<string, unknown>): string {
  const secret = new Set(defs.filter((d) => d.secret).map((d) => d.name));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) out[k] = secret.has(k) ? { [SEALED]: encrypt(JSON.stringify(v)) } : v;
  return JSON.stringify(out);
}

const isSealed = (v: unknown): v is { $sealed: string } =>
  !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as Record<string, unknown>)[SEALED] === 'string';

export function unsealParameters(stored: string): Record<string, unknown> {
  const params = JSON.parse(stored) as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) if (isSealed(v)) params[k] = JSON.parse(decrypt(v.$sealed));
  return params;
}

/** The stored parameters as callers may see them: sealed values become `***`. */
export function visibleParameters(stored: string): Record<string, unknown> {
  const params = JSON.parse(stored) as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) if (isSealed(v)) params[k] = '***';
  return params;
}
