import { describe, expect, it } from 'vitest';
import { canonicalHeaderName, isCredentialHeader, webhookRequestHeaders } from '../../shared/webhooks/headers';
import { takeToken } from '../../shared/webhooks/rateLimit';

describe('WebhookData.RequestHeader', () => {
  it('uses canonical Title-Case names', () => {
    expect(canonicalHeaderName('x-test')).toBe('X-Test');
    expect(canonicalHeaderName('content-type')).toBe('Content-Type');
    expect(canonicalHeaderName('X-HUB-SIGNATURE-256')).toBe('X-Hub-Signature-256');
    expect(canonicalHeaderName('message')).toBe('Message');
  });

  it('drops credentials and keeps the rest, including signature headers', () => {
    const out = webhookRequestHeaders([
      ['authorization', 'Bearer eyJ...'],
      ['proxy-authorization', 'Basic abc'],
      ['cookie', 'session=1'],
      ['x-functions-key', 'fkey'],
      ['x-ms-token-aad-access-token', 'tok'],
      ['x-ms-token-aad-id-token', 'tok'],
      ['x-gitlab-token', 'gl'],
      ['x-api-key', 'k'],
      ['ocp-apim-subscription-key', 'k'],
      ['x-client-secret', 's'],
      ['x-hub-signature-256', 'sha256=00'],
      ['webhook-signature', 'v1,abc'],
      ['webhook-id', 'msg_1'],
      ['x-test', 'hello'],
      ['content-type', 'application/json'],
      ['message', 'StartedbyContoso'],
      ['idempotency-key', 'abc'],
    ]);
    expect(out).toEqual({
      'X-Hub-Signature-256': 'sha256=00',
      'Webhook-Signature': 'v1,abc',
      'Webhook-Id': 'msg_1',
      'X-Test': 'hello',
      'Content-Type': 'application/json',
      Message: 'StartedbyContoso',
      'Idempotency-Key': 'abc',
    });
  });

  it('redacts the token wherever a proxy copied the URL into a header', () => {
    const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';
    const out = webhookRequestHeaders(
      [
        ['x-original-url', `/webhooks?token=${token}&x=1`],
        ['x-waws-unencoded-url', `/webhooks?token=${encodeURIComponent(token)}`],
      ],
      [token, encodeURIComponent(token)],
    );
    expect(JSON.stringify(out)).not.toContain(token);
    expect(out['X-Original-Url']).toBe('/webhooks?token=***&x=1');
  });

  it('knows credential names', () => {
    for (const n of ['Authorization', 'Cookie', 'x-functions-key', 'X-MS-TOKEN-AAD-REFRESH-TOKEN', 'x-auth-token', 'x-password'])
      expect(isCredentialHeader(n), n).toBe(true);
    for (const n of ['x-test', 'user-agent', 'x-hub-signature-256', 'x-github-delivery', 'x-forwarded-for', 'idempotency-key'])
      expect(isCredentialHeader(n), n).toBe(false);
  });
});

describe('rate limit token bucket', () => {
  it('allows a burst of `requests`, then answers the wait, and refills over time', () => {
    const limit = { requests: 3, perSeconds: 60 };
    const t0 = 1_000_000;
    expect([takeToken('a', limit, t0), takeToken('a', limit, t0), takeToken('a', limit, t0)]).toEqual([0, 0, 0]);
    expect(takeToken('a', limit, t0)).toBe(20);
    expect(takeToken('a', limit, t0 + 10_000)).toBe(10);
    expect(takeToken('a', limit, t0 + 20_000)).toBe(0);
    expect(takeToken('b', limit, t0)).toBe(0); // per webhook
  });
});
