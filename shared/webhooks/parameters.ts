import type { RunbookParameter } from '../model/runbook';
import { badRequest, DomainError, restated, tooLarge } from '../errors';
import { validateParameters } from '../runbooks/parameters';
import { keepMaskedSecrets, sealParameters } from '../jobs/parameters';
import { parsePointer, resolvePointer } from './pointer';

/**
 * A webhook's parameters: fixed values (set by an admin, validated like job parameters, secret
 * ones sealed at rest) and, opt-in, values mapped from the JSON body by JSON pointer. A parameter
 * is either fixed or mapped, never both, so a client can never override a fixed value.
 * `WebhookData` is neither: the webhook sets it for each request.
 */
export const WEBHOOK_DATA = 'WebhookData';
const isWebhookData = (name: string) => name.toLowerCase() === WEBHOOK_DATA.toLowerCase();
export const MAX_STORED_PARAMETER_CHARS = 256 * 1024;

const find = (defs: readonly RunbookParameter[], name: string) => defs.find((d) => d.name.toLowerCase() === name.toLowerCase());

/** The runbook's own `WebhookData` parameter, if it declares one. */
export const webhookDataParameter = (defs: readonly RunbookParameter[]) => find(defs, WEBHOOK_DATA);

/**
 * Validate the fixed parameters and the map against the runbook; returns the fixed values under
 * their declared names (defaults are not copied in, so a later publish's defaults apply).
 * `previousSealed` lets a caller send back `***` for a secret value to keep it.
 */
export function checkWebhookParameters(
  defs: readonly RunbookParameter[],
  fixed: Record<string, unknown>,
  parameterMap: Record<string, string> | undefined,
  previousSealed?: string,
): Record<string, unknown> {
  for (const key of Object.keys(fixed)) {
    if (isWebhookData(key))
      throw badRequest(`Parameter '${key}' cannot be set on a webhook: the webhook fills WebhookData from each request.`);
  }
  const mapped = new Set<string>();
  for (const [key, pointer] of Object.entries(parameterMap ?? {})) {
    const def = find(defs, key);
    if (!def)
      throw badRequest(`parameterMap: unknown parameter '${key}'; this runbook takes: ${defs.map((d) => d.name).join(', ') || 'none'}.`);
    if (isWebhookData(key)) throw badRequest(`parameterMap: '${key}' cannot be mapped: the webhook fills WebhookData from each request.`);
    try {
      parsePointer(pointer);
    } catch (error) {
      throw badRequest(`parameterMap: parameter '${def.name}': ${(error as Error).message}.`);
    }
    if (Object.keys(fixed).some((k) => k.toLowerCase() === def.name.toLowerCase())) {
      throw badRequest(`Parameter '${def.name}' is both fixed (parameters) and mapped (parameterMap); choose one.`);
    }
    mapped.add(def.name);
  }
  const input = keepMaskedSecrets(defs, fixed, previousSealed);
  // Mapped parameters and WebhookData come with each request: not required here.
  const relaxed = defs.map((d) => (mapped.has(d.name) || isWebhookData(d.name) ? { ...d, mandatory: false } : d));
  let valid: Record<string, unknown>;
  try {
    valid = validateParameters(relaxed, input);
  } catch (error) {
    if (error instanceof DomainError && /is mandatory/.test(error.message)) {
      throw badRequest(
        `${error.message.replace(/\.$/, '')}: a webhook must give every mandatory parameter of its runbook a value (in parameters or parameterMap).`,
      );
    }
    throw error;
  }
  const given = new Set(Object.keys(input).map((k) => find(defs, k)!.name));
  return Object.fromEntries(Object.entries(valid).filter(([k]) => given.has(k)));
}

/** Seal secret values for storage; refuse what would not fit in the table entity. */
export function sealWebhookParameters(defs: readonly RunbookParameter[], params: Record<string, unknown>): string {
  const sealed = sealParameters(defs, params);
  if (sealed.length > MAX_STORED_PARAMETER_CHARS) {
    throw tooLarge(
      `The webhook's parameters are ${sealed.length} characters once stored; a webhook holds at most ${MAX_STORED_PARAMETER_CHARS} (256 KB).`,
    );
  }
  return sealed;
}

/**
 * The values of mapped parameters for one request. 400 naming the parameter when the body is
 * not JSON, a mandatory mapped value is missing, or a value has the wrong type.
 */
export function mappedParameters(
  defs: readonly RunbookParameter[],
  parameterMap: Record<string, string>,
  body: string,
): Record<string, unknown> {
  const entries = Object.entries(parameterMap);
  if (entries.length === 0) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (error) {
    const names = entries.map(([k]) => `'${k}'`).join(', ');
    throw badRequest(
      `This webhook takes parameter${entries.length > 1 ? 's' : ''} ${names} from a JSON request body, but the body is not JSON (${(error as Error).message}).`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [key, pointer] of entries) {
    const def = find(defs, key);
    if (!def) throw badRequest(`Parameter '${key}' is mapped from the request body, but the runbook no longer declares it.`);
    const hit = resolvePointer(doc, pointer);
    if (!hit.found || hit.value === null) {
      if (def.mandatory && def.default === undefined) {
        throw badRequest(
          `Parameter '${def.name}' (${def.type}) is mandatory and mapped from JSON pointer '${pointer}', which the request body does not have.`,
        );
      }
      continue;
    }
    try {
      validateParameters([{ ...def, mandatory: false }], { [def.name]: hit.value });
    } catch (error) {
      if (error instanceof DomainError)
        throw restated(error, `${error.message.replace(/\.$/, '')} (mapped from JSON pointer '${pointer}').`);
      throw error;
    }
    out[def.name] = hit.value;
  }
  return out;
}
