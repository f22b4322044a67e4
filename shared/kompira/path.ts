import { badRequest, notFound } from '../http/errors';
import { settings } from '../config';
import { isJobId } from '../jobs/ids';

/**
 * Kompira addresses objects by path under a base (`/kompira/root/restart_process`). This module
 * turns the part after the base into a target, and refuses anything that smells of traversal
 * before any lookup happens. Lookups go through the runbook catalog only, never the file system,
 * so this is defence in depth: a path is a list of plain segments or it is nothing.
 */
export const DEFAULT_BASE = '/kompira';
const SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_PATH_CHARS = 512;
export const EXECUTE_SUFFIX = '.execute';

export type KompiraTarget =
  /** A jobflow (runbook) or a folder; `path` is `/` for the root. */
  { kind: 'object'; path: string; execute: boolean } | { kind: 'process'; jobId: string };

/** `HOOKBOOK_KOMPIRA_BASE` → `/kompira` form: leading slash, no trailing slash, `''` for the root. */
export function normaliseBase(raw: string | undefined): string {
  const value = (raw ?? '').trim();
  if (value === '') return DEFAULT_BASE;
  const segments = value.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (!SEGMENT.test(s)) throw new Error(`HOOKBOOK_KOMPIRA_BASE '${value}': segment '${s}' must hold only letters, digits, "_" and "-".`);
  }
  return segments.length ? '/' + segments.join('/') : '';
}

/** The Functions route template for a base: `kompira/{*path}` (or `{*path}` at the root). */
export function routeTemplate(base: string): string {
  return [base.replace(/^\//, ''), '{*path}'].filter(Boolean).join('/');
}

/** A path for messages: clipped, control characters shown as escapes. */
export function describePath(p: string): string {
  const clipped = p.length > 120 ? p.slice(0, 120) + '…' : p;
  return JSON.stringify(clipped).slice(1, -1);
}

/**
 * Traversal and smuggling checks on the request URL's pathname as the platform gave it (still
 * percent-encoded): encoded slashes, backslashes, NUL and dot segments never belong to a Kompira path.
 */
export function checkEncodedPathname(pathname: string): void {
  if (/%(2f|5c|00)/i.test(pathname)) throw badRequest('The path holds an encoded "/", "\\" or NUL; object paths are plain segments.');
  if (/%2e/i.test(pathname)) throw badRequest('The path holds an encoded "."; object paths never contain dot segments.');
  if (/\/\/+/.test(pathname)) throw badRequest('The path holds an empty segment ("//"); object paths are plain segments.');
}

/**
 * `rest` is the decoded part after the base (the `{*path}` route parameter), e.g.
 * `root/restart_process.execute`. Malformed paths are 400 (traversal) or 404 (no such object).
 */
export function parseTarget(rest: string | undefined): KompiraTarget {
  let p = rest ?? '';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p))
    throw badRequest('The path holds a control character (such as NUL); object paths are plain segments.');
  if (p.includes('\\')) throw badRequest('The path holds a backslash; object paths use "/" between plain segments.');
  if (p.length > MAX_PATH_CHARS) throw badRequest(`The path is ${p.length} characters long; at most ${MAX_PATH_CHARS}.`);
  p = p.replace(/^\//, '');
  if (p.endsWith('/')) p = p.slice(0, -1);
  if (p === '') return { kind: 'object', path: '/', execute: false };
  const segments = p.split('/');
  for (const s of segments) {
    if (s === '') throw badRequest('The path holds an empty segment ("//"); object paths are plain segments.');
    if (s === '.' || s === '..') throw badRequest(`The path holds a '${s}' segment; relative paths are not allowed.`);
  }
  let execute = false;
  const last = segments[segments.length - 1]!;
  if (last.toLowerCase().endsWith(EXECUTE_SUFFIX) && last.length > EXECUTE_SUFFIX.length) {
    execute = true;
    segments[segments.length - 1] = last.slice(0, -EXECUTE_SUFFIX.length);
  }
  const path = '/' + segments.join('/');
  if (!segments.every((s) => SEGMENT.test(s))) throw notFound(`No object at '${describePath(path)}'.`);
  if (!execute && segments.length === 2 && segments[0]!.toLowerCase() === 'process' && isJobId(segments[1]!)) {
    return { kind: 'process', jobId: segments[1]!.toLowerCase() };
  }
  return { kind: 'object', path, execute };
}

/** `/root/restart_process` → `/root`; `/root` → `/`. */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The last segment (Kompira's display name); `/` for the root. */
export function baseName(path: string): string {
  return path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1);
}

/**
 * The direct children of `folder` implied by a set of jobflow paths: sub-folders (one segment
 * deeper, with jobflows somewhere below) and jobflows directly inside. Matching ignores case,
 * as the catalog does.
 */
export function childrenOf(folder: string, paths: readonly string[]): { folders: string[]; jobflows: string[] } {
  const prefix = folder === '/' ? '/' : folder.toLowerCase() + '/';
  const folders = new Map<string, string>();
  const jobflows: string[] = [];
  for (const p of paths) {
    if (!p.toLowerCase().startsWith(prefix)) continue;
    const rest = p.slice(prefix.length);
    const i = rest.indexOf('/');
    if (i < 0) jobflows.push(p);
    else {
      const child = p.slice(0, prefix.length + i);
      if (!folders.has(child.toLowerCase())) folders.set(child.toLowerCase(), child);
    }
  }
  const byPath = (a: string, b: string) => a.localeCompare(b);
  return { folders: [...folders.values()].sort(byPath), jobflows: jobflows.sort(byPath) };
}

/** True when some jobflow lies below `path` (so `path` is a folder); the root always is one. */
export function isFolder(path: string, paths: readonly string[]): boolean {
  if (path === '/') return true;
  const prefix = path.toLowerCase() + '/';
  return paths.some((p) => p.toLowerCase().startsWith(prefix));
}

/**
 * The configured base (app setting HOOKBOOK_KOMPIRA_BASE: `/kompira` when unset or empty, `/` for
 * the site root). Read from the environment when the routes are registered: a Functions route is
 * fixed at registration, so a change needs a restart, like any app setting.
 */
export const configuredBase = (env?: Record<string, string | undefined>): string => normaliseBase(settings(env).kompiraBase);
