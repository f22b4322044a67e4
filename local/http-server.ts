// The HTTP front end: routes requests to the registered HTTP functions exactly like the Functions
// host would, builds the library's own HttpRequest, and writes the handler's response, streaming
// bodies as they come so that Server-Sent Events work.
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpRequest, HttpResponse, type HttpRequestInit, type HttpResponseInit } from '@azure/functions';
import type { Registration } from './functions-core';
import { createContext, invoke } from './invoke';
import { logLine, redactUrl, shortId } from './log';
import { NativeRequest } from './native-request';
import { compileRoute, matchRoute, sortRoutes, type CompiledRoute } from './routes';
import { resolveAppSettings } from './settings';

/** The host reads at most this much of a request body; the app enforces its own, smaller limits. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function buildRoutes(functions: Registration[], routePrefix: string): CompiledRoute<Registration>[] {
  const routes = functions
    .filter((f) => f.trigger.type.toLowerCase() === 'httptrigger')
    .map((f) => {
      const route = resolveAppSettings(String(f.trigger.route ?? f.name), `function ${f.name} route`);
      const methods = (f.trigger.methods as string[] | undefined) ?? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
      const template = [routePrefix, route.replace(/^\/+/, '')].filter(Boolean).join('/');
      return compileRoute(template, methods, f);
    });
  return sortRoutes(routes);
}

export interface HttpFrontEnd {
  server: http.Server;
  /** Installs the routes once the functions are loaded; until then every request gets 503. */
  setRoutes(routes: CompiledRoute<Registration>[]): void;
  /** Responses still being written (streams included). */
  openResponses(): number;
}

export function createHttpServer(): HttpFrontEnd {
  let routes: CompiledRoute<Registration>[] | undefined;
  let open = 0;
  const server = http.createServer((req, res) => {
    open++;
    res.once('close', () => open--);
    handle(req, res, routes).catch((err) => {
      logLine('host', 'error', `unexpected error while serving a request: ${(err as Error).message}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal Server Error' });
      else res.destroy();
    });
  });
  // Long runs answer late (the Azure front end cuts at 230 s); do not let node cut earlier.
  server.requestTimeout = 0;
  // Keep idle connections longer than clients do (undici: 4 s, most proxies: 60 s): when the
  // server closes first, a request already on its way on that socket fails with "other side closed".
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return { server, setRoutes: (r) => (routes = r), openResponses: () => open };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

async function handle(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  routes: CompiledRoute<Registration>[] | undefined,
): Promise<void> {
  const started = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const rawUrl = req.url ?? '/';
  const pathname = rawUrl.split('?')[0].replace(/\/{2,}/g, '/');
  const where = `${method} ${redactUrl(rawUrl)}`;
  if (!routes) return sendJson(res, 503, { error: 'The host is starting' }, { 'retry-after': '1' });

  // HEAD is served by a GET function when no function registers HEAD itself (body dropped).
  let match = matchRoute(routes, method, pathname);
  if (!match && method === 'HEAD') match = matchRoute(routes, 'GET', pathname);
  if (!match) {
    req.resume();
    sendJson(res, 404, { error: 'Not Found' });
    logLine('http', '-', where, 404, `${Date.now() - started} ms`);
    return;
  }

  const body = await readBody(req);
  if (body === 'too-large') {
    sendJson(res, 413, { error: `Request body larger than ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
    logLine(match.route.target.name, '-', where, 413, `${Date.now() - started} ms`);
    return;
  }

  const reg = match.route.target;
  const context = createContext(reg);
  const tag = `[${shortId(context.invocationId)}]`;
  let status: number | string = 'failed';
  try {
    const asMethod = method === 'HEAD' && !match.route.methods.has('HEAD') ? 'GET' : method;
    // The HTTPS listener (local/https.ts) shares this handler: links the app builds keep the scheme.
    const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
    const url = `${scheme}://${req.headers.host ?? 'localhost'}${rawUrl}`;
    const headers = withClientAddress(flattenHeaders(req.headers), req.socket.remoteAddress);
    const init: HttpRequestInit & { nativeRequest?: unknown } = {
      method: asMethod,
      url,
      body: { bytes: body },
      headers,
      // query is left out on purpose: the library then parses it from the URL, which keeps
      // repeated keys (?a=1&a=2) that a Record<string,string> would lose.
      params: match.params,
      // The library reads everything through its nativeRequest (the field its own streaming mode
      // fills; not in its public types): a light one over the bytes read above
      // (native-request.ts). Were a later version to ignore it, the fields above build its own.
      nativeRequest: new NativeRequest(url, asMethod, headers, asMethod === 'GET' || asMethod === 'HEAD' ? undefined : body),
    };
    const request = new HttpRequest(init);
    const result = await invoke(reg, request, context);
    status = await writeResponse(req, res, result, method === 'HEAD');
  } catch (err) {
    logLine(reg.name, tag, 'error:', err instanceof Error ? (err.stack ?? err.message) : String(err));
    if (!res.headersSent) sendJson(res, 500, { error: 'Internal Server Error' });
    else res.destroy();
    status = 500;
  } finally {
    logLine(reg.name, tag, where, status, `${Date.now() - started} ms`);
  }
}

/** Like Azure's front end, append the caller's address to X-Forwarded-For (rate limits read it). */
function withClientAddress(headers: Record<string, string>, address: string | undefined): Record<string, string> {
  if (!address) return headers;
  const prior = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${address}` : address;
  return headers;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Beyond this much we stop draining an oversized body and just drop the connection. */
const DRAIN_LIMIT_BYTES = 8 * MAX_BODY_BYTES;

async function readBody(req: http.IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep reading (and discarding) an oversized body before answering 413: a client that is still
    // sending when we answer would otherwise see a broken pipe instead of the 413.
    if (size > DRAIN_LIMIT_BYTES) {
      req.destroy();
      break;
    }
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks);
}

function isStreamBody(body: unknown): boolean {
  return (
    body instanceof ReadableStream ||
    body instanceof Readable ||
    (typeof body === 'object' && body !== null && (Symbol.asyncIterator in body || typeof (body as { pipe?: unknown }).pipe === 'function'))
  );
}

/** Writes a handler's result; returns the status code for the log line. */
async function writeResponse(req: http.IncomingMessage, res: http.ServerResponse, result: unknown, head: boolean): Promise<number> {
  if (result === undefined || result === null) {
    // The handler returned nothing: an empty success, as the host does for a missing response.
    res.writeHead(204).end();
    return 204;
  }
  if (typeof result !== 'object')
    throw new Error('The HTTP response must be an object with optional properties "body", "status", "headers", and "cookies".');
  const init = result as HttpResponseInit;
  const plain = plainBody(result, init);
  if (plain) {
    // The common answer (a status, a few headers, a text or bytes body) written as the library's
    // HttpResponse would write it, without building a fetch Response and reading it back: that
    // round trip through web streams was a tenth of the host's CPU per webhook call.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    if (typeof init.body === 'string' && !('content-type' in headers)) headers['content-type'] = 'text/plain;charset=UTF-8';
    headers['content-length'] = String(plain.length);
    const status = init.status ?? 200;
    res.writeHead(status, headers);
    res.end(head ? undefined : plain);
    return status;
  }
  const streaming = result instanceof HttpResponse || isStreamBody(init.body);
  // Let the library convert the body (string, Buffer, jsonBody, stream...) exactly as it does in Azure.
  const response = result instanceof HttpResponse ? result : new HttpResponse(init);
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of response.headers) if (k !== 'set-cookie') headers[k] = v;
  const cookies = [...response.headers.getSetCookie(), ...response.cookies.map(serializeCookie)];
  if (cookies.length) headers['set-cookie'] = cookies;

  if (!streaming || !response.body) {
    const bytes = Buffer.from(await response.arrayBuffer());
    if (response.body !== null || bytes.length) headers['content-length'] = String(bytes.length);
    res.writeHead(response.status, headers);
    res.end(head ? undefined : bytes);
    return response.status;
  }
  res.writeHead(response.status, headers);
  if (head) {
    await response.body.cancel().catch(() => {});
    res.end();
    return response.status;
  }
  // Send the headers now: an SSE client must see them before the first event.
  res.flushHeaders();
  const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
  // If the client goes away, pipeline destroys the source, which cancels the handler's stream.
  await pipeline(source, res).catch(() => {
    source.destroy();
  });
  void req;
  return response.status;
}

/**
 * The body of a response init that needs none of the library's conversions (no HttpResponse, no
 * jsonBody, no cookies, a plain object of string headers, a string or bytes body), as bytes; else
 * undefined.
 */
function plainBody(result: unknown, init: HttpResponseInit): Buffer | undefined {
  if (result instanceof HttpResponse || init.jsonBody !== undefined || init.cookies?.length) return undefined;
  if (init.status !== undefined && (typeof init.status !== 'number' || [101, 204, 205, 304].includes(init.status))) return undefined;
  const headers = init.headers;
  if (headers !== undefined && (typeof headers !== 'object' || Object.getPrototypeOf(headers) !== Object.prototype)) return undefined;
  if (headers && !Object.values(headers).every((v) => typeof v === 'string')) return undefined;
  const body = init.body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

function serializeCookie(c: NonNullable<HttpResponseInit['cookies']>[number]): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain) parts.push(`Domain=${c.domain}`);
  if (c.path) parts.push(`Path=${c.path}`);
  if (c.expires !== undefined) parts.push(`Expires=${new Date(c.expires).toUTCString()}`);
  if (c.maxAge !== undefined) parts.push(`Max-Age=${c.maxAge}`);
  if (c.secure) parts.push('Secure');
  if (c.httpOnly) parts.push('HttpOnly');
  if (c.sameSite) parts.push(`SameSite=${c.sameSite}`);
  return parts.join('; ');
}
