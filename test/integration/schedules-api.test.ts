// The schedules management API over a real socket against the shared host.
import { inject, describe, expect, it, beforeAll } from 'vitest';
import { api, uniqueName, type Api } from '../support/api';
import { http } from '../support/http';

const url = inject('hookbookUrl');
const key = inject('hookbookAdminKey');
let a: Api;
let reader: Api;

beforeAll(async () => {
  a = api(url, key);
  const r = await a.call('POST', '/api/v1/keys', { role: 'reader', description: 'schedules test' });
  expect(r.status, r.text).toBe(201);
  reader = api(url, r.json.key);
});

const RUNBOOK = 'root_restart_process';
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

async function expectProblem(p: Promise<{ status: number; json: any; headers: Headers }>, status: number, detail: RegExp) {
  const r = await p;
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(r.json.detail).toMatch(detail);
}

describe('schedules API', () => {
  it('create, get, list, update, delete', async () => {
    const name = uniqueName('sch');
    const created = await a.call('POST', '/api/v1/schedules', {
      name,
      runbook: RUNBOOK,
      parameters: { service: 'nginx' },
      cronExpression: '0 30 9 * * MON-FRI',
      timeZone: 'Europe/Berlin',
      expiryTime: future(365),
      description: 'weekday mornings',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/schedules/${name}`);
    expect(created.json).toMatchObject({
      name,
      runbook: RUNBOOK,
      parameters: { service: 'nginx' },
      cronExpression: '0 30 9 * * MON-FRI',
      effectiveCron: '0 30 9 * * MON-FRI',
      timeZone: 'Europe/Berlin',
      isEnabled: true,
      isExpired: false,
      lastRun: null,
      lastJobId: null,
      createdBy: key.split(':')[0],
    });
    expect(created.json.id).toBeUndefined();
    const next = new Date(created.json.nextRun);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect([1, 2, 3, 4, 5]).toContain(next.getUTCDay());
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('09:30');

    const got = await reader.call('GET', `/api/v1/schedules/${name.toUpperCase()}`);
    expect(got.status, got.text).toBe(200);
    expect(got.json).toEqual(created.json);

    const list = await reader.call('GET', `/api/v1/schedules?runbook=${RUNBOOK}`);
    expect(list.status).toBe(200);
    expect(list.json.value.map((s: { name: string }) => s.name)).toContain(name);

    const disabled = await a.call('PATCH', `/api/v1/schedules/${name}`, { isEnabled: false });
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.json).toMatchObject({ isEnabled: false, nextRun: null });

    const changed = await a.call('PATCH', `/api/v1/schedules/${name}`, {
      isEnabled: true,
      cronExpression: '0 0 12 1 * *',
      timeZone: 'America/New_York',
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.json).toMatchObject({ cronExpression: '0 0 12 1 * *', timeZone: 'America/New_York', isEnabled: true });
    expect(new Date(changed.json.nextRun).getUTCDate()).toBe(1);

    expect((await reader.call('DELETE', `/api/v1/schedules/${name}`)).status).toBe(403);
    expect((await a.call('DELETE', `/api/v1/schedules/${name}`)).status).toBe(204);
    expect((await a.call('GET', `/api/v1/schedules/${name}`)).status).toBe(404);
    expect((await a.call('DELETE', `/api/v1/schedules/${name}`)).status).toBe(404);
  });

  it('Azure Automation frequencies are accepted and shown as cron', async () => {
    const name = uniqueName('sch');
    const r = await a.call('POST', '/api/v1/schedules', {
      name,
      runbook: RUNBOOK,
      frequency: 'Week',
      interval: 2,
      weekDays: ['Monday', 'Thursday'],
      startTime: '2030-01-07T06:15:00',
      timeZone: 'America/New_York',
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({
      frequency: 'Week',
      interval: 2,
      weekDays: ['Monday', 'Thursday'],
      startTime: '2030-01-07T11:15:00.000Z',
    });
    expect(r.json.effectiveCron).toMatch(/^0 15 6 \* \* 1,4 \(every 2 weeks from 2030-01-07T11:15:00.000Z\)$/);
    expect(r.json.nextRun).toBe('2030-01-07T11:15:00.000Z');
    const month = await a.call('POST', '/api/v1/schedules', {
      name: uniqueName('sch'),
      runbook: RUNBOOK,
      frequency: 'Month',
      monthDays: [1, -1],
      startTime: '2030-01-01T00:00:00Z',
    });
    expect(month.status, month.text).toBe(201);
    expect(month.json.effectiveCron).toBe('0 0 0 1,L * *');
    const once = await a.call('POST', '/api/v1/schedules', {
      name: uniqueName('sch'),
      runbook: RUNBOOK,
      frequency: 'OneTime',
      startTime: future(30),
    });
    expect(once.status, once.text).toBe(201);
    expect(once.json.nextRun).toBe(once.json.startTime);
  });

  it('bad input is a 400 that names what is wrong', async () => {
    const base = { runbook: RUNBOOK, name: uniqueName('sch') };
    await expectProblem(a.call('POST', '/api/v1/schedules', { ...base, cronExpression: '61 * * * *' }), 400, /cronExpression: .*61/);
    await expectProblem(a.call('POST', '/api/v1/schedules', { ...base, cronExpression: '* * *' }), 400, /cronExpression: .*3 fields/);
    await expectProblem(
      a.call('POST', '/api/v1/schedules', { ...base, cronExpression: '0 0 * * *', timeZone: 'Europe/Atlantis' }),
      400,
      /timeZone: .*Europe\/Atlantis/,
    );
    await expectProblem(
      a.call('POST', '/api/v1/schedules', { ...base, cronExpression: '0 0 * * *', timeZone: 'CET Standard' }),
      400,
      /timeZone: .*IANA/,
    );
    await expectProblem(a.call('POST', '/api/v1/schedules', { ...base }), 400, /needs cronExpression, frequency/);
    await expectProblem(a.call('POST', '/api/v1/schedules', { ...base, frequency: 'Day' }), 400, /startTime/);
    await expectProblem(a.call('POST', '/api/v1/schedules', { ...base, frequency: 'Fortnight', startTime: future(1) }), 400, /frequency/);
    await expectProblem(
      a.call('POST', '/api/v1/schedules', { ...base, startTime: '2020-01-01T00:00:00Z' }),
      400,
      /startTime .* in the past/,
    );
    await expectProblem(a.call('POST', '/api/v1/schedules', { ...base, startTime: 'tomorrow' }), 400, /startTime.*ISO 8601/);
    await expectProblem(
      a.call('POST', '/api/v1/schedules', { ...base, cronExpression: '0 0 * * *', expiryTime: '2020-01-01T00:00:00Z' }),
      400,
      /expiryTime .* in the past/,
    );
    await expectProblem(
      a.call('POST', '/api/v1/schedules', { ...base, cronExpression: '0 0 * * *', colour: 'red' }),
      400,
      /unknown field 'colour'/,
    );
    await expectProblem(
      a.call('POST', '/api/v1/schedules', { ...base, cronExpression: '0 0 * * *', parameters: { nope: 1 } }),
      400,
      /Unknown parameter 'nope'/,
    );
    await expectProblem(a.call('POST', '/api/v1/schedules', { ...base, name: 'bad/name', cronExpression: '0 0 * * *' }), 400, /name/);
    await expectProblem(
      a.call('POST', '/api/v1/schedules', {
        ...base,
        runbook: 'rjgit-user_security_revoke-or-restore-access',
        cronExpression: '0 0 * * *',
      }),
      400,
      /Parameter 'UserName' is mandatory/,
    );
    await expectProblem(
      a.call('POST', '/api/v1/schedules', { ...base, runbook: 'no-such-runbook', cronExpression: '0 0 * * *' }),
      404,
      /no-such-runbook/,
    );
    const bad = await http(url, 'api/v1/schedules', {
      method: 'POST',
      body: '{"name":',
      headers: { Authorization: `Basic ${Buffer.from(key).toString('base64')}` },
    });
    expect(bad.status).toBe(400);

    const name = uniqueName('sch');
    expect((await a.call('POST', '/api/v1/schedules', { name, runbook: RUNBOOK, cronExpression: '0 0 1 1 *' })).status).toBe(201);
    await expectProblem(
      a.call('POST', '/api/v1/schedules', { name: name.toUpperCase(), runbook: RUNBOOK, cronExpression: '0 0 1 1 *' }),
      409,
      /already exists/,
    );
    await expectProblem(a.call('PATCH', `/api/v1/schedules/${name}`, { cronExpression: 'nope nope' }), 400, /cronExpression/);
    await expectProblem(a.call('PATCH', `/api/v1/schedules/${name}`, { timeZone: 'Nowhere/City' }), 400, /timeZone/);
    await expectProblem(a.call('PATCH', `/api/v1/schedules/${name}`, { frequency: 'Week', weekDays: ['Funday'] }), 400, /Funday/);
    await expectProblem(a.call('PATCH', `/api/v1/schedules/no-such-${name}`, { isEnabled: false }), 404, /not found/);
  });

  it('roles: reader reads, only admin manages; no key is a 401', async () => {
    await expectProblem(
      reader.call('POST', '/api/v1/schedules', { name: uniqueName('sch'), runbook: RUNBOOK, cronExpression: '0 0 * * *' }),
      403,
      /admin/,
    );
    expect((await http(url, 'api/v1/schedules')).status).toBe(401);
    expect((await reader.call('GET', '/api/v1/schedules')).status).toBe(200);
  });

  it('secret parameters are stored sealed and shown as ***; the timer runs a one-time schedule with the real value', async () => {
    const runbook = await a.createRunbook({
      name: uniqueName('schrb'),
      type: 'node',
      parameters: [
        { name: 'Password', type: 'string', secret: true, mandatory: true },
        { name: 'Who', type: 'string' },
      ],
      content:
        "module.exports = async (p, ctx) => { ctx.output(p.Password === 's3cr3t!' ? 'secret ok' : 'secret wrong'); ctx.output('who=' + p.Who); };",
    });
    const name = uniqueName('sch');
    const startTime = new Date(Date.now() + 1500).toISOString();
    const r = await a.call('POST', '/api/v1/schedules', { name, runbook, parameters: { Password: 's3cr3t!', Who: 'alice' }, startTime });
    expect(r.status, r.text).toBe(201);
    expect(r.json.parameters).toEqual({ Password: '***', Who: 'alice' });
    expect(r.text).not.toContain('s3cr3t!');
    // Sending *** back keeps the stored secret.
    const p = await a.call('PATCH', `/api/v1/schedules/${name}`, { parameters: { Password: '***', Who: 'bob' } });
    expect(p.status, p.text).toBe(200);
    expect(p.json.parameters).toEqual({ Password: '***', Who: 'bob' });

    // The shared host's scheduler ticks every minute (HOOKBOOK_SCHEDULER_CRON = "0 * * * * *").
    const ran = await waitForRun(name, 100_000);
    const job = await a.waitForStatus(ran.lastJobId, ['Completed', 'Failed'], 60_000);
    expect(job.status).toBe('Completed');
    expect(job.startedBy).toMatch(new RegExp(`^schedule:${name}`));
    expect(JSON.stringify(job.parameters)).not.toContain('s3cr3t!');
    const out = await a.call('GET', `/api/external/runbook/jobs/${ran.lastJobId}/output/text`);
    expect(out.text.trim().split('\n')).toEqual(['secret ok', 'who=bob']);
    expect(ran.nextRun).toBeNull();
  }, 180_000);
});

async function waitForRun(name: string, timeoutMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const g = await a.call('GET', `/api/v1/schedules/${name}`);
    if (g.json?.lastJobId) return g.json;
    if (Date.now() > deadline) throw new Error(`schedule ${name} did not run: ${g.text}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
