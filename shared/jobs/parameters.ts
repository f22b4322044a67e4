import type { RunbookParameter } from '../model/runbook';
import { decrypt, encrypt } from '../auth/secrets';
import { badRequest } from '../errors';
import { SECRET_MASK } from '../runbooks/parameters';

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
  !!v &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.keys(v).length === 1 &&
  typeof (v as Record<string, unknown>)[SEALED] === 'string';

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

/**
 * A management update may send `***` back for a secret parameter (what it was shown): that keeps
 * the stored value. Returns the given parameters with such values replaced by the stored ones.
 */
export function keepMaskedSecrets(
  defs: readonly RunbookParameter[],
  given: Record<string, unknown>,
  previousSealed: string | undefined,
): Record<string, unknown> {
  const previous = previousSealed ? unsealParameters(previousSealed) : {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    const def = defs.find((d) => d.name.toLowerCase() === key.toLowerCase());
    if (def?.secret && value === SECRET_MASK) {
      const kept = Object.entries(previous).find(([k]) => k.toLowerCase() === def.name.toLowerCase());
      if (!kept)
        throw badRequest(`Parameter '${def.name}' is secret and has no stored value to keep; send its value instead of ${SECRET_MASK}.`);
      out[key] = kept[1];
    } else {
      out[key] = value;
    }
  }
  return out;
}
