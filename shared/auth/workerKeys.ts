import { randomBytes } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import type { RegistrationKey } from '../model/workerGroup';
import { workerStore } from '../store/workerStore';
import { forbidden, unauthorized } from '../http/errors';
import { hashSecret, randomToken, sameHash } from './secrets';
import { splitKey, verifyKey } from './keys';
import { failedAuthentication, keyIdOf } from './throttle';

/**
 * Registration keys of hybrid worker groups: `<keyId>:<secret>` like API keys (ids start with
 * `hw`), the secret shown once, only its SHA-256 stored. A registration key opens the worker routes
 * of its own group and nothing else; an API key does not open the worker routes. Revoking a key
 * takes effect at once on the instance that revoked it and within CACHE_MS on the others.
 */
const CACHE_MS = 10_000;
const cache = new Map<string, { key: RegistrationKey; hash: string; until: number }>();
const WORKER_CHALLENGE = 'Bearer realm="hookbook-worker"';

export async function createRegistrationKey(group: string, description?: string): Promise<{ key: RegistrationKey; secret: string }> {
  for (;;) {
    const keyId = `hw${randomBytes(6).toString('hex')}`;
    const secret = randomToken(32);
    const key: RegistrationKey = { keyId, group, description, createdTime: new Date().toISOString() };
    if (await workerStore.putKey({ key, secretHash: hashSecret(secret) })) return { key, secret };
  }
}

export async function revokeRegistrationKey(keyId: string): Promise<boolean> {
  cache.delete(keyId);
  return workerStore.deleteKey(keyId);
}

/** The registration key for `<keyId>:<secret>`, or undefined (unknown id, wrong secret). */
export async function verifyRegistrationKey(raw: string): Promise<RegistrationKey | undefined> {
  const split = splitKey(raw);
  if (!split || split.keyId.length > 128 || !split.keyId.startsWith('hw')) return undefined;
  const hash = hashSecret(split.secret);
  const hit = cache.get(split.keyId);
  if (hit && hit.until > Date.now()) return sameHash(hit.hash, hash) ? hit.key : undefined;
  const stored = await workerStore.getKey(split.keyId);
  if (!stored) return undefined;
  cache.set(split.keyId, { key: stored.key, hash: stored.secretHash, until: Date.now() + CACHE_MS });
  return sameHash(stored.secretHash, hash) ? stored.key : undefined;
}

function credential(req: HttpRequest): string | undefined {
  const m = /^\s*(\w+)\s+(.+?)\s*$/.exec(req.headers.get('authorization') ?? '');
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'bearer') return m[2]!;
  if (scheme === 'basic') return Buffer.from(m[2]!, 'base64').toString('utf8');
  return undefined;
}

/**
 * The worker routes' authentication: the group whose registration key the request carries (and
 * which must be the group named in the route). An API key gets 403, anything else 401.
 */
export async function authenticateWorker(req: HttpRequest, group: string): Promise<RegistrationKey> {
  const raw = credential(req);
  if (!raw)
    throw unauthorized('Authentication required: send the group registration key (Authorization: Bearer keyId:secret).', WORKER_CHALLENGE);
  const key = await verifyRegistrationKey(raw);
  if (!key) {
    if (await verifyKey(raw).catch(() => undefined))
      throw forbidden('An API key does not open the worker routes; use a registration key of the worker group.');
    // Counted per client and key id like API keys: 429 for the excess failures (shared/auth/throttle.ts).
    throw failedAuthentication(
      req,
      keyIdOf(raw),
      unauthorized('The registration key is unknown, revoked or its secret is wrong.', WORKER_CHALLENGE),
    );
  }
  if (key.group !== group) throw forbidden(`Registration key '${key.keyId}' belongs to worker group '${key.group}', not '${group}'.`);
  return key;
}

/** For the management API: a registration key is recognised (403), never accepted. */
export async function isRegistrationKey(raw: string): Promise<boolean> {
  return !!(await verifyRegistrationKey(raw).catch(() => undefined));
}
