import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { badRequest, HttpError } from '../http/errors';
import type { SignatureScheme } from '../model/webhook';

/**
 * Request signatures, opt-in per webhook (pure functions: no storage, no clock unless given):
 * - `github`: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`;
 * - `standard-webhooks` (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix seconds,
 *   within 5 minutes of now), `webhook-signature: v1,<base64> [v1,<base64> ...]` over
 *   `${id}.${timestamp}.${body}` with the key in the secret `whsec_<base64>`; any matching entry
 *   passes (the sender signs with the old and the new secret while it rotates);
 * - `hmac-sha256`: `<header, default X-Signature>: <hex or base64 HMAC-SHA256 of the raw body>`,
 *   optionally prefixed `sha256=`.
 * Every comparison is constant-time. Failures are 401 with a sentence that never echoes a secret.
 */
export const TOLERANCE_SECONDS = 5 * 60;

export const DEFAULT_HEADERS: Record<SignatureScheme, string> = {
  github: 'X-Hub-Signature-256',
  'standard-webhooks': 'webhook-signature',
  'hmac-sha256': 'X-Signature',
};

export interface SignatureConfig {
  scheme: SignatureScheme;
  /** The plain signing secret (unsealed just for the check). */
  secret: string;
  /** hmac-sha256 only: the header that carries the signature. */
  header?: string;
}

export type HeaderLookup = (name: string) => string | null | undefined;

const fail = (message: string) => new HttpError(401, message, { 'WWW-Authenticate': 'Signature' });

/** A new secret in the scheme's own format. */
export function generateSigningSecret(scheme: SignatureScheme): string {
  const bytes = randomBytes(32);
  return scheme === 'standard-webhooks' ? `whsec_${bytes.toString('base64')}` : bytes.toString('base64url');
}

/** The HMAC key of a Standard Webhooks secret, or undefined when it is not `whsec_<base64>`. */
export function standardWebhooksKey(secret: string): Buffer | undefined {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  if (!m) return undefined;
  const key = Buffer.from(m[1]!, 'base64');
  return key.length >= 16 && key.length <= 128 ? key : undefined;
}

/** 400 when a caller-supplied secret cannot work with its scheme. */
export function checkSigningSecret(scheme: SignatureScheme, secret: string): void {
  if (scheme === 'standard-webhooks' && !standardWebhooksKey(secret)) {
    throw badRequest("signature.secret: a Standard Webhooks secret must look like 'whsec_<base64 of 16 to 128 random bytes>'.");
  }
}

const hmac = (key: Buffer | string, ...parts: (Buffer | string)[]): Buffer => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/** Hex (64 digits) or base64 (of 32 bytes) → bytes; undefined otherwise. */
function digestBytes(s: string): Buffer | undefined {
  const v = s.trim().replace(/^sha256=/i, '');
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const b = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return b.length === 32 ? b : undefined;
  }
  return undefined;
}

/** Throws HttpError 401 unless the request carries a valid signature of `body`. */
export function verifySignature(cfg: SignatureConfig, header: HeaderLookup, body: Buffer, nowMs = Date.now()): void {
  switch (cfg.scheme) {
    case 'github': {
      const name = DEFAULT_HEADERS.github;
      const value = header(name);
      if (!value) throw fail(`This webhook requires a GitHub signature: header ${name} is missing.`);
      const m = /^\s*sha256=([0-9a-fA-F]{64})\s*$/.exec(value);
      if (!m) throw fail(`Header ${name} must be 'sha256=<64 hex digits>'.`);
      if (!same(Buffer.from(m[1]!, 'hex'), hmac(cfg.secret, body))) throw fail(`Header ${name} does not match the request body.`);
      return;
    }
    case 'hmac-sha256': {
      const name = cfg.header ?? DEFAULT_HEADERS['hmac-sha256'];
      const value = header(name);
      if (!value) throw fail(`This webhook requires an HMAC-SHA256 signature: header ${name} is missing.`);
      const given = digestBytes(value);
      if (!given) throw fail(`Header ${name} must hold the HMAC-SHA256 of the body in hex (64 digits) or base64.`);
      if (!same(given, hmac(cfg.secret, body))) throw fail(`Header ${name} does not match the request body.`);
      return;
    }
    case 'standard-webhooks': {
      const key = standardWebhooksKey(cfg.secret);
      if (!key) throw new Error('stored Standard Webhooks secret is malformed');
      const id = header('webhook-id');
      const timestamp = header('webhook-timestamp');
      const signature = header('webhook-signature');
      const missing = [!id && 'webhook-id', !timestamp && 'webhook-timestamp', !signature && 'webhook-signature'].filter(Boolean);
      if (missing.length)
        throw fail(
          `This webhook requires a Standard Webhooks signature: header${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing.`,
        );
      if (!/^\d{1,12}$/.test(timestamp!.trim())) throw fail('Header webhook-timestamp must be Unix seconds.');
      const ts = Number(timestamp!.trim());
      if (Math.abs(nowMs / 1000 - ts) > TOLERANCE_SECONDS) {
        throw fail(
          `Header webhook-timestamp is more than ${TOLERANCE_SECONDS / 60} minutes away from the server's time; refusing a stale or future message.`,
        );
      }
      const expected = hmac(key, `${id}.${timestamp!.trim()}.`, body);
      let any = false;
      for (const entry of signature!.trim().split(/\s+/)) {
        const comma = entry.indexOf(',');
        if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
        any = true;
        if (same(Buffer.from(entry.slice(comma + 1), 'base64'), expected)) return;
      }
      throw fail(
        any ? 'Header webhook-signature: no v1 signature matches the message.' : "Header webhook-signature holds no 'v1,<base64>' entry.",
      );
    }
  }
}

/** For tests and docs: the signature headers a sender would compute. */
export function signStandardWebhook(secret: string, id: string, timestampSeconds: number, body: Buffer | string): string {
  const key = standardWebhooksKey(secret);
  if (!key) throw new Error('not a whsec_ secret');
  return `v1,${hmac(key, `${id}.${timestampSeconds}.`, body).toString('base64')}`;
}

export const hmacHex = (secret: string, body: Buffer | string): string => hmac(secret, body).toString('hex');
