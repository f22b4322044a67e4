// The audit trail (issue 23): every change through the management API is recorded, before it is
// made, with the caller; refused credentials and roles too; no secret in any row; a change whose
// row cannot be written is refused. Real host, real Azurite (the last test deletes the table).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/host';
import { api, basic, uniqueName, type Api } from '../support/api';
import { http } from '../support/http';

let storage: RunningAzurite;
let host: RunningHost;
let root: Api;
/** An admin key made through the API: the principal the rows must name. */
let admin: Api;
let adminId: string;
const secrets: string[] = [];

beforeAll(async () => {
  storage = await startAzurite();
  host = await startHost({
    storage: 'external',
    connectionString: storage.connectionString,
    env: { HOOKBOOK_NOTIFY_ALLOW_PRIVATE: 'true' },
  });
  root = api(host.url, host.adminKey);
  const k = await root.call('POST', '/api/v1/keys', { role: 'admin', description: 'auditor test' });
  expect(k.status).toBe(201);
  adminId = k.json.keyId;
  secrets.push(k.json.secret);
  admin = api(host.url, k.json.key);
}, 120_000);
afterAll(async () => {
  await host?.stop();
  await storage?.stop();
});

async function audit(query: string): Promise<any[]> {
  const r = await root.call('GET', `/api/v1/audit?${query}`);
  expect(r.status, r.text).toBe(200);
  return r.json.value;
}

describe('audit trail', () => {
  it('records each change with its principal, source address, resource, operation and the fields set', async () => {
    const rb = uniqueName('aud');
    const ok = async (method: string, path: string, body?: unknown) => {
      const r = await admin.call(method, path, body);
      expect(r.status, `${method} ${path}: ${r.text}`).toBeLessThan(300);
      return r.json;
    };
    await ok('POST', '/api/v1/runbooks', {
      name: rb,
      type: 'bash',
      content: 'echo hi',
      parameters: [{ name: 'Pw', type: 'string', secret: true }],
    });
    await ok('PUT', `/api/v1/runbooks/${rb}/draft`, { content: 'echo hello', parameters: [{ name: 'Pw', type: 'string', secret: true }] });
    await ok('POST', `/api/v1/runbooks/${rb}/publish`);
    const hook = await ok('POST', '/api/v1/webhooks', { name: `${rb}-hook`, runbook: rb });
    secrets.push(new URL(hook.uri).searchParams.get('token')!);
    await ok('PATCH', `/api/v1/webhooks/${rb}-hook`, { isEnabled: false });
    await ok('POST', '/api/v1/schedules', {
      name: `${rb}-sch`,
      runbook: rb,
      cronExpression: '0 0 3 * * *',
      timeZone: 'UTC',
      expiryTime: new Date(Date.now() + 86400e3).toISOString(),
    });
    const job = await ok('POST', '/api/v1/jobs', { runbook: rb, parameters: { Pw: 'pw-VALUE-91823' } });
    secrets.push('pw-VALUE-91823');
    const key2 = await ok('POST', '/api/v1/keys', { role: 'reader' });
    secrets.push(key2.secret);
    await ok('DELETE', `/api/v1/keys/${key2.keyId}`);
    const target = await ok('POST', '/api/v1/notification-targets', { name: `${rb}-t`, url: 'https://example.invalid/hook' });
    secrets.push(target.secret);
    const rotated = await ok('POST', `/api/v1/notification-targets/${rb}-t/rotate-secret`, {});
    secrets.push(rotated.secret);
    await ok('DELETE', `/api/v1/notification-targets/${rb}-t`);
    await ok('POST', '/api/v1/assets/variables', { name: `${rb}-var`, value: 'var-SECRET-5521', encrypted: true });
    secrets.push('var-SECRET-5521');
    await ok('DELETE', `/api/v1/webhooks/${rb}-hook`);
    await ok('DELETE', `/api/v1/schedules/${rb}-sch`);

    const rows = await audit(`principal=${encodeURIComponent(adminId)}&top=1000`);
    const ops = rows.map((r) => r.operation);
    for (const op of [
      'runbooksCreate',
      'runbooksDraft',
      'runbooksPublish',
      'webhooksCreate',
      'keysCreate',
      'keysDelete',
      'notificationTargetsCreate',
      'notificationTargetsRotateSecret',
      'notificationTargetsDelete',
    ])
      expect(ops, op).toContain(op);
    for (const r of rows) {
      expect(r).toMatchObject({ principal: adminId, door: 'management', outcome: 'succeeded' });
      expect(r.sourceAddress).toMatch(/127\.0\.0\.1|::1|localhost/);
    }
    const created = rows.find((r) => r.operation === 'runbooksCreate');
    expect(created).toMatchObject({ resource: 'runbooks', name: rb, method: 'POST', statusCode: 201 });
    expect(created.fields).toEqual(expect.arrayContaining(['name', 'type', 'content', 'parameters']));
    expect(rows.find((r) => r.operation === 'keysDelete')).toMatchObject({ resource: 'keys', name: key2.keyId });
    // A job start is recorded on the job (startedBy), not in the trail.
    expect(ops).not.toContain('jobsStart');
    expect(job.jobId).toBeDefined();
    // Kept after the resource is gone, and found by resource and name.
    expect((await audit(`resource=notification-targets&name=${rb}-t`)).map((r) => r.operation).sort()).toEqual([
      'notificationTargetsCreate',
      'notificationTargetsDelete',
      'notificationTargetsRotateSecret',
    ]);
  }, 120_000);

  it('records refused credentials and roles on every changing route of the management API', async () => {
    const doc = (await http(host.url, 'api/openapi.json')).json;
    const changing: Array<{ method: string; path: string; op: string }> = [];
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries<any>(ops)) {
        // Routes that take no management credential (a git host's push, signed by its own secret).
        if (Array.isArray(op.security) && op.security.length === 0) continue;
        if (['post', 'put', 'patch', 'delete'].includes(method)) changing.push({ method, path, op: op.operationId });
      }
    }
    expect(changing.length).toBeGreaterThan(20);
    const since = new Date().toISOString();
    const wrong = basic(`nobody-${uniqueName('k')}:wrong-secret-value-123`);
    for (const c of changing) {
      const path = c.path.replace(/\{jobId\}/g, '01a24be5-4cb3-7afa-9f0f-00ada965a5bd').replace(/\{[^}]+\}/g, 'x');
      const r = await http(host.url, path.slice(1), {
        method: c.method.toUpperCase(),
        headers: { Authorization: wrong, 'Content-Type': 'application/json' },
        body: c.method === 'delete' ? undefined : '{}',
      });
      expect(r.status, `${c.method} ${path}`).toBe(401);
    }
    const denied = (await audit(`from=${since}&top=1000`)).filter((r) => r.outcome === 'denied');
    const seen = new Set(denied.map((r) => r.operation));
    for (const c of changing) expect(seen.has(c.op.replace(/_(post|put|patch|delete)$/, '')) || seen.has(c.op), c.op).toBe(true);
    expect(denied[0].principal).toMatch(/^nobody-/);
    expect(denied[0].statusCode).toBe(401);

    // A key whose role is too low: 403, recorded with that key.
    const reader = await root.call('POST', '/api/v1/keys', { role: 'reader' });
    secrets.push(reader.json.secret);
    const r = await api(host.url, reader.json.key).call('POST', '/api/v1/keys', { role: 'admin' });
    expect(r.status).toBe(403);
    const refused = await audit(`principal=${encodeURIComponent(reader.json.keyId)}`);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ operation: 'keysCreate', outcome: 'denied', statusCode: 403 });
  }, 120_000);

  it('records changes through the Azure Automation API (door azure) with the bearer key as principal', async () => {
    const key = (await root.call('POST', '/api/v1/keys', { role: 'admin', description: 'azure door' })).json;
    const reader = (await root.call('POST', '/api/v1/keys', { role: 'reader', description: 'azure door reader' })).json;
    secrets.push(key.secret, reader.secret);
    const account = `${host.url}/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Automation/automationAccounts/a1`;
    const arm = (bearer: string, method: string, path: string, body?: unknown) =>
      fetch(`${account}/${path}?api-version=2023-11-01`, {
        method,
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const cred = uniqueName('audcred');
    const password = `pw-${uniqueName('secret')}`;
    secrets.push(password);
    const put = await arm(key.key, 'PUT', `credentials/${cred}`, { name: cred, properties: { userName: 'svc', password } });
    expect(put.status, await put.clone().text()).toBe(201);
    expect((await arm(key.key, 'DELETE', `credentials/${cred}`)).status).toBe(200);
    expect((await arm(reader.key, 'PUT', `variables/${cred}`, { properties: { value: '"x"' } })).status).toBe(403);
    const rows = await audit(`resource=credentials&name=${cred}`);
    expect(rows.map((r) => r.method).sort()).toEqual(['DELETE', 'PUT']);
    for (const r of rows) expect(r).toMatchObject({ door: 'azure', principal: key.keyId, outcome: 'succeeded' });
    expect(rows.find((r) => r.method === 'PUT').fields).toEqual(expect.arrayContaining(['properties']));
    const denied = (await audit(`principal=${encodeURIComponent(reader.keyId)}`)).filter((r) => r.door === 'azure');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ resource: 'variables', name: cred, statusCode: 403 });
    expect(JSON.stringify(rows)).not.toContain(password);
  }, 60_000);

  it('pages with continuation tokens, exports JSON lines, and holds no secret in any row', async () => {
    const p1 = await root.call('GET', '/api/v1/audit?top=2');
    expect(p1.json.value).toHaveLength(2);
    const p2 = await root.call('GET', `/api/v1/audit?top=2&continuationToken=${encodeURIComponent(p1.json.continuationToken)}`);
    expect(p2.json.value).toHaveLength(2);
    const ids = [...p1.json.value, ...p2.json.value].map((r: any) => r.id);
    expect(new Set(ids).size).toBe(4);
    expect(p1.json.value[0].time >= p2.json.value[0].time).toBe(true);
    const bad = await root.call('GET', '/api/v1/audit?continuationToken=nonsense');
    expect(bad.status).toBe(400);

    const exported = await root.call('GET', '/api/v1/audit?format=jsonl');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/application\/jsonl/);
    const lines = exported.text.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(30);
    for (const l of lines) expect(JSON.parse(l).id).toBeDefined();
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const s of secrets) expect(exported.text, 'a secret in the audit trail').not.toContain(s);
  }, 60_000);

  it('refuses the change when its audit row cannot be written', async () => {
    const name = uniqueName('noaudit');
    const tc = TableClient.fromConnectionString(storage.connectionString, 'audit', { allowInsecureConnection: true });
    await tc.deleteTable();
    const r = await root.call('POST', '/api/v1/runbooks', { name, type: 'bash', content: 'echo hi' });
    expect(r.status, r.text).toBe(503);
    expect(r.json.detail).toMatch(/audit log could not be written/);
    expect((await root.call('GET', `/api/v1/runbooks/${name}`)).status).toBe(404);
  }, 60_000);
});
