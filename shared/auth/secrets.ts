import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { settings } from '../config';
import { resolvedSecret } from './keyVaultReference';

/** A URL-safe random token of `bytes` random bytes. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Hash for high-entropy secrets (API key secrets, webhook tokens): SHA-256 is enough and O(1) to look up. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Compare two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

const keys = new Map<string, Buffer>();

/**
 * A 256-bit key for one purpose, derived (HKDF) from HOOKBOOK_ENCRYPTION_KEY (set it in
 * production), else from the storage connection string (good enough for Azurite, where the
 * account key is public anyway). Purposes: 'secret-parameters' (encrypts secret job parameters
 * and assets at rest), 'job-tokens' (signs job tokens).
 */
export function derivedKey(purpose: string): Buffer {
  let key = keys.get(purpose);
  if (key) return key;
  const s = settings();
  const material = resolvedSecret('HOOKBOOK_ENCRYPTION_KEY', s.encryptionKey) ?? s.storageConnection ?? s.storageAccountName;
  if (!material) throw new Error('No encryption key: set HOOKBOOK_ENCRYPTION_KEY.');
  key = Buffer.from(hkdfSync('sha256', material, 'hookbook', purpose, 32));
  keys.set(purpose, key);
  return key;
}

const encryptionKey = (): Buffer => derivedKey('secret-parameters');

/** AES-256-GCM; the result is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encrypt(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function decrypt(sealed: string): string {
  const [v, iv, tag, body] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('not an encrypted value');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey(), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
