import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com, the spec the `standardwebhooks` and `svix`
 * libraries verify): headers `webhook-id` (the delivery id, the same on every retry),
 * `webhook-timestamp` (seconds) and `webhook-signature`, a space-separated list of `v1,<base64
 * HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per secret that signs (two during a rotation's
 * overlap). Secrets are `whsec_<base64 of 24 random bytes>`; the HMAC key is the decoded bytes.
 */
export const newStandardSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

const keyOf = (secret: string): Buffer => Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');

export function standardSignature(secrets: string[], id: string, timestampSeconds: number, body: string): string {
  return secrets.map((s) => `v1,${createHmac('sha256', keyOf(s)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`).join(' ');
}

export function standardHeaders(secrets: string[], id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(secrets, id, timestamp, body),
  };
}
