/**
 * The client's one door to the network: base URL, credentials, and an answer read whole (status,
 * headers, text, and the JSON when it parses). Never throws on a status; callers decide.
 */
import { UnreachableError } from './errors';

/** An API key (`keyId:secret`, sent as Basic) or an Entra ID / job token (sent as Bearer). */
export type Credentials = { key: string } | { bearer: string };

export interface Answer {
  status: number;
  ok: boolean;
  statusText: string;
  headers: Headers;
  text: string;
  /** The body as JSON, undefined when it is empty or not JSON. */
  json: unknown;
}

export const basicAuth = (key: string): string => `Basic ${Buffer.from(key).toString('base64')}`;

export function authorization(c: Credentials | undefined): Record<string, string> {
  if (!c) return {};
  return { Authorization: 'key' in c ? basicAuth(c.key) : `Bearer ${c.bearer}` };
}

/** `path` is relative to the base URL (which may carry a path prefix), or a whole http(s) URL. */
export function resolveUrl(baseUrl: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${baseUrl.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

/** fetch's network failures carry the system's code (ECONNREFUSED) in `cause`. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export async function send(baseUrl: string, path: string, init: RequestInit = {}): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(resolveUrl(baseUrl, path), init);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new UnreachableError(baseUrl, reasonOf(error));
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, ok: res.ok, statusText: res.statusText, headers: res.headers, text, json };
}
