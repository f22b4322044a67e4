import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { settings } from '../config';
import { resolvedSecret } from '../auth/keyVaultReference';

/**
 * A person who pressed an e-mail button lands on a page with a link to the process it started.
 * That link must not carry the API key (pages and their URLs end up in histories and logs), so it
 * carries `sig`: an HMAC of the job id that lets its holder read that one process and nothing else.
 * The key comes from HOOKBOOK_ENCRYPTION_KEY, else the storage connection string (which holds the
 * account key); with identity-based storage and no encryption key there is no such link.
 */
let cached: Buffer | null | undefined;

function signingKey(): Buffer | null {
  if (cached !== undefined) return cached;
  const s = settings();
  const material = resolvedSecret('HOOKBOOK_ENCRYPTION_KEY', s.encryptionKey) ?? s.storageConnection;
  cached = material ? Buffer.from(hkdfSync('sha256', material, 'hookbook', 'kompira-process-view', 32)) : null;
  return cached;
}

export function processViewSig(jobId: string, key: Buffer | null = signingKey()): string | undefined {
  if (!key) return undefined;
  return createHmac('sha256', key).update(`process-view:${jobId.toLowerCase()}`).digest('base64url').slice(0, 32);
}

export function verifyProcessViewSig(jobId: string, sig: string | null, key: Buffer | null = signingKey()): boolean {
  if (!sig) return false;
  const expected = processViewSig(jobId, key);
  if (!expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(sig);
  return a.length === b.length && timingSafeEqual(a, b);
}
