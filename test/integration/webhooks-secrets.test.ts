// Webhooks on a private host whose log we can read and whose storage we can take away: no token,
// credential header, signing secret or secret parameter ever appears in a log line, a job record,
// a stream or an API response after creation; and 503 + Retry-After while storage is unreachable,
// with nothing lost once it is back.
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../support/api';
import { http, startAzurite, startHost, waitFor, type RunningAzurite, type RunningHost } from '../support/host';
import { createHook, invoke, jobOf, outputText, paramRunbook } from './webhooks-support';

let storage: RunningAzurite | undefined;
let host: RunningHost;
let a: Api;
const dataDir = mkdtempSync(join(tmpdir(), 'hookbook-webhooks-'));

beforeAll(async () => {
  storage = await startAzurite({ dataDir });
  host = await startHost({
    storage: 'external',
    connectionString: storage.connectionString,
    env: { HOOKBOOK_PUBLIC_URL: 'https://hooks.example.com/base' },
  });
  a = api(host.url, host.adminKey);
});
afterAll(async () => {
  await host?.stop();
  await storage?.stop();
});

/** A path on the private host for a uri built from the public base URL. */
const localPath = (uri: string) => {
  const u = new URL(uri);
  return `/webhooks${u.search}`;
};

describe('secrets stay secret', () => {
  it('the uri uses HOOKBOOK_PUBLIC_URL; no token, credential, signing secret or secret parameter leaks anywhere', async () => {
    const signingSecret = `gh-${randomUUID()}`;
    const secretParam = `pw-${randomUUID()}`;
    const rb = await paramRunbook(
      a,
      [
        { name: 'Password', type: 'string', secret: true, mandatory: true },
        { name: 'WebhookData', type: 'object' },
      ],
      "module.exports = async (p, ctx) => { ctx.output(p.Password.startsWith('pw-') ? 'have-password' : 'no-password'); ctx.output(JSON.stringify(p.WebhookData.RequestHeader)); };",
    );
    const hook = await createHook(a, {
      runbook: rb,
      parameters: { Password: secretParam },
      signature: { scheme: 'github', secret: signingSecret },
    });
    expect(hook.uri).toMatch(/^https:\/\/hooks\.example\.com\/base\/webhooks\?token=/);
    expect(hook.body.parameters.Password).toBe('***');
    expect(JSON.stringify(hook.body)).not.toContain(signingSecret);
    expect(JSON.stringify(hook.body)).not.toContain(secretParam);

    const body = '{"event":"push"}';
    const credentials = {
      Authorization: `Bearer jwt-${randomUUID()}`,
      Cookie: `sid=${randomUUID()}`,
      'x-functions-key': `fk-${randomUUID()}`,
      'X-MS-TOKEN-AAD-ID-TOKEN': `aad-${randomUUID()}`,
    };
    const path = localPath(hook.uri);
    const r = await invoke(host.url, path, body, {
      ...credentials,
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', signingSecret).update(body).digest('hex')}`,
      'X-Original-URL': path,
    });
    const jobId = await jobOf(a, r);
    const out = await outputText(a, jobId);
    expect(out.split('\n')[0]).toBe('have-password');
    // A failed attempt with the token in the URL, too.
    expect((await invoke(host.url, path, body, { 'X-Hub-Signature-256': 'sha256=' + '0'.repeat(64) })).status).toBe(401);

    const secrets = [
      hook.token,
      encodeURIComponent(hook.token),
      signingSecret,
      secretParam,
      ...Object.values(credentials).map((v) => v.replace(/^Bearer /, '')),
    ];
    const responses = await Promise.all([
      a.call('GET', `/api/v1/jobs/${jobId}`),
      a.call('GET', `/api/v1/jobs/${jobId}/streams`),
      a.call('GET', `/api/external/runbook/jobs/${jobId}/output/streams`),
      a.call('GET', `/api/v1/jobs?runbook=${rb}`),
      a.call('GET', `/api/v1/webhooks/${hook.name}`),
      a.call('GET', '/api/v1/webhooks'),
      a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { isEnabled: true }),
      http(host.url, '/api/openapi.json'),
    ]);
    for (const res of responses) {
      expect(res.status, res.text).toBe(200);
      for (const s of secrets) expect(res.text).not.toContain(s);
    }
    const log = host.output();
    expect(log).toMatch(/webhookInvoke/);
    for (const s of secrets) expect(log).not.toContain(s);
  });
});

describe('storage outage', () => {
  it('503 with Retry-After while storage is unreachable; works again once it is back', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo' });
    const path = localPath(hook.uri);
    await jobOf(a, await invoke(host.url, path, 'before'));
    const { queuePort, tablePort } = storage!;
    await storage!.stop();
    storage = undefined;

    const r = await invoke(host.url, path, 'during', { 'X-Test': 'outage' });
    expect(r.status).toBe(503);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    expect(r.text).not.toContain(hook.token);
    const m = await a.call('GET', `/api/v1/webhooks/${hook.name}`);
    expect(m.status).toBe(503);

    storage = await startAzurite({ dataDir, queuePort, tablePort });
    const back = await waitFor(
      async () => {
        const res = await invoke(host.url, path, 'after', { 'X-Test': 'back' });
        return res.status === 202 ? res : undefined;
      },
      'the webhook to work again',
      60_000,
      500,
    );
    expect(await outputText(a, await jobOf(a, back))).toBe(`WebhookName=${hook.name}\nafter\nX-Test=back`);
  });
});
