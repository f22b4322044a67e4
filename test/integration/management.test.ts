// The management API (SPEC §6): runbooks, keys, job listing with filters and paging, OpenAPI, health.
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { api, basic, uniqueName, type Api } from '../support/api';
import { http } from '../support/http';

let a: Api;
beforeAll(() => {
  a = api(inject('hookbookUrl'), inject('hookbookAdminKey'));
});

describe('health and OpenAPI', () => {
  it('health is 200 without credentials once storage answers', async () => {
    const r = await http(a.url, '/api/health');
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('healthy');
  });
  it('the OpenAPI document lists every route with schemas from the handlers', async () => {
    const r = await http(a.url, '/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.json.openapi).toMatch(/^3\./);
    for (const p of [
      '/api/v1/runbooks',
      '/api/v1/runbooks/{name}',
      '/api/v1/runbooks/{name}/draft',
      '/api/v1/runbooks/{name}/publish',
      '/api/v1/jobs',
      '/api/v1/jobs/{jobId}',
      '/api/v1/jobs/{jobId}/streams',
      '/api/v1/jobs/{jobId}/stop',
      '/api/v1/keys',
      '/api/health',
      '/api/external/runbook/{runbookName}/run',
      '/api/external/runbook/jobs/{jobID}/output/streams',
    ]) {
      expect(r.json.paths[p], p).toBeDefined();
    }
    const create = r.json.paths['/api/v1/runbooks'].post.requestBody.content['application/json'].schema;
    expect(create.properties.type.enum).toEqual(['node', 'bash', 'python3', 'pwsh']);
    expect(create.required).toEqual(expect.arrayContaining(['name', 'type', 'content']));
  });
});

describe('runbooks', () => {
  it('create → draft (Edit) → publish → get → list → delete', async () => {
    const name = uniqueName('mgmt');
    const c = await a.call('POST', '/api/v1/runbooks', {
      name,
      type: 'bash',
      content: 'echo hi',
      description: 'd',
      parameters: [{ name: 'X', type: 'int', default: 1 }],
    });
    expect(c.status).toBe(201);
    expect(c.json).toMatchObject({ name, state: 'Edit', version: 0, source: 'api', path: `/api/${name}` });
    expect((await a.call('GET', `/api/v1/runbooks/${name}/content?version=draft`)).text).toBe('echo hi');
    const p = await a.call('POST', `/api/v1/runbooks/${name}/publish`);
    expect(p.json).toMatchObject({ state: 'Published', version: 1 });
    expect((await a.call('GET', `/api/v1/runbooks/${name}/content`)).text).toBe('echo hi');
    const g = await a.call('GET', `/api/v1/runbooks/${name}`);
    expect(g.json.parameters[0]).toMatchObject({ name: 'X', type: 'int', default: 1, mandatory: false, secret: false });
    const l = await a.call('GET', '/api/v1/runbooks');
    expect(l.json.value.map((r: any) => r.name)).toEqual(
      expect.arrayContaining([
        name,
        'rjgit-user_security_revoke-or-restore-access',
        'root_restart_process',
        'webhook-echo',
        'azure-monitor-alert',
      ]),
    );
    expect((await a.call('DELETE', `/api/v1/runbooks/${name}`)).status).toBe(204);
    expect((await a.call('GET', `/api/v1/runbooks/${name}`)).status).toBe(404);
  });

  it("never shows a secret parameter's default; sending back *** keeps it, and jobs get the real default", async () => {
    const name = uniqueName('secret-default');
    const secret = 'S3cret-default-value';
    const c = await a.call('POST', '/api/v1/runbooks', {
      name,
      type: 'bash',
      content: 'echo "length=${#Token}"',
      parameters: [{ name: 'Token', type: 'string', secret: true, default: secret }],
    });
    expect(c.status).toBe(201);
    expect(c.text).not.toContain(secret);
    expect(c.json.draft.parameters[0].default).toBe('***');
    // A client that sends back what it was shown (the dashboard's editor, a generated client) keeps the default.
    const d = await a.call('PUT', `/api/v1/runbooks/${name}/draft`, {
      content: 'echo "length=${#Token}"',
      parameters: c.json.draft.parameters,
    });
    expect(d.status, d.text).toBe(200);
    expect((await a.call('POST', `/api/v1/runbooks/${name}/publish`)).status).toBe(200);
    for (const r of [await a.call('GET', `/api/v1/runbooks/${name}`), await a.call('GET', '/api/v1/runbooks')]) {
      expect(r.text).not.toContain(secret);
    }
    const started = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: {} });
    expect(started.status).toBe(202);
    await a.waitForStatus(started.json.jobId, ['Completed']);
    const streams = (await a.call('GET', `/api/v1/jobs/${started.json.jobId}/streams`)).json.value as { streamText: string }[];
    expect(streams.map((s) => s.streamText)).toEqual([`length=${secret.length}`]);
  });

  it('deleting a runbook deletes its webhooks and schedules, as in Azure', async () => {
    const name = uniqueName('gone');
    await a.createRunbook({ name, type: 'bash', content: 'echo x' });
    const hook = await a.call('POST', '/api/v1/webhooks', { name: `${name}-hook`, runbook: name });
    expect(hook.status, hook.text).toBe(201);
    const sched = await a.call('POST', '/api/v1/schedules', { name: `${name}-daily`, runbook: name, cron: '0 0 3 * * *' });
    expect(sched.status, sched.text).toBe(201);
    expect((await a.call('DELETE', `/api/v1/runbooks/${name}`)).status).toBe(204);
    expect((await a.call('GET', `/api/v1/webhooks/${name}-hook`)).status).toBe(404);
    expect((await a.call('GET', `/api/v1/schedules/${name}-daily`)).status).toBe(404);
    const invoke = await http(a.url, new URL(hook.json.uri).pathname + new URL(hook.json.uri).search, { method: 'POST', body: '{}' });
    expect(invoke.status).toBe(404);
    expect(invoke.text).toMatch(/runbook/);
  });

  it('repository runbooks carry their manifests and paths', async () => {
    const r = await a.call('GET', '/api/v1/runbooks/rjgit-user_security_revoke-or-restore-access');
    expect(r.json).toMatchObject({
      path: '/user/security/revoke-or-restore-access',
      state: 'Published',
      source: 'repository',
      type: 'node',
    });
    expect(r.json.parameters.map((p: any) => [p.name, p.type, p.mandatory])).toEqual([
      ['UserName', 'string', true],
      ['Revoke', 'bool', false],
    ]);
    const k = await a.call('GET', '/api/v1/runbooks/root_restart_process');
    expect(k.json).toMatchObject({ path: '/root/restart_process', type: 'bash' });
    expect((await a.call('DELETE', '/api/v1/runbooks/root_restart_process')).status).toBe(409);
  });

  it('bad runbook definitions get 400 naming the field; duplicates 409', async () => {
    const badName = await a.call('POST', '/api/v1/runbooks', { name: '1bad', type: 'bash', content: 'x' });
    expect(badName.status).toBe(400);
    expect(badName.json.detail).toContain('name');
    const badType = await a.call('POST', '/api/v1/runbooks', { name: uniqueName('t'), type: 'cobol', content: 'x' });
    expect(badType.status).toBe(400);
    expect(badType.json.detail).toContain('type');
    const extra = await a.call('POST', '/api/v1/runbooks', { name: uniqueName('t'), type: 'bash', content: 'x', colour: 'red' });
    expect(extra.status).toBe(400);
    expect(extra.json.detail).toContain('colour');
    const badDefault = await a.call('POST', '/api/v1/runbooks', {
      name: uniqueName('t'),
      type: 'bash',
      content: 'x',
      parameters: [{ name: 'N', type: 'int', default: 'x' }],
    });
    expect(badDefault.status).toBe(400);
    expect(badDefault.json.detail).toContain("'N'");
    const name = uniqueName('dup');
    await a.createRunbook({ name, type: 'bash', content: 'x' }, false);
    expect((await a.call('POST', '/api/v1/runbooks', { name, type: 'bash', content: 'x' })).status).toBe(409);
    expect((await a.call('POST', '/api/v1/runbooks', { name: 'root_restart_process', type: 'bash', content: 'x' })).status).toBe(409);
  });
});

describe('keys and roles', () => {
  it('creates a key whose secret is shown once and works in every credential form', async () => {
    const c = await a.call('POST', '/api/v1/keys', { role: 'operator', description: 'ops' });
    expect(c.status).toBe(201);
    const { keyId, secret, key } = c.json;
    expect(key).toBe(`${keyId}:${secret}`);
    const list = await a.call('GET', '/api/v1/keys');
    expect(list.text).not.toContain(secret);
    expect(list.json.value.find((k: any) => k.keyId === keyId)).toMatchObject({ role: 'operator' });
    for (const auth of [basic(key), `Token ${key}`, `Bearer ${key}`]) {
      expect((await http(a.url, '/api/v1/jobs?top=1', { headers: { Authorization: auth } })).status, auth.split(' ')[0]).toBe(200);
    }
    // an operator may not manage keys
    expect((await http(a.url, '/api/v1/keys', { headers: { Authorization: basic(key) } })).status).toBe(403);
    expect((await a.call('DELETE', `/api/v1/keys/${keyId}`)).status).toBe(204);
    expect((await http(a.url, '/api/v1/jobs?top=1', { headers: { Authorization: basic(key) } })).status).toBe(401);
  });

  it('a key limited to runbook patterns cannot start or read others', async () => {
    const c = await a.call('POST', '/api/v1/keys', { role: 'operator', runbooks: ['root_*'] });
    const limited = api(a.url, c.json.key);
    const ok = await limited.call('POST', '/api/v1/jobs', { runbook: 'root_restart_process' });
    expect(ok.status).toBe(202);
    const no = await limited.call('POST', '/api/v1/jobs', {
      runbook: 'rjgit-user_security_revoke-or-restore-access',
      parameters: { UserName: 'a@b' },
    });
    expect(no.status).toBe(403);
    const other = await a.call('POST', '/api/v1/jobs', {
      runbook: 'rjgit-user_security_revoke-or-restore-access',
      parameters: { UserName: 'a@b' },
    });
    expect((await limited.call('GET', `/api/v1/jobs/${other.json.jobId}`)).status).toBe(404);
  });

  it('bad key requests get 400', async () => {
    expect((await a.call('POST', '/api/v1/keys', { role: 'superuser' })).status).toBe(400);
    expect((await a.call('POST', '/api/v1/keys', '[')).status).toBe(400);
  });
});

describe('job listing', () => {
  it('lists newest first, filters by runbook and status, pages with a continuation token', async () => {
    const name = await a.createRunbook({
      name: uniqueName('list'),
      type: 'bash',
      parameters: [{ name: 'I', type: 'int' }],
      content: 'echo $I',
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { I: i } })).json.jobId);
    for (const id of ids) await a.waitForStatus(id, ['Completed']);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await a.call(
        'GET',
        `/api/v1/jobs?runbook=${name}&top=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.json.value.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.value.map((j: any) => j.jobId));
      token = page.json.continuationToken;
    } while (token);
    expect(seen).toEqual([...ids].reverse());
    const completed = await a.call('GET', `/api/v1/jobs?runbook=${name}&status=Completed`);
    expect(completed.json.value.length).toBe(5);
    const failed = await a.call('GET', `/api/v1/jobs?runbook=${name}&status=Failed`);
    expect(failed.json.value.length).toBe(0);
    const future = await a.call(
      'GET',
      `/api/v1/jobs?runbook=${name}&from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`,
    );
    expect(future.json.value.length).toBe(0);
    const past = await a.call(
      'GET',
      `/api/v1/jobs?runbook=${name}&to=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`,
    );
    expect(past.json.value.length).toBe(0);
  });

  it('bad list queries get 400 naming the field', async () => {
    const s = await a.call('GET', '/api/v1/jobs?status=Sleeping');
    expect(s.status).toBe(400);
    expect(s.json.detail).toContain('status');
    expect((await a.call('GET', '/api/v1/jobs?top=0')).status).toBe(400);
    expect((await a.call('GET', '/api/v1/jobs?from=yesterday')).status).toBe(400);
    const token = await a.call('GET', '/api/v1/jobs?continuationToken=abc');
    expect(token.status).toBe(400);
    expect(token.json.detail).toContain('continuationToken');
    // Well-formed base64url, but not a token this service gave out (the row key is not one).
    const forged = Buffer.from(JSON.stringify({ v: 2, after: "x' or true" })).toString('base64url');
    expect((await a.call('GET', `/api/v1/jobs?continuationToken=${forged}`)).status).toBe(400);
  });

  it('unknown jobs are 404, bad start bodies 400', async () => {
    expect((await a.call('GET', '/api/v1/jobs/0190f0e0-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await a.call('POST', '/api/v1/jobs/0190f0e0-0000-7000-8000-000000000000/stop')).status).toBe(404);
    expect((await a.call('POST', '/api/v1/jobs', { parameters: {} })).status).toBe(400);
    expect((await a.call('POST', '/api/v1/jobs', { runbook: 'nope-nope' })).status).toBe(404);
  });
});
