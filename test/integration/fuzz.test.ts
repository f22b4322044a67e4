// Property-based fuzzing of every route: random methods, paths, headers and bodies never get a
// 5xx (but 503 while storage is away, which cannot happen here), never crash the host.
import { describe, expect, it, inject } from 'vitest';
import fc from 'fast-check';
import { basic } from '../support/api';
import { http } from '../support/http';

const url = () => inject('hookbookUrl');
const key = () => inject('hookbookAdminKey');

const segment = fc.oneof(
  fc.constantFrom(
    'api',
    'v1',
    'runbooks',
    'jobs',
    'keys',
    'webhooks',
    'schedules',
    'external',
    'runbook',
    'kompira',
    'process',
    'root',
    'restart_process.execute',
    'status',
    'output',
    'text',
    'streams',
    'exception',
    'publish',
    'draft',
    'stop',
    'run',
    'start',
    'openapi.json',
    'health',
    'rjgit-user_security_revoke-or-restore-access',
    '0190f0e0-0000-7000-8000-000000000000',
    '..',
    '%2e%2e',
    '%00',
    '%ZZ',
    '.execute',
    '',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.array(segment, { minLength: 1, maxLength: 7 }).chain((segs) =>
  fc
    .record({
      segs: fc.constant(segs),
      query: fc.option(
        fc.dictionary(
          fc.constantFrom('token', 'format', 'streamTypes', 'top', 'continuationToken', 'runbook', 'status', 'from', 'follow'),
          fc.string({ maxLength: 20 }),
          { maxKeys: 3 },
        ),
      ),
    })
    .map(({ segs, query }) => `/${segs.join('/')}${query ? `?${new URLSearchParams(query as Record<string, string>)}` : ''}`),
);
const auth = fc.constantFrom<'admin' | 'none' | 'garbage' | 'token' | 'wrongsecret'>('admin', 'none', 'garbage', 'token', 'wrongsecret');
const body = fc.oneof(
  fc.constant(undefined),
  fc.json(),
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    '{"UserName":"a@b"}',
    '{"runbook":"root_restart_process"}',
    '[]',
    'null',
    '{"parameters":[]}',
    '{',
    'a=1&b=2',
    '{"name":"x","type":"bash","content":"echo"}',
  ),
);
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS');

describe('fuzzing every route', () => {
  it('never answers 5xx and the host stays healthy', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(method, path, auth, body, contentType, async (m, p, au, b, ct) => {
        const headers: Record<string, string> = {};
        if (au === 'admin') headers.Authorization = basic(key());
        if (au === 'garbage') headers.Authorization = 'Basic !!!not-base64';
        if (au === 'token') headers.Authorization = `Token ${key()}`;
        if (au === 'wrongsecret') headers.Authorization = basic(`${key().split(':')[0]}:nope`);
        if (ct) headers['Content-Type'] = ct;
        const sendBody = m !== 'GET' && m !== 'HEAD' && b !== undefined;
        // Concatenate: a path starting with // must stay a path, not become a host name.
        const res = await fetch(url().replace(/\/$/, '') + p, {
          method: m,
          headers,
          body: sendBody ? b : undefined,
          redirect: 'manual',
          signal: AbortSignal.timeout(30_000),
        });
        const r = { status: res.status, text: await res.text() };
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        expect(r.status, `${m} ${p} (${au}, ${ct}) → ${r.status} ${r.text.slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 1000, interruptAfterTimeLimit: 150_000 },
    );
    const health = await http(url(), '/api/health');
    expect(health.status).toBe(200);
    expect([...seen.keys()].some((s) => s >= 400)).toBe(true);
  }, 200_000);
});
