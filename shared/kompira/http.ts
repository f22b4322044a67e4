import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { authenticate, presentedCredential } from '../auth/authenticate';
import { verifyKey } from '../auth/keys';
import { failedAuthentication, keyIdOf } from '../auth/throttle';
import { badRequest, forbidden, unauthorized, type HttpError } from '../http/errors';
import type { ErrorFormatter } from '../http/respond';
import { roleAtLeast, type Principal, type Role } from '../model/apiKey';
import { errorPage, PAGE_HEADERS } from './html';
import { HtmlPage, KompiraDetail } from './schemas';

/**
 * Kompira's HTTP conventions: a request is an API call when it sends `Accept: application/json`
 * or `?format=json` (a form may also post `format=json`); anything else is a person with a
 * browser and gets HTML. Errors are Django REST framework's `{"detail": "..."}`.
 */
export type Format = 'json' | 'html';

export function acceptsJson(accept: string | null): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part
      .trim()
      .toLowerCase()
      .split(';')
      .map((s) => s.trim());
    if (type !== 'application/json') return false;
    const q = params.find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  });
}

/** The format asked for; `bodyFormat` is a form's `format` field. Unknown formats are refused. */
export function requestedFormat(query: URLSearchParams, accept: string | null, bodyFormat?: string): Format {
  const asked = query.get('format') ?? bodyFormat;
  if (asked !== undefined && asked !== null && asked !== '') {
    const f = asked.toLowerCase();
    if (f === 'json' || f === 'html') return f;
    throw badRequest(`Unknown format '${asked.slice(0, 40)}'; use format=json (or format=html).`);
  }
  return acceptsJson(accept) ? 'json' : 'html';
}

/** Same as requestedFormat, but never throws: for error responses. */
export function formatForError(req: HttpRequest): Format {
  const asked = req.query.get('format')?.toLowerCase();
  if (asked === 'json') return 'json';
  if (asked === 'html') return 'html';
  return acceptsJson(req.headers.get('accept')) ? 'json' : 'html';
}

const API_HEADERS = { 'Cache-Control': 'no-store', Vary: 'Accept' };

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...API_HEADERS, ...headers },
    body: JSON.stringify(value),
  };
}

export function htmlResponse(status: number, html: string, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { ...PAGE_HEADERS, Vary: 'Accept', ...headers }, body: html };
}

/** As Kompira (Django REST framework) does: `application/json` `{"detail": ...}` to API calls, a page to browsers. */
export const kompiraErrors: ErrorFormatter = Object.assign(
  (error: HttpError, req: HttpRequest): HttpResponseInit =>
    formatForError(req) === 'json'
      ? jsonResponse(error.status, { detail: error.message }, error.headers)
      : htmlResponse(error.status, errorPage(error.status, error.message), error.headers),
  { doc: { content: { 'application/json': KompiraDetail, 'text/html': HtmlPage } } },
);

export const CHALLENGE = 'Token';

/**
 * The API key from `Authorization: Token …` (or Basic/Bearer), `?token=`, or a form's `token`
 * field (so that a mail's form can keep the key out of the URL). Never logged, never echoed.
 */
export async function authenticateKompira(req: HttpRequest, need: Role, formToken?: string): Promise<Principal> {
  if (presentedCredential(req, true)) return authenticate(req, { need, allowQuery: true, challenge: CHALLENGE });
  if (!formToken) {
    throw unauthorized(
      'Authentication credentials were not provided: send Authorization: Token <keyId:secret>, or token=<keyId:secret> in the query.',
      CHALLENGE,
    );
  }
  const principal = await verifyKey(formToken);
  if (!principal)
    throw failedAuthentication(req, keyIdOf(formToken), unauthorized('The API key is unknown or its secret is wrong.', CHALLENGE));
  if (!roleAtLeast(principal.role, need)) throw forbidden(`Key '${principal.id}' has the role ${principal.role}; this needs ${need}.`);
  return principal;
}
