/**
 * `WebhookData.RequestHeader`: the request's headers with canonical Title-Case names (Node
 * lower-cases them: `x-test` → `X-Test`), minus credentials. Signature headers stay (a runbook may
 * want to verify them again); anything that could carry the webhook's own token is redacted.
 */
const DROPPED = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-functions-key',
  'x-api-key',
  'api-key',
  'apikey',
  'ocp-apim-subscription-key',
  'x-zumo-auth',
  'x-ms-client-principal',
  'x-ms-client-principal-id',
  'x-ms-client-principal-name',
  'x-ms-client-principal-idp',
]);

/** Names that look like they carry a credential: `*-token`, `x-ms-token-*`, `*-secret`, `*-password`, `*-api-key`. */
const SECRET_NAME = /(^|[-_])(token|secret|password|passwd|apikey|api-key|credentials?)($|[-_])/i;

export function isCredentialHeader(name: string): boolean {
  const n = name.toLowerCase();
  return DROPPED.has(n) || n.startsWith('x-ms-token-') || SECRET_NAME.test(n);
}

/** `content-type` → `Content-Type`, `x-ms-foo` → `X-Ms-Foo`, `webhook-id` → `Webhook-Id`. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1) : part))
    .join('-');
}

/**
 * The headers to hand to the runbook. `redact` holds strings (the token, in raw and encoded
 * form) that must never appear in a value, e.g. in `X-Original-URL` behind a proxy.
 */
export function webhookRequestHeaders(headers: Iterable<[string, string]>, redact: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const secrets = redact.filter((s) => s.length >= 8);
  for (const [name, value] of headers) {
    if (isCredentialHeader(name)) continue;
    let v = value;
    for (const s of secrets) v = v.split(s).join('***');
    const key = canonicalHeaderName(name);
    out[key] = key in out ? `${out[key]}, ${v}` : v;
  }
  return out;
}
