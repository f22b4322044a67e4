// Entra ID end to end on a private host: bearer tokens for the management and RealmJoin APIs
// (app roles mapped by HOOKBOOK_ENTRA_ROLE_MAP), and an Azure Monitor secure webhook that starts
// the azure-monitor-alert runbook with a real common-alert-schema body.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, uniqueName, type Api } from '../support/api';
import { http, startHost, type RunningHost } from '../support/host';
import { AZURE_MONITOR_APP_ID, startFakeEntra, type FakeEntra } from '../support/jwt-issuer';

const AUDIENCE = 'api://hookbook-e2e';
const WEBHOOK_AUDIENCE = 'api://hookbook-alerts';
const fixture = readFileSync(path.join(__dirname, '..', 'fixtures', 'azure-monitor-alert.json'), 'utf8');

let idp: FakeEntra;
let host: RunningHost;
let admin: Api;

beforeAll(async () => {
  idp = await startFakeEntra({ audience: AUDIENCE });
  idp.mode = 'error'; // the first test sees the keys unreachable
  host = await startHost({
    env: {
      HOOKBOOK_ENTRA_TENANT_ID: idp.tenantId,
      HOOKBOOK_ENTRA_AUDIENCE: AUDIENCE,
      HOOKBOOK_ENTRA_JWKS_URI: idp.jwksUri,
      HOOKBOOK_ENTRA_ROLE_MAP: 'Hookbook.Admin=admin,Hookbook.Operator=operator,Hookbook.Reader=reader',
    },
  });
  admin = api(host.url, host.adminKey);
});

afterAll(async () => {
  if (host) expect(await host.stop()).toBe(0);
  await idp?.stop();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const call = (method: string, p: string, token: string, body?: unknown) =>
  http(host.url, p, {
    method,
    headers: { ...bearer(token), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('Entra ID bearer tokens for the management and RealmJoin APIs', () => {
  it('keys unreachable → 503 with Retry-After (not 500, not a pass); then accepted', async () => {
    const t = await idp.token({ roles: ['Hookbook.Reader'] });
    const down = await call('GET', 'api/v1/jobs', t);
    expect(down.status, down.text).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    idp.mode = 'up';
    const up = await call('GET', 'api/v1/jobs', t);
    expect(up.status, up.text).toBe(200);
  });

  it('maps app roles to Hookbook roles', async () => {
    const reader = await idp.token({ roles: ['Hookbook.Reader'] });
    const operator = await idp.token({ roles: ['Hookbook.Operator'], oid: 'op-object-id' });
    const adminToken = await idp.token({ roles: ['Hookbook.Reader', 'Hookbook.Admin'] });

    expect((await call('GET', 'api/v1/runbooks', reader)).status).toBe(200);
    const denied = await call('POST', 'api/v1/jobs', reader, { runbook: 'root_restart_process' });
    expect(denied.status, denied.text).toBe(403);

    const started = await call('POST', 'api/v1/jobs', operator, { runbook: 'root_restart_process', parameters: { service: 'sshd' } });
    expect(started.status, started.text).toBe(202);
    const job = await admin.waitForStatus(started.json.jobId, ['Completed', 'Failed']);
    expect(job).toMatchObject({ status: 'Completed', startedBy: 'entra:op-object-id' });

    // RealmJoin dialect with the same token form.
    const rj = await call('POST', 'api/external/runbook/root_restart_process/start', operator, { service: 'cron' });
    expect(rj.status, rj.text).toBeLessThan(300);

    const sched = await call('POST', 'api/v1/schedules', adminToken, {
      name: uniqueName('sch'),
      runbook: 'root_restart_process',
      cronExpression: '0 0 1 1 *',
    });
    expect(sched.status, sched.text).toBe(201);
    expect(sched.json.createdBy).toMatch(/^entra:/);
  });

  it('refuses bad tokens with 401 and tokens without a mapped role with 403; API keys still work', async () => {
    const expired = await idp.token({ roles: ['Hookbook.Admin'] }, { expiresIn: -600 });
    const r1 = await call('GET', 'api/v1/jobs', expired);
    expect(r1.status).toBe(401);
    expect(r1.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(r1.json.detail).toMatch(/expired/);
    expect(r1.text).not.toContain(expired);

    const wrongAudience = await idp.token({ roles: ['Hookbook.Admin'], aud: 'api://other' });
    expect((await call('GET', 'api/v1/jobs', wrongAudience)).status).toBe(401);

    const noRole = await idp.token({ roles: ['Something.Else'] });
    const r2 = await call('GET', 'api/v1/jobs', noRole);
    expect(r2.status).toBe(403);
    expect(r2.json.detail).toMatch(/no app role that maps/);

    expect((await admin.call('GET', '/api/v1/jobs')).status).toBe(200);
    expect((await call('GET', 'api/v1/jobs', host.adminKey)).status).toBe(200); // Bearer keyId:secret
    expect(host.output()).not.toContain(expired);
  });
});

describe('Azure Monitor secure webhook (common alert schema) → azure-monitor-alert', () => {
  async function secureHook(extra: Record<string, unknown> = {}) {
    const r = await admin.call('POST', '/api/v1/webhooks', {
      name: uniqueName('monitor'),
      runbook: 'azure-monitor-alert',
      auth: {
        type: 'entra',
        tenantId: idp.tenantId,
        audience: WEBHOOK_AUDIENCE,
        requiredRole: 'ActionGroupsSecureWebhook',
        allowedAppIds: [AZURE_MONITOR_APP_ID],
        jwksUri: idp.jwksUri,
      },
      ...extra,
    });
    expect(r.status, r.text).toBe(201);
    const u = new URL(r.json.uri);
    return `${u.pathname.replace(/^\//, '')}${u.search}`;
  }
  const monitorToken = (over: Record<string, unknown> = {}) =>
    idp.token(
      { aud: WEBHOOK_AUDIENCE, roles: ['ActionGroupsSecureWebhook'], appid: AZURE_MONITOR_APP_ID, ver: '1.0', ...over },
      { issuer: idp.issuerV1 },
    );
  const post = (p: string, body: string, headers: Record<string, string>) =>
    http(host.url, p, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });

  it('a Fired metric alert completes the runbook; a Resolved one says so', async () => {
    const hook = await secureHook();
    const fired = await post(hook, fixture, bearer(await monitorToken()));
    expect(fired.status, fired.text).toBe(202);
    const jobId = fired.json.JobIds[0] as string;
    const job = await admin.waitForStatus(jobId, ['Completed', 'Failed']);
    expect(job.status).toBe('Completed');
    const out = await admin.call('GET', `/api/external/runbook/jobs/${jobId}/output/text`);
    expect(out.text.trim()).toBe('vm-web-01-high-cpu Sev2 Fired');
    // The token never reaches the runbook.
    const params = await admin.call('GET', `/api/v1/jobs/${jobId}`);
    expect(JSON.stringify(params.json)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);

    const resolvedBody = JSON.parse(fixture);
    resolvedBody.data.essentials.monitorCondition = 'Resolved';
    resolvedBody.data.essentials.resolvedDateTime = '2025-06-03T08:29:27.6142936Z';
    const resolved = await post(hook, JSON.stringify(resolvedBody), bearer(await monitorToken()));
    expect(resolved.status, resolved.text).toBe(202);
    const rid = resolved.json.JobIds[0] as string;
    expect((await admin.waitForStatus(rid, ['Completed', 'Failed'])).status).toBe('Completed');
    expect((await admin.call('GET', `/api/external/runbook/jobs/${rid}/output/text`)).text.trim()).toBe('vm-web-01-high-cpu Sev2 Resolved');
    const verbose = await admin.call('GET', `/api/external/runbook/jobs/${rid}/output/streams?streamTypes=Verbose`);
    expect(verbose.json.map((s: { summary: string }) => s.summary).join('\n')).toMatch(/resolved/i);
  });

  it('refuses calls without a token, without the role, or from another app', async () => {
    const hook = await secureHook();
    expect((await post(hook, fixture, {})).status).toBe(401);
    expect((await post(hook, fixture, bearer(await monitorToken({ roles: [] })))).status).toBe(401);
    expect((await post(hook, fixture, bearer(await monitorToken({ appid: '11111111-2222-3333-4444-555555555555' })))).status).toBe(401);
    expect((await post(hook, fixture, bearer(await monitorToken({ aud: AUDIENCE })))).status).toBe(401);
  });

  it('parameterMap takes typed parameters from the common alert schema', async () => {
    const runbook = await admin.createRunbook({
      name: uniqueName('alertrb'),
      type: 'node',
      parameters: [
        { name: 'AlertRule', type: 'string', mandatory: true },
        { name: 'Severity', type: 'string' },
        { name: 'Condition', type: 'string' },
        { name: 'FiredAt', type: 'datetime' },
        { name: 'Targets', type: 'array' },
        { name: 'Context', type: 'object' },
      ],
      content:
        "module.exports = async (p, ctx) => { ctx.output([p.AlertRule, p.Severity, p.Condition, p.FiredAt, p.Targets.length, p.Context.condition.allOf[0].metricName].join('|')); };",
    });
    const r = await admin.call('POST', '/api/v1/webhooks', {
      name: uniqueName('mapped'),
      runbook,
      parameterMap: {
        AlertRule: '/data/essentials/alertRule',
        Severity: '/data/essentials/severity',
        Condition: '/data/essentials/monitorCondition',
        FiredAt: '/data/essentials/firedDateTime',
        Targets: '/data/essentials/alertTargetIDs',
        Context: '/data/alertContext',
      },
      auth: {
        type: 'entra',
        tenantId: idp.tenantId,
        audience: WEBHOOK_AUDIENCE,
        requiredRole: 'ActionGroupsSecureWebhook',
        jwksUri: idp.jwksUri,
      },
    });
    expect(r.status, r.text).toBe(201);
    const u = new URL(r.json.uri);
    const res = await post(`${u.pathname.slice(1)}${u.search}`, fixture, bearer(await monitorToken()));
    expect(res.status, res.text).toBe(202);
    const jobId = res.json.JobIds[0] as string;
    expect((await admin.waitForStatus(jobId, ['Completed', 'Failed'])).status).toBe('Completed');
    const out = await admin.call('GET', `/api/external/runbook/jobs/${jobId}/output/text`);
    expect(out.text.trim()).toBe('vm-web-01-high-cpu|Sev2|Fired|2025-06-03T08:14:27.614Z|1|Percentage CPU');
  });
});
