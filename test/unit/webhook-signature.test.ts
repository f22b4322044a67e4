import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/errors';
import { HttpError, toHttpError } from '../../shared/http/errors';
import {
  checkSigningSecret,
  generateSigningSecret,
  hmacHex,
  signStandardWebhook,
  standardWebhooksKey,
  verifySignature,
  type SignatureConfig,
} from '../../shared/webhooks/signature';

const body = Buffer.from('{"action":"opened","ü":"€"}\r\n', 'utf8');
const lookup = (h: Record<string, string>) => (name: string) => {
  const k = Object.keys(h).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : h[k];
};
function status(fn: () => void): number | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof HttpError || e instanceof DomainError) return toHttpError(e).status;
    throw e;
  }
}
function message(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('github X-Hub-Signature-256', () => {
  const cfg: SignatureConfig = { scheme: 'github', secret: "It's a Secret to Everybody" };
  it('accepts the documented GitHub test vector', () => {
    // From GitHub's docs ("Validating webhook deliveries").
    const payload = Buffer.from('Hello, World!');
    const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(status(() => verifySignature(cfg, lookup({ 'X-Hub-Signature-256': sig }), payload))).toBe('ok');
  });
  it('accepts a good signature (any hex case), refuses bad, missing and malformed ones with 401', () => {
    const good = `sha256=${hmacHex(cfg.secret, body)}`;
    expect(status(() => verifySignature(cfg, lookup({ 'x-hub-signature-256': good }), body))).toBe('ok');
    expect(
      status(() => verifySignature(cfg, lookup({ 'x-hub-signature-256': good.toUpperCase().replace('SHA256', 'sha256') }), body)),
    ).toBe('ok');
    expect(status(() => verifySignature(cfg, lookup({ 'x-hub-signature-256': good }), Buffer.concat([body, Buffer.from(' ')])))).toBe(401);
    expect(status(() => verifySignature(cfg, lookup({}), body))).toBe(401);
    expect(status(() => verifySignature(cfg, lookup({ 'x-hub-signature-256': hmacHex(cfg.secret, body) }), body))).toBe(401);
    expect(status(() => verifySignature(cfg, lookup({ 'x-hub-signature-256': 'sha256=zz' }), body))).toBe(401);
    expect(message(() => verifySignature(cfg, lookup({}), body))).toMatch(/X-Hub-Signature-256 is missing/);
  });
  it('never echoes the secret', () => {
    expect(message(() => verifySignature(cfg, lookup({ 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }), body))).not.toContain(
      cfg.secret,
    );
  });
});

describe('hmac-sha256 in a chosen header', () => {
  const cfg: SignatureConfig = { scheme: 'hmac-sha256', secret: 'a-long-enough-secret', header: 'X-My-Sig' };
  const digest = createHmac('sha256', cfg.secret).update(body).digest();
  it('accepts hex, sha256=hex and base64', () => {
    for (const v of [digest.toString('hex'), `sha256=${digest.toString('hex')}`, digest.toString('base64'), digest.toString('base64url')]) {
      expect(
        status(() => verifySignature(cfg, lookup({ 'x-my-sig': v }), body)),
        v,
      ).toBe('ok');
    }
  });
  it('defaults to X-Signature and refuses missing, wrong or foreign-header signatures', () => {
    const dflt = { ...cfg, header: undefined };
    expect(status(() => verifySignature(dflt, lookup({ 'X-Signature': digest.toString('hex') }), body))).toBe('ok');
    expect(status(() => verifySignature(dflt, lookup({ 'x-my-sig': digest.toString('hex') }), body))).toBe(401);
    expect(status(() => verifySignature(cfg, lookup({ 'x-my-sig': hmacHex('other-secret-xxxxxx', body) }), body))).toBe(401);
    expect(status(() => verifySignature(cfg, lookup({ 'x-my-sig': 'not a digest' }), body))).toBe(401);
  });
});

describe('Standard Webhooks', () => {
  // The test vector from the Standard Webhooks reference libraries.
  const vector = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    payload: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const headers = (sig: string, ts = String(vector.timestamp), id = vector.id) =>
    lookup({ 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig });
  const cfg: SignatureConfig = { scheme: 'standard-webhooks', secret: vector.secret };
  const at = vector.timestamp * 1000;

  it('accepts the reference test vector', () => {
    expect(signStandardWebhook(vector.secret, vector.id, vector.timestamp, vector.payload)).toBe(vector.signature);
    expect(status(() => verifySignature(cfg, headers(vector.signature), Buffer.from(vector.payload), at))).toBe('ok');
  });
  it('passes when any v1 entry matches (rotation) and ignores other versions', () => {
    const other = signStandardWebhook(generateSigningSecret('standard-webhooks'), vector.id, vector.timestamp, vector.payload);
    expect(status(() => verifySignature(cfg, headers(`v1a,abc ${other} ${vector.signature}`), Buffer.from(vector.payload), at))).toBe('ok');
    expect(status(() => verifySignature(cfg, headers(other), Buffer.from(vector.payload), at))).toBe(401);
    expect(status(() => verifySignature(cfg, headers('v1a,' + vector.signature.slice(3)), Buffer.from(vector.payload), at))).toBe(401);
  });
  it('refuses a tampered body, id or timestamp', () => {
    expect(status(() => verifySignature(cfg, headers(vector.signature), Buffer.from(vector.payload + ' '), at))).toBe(401);
    expect(
      status(() => verifySignature(cfg, headers(vector.signature, String(vector.timestamp + 1)), Buffer.from(vector.payload), at)),
    ).toBe(401);
    expect(status(() => verifySignature(cfg, headers(vector.signature, undefined, 'msg_other'), Buffer.from(vector.payload), at))).toBe(
      401,
    );
  });
  it('refuses stale and future timestamps (5 minutes either way) and missing headers', () => {
    const p = Buffer.from(vector.payload);
    expect(status(() => verifySignature(cfg, headers(vector.signature), p, at + 299_000))).toBe('ok');
    expect(status(() => verifySignature(cfg, headers(vector.signature), p, at + 301_000))).toBe(401);
    expect(status(() => verifySignature(cfg, headers(vector.signature), p, at - 301_000))).toBe(401);
    expect(message(() => verifySignature(cfg, headers(vector.signature), p, at + 3_600_000))).toMatch(/stale/);
    expect(message(() => verifySignature(cfg, lookup({ 'webhook-id': 'x' }), p, at))).toMatch(
      /webhook-timestamp, webhook-signature missing/,
    );
    expect(status(() => verifySignature(cfg, headers(vector.signature, 'yesterday'), p, at))).toBe(401);
  });
  it('checks secret formats', () => {
    expect(standardWebhooksKey(vector.secret)?.length).toBe(24);
    expect(standardWebhooksKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeUndefined();
    expect(standardWebhooksKey('whsec_c2hvcnQ=')).toBeUndefined(); // 5 bytes
    expect(() => checkSigningSecret('standard-webhooks', 'plain-secret-not-whsec')).toThrow(/whsec_/);
    expect(() => checkSigningSecret('github', 'plain-secret-is-fine')).not.toThrow();
    expect(standardWebhooksKey(generateSigningSecret('standard-webhooks'))?.length).toBe(32);
  });
});
