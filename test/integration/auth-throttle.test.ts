// Issue 18: failed authentication is limited per client and key id (429 + Retry-After) without
// locking out the real owner; Kompira's HTML pages that start a jobflow cannot be framed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../support/host';
import { http } from '../support/http';
import { basic } from '../support/api';

let host: RunningHost;
const LIMIT = 3;

beforeAll(async () => {
  host = await startHost({ env: { HOOKBOOK_AUTH_FAILURE_LIMIT: String(LIMIT) } });
});
afterAll(async () => {
  await host?.stop();
});

const list = (key: string, headers: Record<string, string> = {}) =>
  http(host.url, 'api/v1/runbooks', { headers: { Authorization: basic(key), ...headers } });

describe('failed authentication', () => {
  it('turns into 429 with Retry-After after the limit, while the correct key keeps working', async () => {
    const keyId = host.adminKey.split(':')[0]!;
    for (let i = 0; i < LIMIT; i++) expect((await list(`${keyId}:wrong-${i}`)).status).toBe(401);
    const limited = await list(`${keyId}:wrong-again`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toMatch(/problem\+json/);
    expect(limited.text).toContain('Too many failed authentication attempts');

    // The owner is not locked out: the right secret still gets in, from the very same client.
    expect((await list(host.adminKey)).status).toBe(200);
    // Another key id from this client is counted on its own (until the client's overall limit).
    expect((await list('someone-else:wrong')).status).toBe(401);
    // Wrong credentials in other forms count too (Token scheme, the Kompira dialect).
    const kompira = await http(host.url, 'kompira/root?format=json', { headers: { Authorization: `Token ${keyId}:wrong-token` } });
    expect(kompira.status).toBe(429);
    expect(Number(kompira.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts wrong webhook tokens too: 400 until the limit, then 429', async () => {
    const post = (token: string) =>
      http(host.url, `webhooks?token=${token}`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    for (let i = 0; i < LIMIT; i++) expect((await post(`not-a-token-${i}`)).status).toBe(400);
    const limited = await post('not-a-token-either');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('Kompira HTML pages', () => {
  it('a jobflow page with its execute button cannot be framed', async () => {
    // A repository runbook as a Kompira jobflow: its page carries the execute button.
    const jobflow = '/root/restart_process';
    const page = await http(host.url, `kompira${jobflow}`, { headers: { Authorization: `Token ${host.adminKey}`, Accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });
});
