import { badRequest, HttpError } from '../http/errors';

/**
 * The body of `POST <path>.execute`: runbook parameters as JSON (typed values) or as an HTML
 * form (strings, converted to the declared types later). Decisions, documented in docs/kompira.md:
 * - JSON: the object is the parameters; Kompira's wrapped form `{"parameters": {...}}` is
 *   unwrapped when the runbook declares no parameter called `parameters`.
 * - Forms: `token` (the API key, as a hidden field instead of in the URL) and `format` are the
 *   transport's own and never become parameters; neither do `csrfmiddlewaretoken` (Django's, which
 *   Kompira's own pages send) and `submit` (the usual name of a submit button), unless the
 *   runbook declares a parameter of that name. Every other unknown field is refused (400, named).
 *   A field given twice is refused too.
 */
export interface ExecuteBody {
  parameters: Record<string, unknown>;
  /** Form values are strings: convert them to the declared types. */
  coerceStrings: boolean;
  /** `token` from a form body (an API key). */
  token?: string;
  /** `format` from a form body. */
  format?: string;
}

const IGNORED_FIELDS = ['csrfmiddlewaretoken', 'submit'];

export type BodyKind = 'empty' | 'json' | 'form' | 'multipart';

export function bodyKind(contentType: string | null, bytes: Buffer): BodyKind {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (bytes.length === 0 || (bytes.toString('utf8').trim() === '' && type !== 'application/x-www-form-urlencoded')) return 'empty';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'multipart/form-data') return 'multipart';
  if (type === '' || type === 'application/json' || type.endsWith('+json') || type === 'text/json') return 'json';
  throw new HttpError(415, `Unsupported content type '${type}'; send parameters as application/json or application/x-www-form-urlencoded.`);
}

/** Form fields in order; a field's repetition is refused. */
export function formFields(entries: Iterable<[string, unknown]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw badRequest(`Form field '${name}' is a file; parameters are text fields.`);
    if (out.has(name)) throw badRequest(`Form field '${name}' is given more than once.`);
    out.set(name, value);
  }
  return out;
}

/** Splits form fields into the transport's own and the runbook's parameters. */
export function fromForm(fields: Map<string, string>, declared: readonly string[]): ExecuteBody {
  const isDeclared = new Set(declared.map((d) => d.toLowerCase()));
  const parameters: Record<string, unknown> = {};
  const body: ExecuteBody = { parameters, coerceStrings: true };
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (name === '') continue;
    if (!isDeclared.has(lower)) {
      if (lower === 'token') {
        body.token = value;
        continue;
      }
      if (lower === 'format') {
        body.format = value;
        continue;
      }
      if (IGNORED_FIELDS.includes(lower)) continue;
    }
    parameters[name] = value;
  }
  return body;
}

export function fromJson(text: string, declared: readonly string[]): ExecuteBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badRequest(`Request body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest('Request body must be a JSON object of parameter name → value.');
  let parameters = value as Record<string, unknown>;
  const keys = Object.keys(parameters);
  const wrapped = parameters.parameters;
  if (
    keys.length === 1 &&
    keys[0] === 'parameters' &&
    wrapped !== null &&
    typeof wrapped === 'object' &&
    !Array.isArray(wrapped) &&
    !declared.some((d) => d.toLowerCase() === 'parameters')
  ) {
    parameters = wrapped as Record<string, unknown>;
  }
  return { parameters, coerceStrings: false };
}
