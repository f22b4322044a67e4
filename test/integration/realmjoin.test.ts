// The RealmJoin runbook API (SPEC §4) over a real socket against the local host and Azurite,
// following the seed's walk-through: revoke a user's access with `run`, then `start` + status +
// output + streams + exception.
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { api, basic, type Api } from '../support/api';
import { http, waitFor } from '../support/http';

const RUNBOOK = 'rjgit-user_security_revoke-or-restore-access';
let a: Api;
let reader: string;

beforeAll(async () => {
  a = api(inject('hookbookUrl'), inject('hookbookAdminKey'));
  const k = await a.call('POST', '/api/v1/keys', { role: 'reader', description: 'realmjoin test reader' });
  expect(k.status).toBe(201);
  reader = k.json.key;
});

describe.each(['/api/external/runbook', '/runbook'])('RealmJoin API under %s', (base) => {
  it('run waits for the job and answers 200 with status and every stream', async () => {
    const r = await a.call('POST', `${base}/${RUNBOOK}/run`, { UserName: 'someone@contoso.com', Revoke: true });
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('Completed');
    expect(r.json.jobID).toMatch(/^[0-9a-f-]{36}$/);
    const outputs = r.json.streams.filter((s: any) => s.streamType === 'Output').map((s: any) => s.streamText);
    expect(outputs).toEqual(['## User access for someone@contoso.com has been revoked.']);
    expect(r.json.streams.some((s: any) => s.streamType === 'Verbose' && /Connecting/.test(s.streamText))).toBe(true);
    for (const s of r.json.streams) expect(Object.keys(s).sort()).toEqual(['streamText', 'streamType', 'summary', 'time', 'value']);
  });

  it('run reports Failed with the exception when the runbook throws', async () => {
    const r = await a.call('POST', `${base}/${RUNBOOK}/run`, { UserName: 'nobody' });
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('Failed');
    const ex = await a.call('GET', `${base}/jobs/${r.json.jobID}/exception/text`);
    expect(ex.status).toBe(200);
    expect(ex.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(ex.text).toBe("User 'nobody' not found");
  });

  it('start returns the job id at once; status, output text, streams and exception read it back', async () => {
    const s = await a.call('POST', `${base}/${RUNBOOK}/start`, { UserName: 'someone@contoso.com', Revoke: false });
    expect(s.status).toBe(200);
    const jobId = s.json.jobID;
    expect(['Queued', 'Running', 'Completed']).toContain(s.json.status);
    const status = await waitFor(async () => {
      const r = await a.call('GET', `${base}/jobs/${jobId}/status`);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      return r.text === 'Completed' ? r.text : undefined;
    }, 'Completed');
    expect(status).toBe('Completed');
    const out = await a.call('GET', `${base}/jobs/${jobId}/output/text`);
    expect(out.text).toBe('## User access for someone@contoso.com has been restored.');
    const verbose = await a.call('GET', `${base}/jobs/${jobId}/output/streams?streamTypes=Verbose`);
    expect(verbose.status).toBe(200);
    expect(verbose.json.length).toBeGreaterThan(0);
    expect(verbose.json.every((x: any) => x.streamType === 'Verbose')).toBe(true);
    const two = await a.call('GET', `${base}/jobs/${jobId}/output/streams?streamTypes=Verbose,Output`);
    expect(new Set(two.json.map((x: any) => x.streamType))).toEqual(new Set(['Verbose', 'Output']));
    const all = await a.call('GET', `${base}/jobs/${jobId}/output/streams`);
    expect(all.json.length).toBe(two.json.length);
    const ex = await a.call('GET', `${base}/jobs/${jobId}/exception/text`);
    expect(ex.status).toBe(200);
    expect(ex.text).toBe('');
  });
});

describe('RealmJoin API: bad input', () => {
  const path = `/api/external/runbook/${RUNBOOK}/start`;
  it('401 without credentials or with a wrong secret, naming the scheme', async () => {
    const none = await http(a.url, path, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Basic/);
    const wrong = await http(a.url, path, {
      method: 'POST',
      body: '{}',
      headers: { Authorization: basic(`${a.key.split(':')[0]}:wrong`) },
    });
    expect(wrong.status).toBe(401);
    const unknown = await http(a.url, path, { method: 'POST', body: '{}', headers: { Authorization: basic('nobody:nothing') } });
    expect(unknown.status).toBe(401);
  });
  it('403 when a reader key starts a job; the reader may read', async () => {
    const r = await http(a.url, path, { method: 'POST', body: '{"UserName":"a@b"}', headers: { Authorization: basic(reader) } });
    expect(r.status).toBe(403);
    expect(r.json.detail).toMatch(/reader/);
    const started = await a.call('POST', path, { UserName: 'a@b.c' });
    const st = await http(a.url, `/api/external/runbook/jobs/${started.json.jobID}/status`, { headers: { Authorization: basic(reader) } });
    expect(st.status).toBe(200);
  });
  it('400 naming the parameter: missing, unknown, wrongly typed', async () => {
    const missing = await a.call('POST', path, {});
    expect(missing.status).toBe(400);
    expect(missing.json.detail).toContain('UserName');
    const unknown = await a.call('POST', path, { UserName: 'a@b', Colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.detail).toContain('Colour');
    const typed = await a.call('POST', path, { UserName: 'a@b', Revoke: 'sometimes' });
    expect(typed.status).toBe(400);
    expect(typed.json.detail).toContain('Revoke');
    expect(typed.headers.get('content-type')).toMatch(/problem\+json/);
  });
  it('400 for malformed JSON', async () => {
    const r = await a.call('POST', path, '{"UserName": ');
    expect(r.status).toBe(400);
    expect(r.json.detail).toMatch(/JSON/);
  });
  it('404 for an unknown runbook or job, 400 for an unknown stream type', async () => {
    expect((await a.call('POST', '/api/external/runbook/no-such-runbook/start', {})).status).toBe(404);
    expect((await a.call('GET', '/api/external/runbook/jobs/0190f0e0-0000-7000-8000-000000000000/status')).status).toBe(404);
    expect((await a.call('GET', '/api/external/runbook/jobs/not-a-guid/status')).status).toBe(404);
    const s = await a.call('POST', path, { UserName: 'a@b.c' });
    const bad = await a.call('GET', `/api/external/runbook/jobs/${s.json.jobID}/output/streams?streamTypes=Nope`);
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toContain('Nope');
  });
});
