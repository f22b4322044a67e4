// Webhooks beyond Azure (opt-in per webhook): signatures (GitHub, Standard Webhooks, plain
// HMAC-SHA256), de-duplication of redeliveries, parameterMap from the JSON body, rate limit, Entra
// ID bearer tokens; and the azure-monitor-alert sample with the common alert schema.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { api, type Api } from '../support/api';
import { createHook, invoke, jobCount, jobOf, outputText, paramRunbook } from './webhooks-support';

let a: Api;
let url: string;
beforeAll(() => {
  url = inject('hookbookUrl');
  a = api(url, inject('hookbookAdminKey'));
});

const hex = (secret: string | Buffer, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const nowSeconds = () => Math.floor(Date.now() / 1000);
function standardSignature(secret: string, id: string, ts: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
}

describe('signatures', () => {
  it('github: X-Hub-Signature-256 good → 202; bad, missing, malformed → 401; the secret is never shown again', async () => {
    const secret = 'gh-secret-0123456789abcdef';
    const hook = await createHook(a, { runbook: 'webhook-echo', signature: { scheme: 'github', secret } });
    expect(hook.body.signature).toEqual({ scheme: 'github' }); // caller-chosen secret: not echoed
    const body = '{"zen":"Keep it logically awesome.","hook_id":1}';
    const id = await jobOf(
      a,
      await invoke(url, hook.path, body, {
        'Content-Type': 'application/json',
        'X-Hub-Signature-256': `sha256=${hex(secret, body)}`,
        'X-Test': 'gh',
      }),
    );
    expect(await outputText(a, id)).toBe(`WebhookName=${hook.name}\n${body}\nX-Test=gh`);
    const job = (await a.call('GET', `/api/v1/jobs/${id}`)).json;
    expect(job.parameters.WebhookData.RequestHeader['X-Hub-Signature-256']).toBe(`sha256=${hex(secret, body)}`);

    for (const [what, headers] of [
      ['bad', { 'X-Hub-Signature-256': `sha256=${hex('wrong-secret-0123456789', body)}` }],
      ['missing', {}],
      ['malformed', { 'X-Hub-Signature-256': hex(secret, body) }],
      ['over another body', { 'X-Hub-Signature-256': `sha256=${hex(secret, body + ' ')}` }],
    ] as [string, Record<string, string>][]) {
      const r = await invoke(url, hook.path, body, headers);
      expect(r.status, what).toBe(401);
      expect(r.text, what).toMatch(/X-Hub-Signature-256/);
      expect(r.text).not.toContain(secret);
    }
    for (const r of [
      await a.call('GET', `/api/v1/webhooks/${hook.name}`),
      await a.call('GET', '/api/v1/webhooks'),
      await a.call('GET', `/api/v1/jobs/${id}`),
    ]) {
      expect(r.text).not.toContain(secret);
    }
  });

  it('standard-webhooks: good (and rotated) → 202; bad, missing, stale, future → 401; a generated secret is shown once', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo', signature: { scheme: 'standard-webhooks' } });
    const secret = hook.body.signature.secret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const body = '{"type":"invoice.paid","data":{"id":"in_1","amount":42}}';
    const send = (sig: string, ts: number, id = `msg_${randomUUID()}`) =>
      invoke(url, hook.path, body, {
        'Content-Type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': sig,
      });

    let id = `msg_${randomUUID()}`;
    let ts = nowSeconds();
    await jobOf(a, await send(standardSignature(secret, id, ts, body), ts, id));
    // Rotation: the sender signs with an old and the current secret; any match passes.
    id = `msg_${randomUUID()}`;
    const old = standardSignature('whsec_' + Buffer.alloc(24, 7).toString('base64'), id, ts, body);
    await jobOf(a, await send(`${old} ${standardSignature(secret, id, ts, body)}`, ts, id));

    const cases: [string, () => Promise<{ status: number; text: string }>, RegExp][] = [
      ['bad', () => send(old, ts), /no v1 signature matches/],
      [
        'missing',
        () => invoke(url, hook.path, body, { 'Content-Type': 'application/json' }),
        /webhook-id, webhook-timestamp, webhook-signature missing/,
      ],
      [
        'stale',
        () => {
          const t = nowSeconds() - 600;
          id = `msg_${randomUUID()}`;
          return send(standardSignature(secret, id, t, body), t, id);
        },
        /stale/,
      ],
      [
        'future',
        () => {
          const t = nowSeconds() + 600;
          id = `msg_${randomUUID()}`;
          return send(standardSignature(secret, id, t, body), t, id);
        },
        /future/,
      ],
      [
        'id swapped',
        () => {
          ts = nowSeconds();
          return send(standardSignature(secret, 'msg_a', ts, body), ts, 'msg_b');
        },
        /no v1 signature matches/,
      ],
    ];
    for (const [what, call, message] of cases) {
      const r = await call();
      expect(r.status, what).toBe(401);
      expect(r.text, what).toMatch(message);
    }
    const got = await a.call('GET', `/api/v1/webhooks/${hook.name}`);
    expect(got.json.signature).toEqual({ scheme: 'standard-webhooks' });
    expect(got.text).not.toContain(secret.slice(6));
  });

  it('hmac-sha256 in a chosen header; refuses a bad secret format for standard-webhooks; PATCH can replace or remove it', async () => {
    const secret = 'plain-hmac-secret-0123456789';
    const hook = await createHook(a, { runbook: 'webhook-echo', signature: { scheme: 'hmac-sha256', secret, header: 'X-Acme-Signature' } });
    expect(hook.body.signature).toEqual({ scheme: 'hmac-sha256', header: 'X-Acme-Signature' });
    const body = 'event=deploy&env=prod';
    await jobOf(a, await invoke(url, hook.path, body, { 'X-Acme-Signature': hex(secret, body) }));
    expect((await invoke(url, hook.path, body, { 'X-Signature': hex(secret, body) })).status).toBe(401);
    expect((await invoke(url, hook.path, body, { 'X-Acme-Signature': hex('x'.repeat(20), body) })).status).toBe(401);

    const badFormat = await a.call('POST', '/api/v1/webhooks', {
      name: `bad-${randomUUID().slice(0, 8)}`,
      runbook: 'webhook-echo',
      signature: { scheme: 'standard-webhooks', secret: 'not-a-whsec-secret-at-all' },
    });
    expect(badFormat.status).toBe(400);
    expect(badFormat.json.detail).toMatch(/whsec_/);
    const badHeader = await a.call('POST', '/api/v1/webhooks', {
      name: `bad-${randomUUID().slice(0, 8)}`,
      runbook: 'webhook-echo',
      signature: { scheme: 'github', secret, header: 'X-Other' },
    });
    expect(badHeader.status).toBe(400);

    // A generated replacement is shown in the PATCH answer, once.
    const rotated = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { signature: { scheme: 'github' } });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.json.signature.secret as string;
    expect(newSecret.length).toBeGreaterThanOrEqual(40);
    expect((await a.call('GET', `/api/v1/webhooks/${hook.name}`)).text).not.toContain(newSecret);
    expect((await invoke(url, hook.path, body, { 'X-Acme-Signature': hex(secret, body) })).status).toBe(401);
    await jobOf(a, await invoke(url, hook.path, body, { 'X-Hub-Signature-256': `sha256=${hex(newSecret, body)}` }));

    const removed = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { signature: null });
    expect(removed.json.signature).toBeUndefined();
    await jobOf(a, await invoke(url, hook.path, body));
  });
});

describe('de-duplication', () => {
  it('a redelivery by Idempotency-Key, X-GitHub-Delivery or webhook-id returns the same JobIds and starts nothing', async () => {
    const rb = await paramRunbook(a, [{ name: 'WebhookData', type: 'object' }]);
    const hook = await createHook(a, { runbook: rb, deduplicate: true });
    expect(hook.body.deduplicate).toBe(true);
    for (const header of ['Idempotency-Key', 'X-GitHub-Delivery', 'webhook-id']) {
      const key = randomUUID();
      const first = await jobOf(a, await invoke(url, hook.path, '{"n":1}', { [header]: key }));
      const again = await invoke(url, hook.path, '{"n":1}', { [header]: key });
      expect(await jobOf(a, again), header).toBe(first);
      expect(again.headers.get('hookbook-duplicate')).toBe('true');
      // After the job has finished, too.
      await a.waitForStatus(first, ['Completed']);
      expect(await jobOf(a, await invoke(url, hook.path, '{"n":1}', { [header]: key })), header).toBe(first);
    }
    expect(await jobCount(a, rb)).toBe(3);
    // A new delivery id, or none, starts a new job.
    const other = await jobOf(a, await invoke(url, hook.path, '{"n":2}', { 'Idempotency-Key': randomUUID() }));
    const plain = await jobOf(a, await invoke(url, hook.path, '{"n":3}'));
    expect(new Set([other, plain]).size).toBe(2);
    expect(await jobCount(a, rb)).toBe(5);
  });

  it('two concurrent identical deliveries start one job and both get its id', async () => {
    const rb = await paramRunbook(a, [{ name: 'WebhookData', type: 'object' }]);
    const hook = await createHook(a, { runbook: rb, deduplicate: true });
    for (let round = 0; round < 3; round++) {
      const key = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 4 }, () => invoke(url, hook.path, '{"same":true}', { 'X-GitHub-Delivery': key })),
      );
      const ids = await Promise.all(results.map((r) => jobOf(a, r)));
      expect(new Set(ids).size, JSON.stringify(ids)).toBe(1);
    }
    expect(await jobCount(a, rb)).toBe(3);
  });

  it('is off unless the webhook opts in', async () => {
    const rb = await paramRunbook(a, [{ name: 'WebhookData', type: 'object' }]);
    const hook = await createHook(a, { runbook: rb });
    const key = randomUUID();
    const x = await jobOf(a, await invoke(url, hook.path, '{}', { 'Idempotency-Key': key }));
    const y = await jobOf(a, await invoke(url, hook.path, '{}', { 'Idempotency-Key': key }));
    expect(x).not.toBe(y);
    expect(await jobCount(a, rb)).toBe(2);
  });

  it('a delivery whose job could not start (bad mapped parameter) can be retried with the same id', async () => {
    const rb = await paramRunbook(a, [{ name: 'Count', type: 'int', mandatory: true }]);
    const hook = await createHook(a, { runbook: rb, deduplicate: true, parameterMap: { Count: '/count' } });
    const key = randomUUID();
    expect((await invoke(url, hook.path, '{"count":"many"}', { 'Idempotency-Key': key })).status).toBe(400);
    const id = await jobOf(a, await invoke(url, hook.path, '{"count":3}', { 'Idempotency-Key': key }));
    expect((await a.waitForStatus(id, ['Completed'])).parameters).toEqual({ Count: 3 });
  });
});

describe('parameterMap', () => {
  const alert = (rule: string, severity = 'Sev3', condition = 'Fired') =>
    JSON.stringify({
      schemaId: 'azureMonitorCommonAlertSchema',
      data: {
        essentials: {
          alertId: '/subscriptions/0000/providers/Microsoft.AlertsManagement/alerts/1',
          alertRule: rule,
          severity,
          signalType: 'Metric',
          monitorCondition: condition,
          firedDateTime: '2024-05-01T10:00:00.000Z',
          alertTargetIDs: ['/subscriptions/0000/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm01'],
        },
        alertContext: {
          conditionType: 'SingleResourceMultipleMetricCriteria',
          condition: { windowSize: 'PT5M', allOf: [{ metricValue: 93.5 }] },
        },
      },
    });

  it('maps typed values from the JSON body; fixed values stay fixed; WebhookData is still passed', async () => {
    const rb = await paramRunbook(a, [
      { name: 'AlertRule', type: 'string', mandatory: true },
      { name: 'Severity', type: 'string' },
      { name: 'Target', type: 'string' },
      { name: 'Value', type: 'object' },
      { name: 'FiredAt', type: 'datetime' },
      { name: 'Team', type: 'string', mandatory: true },
      { name: 'WebhookData', type: 'object' },
    ]);
    const hook = await createHook(a, {
      runbook: rb,
      parameters: { Team: 'ops' },
      parameterMap: {
        AlertRule: '/data/essentials/alertRule',
        Severity: '/data/essentials/severity',
        Target: '/data/essentials/alertTargetIDs/0',
        Value: '/data/alertContext/condition/allOf/0',
        FiredAt: '/data/essentials/firedDateTime',
      },
    });
    expect(hook.body.parameterMap.AlertRule).toBe('/data/essentials/alertRule');
    const body = alert('cpu-high');
    const job = await a.waitForStatus(await jobOf(a, await invoke(url, hook.path, body, { 'Content-Type': 'application/json' })), [
      'Completed',
    ]);
    expect(job.parameters).toMatchObject({
      AlertRule: 'cpu-high',
      Severity: 'Sev3',
      Target: '/subscriptions/0000/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm01',
      Value: { metricValue: 93.5 },
      FiredAt: '2024-05-01T10:00:00.000Z',
      Team: 'ops',
    });
    expect(job.parameters.WebhookData.RequestBody).toBe(body);
    // A body field named like a fixed parameter changes nothing.
    const sneaky = JSON.stringify({ ...JSON.parse(alert('mem')), Team: 'attacker' });
    const j2 = await a.waitForStatus(await jobOf(a, await invoke(url, hook.path, sneaky)), ['Completed']);
    expect(j2.parameters.Team).toBe('ops');
  });

  it('400 naming the parameter for a non-JSON body, a missing mandatory value or a wrong type; optional ones may be absent', async () => {
    const rb = await paramRunbook(a, [
      { name: 'AlertRule', type: 'string', mandatory: true },
      { name: 'Count', type: 'int' },
    ]);
    const hook = await createHook(a, { runbook: rb, parameterMap: { AlertRule: '/rule', Count: '/count' } });
    const notJson = await invoke(url, hook.path, '<xml/>', { 'Content-Type': 'application/xml' });
    expect(notJson.status).toBe(400);
    expect(notJson.text).toMatch(/'AlertRule'.*not JSON/);
    const missing = await invoke(url, hook.path, '{"count":1}');
    expect(missing.status).toBe(400);
    expect(missing.text).toMatch(/Parameter 'AlertRule' .*mandatory.*'\/rule'/);
    const wrong = await invoke(url, hook.path, '{"rule":"r","count":"three"}');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toMatch(/Parameter 'Count' \(int\).*'\/count'/);
    const ok = await a.waitForStatus(await jobOf(a, await invoke(url, hook.path, '{"rule":"r"}')), ['Completed']);
    expect(ok.parameters).toEqual({ AlertRule: 'r' });
  });

  it('is checked at creation: known parameters, valid pointers, not both fixed and mapped, never WebhookData', async () => {
    const rb = await paramRunbook(a, [
      { name: 'AlertRule', type: 'string', mandatory: true },
      { name: 'WebhookData', type: 'object' },
    ]);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ parameterMap: { Nope: '/x' } }, /unknown parameter 'Nope'/],
      [{ parameterMap: { AlertRule: 'data/x' } }, /JSON pointer/],
      [{ parameterMap: { AlertRule: '/x' }, parameters: { AlertRule: 'fixed' } }, /both fixed .* and mapped/],
      [{ parameterMap: { WebhookData: '/x' }, parameters: { AlertRule: 'a' } }, /WebhookData/],
    ];
    for (const [def, message] of cases) {
      const r = await a.call('POST', '/api/v1/webhooks', { name: `pm-${randomUUID().slice(0, 8)}`, runbook: rb, ...def });
      expect(r.status, JSON.stringify(def)).toBe(400);
      expect(r.json.detail).toMatch(message);
    }
    // A mandatory parameter may be satisfied by the map instead of a fixed value.
    await createHook(a, { runbook: rb, parameterMap: { AlertRule: '/data/essentials/alertRule' } });
  });

  it('Azure Monitor action group (common alert schema) → the azure-monitor-alert sample runbook', async () => {
    const hook = await createHook(a, { runbook: 'azure-monitor-alert' });
    const out = await outputText(
      a,
      await jobOf(a, await invoke(url, hook.path, alert('cpu-high', 'Sev2', 'Fired'), { 'Content-Type': 'application/json' })),
    );
    expect(out.split('\n')).toContain('cpu-high Sev2 Fired');
    const bad = await jobOf(a, await invoke(url, hook.path, '{"not":"an alert"}'));
    const job = await a.waitForStatus(bad, ['Completed', 'Failed']);
    expect(job.status).toBe('Failed');
  });
});

describe('rate limit', () => {
  it('429 with Retry-After past the limit; other webhooks are not affected', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo', rateLimit: { requests: 2, perSeconds: 3600 } });
    await jobOf(a, await invoke(url, hook.path, '1'));
    await jobOf(a, await invoke(url, hook.path, '2'));
    const r = await invoke(url, hook.path, '3');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.text).toMatch(/2 per 3600 s/);
    const other = await createHook(a, { runbook: 'webhook-echo', rateLimit: { requests: 2, perSeconds: 3600 } });
    await jobOf(a, await invoke(url, other.path, '1'));
    // Lifting the limit lets requests through at once.
    await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { rateLimit: null });
    await jobOf(a, await invoke(url, hook.path, '4'));
    const bad = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { rateLimit: { requests: 0, perSeconds: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/rateLimit/);
  });
});

describe('Entra ID bearer tokens', () => {
  it('a webhook that requires one refuses requests without a valid token (401), and never passes the token on', async () => {
    const hook = await createHook(a, {
      runbook: 'webhook-echo',
      auth: {
        type: 'entra',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        audience: 'api://hookbook',
        requiredRole: 'ActionGroupsSecureWebhook',
        allowedAppIds: ['461e8683-5575-4561-ac7f-899cc907d62a'],
      },
    });
    expect(hook.body.auth.requiredRole).toBe('ActionGroupsSecureWebhook');
    const none = await invoke(url, hook.path, '{}');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    const forged = await invoke(url, hook.path, '{}', { Authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expect(forged.status).toBe(401);
    const bad = await a.call('POST', '/api/v1/webhooks', {
      name: `en-${randomUUID().slice(0, 8)}`,
      runbook: 'webhook-echo',
      auth: { type: 'entra', tenantId: 't' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/audience/);
  });
});

describe('Entra ID bearer tokens, end to end with a local key set', () => {
  // A stand-in for the tenant's JWKS endpoint (http is allowed for localhost only).
  let server: Server | undefined;
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('a valid token with the role from the allowed app → 202; wrong role, app, audience or expired → 401', async () => {
    const tenant = randomUUID();
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${tenant}/discovery/v2.0/keys`;
    const issuer = `https://sts.windows.net/${tenant}/`;
    const audience = 'api://hookbook-webhook-test';
    const monitorApp = '461e8683-5575-4561-ac7f-899cc907d62a';
    const hook = await createHook(a, {
      runbook: 'webhook-echo',
      auth: {
        type: 'entra',
        tenantId: tenant,
        audience,
        requiredRole: 'ActionGroupsSecureWebhook',
        allowedAppIds: [monitorApp],
        jwksUri,
        issuer,
      },
    });
    const token = (claims: Record<string, unknown>, opts: { aud?: string; exp?: string | number } = {}) =>
      new SignJWT({ tid: tenant, roles: ['ActionGroupsSecureWebhook'], appid: monitorApp, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setAudience(opts.aud ?? audience)
        .setSubject('azure-monitor')
        .setIssuedAt()
        .setExpirationTime(opts.exp ?? '10m')
        .sign(privateKey);

    const good = await token({});
    const r = await invoke(url, hook.path, '{"schemaId":"azureMonitorCommonAlertSchema"}', {
      Authorization: `Bearer ${good}`,
      'X-Test': 'secure',
    });
    const jobId = await jobOf(a, r);
    const job = await a.waitForStatus(jobId, ['Completed']);
    expect(job.parameters.WebhookData.RequestHeader.Authorization).toBeUndefined();
    expect(JSON.stringify(job)).not.toContain(good);

    const refused: [string, string][] = [
      ['no role', await token({ roles: [] })],
      ['other app', await token({ appid: randomUUID() })],
      ['other audience', await token({}, { aud: 'api://someone-else' })],
      ['expired', await token({}, { exp: Math.floor(Date.now() / 1000) - 3600 })],
    ];
    for (const [what, t] of refused) {
      const res = await invoke(url, hook.path, '{}', { Authorization: `Bearer ${t}` });
      expect(res.status, `${what}: ${res.text}`).toBe(401);
      expect(res.text).not.toContain(t);
    }
  });
});
