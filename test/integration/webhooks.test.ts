// Azure Automation webhooks (SPEC §3, §6): management, POST /webhooks?token=, its response codes,
// WebhookData byte-for-byte, expiry and enable rules, and that a client can never override the
// webhook's parameters. Black-box, over the shared local host and Azurite.
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { api, basic, uniqueName, type Api } from '../support/api';
import { http, waitFor } from '../support/http';
import { createHook, invoke, jobOf, outputText, paramRunbook } from './webhooks-support';

let a: Api;
let url: string;
beforeAll(() => {
  url = inject('hookbookUrl');
  a = api(url, inject('hookbookAdminKey'));
});

describe('webhook management', () => {
  it('creates a webhook for a published runbook: the uri is shown once, GET and list never show it', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo' });
    const before = Date.now();
    expect(hook.body).toMatchObject({
      name: hook.name,
      runbook: 'webhook-echo',
      isEnabled: true,
      isExpired: false,
      parameters: {},
      lastInvokedTime: null,
    });
    expect(hook.uri).toMatch(new RegExp(`^${url.replace(/\/$/, '')}/webhooks\\?token=[A-Za-z0-9_-]{43,}$`));
    // Default expiry: one year.
    const expiry = Date.parse(hook.body.expiryTime);
    expect(Math.abs(expiry - (before + 365 * 24 * 3600 * 1000))).toBeLessThan(120_000);
    expect(hook.body.creationTime).toBe(hook.body.lastModifiedTime);

    const got = await a.call('GET', `/api/v1/webhooks/${hook.name}`);
    expect(got.status).toBe(200);
    expect(got.json.uri).toBeUndefined();
    expect(got.text).not.toContain(hook.token);
    expect(got.json).toMatchObject({ name: hook.name, runbook: 'webhook-echo', isEnabled: true, expiryTime: hook.body.expiryTime });

    const list = await a.call('GET', '/api/v1/webhooks?runbook=webhook-echo');
    expect(list.status).toBe(200);
    expect(list.json.value.map((w: any) => w.name)).toContain(hook.name);
    expect(list.json.value.every((w: any) => w.runbook === 'webhook-echo')).toBe(true);
    expect(list.text).not.toContain(hook.token);
    const other = await a.call('GET', '/api/v1/webhooks?runbook=root_restart_process');
    expect(other.json.value.map((w: any) => w.name)).not.toContain(hook.name);
    const all = await a.call('GET', '/api/v1/webhooks');
    expect(all.json.value.map((w: any) => w.name)).toContain(hook.name);
    expect(all.text).not.toMatch(/token=|"uri"/);
  });

  it('names are unique without regard to case; names must be valid', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo' });
    const dup = await a.call('POST', '/api/v1/webhooks', { name: hook.name.toUpperCase(), runbook: 'webhook-echo' });
    expect(dup.status).toBe(409);
    expect(dup.json.detail).toMatch(/already exists/);
    expect((await a.call('GET', `/api/v1/webhooks/${hook.name.toUpperCase()}`)).status).toBe(200);
    const bad = await a.call('POST', '/api/v1/webhooks', { name: 'no/slashes', runbook: 'webhook-echo' });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/name/);
  });

  it('refuses unpublished and unknown runbooks, past expiry, unknown fields', async () => {
    const draft = await a.createRunbook({ name: uniqueName('whdraft'), type: 'node', content: 'module.exports = async () => 1;' }, false);
    const r1 = await a.call('POST', '/api/v1/webhooks', { name: uniqueName('h'), runbook: draft });
    expect(r1.status).toBe(409);
    expect(r1.json.detail).toMatch(/not published/);
    const r2 = await a.call('POST', '/api/v1/webhooks', { name: uniqueName('h'), runbook: 'no-such-runbook' });
    expect(r2.status).toBe(404);
    expect(r2.json.detail).toMatch(/no-such-runbook/);
    const r3 = await a.call('POST', '/api/v1/webhooks', {
      name: uniqueName('h'),
      runbook: 'webhook-echo',
      expiryTime: '2001-01-01T00:00:00Z',
    });
    expect(r3.status).toBe(400);
    expect(r3.json.detail).toMatch(/expiryTime .* in the past/);
    const r4 = await a.call('POST', '/api/v1/webhooks', { name: uniqueName('h'), runbook: 'webhook-echo', expiryTime: 'next tuesday' });
    expect(r4.status).toBe(400);
    expect(r4.json.detail).toMatch(/expiryTime/);
    const r5 = await a.call('POST', '/api/v1/webhooks', { name: uniqueName('h'), runbook: 'webhook-echo', uri: 'https://evil' });
    expect(r5.status).toBe(400);
    expect(r5.json.detail).toMatch(/uri/);
    const r6 = await a.call('POST', '/api/v1/webhooks', '{not json');
    expect(r6.status).toBe(400);
  });

  it('validates parameters against the runbook: mandatory, types, unknown names, WebhookData', async () => {
    const rb = await paramRunbook(a, [
      { name: 'Target', type: 'string', mandatory: true },
      { name: 'Count', type: 'int', default: 1 },
      { name: 'WebhookData', type: 'object', mandatory: true },
    ]);
    const cases: [unknown, RegExp][] = [
      [undefined, /Parameter 'Target' is mandatory/],
      [{ Target: 5 }, /Parameter 'Target' \(string\)/],
      [{ Target: 'x', Count: 'three' }, /Parameter 'Count' \(int\)/],
      [{ Target: 'x', Nope: 1 }, /Unknown parameter 'Nope'/],
      [{ Target: 'x', WebhookData: { WebhookName: 'forged' } }, /WebhookData/],
      [{ Target: 'x', webhookdata: {} }, /webhookdata/],
    ];
    for (const [parameters, message] of cases) {
      const r = await a.call('POST', '/api/v1/webhooks', { name: uniqueName('h'), runbook: rb, ...(parameters ? { parameters } : {}) });
      expect(r.status, JSON.stringify(parameters)).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(r.json.detail).toMatch(message);
    }
    // A mandatory WebhookData needs no value: the webhook supplies it. Names match without case.
    const ok = await createHook(a, { runbook: rb, parameters: { target: 'db1' } });
    expect(ok.body.parameters).toEqual({ Target: 'db1' });
  });

  it('needs an admin key', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo' });
    expect((await http(url, '/api/v1/webhooks')).status).toBe(401);
    const key = await a.call('POST', '/api/v1/keys', { role: 'operator' });
    const op = key.json.key as string;
    const r = await http(url, `/api/v1/webhooks/${hook.name}`, { headers: { Authorization: basic(op) } });
    expect(r.status).toBe(403);
    const c = await http(url, '/api/v1/webhooks', {
      method: 'POST',
      headers: { Authorization: basic(op), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: uniqueName('h'), runbook: 'webhook-echo' }),
    });
    expect(c.status).toBe(403);
  });

  it('PATCH changes parameters, enable state and expiry; DELETE is 204 and the URL stops working', async () => {
    const rb = await paramRunbook(a, [
      { name: 'Target', type: 'string', mandatory: true },
      { name: 'Mode', type: 'string', default: 'safe' },
    ]);
    const hook = await createHook(a, { runbook: rb, parameters: { Target: 'a' } });
    const p1 = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { parameters: { Target: 'b', Mode: 'fast' } });
    expect(p1.status, p1.text).toBe(200);
    expect(p1.json.parameters).toEqual({ Target: 'b', Mode: 'fast' });
    expect(Date.parse(p1.json.lastModifiedTime)).toBeGreaterThanOrEqual(Date.parse(hook.body.lastModifiedTime));
    expect(p1.json.uri).toBeUndefined();
    const job = await jobOf(a, await invoke(url, hook.path, ''));
    expect((await a.waitForStatus(job, ['Completed'])).parameters).toEqual({ Target: 'b', Mode: 'fast' });

    const bad = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { parameters: { Mode: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/Target/);
    const badExpiry = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { expiryTime: '2000-01-01T00:00:00Z' });
    expect(badExpiry.status).toBe(400);
    const later = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000).toISOString();
    const ext = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { expiryTime: later });
    expect(ext.status).toBe(200);
    expect(ext.json.expiryTime).toBe(later);
    const unknown = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { name: 'renamed' });
    expect(unknown.status).toBe(400);

    const off = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { isEnabled: false });
    expect(off.json.isEnabled).toBe(false);
    const refused = await invoke(url, hook.path, '');
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/disabled/);
    const on = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { isEnabled: true });
    expect(on.json.isEnabled).toBe(true);
    await jobOf(a, await invoke(url, hook.path, ''));

    expect((await a.call('DELETE', `/api/v1/webhooks/${hook.name}`)).status).toBe(204);
    expect((await a.call('GET', `/api/v1/webhooks/${hook.name}`)).status).toBe(404);
    expect((await a.call('DELETE', `/api/v1/webhooks/${hook.name}`)).status).toBe(404);
    expect((await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { isEnabled: false })).status).toBe(404);
    const gone = await invoke(url, hook.path, '');
    expect(gone.status).toBe(404);
    expect(gone.text).toMatch(/deleted/);
    // The name is free again; the new webhook has a new token.
    const again = await createHook(a, { name: hook.name, runbook: rb, parameters: { Target: 'c' } });
    expect(again.token).not.toBe(hook.token);
  });

  it('expiry: an expired webhook is refused, cannot be re-enabled or extended, can be deleted', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo', expiryTime: new Date(Date.now() + 3000).toISOString() });
    await jobOf(a, await invoke(url, hook.path, 'before expiry'));
    const refused = await waitFor(
      async () => {
        const r = await invoke(url, hook.path, 'after expiry');
        return r.status === 400 ? r : undefined;
      },
      'the webhook to expire',
      20_000,
      250,
    );
    expect(refused.text).toMatch(/expired/);
    const got = await a.call('GET', `/api/v1/webhooks/${hook.name}`);
    expect(got.json.isExpired).toBe(true);
    const extend = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { expiryTime: new Date(Date.now() + 86_400_000).toISOString() });
    expect(extend.status).toBe(409);
    expect(extend.json.detail).toMatch(/expired .* cannot be extended|no longer be extended/);
    await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { isEnabled: false });
    const reenable = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { isEnabled: true });
    expect(reenable.status).toBe(409);
    expect(reenable.json.detail).toMatch(/cannot be re-enabled.*[Dd]elete/);
    expect((await a.call('DELETE', `/api/v1/webhooks/${hook.name}`)).status).toBe(204);
  });
});

describe('POST /webhooks?token= response codes', () => {
  it('202 with {"JobIds":[id]}; the job is started by webhook:<name>; lastInvokedTime is set', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo' });
    const r = await invoke(url, hook.path, '{"a":1}', { 'Content-Type': 'application/json' });
    const jobId = await jobOf(a, r);
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const job = await a.waitForStatus(jobId, ['Completed']);
    expect(job.startedBy).toBe(`webhook:${hook.name}`);
    expect(job.runbook).toBe('webhook-echo');
    const got = await a.call('GET', `/api/v1/webhooks/${hook.name}`);
    expect(got.json.lastInvokedTime).not.toBeNull();
    expect(Date.parse(got.json.lastInvokedTime)).toBeGreaterThanOrEqual(Date.parse(hook.body.creationTime));
  });

  it('400 for a missing, malformed or unknown token, as plain text', async () => {
    for (const path of [
      '/webhooks',
      '/webhooks?token=',
      '/webhooks?token=abc',
      `/webhooks?token=${'A'.repeat(43)}`,
      `/webhooks?token=${'x'.repeat(5000)}`,
    ]) {
      const r = await invoke(url, path, '{}');
      expect(r.status, path).toBe(400);
      expect(r.headers.get('content-type'), path).toMatch(/text\/plain/);
      expect(r.text, path).toMatch(/token/);
    }
  });

  it('404 when the runbook is gone', async () => {
    const rb = await paramRunbook(a, [{ name: 'WebhookData', type: 'object' }]);
    const hook = await createHook(a, { runbook: rb });
    expect((await a.call('DELETE', `/api/v1/runbooks/${rb}`)).status).toBe(204);
    const r = await invoke(url, hook.path, 'x');
    expect(r.status).toBe(404);
    expect(r.text).toMatch(/runbook/);
  });

  it('413 over 512 KB (body, or body and headers as job parameters), 202 below', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo' });
    const big = await invoke(url, hook.path, 'x'.repeat(512 * 1024 + 1), { 'Content-Type': 'text/plain' });
    expect(big.status).toBe(413);
    expect(big.text).toMatch(/512 KB/);
    // Exactly 512 KB of body is accepted, its headers on top in WebhookData included, and arrives whole.
    const edge = await jobOf(a, await invoke(url, hook.path, 'x'.repeat(512 * 1024), { 'Content-Type': 'text/plain' }));
    expect((await a.waitForStatus(edge, ['Completed', 'Failed'])).status).toBe('Completed');
    const out = await a.call('GET', `/api/external/runbook/jobs/${edge}/output/text`);
    expect(out.text.split('\n')[1]).toBe('x'.repeat(512 * 1024));
  });

  it('the OpenAPI document describes the webhook routes', async () => {
    const doc = (await http(url, '/api/openapi.json')).json;
    expect(Object.keys(doc.paths['/api/v1/webhooks'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(doc.paths['/api/v1/webhooks/{name}'])).toEqual(expect.arrayContaining(['get', 'patch', 'delete']));
    const inv = doc.paths['/webhooks'].post;
    expect(inv.security).toEqual([]);
    expect(Object.keys(inv.responses)).toEqual(expect.arrayContaining(['202', '400', '404', '413', '503']));
    expect(doc.paths['/api/v1/webhooks'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['name', 'runbook']),
    );
  });

  it('other methods are not routed (404/405, as the Functions host answers)', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo' });
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const r = await http(url, hook.path, { method });
      expect([404, 405], method).toContain(r.status);
    }
  });
});

describe('WebhookData', () => {
  const bodies: [string, string, string][] = [
    [
      'JSON with CRLF (as PowerShell ConvertTo-Json sends it)',
      'application/json',
      '[\r\n  {\r\n    "Name":  "vm01",\r\n    "ResourceGroup":  "myResourceGroup"\r\n  }\r\n]',
    ],
    ['XML', 'application/xml', '<?xml version="1.0" encoding="utf-8"?>\n<alert id="1"><name>Grüße &amp; ☃</name></alert>\n'],
    ['form data', 'application/x-www-form-urlencoded', 'name=J%C3%BCrgen&city=K%C3%B6ln&empty=&a+b=c%2Bd'],
    ['plain text, non-ASCII, tabs and trailing CRLF', 'text/plain; charset=utf-8', 'héllo wörld — 日本語 😀\tend\r\n\r\n'],
  ];
  for (const [what, type, body] of bodies) {
    it(`passes ${what} byte-for-byte, with the webhook name and X-Test`, async () => {
      const hook = await createHook(a, { runbook: 'webhook-echo' });
      const jobId = await jobOf(
        a,
        await invoke(url, hook.path, Buffer.from(body, 'utf8'), { 'Content-Type': type, 'X-Test': `t-${hook.name}` }),
      );
      expect(await outputText(a, jobId)).toBe(`WebhookName=${hook.name}\n${body}\nX-Test=t-${hook.name}`);
      const job = (await a.call('GET', `/api/v1/jobs/${jobId}`)).json;
      expect(job.parameters.WebhookData.RequestBody).toBe(body);
      expect(job.parameters.WebhookData.WebhookName).toBe(hook.name);
    });
  }

  it('RequestHeader has Title-Case names and no credentials; the token never appears', async () => {
    const hook = await createHook(a, { runbook: 'webhook-echo' });
    const jobId = await jobOf(
      a,
      await invoke(url, hook.path, 'x', {
        'x-test': 'v',
        message: 'StartedbyContoso',
        Authorization: 'Bearer some.jwt.value',
        Cookie: 'session=abc',
        'x-functions-key': 'function-key-value',
        'X-MS-TOKEN-AAD-ACCESS-TOKEN': 'aad-token-value',
        'X-Original-URL': hook.path,
      }),
    );
    const job = await a.waitForStatus(jobId, ['Completed']);
    const headers = job.parameters.WebhookData.RequestHeader;
    expect(headers['X-Test']).toBe('v');
    expect(headers.Message).toBe('StartedbyContoso');
    expect(headers['Content-Length']).toBe('1');
    for (const k of Object.keys(headers)) expect(k, k).toMatch(/^[A-Z0-9][a-z0-9]*(-[A-Z0-9][a-z0-9]*)*$/);
    const all = JSON.stringify(job);
    for (const secret of ['some.jwt.value', 'session=abc', 'function-key-value', 'aad-token-value', hook.token])
      expect(all).not.toContain(secret);
    expect(headers['X-Original-Url']).toBe('/webhooks?token=***');
  });

  it('is not passed to a runbook that does not declare it', async () => {
    const rb = await paramRunbook(a, [{ name: 'Mode', type: 'string', default: 'safe' }]);
    const hook = await createHook(a, { runbook: rb });
    const job = await a.waitForStatus(await jobOf(a, await invoke(url, hook.path, '{"Mode":"unsafe"}')), ['Completed']);
    expect(job.parameters).toEqual({ Mode: 'safe' });
  });
});

describe('a client can never override the webhook parameters', () => {
  it('neither by query string nor by body; secret values stay hidden', async () => {
    const rb = await paramRunbook(
      a,
      [
        { name: 'Target', type: 'string', mandatory: true },
        { name: 'Mode', type: 'string', default: 'safe' },
        { name: 'ApiPassword', type: 'string', secret: true },
        { name: 'WebhookData', type: 'object' },
      ],
      "module.exports = async (p, ctx) => { ctx.output(`${p.Target} ${p.Mode} ${p.ApiPassword === 'hunter2-webhook-secret' ? 'secret-ok' : 'secret-wrong'}`); };",
    );
    const hook = await createHook(a, { runbook: rb, parameters: { Target: 'prod-db', ApiPassword: 'hunter2-webhook-secret' } });
    expect(hook.body.parameters).toEqual({ Target: 'prod-db', ApiPassword: '***' });
    const attempt = JSON.stringify({
      Target: 'evil',
      Mode: 'unsafe',
      ApiPassword: 'x',
      WebhookData: { WebhookName: 'forged' },
      parameters: { Target: 'evil' },
    });
    const r = await invoke(
      url,
      `${hook.path}&Target=evil&Mode=unsafe&ApiPassword=x&WebhookData=forged&runbook=root_restart_process`,
      attempt,
      {
        'Content-Type': 'application/json',
      },
    );
    const jobId = await jobOf(a, r);
    expect(await outputText(a, jobId)).toBe('prod-db safe secret-ok');
    const job = (await a.call('GET', `/api/v1/jobs/${jobId}`)).json;
    expect(job.runbook).toBe(rb);
    expect(job.parameters.Target).toBe('prod-db');
    expect(job.parameters.Mode).toBe('safe');
    expect(job.parameters.ApiPassword).toBe('***');
    expect(job.parameters.WebhookData.WebhookName).toBe(hook.name);
    expect(job.parameters.WebhookData.RequestBody).toBe(attempt);

    // The secret is shown as *** everywhere, and *** sent back keeps it.
    const got = await a.call('GET', `/api/v1/webhooks/${hook.name}`);
    expect(got.json.parameters.ApiPassword).toBe('***');
    expect(got.text).not.toContain('hunter2');
    const p = await a.call('PATCH', `/api/v1/webhooks/${hook.name}`, { parameters: { ...got.json.parameters, Mode: 'slow' } });
    expect(p.status, p.text).toBe(200);
    expect(p.text).not.toContain('hunter2');
    expect(await outputText(a, await jobOf(a, await invoke(url, hook.path, '')))).toBe('prod-db slow secret-ok');
  });
});

describe('fuzzing the webhook routes', () => {
  it('random create, PATCH and invoke requests never get a 5xx', async () => {
    const fc = (await import('fast-check')).default;
    const rb = await paramRunbook(a, [
      { name: 'Count', type: 'int' },
      { name: 'Name', type: 'string' },
      { name: 'WebhookData', type: 'object' },
    ]);
    const target = await createHook(a, {
      runbook: rb,
      deduplicate: true,
      parameterMap: { Count: '/count' },
      rateLimit: { requests: 100_000, perSeconds: 1 },
    });
    const signed = await createHook(a, { runbook: rb, signature: { scheme: 'standard-webhooks' } });
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(null, '', '***', 'whsec_abc', '/count', '#/x/~2', '2001-01-01T00:00:00Z', '2099-01-01T00:00:00Z'),
    );
    const field = fc.constantFrom(
      'name',
      'runbook',
      'parameters',
      'isEnabled',
      'expiryTime',
      'signature',
      'deduplicate',
      'parameterMap',
      'rateLimit',
      'auth',
      'description',
      '__proto__',
      'uri',
    );
    const createBody = fc.dictionary(
      field,
      fc.oneof(
        value,
        fc.record(
          {
            scheme: fc.constantFrom('github', 'standard-webhooks', 'hmac-sha256', 'x'),
            secret: fc.string(),
            header: fc.string({ maxLength: 5 }),
          },
          { requiredKeys: [] },
        ),
        fc.dictionary(fc.constantFrom('Count', 'Name', 'WebhookData', 'x'), value),
      ),
    );
    const headerName = fc.constantFrom(
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
      'Idempotency-Key',
      'X-GitHub-Delivery',
      'X-Hub-Signature-256',
      'Content-Type',
      'X-Test',
      'Authorization',
    );
    const headerValue = fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')); // fetch refuses non-Latin-1 header values
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('create', 'patch', 'invoke', 'invoke-signed'),
        createBody,
        fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
        fc.oneof(fc.json(), fc.string({ maxLength: 100 })),
        async (kind, def, headers, raw) => {
          let r;
          if (kind === 'create')
            r = await a.call('POST', '/api/v1/webhooks', {
              runbook: rb,
              ...def,
              name: typeof def.name === 'string' ? def.name : uniqueName('fz'),
            });
          else if (kind === 'patch') r = await a.call('PATCH', `/api/v1/webhooks/${uniqueName('none')}`, def);
          else r = await invoke(url, kind === 'invoke' ? target.path : signed.path, raw, headers);
          expect(r.status, `${kind} ${JSON.stringify(def)} ${JSON.stringify(headers)} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150, interruptAfterTimeLimit: 60_000 },
    );
    // PATCH a real webhook with random bodies, too (its runbook exists, so validation runs).
    await fc.assert(
      fc.asyncProperty(createBody, async (def) => {
        const { name: _n, runbook: _r, ...patch } = def;
        const r = await a.call('PATCH', `/api/v1/webhooks/${target.name}`, patch);
        expect(r.status, `${JSON.stringify(patch)} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 60, interruptAfterTimeLimit: 30_000 },
    );
  }, 120_000);
});
