// Failed authentication, counted per client and per client and key id (docs/security.md). Over the
// limit a failure is answered 429 with Retry-After instead of 401, and a correct credential still
// works: only failures are limited, so someone hammering a key id never locks its owner out.
// Counts are per instance, in memory, for a fixed one-minute window.
import type { HttpRequest } from '@azure/functions';
import { settings } from '../config';
import type { DomainError } from '../errors';
import { HttpError, toHttpError } from '../http/errors';

const WINDOW_MS = 60_000;
/** A client may fail this many times more across all key ids than on one. */
const PER_CLIENT_FACTOR = 10;
const MAX_ENTRIES = 20_000;

interface Window {
  count: number;
  resetAt: number;
}
const windows = new Map<string, Window>();

/**
 * The caller's address: the last entry of X-Forwarded-For, which Azure's front end (and the local
 * host) append, so a client cannot choose it by sending its own header. Port removed.
 */
export function clientAddress(req: HttpRequest): string {
  const xff = req.headers.get('x-forwarded-for') ?? '';
  const last =
    xff
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .pop() ?? 'unknown';
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(last);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(last);
  return (v4 ? v4[1]! : last).replace(/^::ffff:/, '');
}

function current(key: string, now: number): Window | undefined {
  const w = windows.get(key);
  if (w && w.resetAt <= now) {
    windows.delete(key);
    return undefined;
  }
  return w;
}

function bump(key: string, now: number): void {
  const w = current(key, now);
  if (w) w.count++;
  else {
    if (windows.size >= MAX_ENTRIES) prune(now);
    windows.set(key, { count: 1, resetAt: now + WINDOW_MS });
  }
}

function prune(now: number): void {
  for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
  // Still full (a flood of distinct clients): drop the oldest windows first.
  for (const k of windows.keys()) {
    if (windows.size < MAX_ENTRIES) break;
    windows.delete(k);
  }
}

/** Seconds until this client may fail again for this key id, or undefined when under the limit. */
export function blockedFor(client: string, keyId: string, now = Date.now()): number | undefined {
  const limit = settings().authFailureLimit;
  if (limit === 0) return undefined;
  const pair = current(`${client}\n${keyId}`, now);
  const all = current(client, now);
  const over = [pair && pair.count >= limit ? pair : undefined, all && all.count >= limit * PER_CLIENT_FACTOR ? all : undefined].filter(
    Boolean,
  ) as Window[];
  if (!over.length) return undefined;
  return Math.max(1, Math.ceil((Math.max(...over.map((w) => w.resetAt)) - now) / 1000));
}

export function recordFailure(client: string, keyId: string, now = Date.now()): void {
  bump(`${client}\n${keyId}`, now);
  bump(client, now);
}

/**
 * The error for a failed authentication: 401 as given, or 429 once this client has failed too
 * often (for this key id, or at all) within the window.
 */
export function failedAuthentication(req: HttpRequest, keyId: string, unauthorized: HttpError | DomainError): HttpError {
  const client = clientAddress(req);
  const wait = blockedFor(client, keyId);
  recordFailure(client, keyId);
  if (wait === undefined) return toHttpError(unauthorized);
  return new HttpError(429, `Too many failed authentication attempts from this client; retry after ${wait} s.`, {
    'Retry-After': String(wait),
  });
}

/** The key id of a presented `keyId:secret` (or a fixed label for other credentials), for counting. */
export function keyIdOf(raw: string): string {
  const i = raw.indexOf(':');
  return i > 0 && i <= 128 ? raw.slice(0, i) : '(other)';
}

/** For tests. */
export function resetThrottle(): void {
  windows.clear();
}
