import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { settings } from '../config';
import { KeyId, type ApiKey, type CreateKeyBody, type Principal } from '../model/apiKey';
import { keyStore } from '../store/keyStore';
import { resolvedSecret } from './keyVaultReference';
import { hashSecret, randomToken, sameHash } from './secrets';

/**
 * API keys are `<keyId>:<secret>`. The secret (32 random bytes) is shown once at creation; only
 * its SHA-256 is stored. Verified keys are cached for a short while so that a busy caller does not
 * cost a table read per request; deleting a key clears it from this instance's cache at once and
 * from others within CACHE_MS.
 */
const CACHE_MS = 30_000;
const cache = new Map<string, { principal: Principal; hash: string; until: number }>();

export async function createKey(body: z.infer<typeof CreateKeyBody>): Promise<{ key: ApiKey; secret: string }> {
  for (;;) {
    const keyId = `hk${randomBytes(6).toString('hex')}`;
    const secret = randomToken(32);
    const key: ApiKey = {
      keyId,
      role: body.role,
      runbooks: body.runbooks,
      description: body.description,
      createdTime: new Date().toISOString(),
    };
    if (await keyStore.put({ key, secretHash: hashSecret(secret) }, false)) return { key, secret };
  }
}

export async function deleteKey(keyId: string): Promise<boolean> {
  if (!KeyId.safeParse(keyId).success) return false; // no key can have that id
  cache.delete(keyId);
  return keyStore.delete(keyId);
}

/** `HOOKBOOK_BOOTSTRAP_KEY=<keyId>:<secret>` ensures an admin key with exactly that id and secret. */
export async function ensureBootstrapKey(): Promise<void> {
  // An unresolved Key Vault reference would otherwise parse as a key whose "secret" is public text.
  const raw = resolvedSecret('HOOKBOOK_BOOTSTRAP_KEY', settings().bootstrapKey);
  if (!raw) return;
  const split = splitKey(raw);
  if (!split) throw new Error('HOOKBOOK_BOOTSTRAP_KEY must be <keyId>:<secret>.');
  const id = KeyId.safeParse(split.keyId);
  if (!id.success) throw new Error(`HOOKBOOK_BOOTSTRAP_KEY: the key id ${id.error.issues[0]?.message}.`);
  const existing = await keyStore.get(split.keyId);
  const secretHash = hashSecret(split.secret);
  if (existing && existing.key.role === 'admin' && sameHash(existing.secretHash, secretHash)) return;
  await keyStore.put(
    {
      key: {
        keyId: split.keyId,
        role: 'admin',
        description: 'bootstrap key (HOOKBOOK_BOOTSTRAP_KEY)',
        createdTime: new Date().toISOString(),
      },
      secretHash,
    },
    true,
  );
}

export function splitKey(raw: string): { keyId: string; secret: string } | undefined {
  const i = raw.indexOf(':');
  if (i <= 0 || i === raw.length - 1) return undefined;
  return { keyId: raw.slice(0, i), secret: raw.slice(i + 1) };
}

let bootstrapped: Promise<void> | undefined;

/** The principal for `<keyId>:<secret>`, or undefined when the key is unknown or the secret wrong. */
export async function verifyKey(raw: string): Promise<Principal | undefined> {
  const split = splitKey(raw);
  if (!split || !KeyId.safeParse(split.keyId).success) return undefined;
  const hash = hashSecret(split.secret);
  const hit = cache.get(split.keyId);
  if (hit && hit.until > Date.now()) return sameHash(hit.hash, hash) ? hit.principal : undefined;
  if (settings().bootstrapKey) {
    bootstrapped ??= ensureBootstrapKey().catch((error) => {
      bootstrapped = undefined;
      throw error;
    });
    await bootstrapped;
  }
  const stored = await keyStore.get(split.keyId);
  if (!stored) {
    hashSecret(split.secret); // same work whether or not the key exists
    return undefined;
  }
  const principal: Principal = { id: stored.key.keyId, role: stored.key.role, runbooks: stored.key.runbooks };
  cache.set(split.keyId, { principal, hash: stored.secretHash, until: Date.now() + CACHE_MS });
  return sameHash(stored.secretHash, hash) ? principal : undefined;
}
