// The Kompira Enterprise dialect (SPEC §5, seed 003) over a real socket against the shared local
// host and Azurite: jobflows by path, .execute with JSON and form bodies, both ways to send the
// key, JSON vs HTML, folders, processes, and everything that must be refused.
import { request as rawRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { http, waitFor, type HttpResult } from '../support/http';

const url = inject('hookbookUrl');
const admin = inject('hookbookAdminKey');
const BASE = '/kompira';
const RESTART = '/root/restart_process';
const REVOKE = '/user/security/revoke-or-restore-access';
const JSON_ACCEPT = { Accept: 'application/json' };
const token = (key: string) => ({ Authorization: `Token ${key}` });
const q = (key: string) => `token=${encodeURIComponent(key)}`;

let reader: string;
let operator: string;
let limited: string;

async function mgmt(method: string, path: string, body?: unknown): Promise<HttpResult> {
  return http(url, path, {
    method,
    headers: { ...token(admin), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function newKey(role: string, runbooks?: string[]): Promise<string> {
  const r = await mgmt('POST', '/api/v1/keys', { role, runbooks, description: 'kompira test' });
  expect(r.status).toBe(201);
  return r.json.key;
}

/** The job id from the answer `"/process/<jobId>"`. */
function processId(r: HttpResult): string {
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(typeof r.json).toBe('string');
  const m = /^\/process\/([0-9a-f-]{36})$/.exec(r.json);
  expect(m, r.text).not.toBeNull();
  return m![1]!;
}

async function processWhenEnded(jobId: string, key = admin): Promise<any> {
  return waitFor(
    async () => {
      const r = await http(url, `${BASE}/process/${jobId}?format=json`, { headers: token(key) });
      return ['DONE', 'ABORTED'].includes(r.json?.status) ? r.json : undefined;
    },
    `process ${jobId} to end`,
    60_000,
    150,
  );
}

/** A request sent byte for byte (fetch would normalise `..` and backslashes away). */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = rawRequest({ host: target.hostname, port: target.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  reader = await newKey('reader');
  operator = await newKey('operator');
  limited = await newKey('operator', ['root_restart_process']);
});

describe('Kompira: jobflow objects', () => {
  it.each([RESTART, `${RESTART}.execute`])('GET %s with Accept: application/json is the jobflow as Kompira shows it', async (path) => {
    const r = await http(url, `${BASE}${path}`, { headers: { ...token(admin), ...JSON_ACCEPT } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.json).sort()).toEqual(
      [
        'abspath',
        'created',
        'description',
        'display_name',
        'extra_properties',
        'fields',
        'group_permissions',
        'id',
        'owner',
        'parent_object',
        'type_object',
        'updated',
        'user_permissions',
      ].sort(),
    );
    expect(r.json).toMatchObject({
      abspath: RESTART,
      display_name: 'restart_process',
      type_object: '/system/types/Jobflow',
      parent_object: '/root',
      extra_properties: { name: 'root_restart_process' },
      fields: { multiplicity: null, defaultCheckpointMode: false, defaultMonitoringMode: 'NOTHING' },
    });
    expect(r.json.fields.source).toContain('restarted');
    expect(r.json.fields.parameters).toEqual([{ name: 'service', type: 'string', mandatory: false, default: 'httpd', secret: false }]);
  });

  it('takes ?format=json and ?token= (the form for links)', async () => {
    const r = await http(url, `${BASE}${RESTART}?format=json&${q(reader)}`);
    expect(r.status).toBe(200);
    expect(r.json.abspath).toBe(RESTART);
    const basic = await http(url, `${BASE}${RESTART}?format=json`, {
      headers: { Authorization: `Basic ${Buffer.from(reader).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it('finds paths without regard to case', async () => {
    const r = await http(url, `${BASE}/Root/Restart_Process?format=json`, { headers: token(reader) });
    expect(r.status).toBe(200);
    expect(r.json.abspath).toBe(RESTART);
  });

  it('gives a browser a small, escaped HTML page', async () => {
    const r = await http(url, `${BASE}${RESTART}`, { headers: { ...token(reader), Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.text).toContain('<h1>Jobflow /root/restart_process</h1>');
    // The bash source is shown escaped: its quotes and $ signs are text, not markup.
    expect(r.text).toContain('echo &quot;${service} restarted&quot;');
  });

  it("lists folders in DRF's page shape: the root, /user and /user/security", async () => {
    const root = await http(url, `${BASE}/?format=json`, { headers: token(reader) });
    expect(root.status).toBe(200);
    expect(root.json).toMatchObject({ next: null, previous: null });
    const rootPaths = root.json.results.map((o: any) => o.abspath);
    expect(rootPaths).toEqual(expect.arrayContaining(['/root', '/user', '/tools', '/monitor']));
    expect(root.json.count).toBe(root.json.results.length);
    expect(root.json.results.find((o: any) => o.abspath === '/root').type_object).toBe('/system/types/Directory');

    // Without the trailing slash it is the same root folder (other suites may add folders meanwhile).
    const bare = await http(url, `${BASE}?format=json`, { headers: token(reader) });
    expect(bare.json.results.map((o: any) => o.abspath)).toEqual(expect.arrayContaining(['/root', '/user', '/tools', '/monitor']));

    const user = await http(url, `${BASE}/user?format=json`, { headers: token(reader) });
    expect(user.json.results.map((o: any) => o.abspath)).toEqual(['/user/security']);

    const security = await http(url, `${BASE}/user/security`, { headers: { ...token(reader), ...JSON_ACCEPT } });
    expect(security.json.count).toBe(1);
    expect(security.json.results[0]).toMatchObject({
      abspath: REVOKE,
      type_object: '/system/types/Jobflow',
      parent_object: '/user/security',
    });

    const html = await http(url, `${BASE}/user/security`, { headers: token(reader) });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toContain(`href="${BASE}${REVOKE}"`);
  });

  it('pages folder listings with next/previous links that never carry the key', async () => {
    const r = await http(url, `${BASE}/?format=json&page_size=1&page=2&${q(reader)}`);
    expect(r.status).toBe(200);
    expect(r.json.results).toHaveLength(1);
    expect(r.json.previous).toMatch(/page=1/);
    expect(r.json.next).toMatch(/page=3/);
    expect(r.text).not.toContain(reader.split(':')[1]);
    const bad = await http(url, `${BASE}/?format=json&page=0`, { headers: token(reader) });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/page/);
  });

  it('shows a key limited to some runbooks only those', async () => {
    const root = await http(url, `${BASE}/?format=json`, { headers: token(limited) });
    expect(root.json.results.map((o: any) => o.abspath)).toEqual(['/root']);
    const hidden = await http(url, `${BASE}${REVOKE}?format=json`, { headers: token(limited) });
    expect(hidden.status).toBe(404);
  });
});

describe('Kompira: .execute', () => {
  it('starts a jobflow as the seed does (Token header, Accept: application/json, no body) and the process completes', async () => {
    const r = await http(url, `${BASE}${RESTART}.execute`, { method: 'POST', headers: { ...token(operator), ...JSON_ACCEPT } });
    const jobId = processId(r);
    const p = await processWhenEnded(jobId);
    expect(p).toMatchObject({
      id: jobId,
      abspath: `/process/${jobId}`,
      job: RESTART,
      status: 'DONE',
      hookbook_status: 'Completed',
      result: true,
      exception: null,
      parameters: { service: 'httpd' },
    });
    expect(p.console.split('\n')).toContain('httpd restarted');
    expect(Date.parse(p.started_time)).toBeLessThanOrEqual(Date.parse(p.finished_time));
    // The same job through the management API: recorded as started by the key id, nothing more.
    const job = await mgmt('GET', `/api/v1/jobs/${jobId}`);
    expect(job.json).toMatchObject({ status: 'Completed', runbook: 'root_restart_process', startedBy: operator.split(':')[0] });
  });

  it('takes JSON parameters (also Kompira\'s {"parameters": {...}}) with ?token= and ?format=json', async () => {
    const a = processId(
      await http(url, `${BASE}${RESTART}.execute?${q(operator)}&format=json`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"service":"nginx"}',
      }),
    );
    const b = processId(
      await http(url, `${BASE}${RESTART}.execute?${q(operator)}&format=json`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"parameters":{"service":"sshd"}}',
      }),
    );
    expect((await processWhenEnded(a)).console).toContain('nginx restarted');
    expect((await processWhenEnded(b)).console).toContain('sshd restarted');
  });

  it("takes an HTML form's body, converts types, and keeps the key out of the job record", async () => {
    const secret = operator.split(':')[1]!;
    const form = new URLSearchParams({ UserName: 'someone@contoso.com', Revoke: 'false', token: operator, format: 'json' });
    const r = await http(url, `${BASE}${REVOKE}.execute`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const jobId = processId(r);
    const p = await processWhenEnded(jobId);
    expect(p.status).toBe('DONE');
    expect(p.console).toContain('## User access for someone@contoso.com has been restored.');
    expect(p.parameters).toEqual({ UserName: 'someone@contoso.com', Revoke: false });
    const job = await mgmt('GET', `/api/v1/jobs/${jobId}`);
    const streams = await mgmt('GET', `/api/v1/jobs/${jobId}/streams`);
    for (const text of [job.text, streams.text, JSON.stringify(p)]) expect(text).not.toContain(secret);
  });

  it('takes a multipart/form-data body too (a form with enctype="multipart/form-data")', async () => {
    const form = new FormData();
    form.set('service', 'ntpd');
    form.set('format', 'json');
    const jobId = processId(await http(url, `${BASE}${RESTART}.execute?${q(operator)}`, { method: 'POST', body: form }));
    expect((await processWhenEnded(jobId)).console).toContain('ntpd restarted');
  });

  it('answers a browser form (no format=json) with an HTML page linking to the process', async () => {
    const r = await http(url, `${BASE}${RESTART}.execute?${q(operator)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html,*/*;q=0.8' },
      body: 'service=cron',
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toContain('Job started');
    expect(r.text).not.toContain(operator.split(':')[1]);
    const href = /<a id="process" href="([^"]+)"/.exec(r.text)?.[1]?.replace(/&amp;/g, '&');
    expect(href).toMatch(/^\/kompira\/process\/[0-9a-f-]{36}\?sig=/);
    // The signed link shows that process to whoever holds it, without a key.
    const page = await waitFor(
      async () => {
        const p = await http(url, href!);
        return p.status === 200 && p.text.includes('id="status">DONE') ? p : undefined;
      },
      'the process page to show DONE',
      60_000,
      200,
    );
    expect(page.text).toContain('cron restarted');
    expect(page.text).toContain('<code id="result">true</code>');
    const asJson = await http(url, `${href}&format=json`);
    expect(asJson.json.status).toBe('DONE');
    // A forged signature or another job's signature is no key.
    const forged = await http(url, href!.replace(/sig=.*/, 'sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') + '&format=json');
    expect(forged.status).toBe(401);
  });

  it('refuses bad parameters with 400 naming the parameter', async () => {
    const post = (path: string, body: string, type = 'application/json') =>
      http(url, `${BASE}${path}.execute?format=json`, { method: 'POST', headers: { ...token(operator), 'Content-Type': type }, body });
    const cases: Array<[HttpResult, RegExp]> = [
      [await post(RESTART, '{"service":5}'), /'service'/],
      [await post(RESTART, '{"nope":"x"}'), /Unknown parameter 'nope'/],
      [await post(REVOKE, '{}'), /'UserName' is mandatory/],
      [await post(REVOKE, 'UserName=a%40b&Revoke=maybe', 'application/x-www-form-urlencoded'), /'Revoke'/],
      [await post(REVOKE, 'UserName=a%40b&extra=1', 'application/x-www-form-urlencoded'), /'extra'/],
      [await post(REVOKE, 'UserName=a&UserName=b', 'application/x-www-form-urlencoded'), /'UserName' is given more than once/],
      [await post(RESTART, '{not json'), /not valid JSON/],
      [await post(RESTART, '[1,2]'), /JSON object/],
    ];
    for (const [r, detail] of cases) {
      expect(r.status, r.text).toBe(400);
      expect(r.json.detail).toMatch(detail);
    }
    const text = await post(RESTART, 'hello', 'text/plain');
    expect(text.status).toBe(415);
    const query = await http(url, `${BASE}${RESTART}.execute?format=json&service=x`, { method: 'POST', headers: token(operator) });
    expect(query.status).toBe(400);
    expect(query.json.detail).toMatch(/'service'/);
  });

  it('a runbook that fails ends ABORTED with its exception', async () => {
    const r = await http(url, `${BASE}${REVOKE}.execute`, {
      method: 'POST',
      headers: { ...token(operator), ...JSON_ACCEPT, 'Content-Type': 'application/json' },
      body: '{"UserName":"nobody"}',
    });
    const p = await processWhenEnded(processId(r));
    expect(p).toMatchObject({ status: 'ABORTED', hookbook_status: 'Failed', exception: "User 'nobody' not found" });
  });

  it("queues jobs over a runbook's multiplicity instead of refusing them", async () => {
    const name = `kompira-multi-${randomBytes(3).toString('hex')}`;
    const path = `/kompiratest/${name}`;
    const created = await mgmt('POST', '/api/v1/runbooks', {
      name,
      path,
      type: 'node',
      maxConcurrency: 1,
      parameters: [{ name: 'n', type: 'int', mandatory: true }],
      content:
        'module.exports = async ({ n }, ctx) => { await new Promise((r) => setTimeout(r, 300)); ctx.output(`run ${n}`); return n; };',
    });
    expect(created.status, created.text).toBe(201);
    expect((await mgmt('POST', `/api/v1/runbooks/${name}/publish`)).status).toBe(200);
    const object = await http(url, `${BASE}${path}?format=json`, { headers: token(reader) });
    expect(object.json.fields.multiplicity).toBe(1);
    const folder = await http(url, `${BASE}/kompiratest?format=json`, { headers: token(reader) });
    expect(folder.json.results.map((o: any) => o.abspath)).toContain(path);
    const ids = [];
    for (const n of [1, 2, 3]) {
      ids.push(
        processId(
          await http(url, `${BASE}${path}.execute?format=json`, {
            method: 'POST',
            headers: { ...token(operator), 'Content-Type': 'application/x-www-form-urlencoded' },
            body: `n=${n}`,
          }),
        ),
      );
    }
    const ended = await Promise.all(ids.map((id) => processWhenEnded(id)));
    expect(ended.map((p) => [p.status, p.result])).toEqual([
      ['DONE', 1],
      ['DONE', 2],
      ['DONE', 3],
    ]);
  });
});

describe('Kompira: authentication and refusals', () => {
  it('401 with a DRF detail and a Token challenge without a key or with a wrong one', async () => {
    const none = await http(url, `${BASE}${RESTART}.execute?format=json`, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Token');
    expect(Object.keys(none.json)).toEqual(['detail']);
    expect(none.json.detail).toMatch(/credentials were not provided/);
    const wrong = await http(url, `${BASE}${RESTART}?format=json`, { headers: token(`${admin.split(':')[0]}:wrong`) });
    expect(wrong.status).toBe(401);
    expect(wrong.json.detail).toMatch(/unknown or its secret is wrong/);
    const wrongQuery = await http(url, `${BASE}${RESTART}?format=json&token=nobody:nothing`);
    expect(wrongQuery.status).toBe(401);
    const html = await http(url, `${BASE}${RESTART}`);
    expect(html.status).toBe(401);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toContain('Authentication credentials were not provided');
  });

  it('403 for a reader key executing; a reader may read', async () => {
    const r = await http(url, `${BASE}${RESTART}.execute?format=json&${q(reader)}`, { method: 'POST' });
    expect(r.status).toBe(403);
    expect(r.json.detail).toMatch(/reader/);
    const viaForm = await http(url, `${BASE}${RESTART}.execute`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `format=json&${q(reader)}`,
    });
    expect(viaForm.status).toBe(403);
    expect((await http(url, `${BASE}${RESTART}?format=json&${q(reader)}`)).status).toBe(200);
  });

  it('404 for unknown paths, folders executed, and unknown processes; 405 for POST without .execute', async () => {
    const unknown = await http(url, `${BASE}/root/no_such_flow?format=json`, { headers: token(admin) });
    expect(unknown.status).toBe(404);
    expect(unknown.json.detail).toMatch(/\/root\/no_such_flow/);
    const unknownExec = await http(url, `${BASE}/root/no_such_flow.execute?format=json`, { method: 'POST', headers: token(admin) });
    expect(unknownExec.status).toBe(404);
    const folder = await http(url, `${BASE}/user.execute?format=json`, { method: 'POST', headers: token(admin) });
    expect(folder.status).toBe(404);
    expect(folder.json.detail).toMatch(/folder/);
    const proc = await http(url, `${BASE}/process/01a20084-899d-7b3d-9db0-46c347b4d948?format=json`, { headers: token(admin) });
    expect(proc.status).toBe(404);
    const post = await http(url, `${BASE}${RESTART}?format=json`, { method: 'POST', headers: token(admin) });
    expect(post.status).toBe(405);
    expect(post.json.detail).toMatch(/\.execute/);
    const format = await http(url, `${BASE}${RESTART}?format=xml`, { headers: token(admin) });
    expect(format.status).toBe(400);
  });

  it.each([
    `${BASE}/root/../api/v1/keys`,
    `${BASE}/root/%2e%2e/root/restart_process`,
    `${BASE}/root/%2E%2E/%2e%2e/etc/passwd`,
    `${BASE}/..%2f..%2fetc/passwd`,
    `${BASE}/root%5c..%5crestart_process`,
    `${BASE}/root\\restart_process`,
    `${BASE}/root/restart_process%00.execute`,
    `${BASE}//root/restart_process`,
    `${BASE}/root//restart_process`,
    `${BASE}/./root/restart_process`,
  ])('refuses traversal %s with 400/404', async (path) => {
    for (const method of ['GET', 'POST']) {
      const r = await raw(method, `${path}${path.includes('?') ? '&' : '?'}format=json`, { Authorization: `Token ${admin}` });
      expect([400, 404], `${method} ${path}: ${r.status} ${r.body}`).toContain(r.status);
      expect(r.body).not.toMatch(/root:x:0|keyId/);
    }
  });

  it('never echoes the key in errors', async () => {
    const secret = operator.split(':')[1]!;
    const rs = await Promise.all([
      http(url, `${BASE}/nowhere?format=json&${q(operator)}`),
      http(url, `${BASE}${RESTART}.execute?format=json&${q(operator)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"x":1}',
      }),
      http(url, `${BASE}${RESTART}.execute?${q(operator)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'x=1',
      }),
    ]);
    for (const r of rs) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.text).not.toContain(secret);
    }
  });
});

describe('Kompira: the e-mail helper', () => {
  it("renders the seed's mail with a minted key limited to that runbook", async () => {
    const r = await mgmt('POST', '/api/v1/kompira/mail', {
      path: RESTART,
      subject: '[ALERT] Server Down',
      message: 'サーバーがダウンしました',
      buttonLabel: 'httpd をリブート',
      parameters: { service: 'httpd' },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ path: RESTART, subject: '[ALERT] Server Down', keyMinted: true });
    expect(r.json.url).toMatch(new RegExp(`^${url}/kompira/root/restart_process\\.execute\\?token=hk[0-9a-f]+%3A[^&]+&format=json$`));
    expect(r.json.html).toContain('<input type="submit" value="httpd をリブート" />');
    expect(r.json.html).toContain('サーバーがダウンしました');
    const key = decodeURIComponent(/token=([^&]+)/.exec(r.json.url)![1]!);
    const keys = await mgmt('GET', '/api/v1/keys');
    expect(keys.json.value.find((k: any) => k.keyId === r.json.keyId)).toMatchObject({
      role: 'operator',
      runbooks: ['root_restart_process'],
    });
    // The minted key starts this runbook and no other.
    const other = await http(url, `${BASE}${REVOKE}.execute?format=json`, {
      method: 'POST',
      headers: { ...token(key), 'Content-Type': 'application/json' },
      body: '{"UserName":"a@b"}',
    });
    expect(other.status).toBe(404);
    const mine = await http(url, r.json.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'service=httpd',
    });
    expect((await processWhenEnded(processId(mine))).status).toBe('DONE');
  });

  it('uses a given key, and refuses wrong input with problem+json', async () => {
    const given = await mgmt('POST', '/api/v1/kompira/mail', { path: RESTART, token: operator, format: 'html' });
    expect(given.status).toBe(200);
    expect(given.json.keyMinted).toBe(false);
    expect(given.json.url).toMatch(/format=html$/);
    const bad = await Promise.all([
      mgmt('POST', '/api/v1/kompira/mail', { path: '/no/such' }),
      mgmt('POST', '/api/v1/kompira/mail', { path: RESTART, token: reader }),
      mgmt('POST', '/api/v1/kompira/mail', { path: RESTART, token: 'x:y' }),
      mgmt('POST', '/api/v1/kompira/mail', { path: RESTART, parameters: { nope: 1 } }),
      mgmt('POST', '/api/v1/kompira/mail', { path: '../etc' }),
      mgmt('POST', '/api/v1/kompira/mail', { path: RESTART, extra: true }),
    ]);
    expect(bad.map((r) => r.status)).toEqual([404, 400, 400, 400, 400, 400]);
    for (const r of bad) expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    expect(bad[3]!.json.detail).toMatch(/'nope'/);
    const asOperator = await http(url, '/api/v1/kompira/mail', {
      method: 'POST',
      headers: { ...token(operator), 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: RESTART }),
    });
    expect(asOperator.status).toBe(403);
  });
});
