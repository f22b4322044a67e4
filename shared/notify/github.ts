import { createHmac, randomBytes } from 'node:crypto';

/**
 * GitHub-style signing, as GitHub signs its webhook deliveries: `X-Hub-Signature-256: sha256=<hex
 * HMAC-SHA256 of the body with the secret's UTF-8 bytes>`, with `X-GitHub-Delivery` (the delivery
 * id, the same on every retry) and `X-GitHub-Event`. The header holds one signature: during a
 * rotation's overlap it is made with the previous secret (receivers that have not switched yet keep
 * working) and `X-Hookbook-Signature-256-New` carries the new secret's, so a receiver can switch
 * at any time within the overlap.
 */
export const newGithubSecret = (): string => randomBytes(32).toString('hex');

export const githubSignature = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** `secrets`: the signing secrets, newest first. */
export function githubHeaders(secrets: string[], id: string, event: string, body: string): Record<string, string> {
  const [newest, previous] = secrets;
  return {
    'X-GitHub-Delivery': id,
    'X-GitHub-Event': event,
    'X-Hub-Signature-256': githubSignature(previous ?? newest!, body),
    ...(previous ? { 'X-Hookbook-Signature-256-New': githubSignature(newest!, body) } : {}),
  };
}
