import { randomBytes } from 'node:crypto';
import { settings } from '../shared/config';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { route } from '../shared/http/route';
import { notFound } from '../shared/http/errors';

/**
 * The dashboard (docs/dashboard.md): the static files Vite built into dist/ui at `npm run build`,
 * served at /ui/ by the app itself, so the same package works on the local host and in Azure and
 * nothing comes from a CDN. The dashboard then calls the public management API like any client.
 *
 * Caching: files under assets/ carry a content hash in their name, so they are immutable; index.html
 * and config.json are revalidated every time (a deployment shows at the next load).
 * A strict Content-Security-Policy: scripts and style sheets from this origin only, no inline script,
 * API calls to this origin (and the Entra ID token endpoint when Entra sign-in is configured).
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** HOOKBOOK_UI_DIR, else dist/ui beside the compiled functions (Azure) or under the repo (tsx). */
export function uiDir(): string | undefined {
  const candidates = [
    settings().uiDir,
    path.resolve(__dirname, '..', 'dist', 'ui'),
    path.basename(path.resolve(__dirname, '..')) === 'dist' ? path.resolve(__dirname, '..', 'ui') : undefined,
  ].filter((d): d is string => !!d);
  return candidates.find((d) => existsSync(path.join(d, 'index.html')));
}

const authorityHost = (env?: Record<string, string | undefined>) => settings(env).entraAuthorityHost.replace(/\/+$/, '');

/** What the browser needs to offer Entra ID sign-in; null when the UI app registration is not set. */
export function uiConfig(env?: Record<string, string | undefined>): {
  entra: null | { authority: string; tenantId: string; clientId: string; scope: string };
} {
  const s = settings(env);
  const clientId = s.uiEntraClientId;
  const tenantId = s.entraTenantId;
  const audience = (s.entraAudience ?? '').split(',')[0]?.trim();
  const scope = s.uiEntraScope || (audience ? `${audience.replace(/\/+$/, '')}/.default` : '');
  if (!clientId || !tenantId || !scope) return { entra: null };
  return { entra: { authority: `${authorityHost(env)}/${tenantId}`, tenantId, clientId, scope } };
}

export function contentSecurityPolicy(env?: Record<string, string | undefined>, styleNonce?: string): string {
  const entra = uiConfig(env).entra ? ` ${new URL(authorityHost(env)).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    // The editor (CodeMirror) writes its theme into a <style> element: it carries this response's nonce.
    `style-src 'self'${styleNonce ? ` 'nonce-${styleNonce}'` : ''}`,
    // …and sets a style attribute while it builds its views (seen on the runbook page). Attributes
    // cannot load or run anything, so they alone are let through.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${entra}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

const SECURITY_HEADERS = (styleNonce?: string): Record<string, string> => ({
  'Content-Security-Policy': contentSecurityPolicy(undefined, styleNonce),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
});

const cache = new Map<string, { raw: Buffer; gzip?: Buffer }>();
/** A file's bytes, and for hashed assets their gzip too (made once: the name pins the content). */
function readAsset(file: string): { raw: Buffer; gzip?: Buffer } | undefined {
  let a = cache.get(file);
  if (!a && existsSync(file)) {
    a = { raw: readFileSync(file) };
    if (file.includes(`${path.sep}assets${path.sep}`)) {
      if (/\.(js|css|svg|json|map)$/.test(file)) a.gzip = gzipSync(a.raw, { level: 9 });
      cache.set(file, a);
    }
  }
  return a;
}

export async function serveUi(req: HttpRequest): Promise<HttpResponseInit> {
  const url = new URL(req.url);
  const rel = (req.params.path ?? '').replace(/^\/+/, '');
  if (rel === '' && !url.pathname.endsWith('/')) return { status: 301, headers: { Location: '/ui/' } };
  if (rel === 'config.json') {
    return {
      status: 200,
      headers: { ...SECURITY_HEADERS(), 'Content-Type': TYPES['.json']!, 'Cache-Control': 'no-cache' },
      body: JSON.stringify(uiConfig()),
    };
  }
  const dir = uiDir();
  if (!dir) throw notFound('The dashboard is not built: run `npm run build:ui`.');
  const name = rel === '' ? 'index.html' : rel;
  const file = path.resolve(dir, name);
  if (!file.startsWith(dir + path.sep) || name.split('/').some((s) => s.startsWith('.'))) throw notFound(`No such file: /ui/${rel}`);
  const asset = readAsset(file);
  if (!asset) throw notFound(`No such file: /ui/${rel}`);
  const body = asset.raw;
  const gzip = asset.gzip && /\bgzip\b/.test(req.headers.get('accept-encoding') ?? '') ? asset.gzip : undefined;
  const immutable = name.startsWith('assets/');
  if (name === 'index.html') {
    // A fresh nonce per page load, handed to the script in a meta tag (docs/dashboard.md, CSP).
    const nonce = randomBytes(16).toString('base64');
    const html = body.toString('utf8').replace('<head>', `<head>\n    <meta name="hookbook-style-nonce" content="${nonce}" />`);
    return {
      status: 200,
      headers: { ...SECURITY_HEADERS(nonce), 'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-cache' },
      body: req.method === 'HEAD' ? undefined : html,
    };
  }
  return {
    status: 200,
    headers: {
      ...SECURITY_HEADERS(),
      'Content-Type': TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...(asset.gzip ? { Vary: 'Accept-Encoding' } : {}),
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    },
    body: req.method === 'HEAD' ? undefined : (gzip ?? body),
  };
}

route('ui', { methods: ['GET', 'HEAD'], route: 'ui/{*path}', handler: serveUi });
