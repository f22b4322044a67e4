// Names and ids that no runbook, job, webhook, schedule or key can have, sent to every dialect's
// door over a real socket: each is a clear 4xx naming what is wrong, never a 503 "unreachable"
// (storage refusing a key is not an outage), and storage keeps working afterwards.
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { api, basic, type Api } from '../support/api';
import { http } from '../support/http';

let a: Api;
beforeAll(() => {
  a = api(inject('hookbookUrl'), inject('hookbookAdminKey'));
});

const BAD_SEGMENTS = ['%2e%2e%2f', 'a%2Fb', '..%5C..%5Cx', 'x%23y', 'x%3Fy', '%00', 'a%20b', '%E2%80%A8'];

function expectClear4xx(r: { status: number; text: string; headers: Headers }, status: number, mentions?: RegExp) {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('retry-after')).toBeNull();
  expect(r.text).not.toMatch(/unreachable/i);
  if (mentions) expect(r.text).toMatch(mentions);
}

describe('invalid names and ids at every door', () => {
  it.each(BAD_SEGMENTS)('RealmJoin run/start with runbook %s: 404 naming the rule', async (seg) => {
    for (const path of [`/api/external/runbook/${seg}/run`, `/api/external/runbook/${seg}/start`, `/runbook/${seg}/run`]) {
      const r = await a.call('POST', path, {});
      expectClear4xx(r, 404, /runbook name must start with a letter/);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it.each(BAD_SEGMENTS)('job reads with id %s: 404 in RealmJoin, management and Kompira', async (seg) => {
    for (const path of [
      `/api/external/runbook/jobs/${seg}/status`,
      `/api/external/runbook/jobs/${seg}/output/streams`,
      `/api/v1/jobs/${seg}`,
      `/api/v1/jobs/${seg}/streams`,
    ]) {
      expectClear4xx(await a.call('GET', path), 404);
    }
    expectClear4xx(await a.call('POST', `/api/v1/jobs/${seg}/stop`), 404);
  });

  it.each(BAD_SEGMENTS)('management API with name %s: 404 for runbooks, webhooks, schedules, keys', async (seg) => {
    for (const [method, path] of [
      ['GET', `/api/v1/runbooks/${seg}`],
      ['GET', `/api/v1/runbooks/${seg}/content`],
      ['POST', `/api/v1/runbooks/${seg}/publish`],
      ['DELETE', `/api/v1/runbooks/${seg}`],
      ['GET', `/api/v1/webhooks/${seg}`],
      ['DELETE', `/api/v1/webhooks/${seg}`],
      ['GET', `/api/v1/schedules/${seg}`],
      ['DELETE', `/api/v1/schedules/${seg}`],
      ['DELETE', `/api/v1/keys/${seg}`],
    ] as const) {
      expectClear4xx(await a.call(method, path), 404);
    }
  });

  it('runbook names in bodies: jobs, webhooks and schedules answer 404/400, not 503', async () => {
    for (const runbook of ['../', 'a/b', 'x#y', 'x?y', '\u2028', 'a\\b', '']) {
      const job = await a.call('POST', '/api/v1/jobs', { runbook });
      expect([400, 404]).toContain(job.status);
      expectClear4xx(job, job.status);
      const hook = await a.call('POST', '/api/v1/webhooks', { name: 'edge-hook', runbook });
      expect([400, 404]).toContain(hook.status);
      expectClear4xx(hook, hook.status);
    }
    for (const name of ['../x', 'a/b', 'x\u2028y', 'x\u0000y', '\ud800']) {
      const hook = await a.call('POST', '/api/v1/webhooks', { name, runbook: 'rjgit-user_security_revoke-or-restore-access' });
      expectClear4xx(hook, 400, /name/);
      const rb = await a.call('POST', '/api/v1/runbooks', { name, type: 'bash', content: 'echo hi' });
      expectClear4xx(rb, 400, /name/);
    }
  });

  it('an API key id storage cannot hold is a 401, not a 503', async () => {
    for (const id of ['a/b', 'x#y', '..\\x', 'x?y']) {
      const r = await http(a.url, '/api/v1/runbooks', { headers: { Authorization: basic(`${id}:secret`) } });
      expectClear4xx(r, 401);
    }
  });

  it('Kompira object paths with such segments are 400/404', async () => {
    for (const seg of ['%2e%2e%2f', 'a%2Fb', 'x%23y']) {
      const r = await a.call('GET', `/kompira/${seg}`);
      expect([400, 404]).toContain(r.status);
      expectClear4xx(r, r.status);
    }
  });

  it('storage still works and health is 200 afterwards', async () => {
    const h = await http(a.url, '/api/health');
    expect(h.status).toBe(200);
    const r = await a.call('POST', '/api/external/runbook/rjgit-user_security_revoke-or-restore-access/run', {
      UserName: 'edge@contoso.com',
    });
    expect(r.status).toBe(200);
    expect(r.json.streams.length).toBeGreaterThan(0);
  });
});
