// The OpenAPI document says what the service does (issue 10 item 5): every operation it lists is
// called on the real local host, and every real answer (its status, media type and body) is checked
// against the response the document declares for it, with a JSON Schema 2020-12 validator (OpenAPI
// 3.1's schema dialect). Each operation must be seen succeeding and, when it declares 4xx answers,
// failing too; a 4xx must be declared by its own status, not left to `default`.
import { randomBytes, randomUUID } from 'node:crypto';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it, inject } from 'vitest';
import { api, basic, uniqueName, type Api } from '../support/api';
import { http, waitFor, type HttpResult } from '../support/http';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { startGitServer } from '../support/gitServer';

type Json = any;

let a: Api;
let doc: Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();
const validator = (schema: object): ValidateFunction => {
  const key = JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) compiled.set(key, (v = ajv.compile(schema)));
  return v;
};

interface Op {
  id: string;
  method: string;
  template: string;
  re: RegExp;
  literal: number;
  def: Json;
}
let ops: Op[] = [];
/** operationId → statuses seen (and checked). */
const seen = new Map<string, Set<number>>();

function findOp(method: string, pathname: string): Op {
  const matching = ops.filter((o) => o.method === method.toLowerCase() && o.re.test(pathname)).sort((x, y) => y.literal - x.literal);
  if (!matching.length) throw new Error(`the document has no operation for ${method} ${pathname}`);
  return matching[0]!;
}

const JSONISH = /^application\/(.+\+)?json$/;

/** Checks one real answer against the document; returns it for the test's own assertions. */
function conform(method: string, path: string, r: HttpResult, requestBody?: { contentType: string; value: unknown }): HttpResult {
  const url = new URL(path, 'http://x');
  const op = findOp(method, url.pathname);
  const where = `${op.id} (${method} ${path}) → ${r.status}`;
  const declared = op.def.responses[String(r.status)];
  if (r.status < 500) expect(declared, `${where}: status not declared`).toBeDefined();
  const response = declared ?? op.def.responses.default;
  expect(response, `${where}: neither the status nor default is declared`).toBeDefined();
  const media = (r.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!response.content) {
    expect(r.text, `${where}: declared without content, but a body came`).toBe('');
  } else {
    expect(Object.keys(response.content), `${where}: media type ${media || '(none)'} not declared`).toContain(media);
    const body = JSONISH.test(media) ? JSON.parse(r.text) : r.text;
    const validate = validator(response.content[media].schema);
    expect(
      validate(body),
      `${where}: body does not match the declared ${media} schema: ${ajv.errorsText(validate.errors)}\n${r.text.slice(0, 600)}`,
    ).toBe(true);
  }
  // What this test sends to succeed is what a generated client would send: the document must take it.
  if (requestBody && r.status < 300) {
    const schema = op.def.requestBody?.content?.[requestBody.contentType]?.schema;
    expect(schema, `${where}: request media type ${requestBody.contentType} not declared`).toBeDefined();
    const validate = validator(schema);
    expect(
      validate(requestBody.value),
      `${where}: the accepted request body does not match its schema: ${ajv.errorsText(validate.errors)}`,
    ).toBe(true);
  }
  if (r.status < 300) {
    // The path parameters of an accepted request keep to their declared schemas.
    const values = op.re.exec(url.pathname)!.slice(1).map(decodeURIComponent);
    const names = [...op.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    names.forEach((name, i) => {
      const param = (op.def.parameters as Json[]).find((p) => p.in === 'path' && p.name === name);
      expect(validator(param.schema)(values[i]), `${where}: path parameter ${name}=${values[i]} outside its schema`).toBe(true);
    });
  }
  let s = seen.get(op.id);
  if (!s) seen.set(op.id, (s = new Set()));
  s.add(r.status);
  return r;
}

/** An authenticated JSON call (admin key unless `key` is given), checked against the document. */
async function call(
  method: string,
  path: string,
  body?: unknown,
  opts: { key?: string | null; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const key = opts.key === undefined ? a.key : opts.key;
  const headers: Record<string, string> = {
    ...(key ? { Authorization: basic(key) } : {}),
    ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    ...opts.headers,
  };
  const r = await http(a.url, path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return conform(
    method,
    path,
    r,
    body !== undefined && typeof body !== 'string' ? { contentType: 'application/json', value: body } : undefined,
  );
}

const SCRIPT = 'echo "count=$Count who=$Who"\necho "a warning" >&2\necho done\n';
const rb = uniqueName('oa');
const rbOther = uniqueName('oa-other');
const rbSlow = uniqueName('oa-slow');
let jobId = '';
let readerKey = '';

beforeAll(async () => {
  a = api(inject('hookbookUrl'), inject('hookbookAdminKey'));
  const r = await http(a.url, '/api/openapi.json');
  expect(r.status).toBe(200);
  doc = r.json;
  ops = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, def]) => {
      // `{path}` (Kompira's object path) spans segments; every other parameter is one segment.
      const re = new RegExp(
        `^${template
          .split(/(\{\w+\})/)
          .map((part) => (part === '{path}' ? '(.+)' : /^\{\w+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('')}$`,
      );
      return { id: def.operationId as string, method, template, re, literal: template.replace(/\{\w+\}/g, '').length, def };
    }),
  );
  const k = await call('POST', '/api/v1/keys', { role: 'reader', description: 'openapi conformance' });
  expect(k.status).toBe(201);
  readerKey = k.json.key;
});

// Jobs run on a busy 2-core machine: waits are long, never timed.
describe('every operation answers as the OpenAPI document says', { timeout: 180_000 }, () => {
  it('the document: every operation has a unique operationId and its own 4xx answers', () => {
    const ids = ops.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of ops) {
      expect(o.id, `${o.method} ${o.template}`).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
      if (!['health', 'openapi'].includes(o.id))
        expect(
          Object.keys(o.def.responses).some((c) => /^4\d\d$/.test(c)),
          o.id,
        ).toBe(true);
    }
  });

  it('service: health and the document itself', async () => {
    expect((await call('GET', '/api/health', undefined, { key: null })).status).toBe(200);
    expect((await call('GET', '/api/openapi.json', undefined, { key: null })).status).toBe(200);
  });

  it('runbooks', async () => {
    const parameters = [
      { name: 'Count', type: 'int', default: 2 },
      { name: 'Who', type: 'string', default: 'nobody' },
      { name: 'When', type: 'datetime' },
    ];
    const create = {
      name: rb,
      type: 'bash',
      content: SCRIPT,
      description: 'OpenAPI conformance',
      parameters,
    };
    expect((await call('POST', '/api/v1/runbooks', create)).status).toBe(201);
    expect((await call('POST', '/api/v1/runbooks', create)).status).toBe(409);
    expect(
      (
        await call('POST', '/api/v1/runbooks', {
          name: uniqueName('oa-bad'),
          type: 'bash',
          content: 'x',
          parameters: [{ name: 'N', type: 'int', default: 'two' }],
        })
      ).status,
    ).toBe(400);
    expect((await call('POST', '/api/v1/runbooks', { name: rbOther, type: 'bash', content: 'echo other' })).status).toBe(201);
    expect((await call('POST', '/api/v1/runbooks', { name: rbSlow, type: 'bash', content: 'sleep 120' })).status).toBe(201);
    expect((await call('GET', '/api/v1/runbooks')).status).toBe(200);
    expect((await call('GET', '/api/v1/runbooks', undefined, { key: null })).status).toBe(401);
    expect((await call('GET', `/api/v1/runbooks/${rb}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/runbooks/${uniqueName('missing')}`)).status).toBe(404);
    const content = await call('GET', `/api/v1/runbooks/${rb}/content?version=draft`);
    expect(content.text).toBe(SCRIPT);
    expect((await call('GET', `/api/v1/runbooks/${rb}/content?version=newest`)).status).toBe(400);
    expect(
      (await call('PUT', `/api/v1/runbooks/${rb}/draft`, { content: SCRIPT, description: 'OpenAPI conformance, v1', parameters })).status,
    ).toBe(200);
    expect((await call('PUT', `/api/v1/runbooks/${rb}/draft`, { description: 'no content' })).status).toBe(400);
    for (const name of [rb, rbSlow]) expect((await call('POST', `/api/v1/runbooks/${name}/publish`)).status).toBe(200);
    expect((await call('POST', `/api/v1/runbooks/${uniqueName('missing')}/publish`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/runbooks/${rbOther}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/runbooks/${rbOther}`)).status).toBe(404);
  });

  it('jobs, with JSON and Server-Sent Events streams', async () => {
    const started = await call('POST', '/api/v1/jobs', { runbook: rb, parameters: { Count: 3, Who: 'me' } });
    expect(started.status).toBe(202);
    jobId = started.json.jobId;
    expect((await call('POST', '/api/v1/jobs', { runbook: rb, parameters: { Count: 'three' } })).status).toBe(400);
    expect((await call('POST', '/api/v1/jobs', { runbook: uniqueName('missing') })).status).toBe(404);
    await a.waitForStatus(jobId, ['Completed', 'Failed'], 90_000);
    expect((await call('GET', `/api/v1/jobs?runbook=${rb}&top=10`)).json.value.length).toBeGreaterThan(0);
    expect((await call('GET', '/api/v1/jobs?runbook=')).status).toBe(400);
    expect((await call('GET', '/api/v1/jobs?top=0')).status).toBe(400);
    expect((await call('GET', `/api/v1/jobs/${jobId}`)).json.status).toBe('Completed');
    expect((await call('GET', '/api/v1/jobs/0190f0e0-0000-7000-8000-000000000000')).status).toBe(404);
    const streams = await call('GET', `/api/v1/jobs/${jobId}/streams`);
    expect(streams.json.value.map((s: Json) => s.streamText)).toContain('count=3 who=me');
    expect((await call('GET', `/api/v1/jobs/${jobId}/streams?streamTypes=Output&streamTypes=Warning`)).status).toBe(200);
    expect((await call('GET', `/api/v1/jobs/${jobId}/streams?streamTypes=Loud`)).status).toBe(400);
    const sse = await call('GET', `/api/v1/jobs/${jobId}/streams?follow=true`);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(sse.text).toMatch(/^event: end$/m);
    // Every record event's data is a stream record as the JSON answer describes it.
    const record = doc.paths['/api/v1/jobs/{jobId}/streams'].get.responses['200'].content['application/json'].schema.properties.value.items;
    const events = sse.text.split('\n\n').filter((e) => /^id: /m.test(e));
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(validator(record)(JSON.parse(/^data: (.*)$/m.exec(e)![1]!)), e).toBe(true);
    expect((await call('GET', `/api/v1/jobs/${jobId}/streams?follow=maybe`)).status).toBe(400);
    expect((await call('POST', `/api/v1/jobs/${jobId}/stop`)).status).toBe(409);
    const slow = await call('POST', '/api/v1/jobs', { runbook: rbSlow });
    expect((await call('POST', `/api/v1/jobs/${slow.json.jobId}/stop`)).status).toBe(202);
  });

  it('keys', async () => {
    const created = await call('POST', '/api/v1/keys', { role: 'operator', runbooks: [rb] });
    expect(created.status).toBe(201);
    expect((await call('POST', '/api/v1/keys', { role: 'owner' })).status).toBe(400);
    expect((await call('GET', '/api/v1/keys')).status).toBe(200);
    expect((await call('GET', '/api/v1/keys', undefined, { key: readerKey })).status).toBe(403);
    expect((await call('DELETE', `/api/v1/keys/${created.json.keyId}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/keys/${created.json.keyId}`)).status).toBe(404);
  });

  it('RealmJoin', async () => {
    const base = '/api/external/runbook';
    const run = await call('POST', `${base}/${rb}/run`, { Count: 1 });
    expect([200, 202]).toContain(run.status);
    expect((await call('POST', `${base}/${uniqueName('missing')}/run`, {})).status).toBe(404);
    const start = await call('POST', `${base}/${rb}/start`, { Who: 'rj' });
    expect(start.status).toBe(200);
    expect((await call('POST', `${base}/${rb}/start`, {}, { key: null })).status).toBe(401);
    const id = run.json.jobID;
    await a.waitForStatus(id, ['Completed', 'Failed'], 90_000);
    expect((await call('GET', `${base}/jobs/${id}/status`)).text).toBe('Completed');
    expect((await call('GET', `${base}/jobs/0190f0e0-0000-7000-8000-000000000000/status`)).status).toBe(404);
    expect((await call('GET', `${base}/jobs/${id}/output/text`)).text).toContain('count=1');
    expect((await call('GET', `${base}/jobs/${id}/output/text`, undefined, { key: null })).status).toBe(401);
    expect((await call('GET', `${base}/jobs/${id}/output/streams?streamTypes=Output,Warning`)).status).toBe(200);
    expect((await call('GET', `${base}/jobs/${id}/output/streams?streamTypes=Loud`)).status).toBe(400);
    expect((await call('GET', `${base}/jobs/${id}/exception/text`)).status).toBe(200);
    expect((await call('GET', `${base}/jobs/${id}/exception/text`, undefined, { key: null })).status).toBe(401);
  });

  it('webhooks: manage, and invoke with a JSON body', async () => {
    const name = uniqueName('oa-hook');
    const created = await call('POST', '/api/v1/webhooks', { name, runbook: rb, parameters: { Count: 5 } });
    expect(created.status).toBe(201);
    expect((await call('POST', '/api/v1/webhooks', { name, runbook: rb })).status).toBe(409);
    expect((await call('POST', '/api/v1/webhooks', { name: uniqueName('oa-hook'), runbook: uniqueName('missing') })).status).toBe(404);
    expect((await call('POST', '/api/v1/webhooks', { name: '-bad', runbook: rb })).status).toBe(400);
    expect((await call('GET', `/api/v1/webhooks?runbook=${rb}`)).json.value.length).toBe(1);
    expect((await call('GET', '/api/v1/webhooks?runbook=')).status).toBe(400);
    expect((await call('GET', `/api/v1/webhooks/${name}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/webhooks/${uniqueName('missing')}`)).status).toBe(404);
    // A signature without a secret generates one: shown in this one answer, as the document says.
    const patched = await call('PATCH', `/api/v1/webhooks/${name}`, { signature: { scheme: 'hmac-sha256' } });
    expect(patched.json.signature.secret).toEqual(expect.any(String));
    const again = await call('PATCH', `/api/v1/webhooks/${name}`, { description: 'no secret in this answer' });
    expect(again.json.signature.secret).toBeUndefined();
    expect((await call('PATCH', `/api/v1/webhooks/${name}`, { isEnabled: 'yes' })).status).toBe(400);
    expect((await call('PATCH', `/api/v1/webhooks/${name}`, { signature: null })).status).toBe(200);

    const token = new URL(created.json.uri).searchParams.get('token')!;
    const payload = { action: 'opened', issue: { number: 1, title: 'x' } };
    const invoke = (query: string, body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
      http(a.url, `/webhooks${query}`, { method: 'POST', headers, body }).then((r) =>
        conform(
          'POST',
          `/webhooks${query}`,
          r,
          headers['Content-Type'] === 'application/json' ? { contentType: 'application/json', value: JSON.parse(body) } : undefined,
        ),
      );
    expect((await invoke(`?token=${encodeURIComponent(token)}`, JSON.stringify(payload))).status).toBe(202);
    expect((await invoke(`?token=${encodeURIComponent(token)}`, 'plain text', { 'Content-Type': 'text/plain' })).status).toBe(202);
    expect((await invoke('', JSON.stringify(payload))).status).toBe(400);
    expect((await invoke(`?token=${randomBytes(16).toString('hex')}`, '{}')).status).toBe(400);

    expect((await call('DELETE', `/api/v1/webhooks/${name}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/webhooks/${name}`)).status).toBe(404);
  });

  it('schedules', async () => {
    const name = uniqueName('oa-sched');
    const created = await call('POST', '/api/v1/schedules', {
      name,
      runbook: rb,
      frequency: 'Month',
      monthDays: [1, -1],
      startTime: '2030-01-01T03:00:00Z',
      timeZone: 'UTC',
      isEnabled: false,
    });
    expect(created.status).toBe(201);
    expect((await call('POST', '/api/v1/schedules', { name, runbook: rb, cronExpression: '0 3 * * *' })).status).toBe(409);
    expect(
      (
        await call('POST', '/api/v1/schedules', {
          name: uniqueName('oa-sched'),
          runbook: rb,
          frequency: 'Month',
          monthDays: [32],
          startTime: '2030-01-01T03:00:00Z',
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/api/v1/schedules', {
          name: uniqueName('oa-sched'),
          runbook: uniqueName('missing'),
          cronExpression: '0 3 * * *',
        })
      ).status,
    ).toBe(404);
    expect((await call('GET', `/api/v1/schedules?runbook=${rb}`)).json.value.length).toBe(1);
    expect((await call('GET', '/api/v1/schedules?runbook=')).status).toBe(400);
    expect((await call('GET', `/api/v1/schedules/${name}`)).json.monthDays).toEqual([1, -1]);
    expect((await call('GET', `/api/v1/schedules/${uniqueName('missing')}`)).status).toBe(404);
    const weekly = await call('PATCH', `/api/v1/schedules/${name}`, { frequency: 'Week', weekDays: ['Monday', 'Friday'] });
    expect(weekly.status, weekly.text).toBe(200);
    expect((await call('PATCH', `/api/v1/schedules/${name}`, { weekDays: ['Someday'] })).status).toBe(400);
    expect((await call('DELETE', `/api/v1/schedules/${name}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/schedules/${name}`)).status).toBe(404);
  });

  it('Kompira: objects, folders, execute and processes, as JSON and as pages', async () => {
    const json = { Accept: 'application/json' };
    const jobflow = `/kompira/api/${rb}`;
    expect((await call('GET', `${jobflow}`, undefined, { headers: json })).json.type_object).toBe('/system/types/Jobflow');
    expect((await call('GET', jobflow)).headers.get('content-type')).toMatch(/^text\/html/);
    expect((await call('GET', '/kompira/api?format=json&page=1&page_size=5')).json.count).toBeGreaterThan(0);
    expect((await call('GET', '/kompira/api?format=json&page_size=1000')).status).toBe(400);
    expect((await call('GET', `/kompira/api/${uniqueName('missing')}`, undefined, { headers: json })).status).toBe(404);
    expect((await call('GET', `/kompira/api/${uniqueName('missing')}`)).headers.get('content-type')).toMatch(/^text\/html/);
    expect((await call('GET', jobflow, undefined, { key: null, headers: json })).status).toBe(401);

    const executed = await call('POST', `${jobflow}.execute`, { Count: 4 }, { headers: json });
    expect(executed.json).toMatch(/^\/process\//);
    const form = new URLSearchParams({ Count: '6', format: 'json' }).toString();
    const byForm = conform(
      'POST',
      `${jobflow}.execute`,
      await http(a.url, `${jobflow}.execute`, {
        method: 'POST',
        headers: { Authorization: basic(a.key), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: form,
      }),
      { contentType: 'application/x-www-form-urlencoded', value: Object.fromEntries(new URLSearchParams(form)) },
    );
    expect(byForm.status).toBe(200);
    // A person's browser posting the e-mail's form gets a page, as declared.
    const browserForm = new URLSearchParams({ Count: '7', token: a.key }).toString();
    const page = conform(
      'POST',
      `${jobflow}.execute`,
      await http(a.url, `${jobflow}.execute`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
        body: browserForm,
      }),
      { contentType: 'application/x-www-form-urlencoded', value: Object.fromEntries(new URLSearchParams(browserForm)) },
    );
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await call('POST', `${jobflow}.execute`, '<a/>', { headers: { ...json, 'Content-Type': 'application/xml' } })).status).toBe(
      415,
    );
    expect((await call('POST', `${jobflow}.execute`, { Count: 'many' }, { headers: json })).status).toBe(400);
    expect((await call('POST', `${jobflow}.execute`, {}, { key: null, headers: json })).status).toBe(401);

    const processAt = `/kompira${executed.json}`;
    expect((await call('GET', `${processAt}?format=json`)).json.hookbook_status).toBeDefined();
    expect((await call('GET', processAt)).headers.get('content-type')).toMatch(/^text\/html/);
    expect((await call('GET', '/kompira/process/0190f0e0-0000-7000-8000-000000000000?format=json')).status).toBe(404);
  });

  it('Kompira notification e-mail', async () => {
    const minted = await call('POST', '/api/v1/kompira/mail', { path: `/api/${rb}`, subject: 'Restart?' });
    expect(minted.status).toBe(201);
    expect((await call('POST', '/api/v1/kompira/mail', { path: `/api/${rb}`, token: a.key })).status).toBe(200);
    expect((await call('POST', '/api/v1/kompira/mail', { path: `/api/${uniqueName('missing')}` })).status).toBe(404);
    expect((await call('POST', '/api/v1/kompira/mail', { path: 'no-slash' })).status).toBe(400);
  });

  it('assets, and the routes a running job calls with its job token', async () => {
    const id = randomBytes(3).toString('hex');
    const v = `oa-var-${id}`;
    const c = `oa-cred-${id}`;
    const n = `oa-conn-${id}`;
    const base = '/api/v1/assets';
    expect((await call('POST', `${base}/variables`, { name: v, value: 'x' })).status).toBe(201);
    expect((await call('POST', `${base}/variables`, { name: v, value: 'x' })).status).toBe(409);
    expect((await call('POST', `${base}/credentials`, { name: c, userName: 'u', password: 'p-secret' })).status).toBe(201);
    expect((await call('POST', `${base}/credentials`, { name: c, userName: 'u', password: 'p' })).status).toBe(409);
    expect(
      (
        await call('POST', `${base}/connections`, {
          name: n,
          connectionType: 'EntraApp',
          fields: { TenantId: 't', ClientId: 'c', ClientSecret: 's-secret' },
        })
      ).status,
    ).toBe(201);
    expect((await call('POST', `${base}/connections`, { name: `x-${n}`, connectionType: 'EntraApp', fields: { Nope: 1 } })).status).toBe(
      400,
    );
    const updates: Record<string, unknown> = {
      variables: { value: 'y' },
      credentials: { password: 'p2-secret' },
      connections: { fields: { ClientId: 'c2' } },
    };
    for (const [kind, name] of [
      ['variables', v],
      ['credentials', c],
      ['connections', n],
    ] as const) {
      expect((await call('GET', `${base}/${kind}`)).status).toBe(200);
      expect((await call('GET', `${base}/${kind}`, undefined, { key: null })).status).toBe(401);
      expect((await call('GET', `${base}/${kind}/${name}`)).status).toBe(200);
      expect((await call('GET', `${base}/${kind}/missing-${id}`)).status).toBe(404);
      expect((await call('PATCH', `${base}/${kind}/${name}`, updates[kind])).status).toBe(200);
      expect((await call('PATCH', `${base}/${kind}/${name}`, updates[kind], { key: readerKey })).status).toBe(403);
    }
    expect((await call('GET', `${base}/audit?kind=variable&name=${v}`)).status).toBe(200);
    expect((await call('GET', `${base}/audit?name=${v}`)).status).toBe(400);

    // A job holds its token while the test calls the job routes with it.
    const dir = mkdtempSync(join(tmpdir(), 'hookbook-oa-'));
    chmodSync(dir, 0o777);
    const tokenFile = join(dir, 'token');
    const doneFile = join(dir, 'done');
    const holder = await a.createRunbook({
      name: uniqueName('oa-assets'),
      type: 'bash',
      parameters: [{ name: 'TokenFile' }, { name: 'DoneFile' }],
      assets: { variables: [v], credentials: [c], connections: [n], writeVariables: [v] },
      content:
        'umask 000; printf %s "$HOOKBOOK_JOB_TOKEN" > "$TokenFile.tmp"; mv "$TokenFile.tmp" "$TokenFile"\nfor i in $(seq 1 1500); do [ -e "$DoneFile" ] && exit 0; sleep 0.2; done; exit 1\n',
    });
    const started = await a.call('POST', '/api/v1/jobs', { runbook: holder, parameters: { TokenFile: tokenFile, DoneFile: doneFile } });
    expect(started.status, started.text).toBe(202);
    try {
      const token = await waitFor(
        () => existsSync(tokenFile) && readFileSync(tokenFile, 'utf8'),
        'the job to write its token',
        120_000,
        100,
      );
      const job = { key: null, headers: { Authorization: `Bearer ${token}` } };
      const jobBase = '/api/v1/job';
      expect((await call('GET', `${jobBase}/variables/${v}`, undefined, job)).json.value).toBe('y');
      expect((await call('GET', `${jobBase}/variables/${v}?format=text`, undefined, job)).text).toBe('y');
      expect((await call('GET', `${jobBase}/variables/missing-${id}`, undefined, job)).status).toBe(403);
      expect((await call('PUT', `${jobBase}/variables/${v}`, { value: 'z' }, job)).status).toBe(200);
      expect((await call('PUT', `${jobBase}/variables/${c}`, { value: 'z' }, job)).status).toBe(403);
      expect((await call('GET', `${jobBase}/credentials/${c}`, undefined, job)).json.password).toBe('p2-secret');
      expect((await call('GET', `${jobBase}/credentials/${c}?format=text&field=userName`, undefined, job)).text).toBe('u');
      expect((await call('GET', `${jobBase}/credentials/${v}`, undefined, job)).status).toBe(403);
      expect((await call('GET', `${jobBase}/connections/${n}`, undefined, job)).json.fields).toEqual({
        TenantId: 't',
        ClientId: 'c2',
        ClientSecret: 's-secret',
      });
      expect((await call('GET', `${jobBase}/connections/${n}?format=text&field=ClientId`, undefined, job)).text).toBe('c2');
      expect((await call('GET', `${jobBase}/connections/${c}`, undefined, job)).status).toBe(403);
    } finally {
      writeFileSync(doneFile, '');
    }
    expect((await a.waitForStatus(started.json.jobId, ['Completed', 'Failed'], 90_000)).status).toBe('Completed');

    for (const [kind, name] of [
      ['variables', v],
      ['credentials', c],
      ['connections', n],
    ] as const) {
      expect((await call('DELETE', `${base}/${kind}/${name}`)).status).toBe(204);
      expect((await call('DELETE', `${base}/${kind}/${name}`)).status).toBe(404);
    }
  });

  it('hybrid worker groups and their registration keys', async () => {
    const name = uniqueName('oa').toLowerCase();
    expect((await call('POST', '/api/v1/workerGroups', { name, description: 'conformance' })).status).toBe(201);
    expect((await call('POST', '/api/v1/workerGroups', { name })).status).toBe(409);
    expect((await call('POST', '/api/v1/workerGroups', { name: 'Not A Name' })).status).toBe(400);
    expect((await call('GET', '/api/v1/workerGroups')).status).toBe(200);
    // Readers see groups and workers (the dashboard's page); keys and changes stay admin's.
    expect((await call('GET', '/api/v1/workerGroups', undefined, { key: readerKey })).status).toBe(200);
    expect((await call('GET', '/api/v1/workerGroups', undefined, { key: null })).status).toBe(401);
    expect((await call('GET', `/api/v1/workerGroups/${name}/keys`, undefined, { key: readerKey })).status).toBe(403);
    expect((await call('GET', `/api/v1/workerGroups/${name}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/workerGroups/${name}-none`)).status).toBe(404);
    const key = await call('POST', `/api/v1/workerGroups/${name}/keys`, { description: 'conformance' });
    expect(key.status).toBe(201);
    expect((await call('POST', `/api/v1/workerGroups/${name}-none/keys`, {})).status).toBe(404);
    expect((await call('GET', `/api/v1/workerGroups/${name}/keys`)).status).toBe(200);
    expect((await call('GET', `/api/v1/workerGroups/${name}-none/keys`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/workerGroups/${name}/keys/${key.json.keyId}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/workerGroups/${name}/keys/${key.json.keyId}`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/workerGroups/${name}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/workerGroups/${name}`)).status).toBe(404);
  });

  it('source controls: manage, sync, push events, propose a draft', async () => {
    const server = await startGitServer();
    try {
      const repo = server.repo('oa');
      repo.commit({ 'rb/tools/echo.sh': 'echo hi\n' }, 'one');
      const cred = uniqueName('oa-git');
      expect((await call('POST', '/api/v1/assets/credentials', { name: cred, userName: 'x', password: server.token })).status).toBe(201);
      const name = uniqueName('oasrc');
      const body = { name, repoUrl: repo.url, folder: 'rb', credential: cred, runbookPrefix: `${name}-`, syncOnSchedule: false };
      const created = await call('POST', '/api/v1/source-controls', body);
      expect(created.status, created.text).toBe(201);
      expect((await call('POST', '/api/v1/source-controls', body)).status).toBe(409);
      expect((await call('POST', '/api/v1/source-controls', { ...body, name: uniqueName('oasrc'), folder: '../x' })).status).toBe(400);
      expect((await call('GET', '/api/v1/source-controls')).status).toBe(200);
      expect((await call('GET', '/api/v1/source-controls', undefined, { key: null })).status).toBe(401);
      expect((await call('GET', `/api/v1/source-controls/${name}`)).status).toBe(200);
      expect((await call('GET', `/api/v1/source-controls/${name}x`)).status).toBe(404);
      expect((await call('PATCH', `/api/v1/source-controls/${name}`, { description: 'conformance' })).status).toBe(200);
      expect((await call('PATCH', `/api/v1/source-controls/${name}`, { branch: '' })).status).toBe(400);
      const sync = await call('POST', `/api/v1/source-controls/${name}/sync`);
      expect(sync.status, sync.text).toBe(202);
      expect((await call('POST', `/api/v1/source-controls/${name}x/sync`)).status).toBe(404);
      const run = await waitFor(
        async () => {
          const r = await call('GET', `/api/v1/source-controls/${name}/syncs/${sync.json.runId}`);
          return r.json.status === 'Succeeded' || r.json.status === 'Failed' ? r.json : undefined;
        },
        'the sync to end',
        60_000,
      );
      expect(run.status, JSON.stringify(run)).toBe('Succeeded');
      expect((await call('GET', `/api/v1/source-controls/${name}/syncs/0000000000000-00000000`)).status).toBe(404);
      expect((await call('GET', `/api/v1/source-controls/${name}/syncs`)).json.value.length).toBeGreaterThan(0);
      expect((await call('GET', `/api/v1/source-controls/${name}/syncs?top=0`)).status).toBe(400);

      const event = { ref: 'refs/heads/main' };
      const signature = 'sha256=' + createHmac('sha256', created.json.pushSecret).update(JSON.stringify(event)).digest('hex');
      const push = (sig: string) =>
        call('POST', `/api/v1/source-controls/${name}/push`, event, {
          key: null,
          headers: { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sig },
        });
      expect((await push(signature)).status).toBe(202);
      expect((await push('sha256=' + '0'.repeat(64))).status).toBe(401);

      const runbook = `${name}-tools_echo`;
      expect((await call('PUT', `/api/v1/runbooks/${runbook}/draft`, { content: 'echo proposed\n' })).status).toBe(200);
      const proposed = await call('POST', `/api/v1/runbooks/${runbook}/propose`, {});
      expect(proposed.status, proposed.text).toBe(201);
      expect((await call('POST', `/api/v1/runbooks/${rb}/propose`, {})).status).toBe(409);

      expect((await call('DELETE', `/api/v1/source-controls/${name}`)).json.detached).toEqual([runbook]);
      expect((await call('DELETE', `/api/v1/source-controls/${name}`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('dashboard: stats, who am I, schedule preview', async () => {
    const stats = await call('GET', '/api/v1/stats?days=2');
    expect(stats.status, stats.text).toBe(200);
    expect(stats.json.hours).toHaveLength(48);
    expect((await call('GET', '/api/v1/stats?days=0')).status).toBe(400);
    expect((await call('GET', '/api/v1/me', undefined, { key: readerKey })).json.role).toBe('reader');
    expect((await call('GET', '/api/v1/me', undefined, { key: null })).status).toBe(401);
    const preview = await call('POST', '/api/v1/schedules/preview', { cronExpression: '0 9 * * *', timeZone: 'Europe/Berlin', count: 3 });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json.occurrences).toHaveLength(3);
    expect((await call('POST', '/api/v1/schedules/preview', { cronExpression: '0 9 31 2 *' })).status).toBe(400);
  });

  it('hybrid worker routes (a registration key, never an API key)', async () => {
    const group = uniqueName('oaw').toLowerCase();
    expect((await call('POST', '/api/v1/workerGroups', { name: group })).status).toBe(201);
    const w = { key: (await call('POST', `/api/v1/workerGroups/${group}/keys`, {})).json.key as string };
    const base = `/api/worker/v1/groups/${group}`;
    const hello = { name: 'oa', host: 'h', version: '1', capabilities: ['bash'], concurrency: 1 };
    expect((await call('POST', `${base}/hello`, hello, w)).status).toBe(200);
    expect((await call('POST', `${base}/hello`, { ...hello, name: '' }, w)).status).toBe(400);
    expect((await call('POST', `${base}/hello`, hello)).status).toBe(403); // the admin's API key
    const runbook = uniqueName('oaw');
    await a.createRunbook({ name: runbook, type: 'bash', runOn: group, content: 'echo hi\n' });
    const poll = { name: 'oa', capabilities: ['bash'], waitSeconds: 5 };
    const claim = async () => {
      expect((await call('POST', '/api/v1/jobs', { runbook })).status).toBe(202);
      const r = await call('POST', `${base}/poll`, poll, w);
      expect(r.status, r.text).toBe(200);
      return r.json as { jobId: string; attempt: number };
    };
    const job = await claim();
    expect((await call('POST', `${base}/poll`, { ...poll, waitSeconds: 0 }, w)).status).toBe(204);
    expect((await call('POST', `${base}/poll`, { name: 'oa' }, w)).status).toBe(400);
    const at = `${base}/jobs/${job.jobId}`;
    const records = [{ seq: 0, time: new Date().toISOString(), streamType: 'Output', summary: 'hi', streamText: 'hi' }];
    expect((await call('POST', `${at}/streams`, { attempt: job.attempt, records }, w)).status).toBe(204);
    expect((await call('POST', `${at}/streams`, { attempt: job.attempt + 1, records }, w)).status).toBe(409);
    const lease = await call('POST', `${at}/lease`, { attempt: job.attempt }, w);
    expect(lease.json).toEqual({ stop: false });
    expect((await call('POST', `${base}/jobs/${randomUUID()}/lease`, { attempt: 1 }, w)).status).toBe(404);
    const outcome = { exitCode: 0, signal: null, hasResult: false };
    const finish = await call('POST', `${at}/finish`, { attempt: job.attempt, streamCount: 1, outcome }, w);
    expect(finish.json).toEqual({ status: 'Completed' });
    expect((await call('POST', `${at}/finish`, { attempt: job.attempt, streamCount: 1, outcome }, w)).status).toBe(409);
    const other = await claim();
    const release = (attempt: number) => call('POST', `${base}/jobs/${other.jobId}/release`, { attempt, reason: 'conformance' }, w);
    expect((await release(other.attempt)).status).toBe(204);
    expect((await release(other.attempt)).status).toBe(409);
    expect((await call('POST', `/api/v1/jobs/${other.jobId}/stop`)).status).toBeLessThan(300);
  });

  it('Azure Automation API (ARM shape): account, runbooks, jobs', async () => {
    const A = '/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Automation/automationAccounts/hookbook-1';
    const v = '?api-version=2018-06-30';
    const armRb = uniqueName('oa_arm').replace(/-/g, '_');
    const armSlow = uniqueName('oa_arm_slow').replace(/-/g, '_');
    expect((await call('GET', `${A}${v}`)).status).toBe(200);
    expect((await call('GET', `${A}?api-version=2014-01-01`)).status).toBe(400);
    const put = { location: 'x', properties: { runbookType: 'PowerShell', logVerbose: false, draft: {} } };
    expect((await call('PUT', `${A}/runbooks/${armRb}${v}`, put)).status).toBe(201);
    expect(
      (await call('PUT', `${A}/runbooks/${armRb}${v}`, { ...put, properties: { ...put.properties, description: 'changed' } })).status,
    ).toBe(200);
    expect((await call('PUT', `${A}/runbooks/${armRb}${v}`, { properties: { runbookType: 'Graph' } })).status).toBe(400);
    expect((await call('GET', `${A}/runbooks/${armRb}/content${v}`)).status).toBe(404);
    expect((await call('GET', `${A}/runbooks/${armRb}/draft/content${v}`)).status).toBe(200);
    const text = { headers: { 'Content-Type': 'text/powershell' } };
    const draft = await call('PUT', `${A}/runbooks/${armRb}/draft/content${v}`, 'Write-Output "hi"', text);
    expect(draft.status).toBe(202);
    expect((await call('PUT', `${A}/runbooks/${armRb}/draft/content${v}`, '  ', text)).status).toBe(400);
    const operation = new URL(draft.headers.get('location')!);
    expect((await call('GET', operation.pathname + operation.search)).status).toBe(200);
    expect((await call('GET', `${A}/runbooks/${armRb}/operationResults/not-an-operation${v}`)).status).toBe(404);
    expect((await call('POST', `${A}/runbooks/${armRb}/publish${v}`)).status).toBe(202);
    expect((await call('POST', `${A}/runbooks/${uniqueName('missing')}/publish${v}`)).status).toBe(404);
    expect((await call('GET', `${A}/runbooks/${armRb}/content${v}`)).status).toBe(200);
    expect((await call('GET', `${A}/runbooks/${armRb}${v}`)).status).toBe(200);
    expect((await call('GET', `${A}/runbooks/${uniqueName('missing')}${v}`)).status).toBe(404);
    expect((await call('GET', `${A}/runbooks/${armRb}/draft${v}`)).status).toBe(200);
    expect((await call('GET', `${A}/runbooks/${uniqueName('missing')}/draft${v}`)).status).toBe(404);
    expect((await call('GET', `${A}/runbooks/${uniqueName('missing')}/draft/content${v}`)).status).toBe(404);
    expect((await call('PATCH', `${A}/runbooks/${armRb}${v}`, { properties: { description: 'patched' } })).status).toBe(200);
    expect((await call('PATCH', `${A}/runbooks/${uniqueName('missing')}${v}`, { properties: {} })).status).toBe(404);
    expect((await call('GET', `${A}/runbooks${v}&$top=1`)).status).toBe(200);
    expect((await call('GET', `${A}/runbooks${v}&$top=0`)).status).toBe(400);

    // Jobs, on bash runbooks (this host has no pwsh): they show as runbookType Script.
    await a.createRunbook({ name: armSlow, type: 'bash', content: 'echo started; sleep 120' });
    const jv = '?api-version=2017-05-15-preview';
    const job = await call('PUT', `${A}/jobs/${randomUUID()}${jv}`, { properties: { runbook: { name: rb }, parameters: { Count: '3' } } });
    expect(job.status).toBe(201);
    expect((await call('PUT', `${A}/jobs/${randomUUID()}${jv}`, { properties: { runbook: { name: uniqueName('missing') } } })).status).toBe(
      404,
    );
    const id = job.json.properties.jobId;
    await a.waitForStatus(id, ['Completed', 'Failed']);
    expect((await call('GET', `${A}/jobs/${id}${jv}`)).json.properties.status).toBe('Completed');
    expect((await call('GET', `${A}/jobs/${randomUUID()}${jv}`)).status).toBe(404);
    expect((await call('GET', `${A}/jobs${jv}&$filter=${encodeURIComponent(`properties/runbook/name eq '${rb}'`)}`)).status).toBe(200);
    expect((await call('GET', `${A}/jobs${jv}&$filter=${encodeURIComponent('properties/colour eq 1')}`)).status).toBe(400);
    expect((await call('GET', `${A}/jobs/${id}/output${jv}`)).text).toContain('count=3');
    expect((await call('GET', `${A}/jobs/${randomUUID()}/output${jv}`)).status).toBe(404);
    expect((await call('GET', `${A}/jobs/${id}/runbookContent${jv}`)).status).toBe(200);
    expect((await call('GET', `${A}/jobs/${randomUUID()}/runbookContent${jv}`)).status).toBe(404);
    const streams = await call('GET', `${A}/jobs/${id}/streams${jv}&$filter=${encodeURIComponent("properties/streamType eq 'Output'")}`);
    expect(streams.status).toBe(200);
    expect(
      (await call('GET', `${A}/jobs/${id}/streams${jv}&$filter=${encodeURIComponent("properties/streamType eq 'Colour'")}`)).status,
    ).toBe(400);
    expect((await call('GET', `${A}/jobs/${id}/streams/${streams.json.value[0].properties.jobStreamId}${jv}`)).status).toBe(200);
    expect((await call('GET', `${A}/jobs/${id}/streams/${id}_999${jv}`)).status).toBe(404);
    const slow = await call('PUT', `${A}/jobs/${randomUUID()}${jv}`, { properties: { runbook: { name: armSlow } } });
    expect((await call('POST', `${A}/jobs/${slow.json.properties.jobId}/stop${jv}`)).status).toBe(200);
    expect((await call('POST', `${A}/jobs/${id}/stop${jv}`)).status).toBe(409);
    expect((await call('DELETE', `${A}/runbooks/${armRb}${v}`)).status).toBe(200);
    expect((await call('DELETE', `${A}/runbooks/${armRb}${v}`)).status).toBe(404);
  });

  it('Azure Automation API (ARM shape): webhooks, assets, schedules, job schedules, hybrid worker groups', async () => {
    const A = '/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Automation/automationAccounts/hookbook-1';
    const v = '?api-version=2015-10-31';
    const bad = '?api-version=1999-01-01';
    // Webhooks, on the runbook `rb` published above.
    const uri = await call('POST', `${A}/webhooks/generateUri${v}`);
    expect(uri.status).toBe(200);
    expect((await call('POST', `${A}/webhooks/generateUri${bad}`)).status).toBe(400);
    const hook = uniqueName('oa-arm-hook');
    const props = { isEnabled: true, uri: uri.json, runbook: { name: rb }, parameters: { Count: '4' } };
    expect((await call('PUT', `${A}/webhooks/${hook}${v}`, { name: hook, properties: props })).status).toBe(201);
    expect((await call('PUT', `${A}/webhooks/${hook}${v}`, { name: hook, properties: { ...props, isEnabled: false } })).status).toBe(200);
    expect(
      (await call('PUT', `${A}/webhooks/${uniqueName('oa-arm-hook')}${v}`, { properties: { ...props, uri: 'not a uri' } })).status,
    ).toBe(400);
    expect((await call('GET', `${A}/webhooks${v}&$filter=${encodeURIComponent(`properties/runbook/name eq '${rb}'`)}`)).status).toBe(200);
    expect((await call('GET', `${A}/webhooks${v}&$filter=${encodeURIComponent('name eq 1')}`)).status).toBe(400);
    expect((await call('GET', `${A}/webhooks/${hook}${v}`)).json.properties.uri).toBe('');
    expect((await call('GET', `${A}/webhooks/${uniqueName('missing')}${v}`)).status).toBe(404);
    expect((await call('PATCH', `${A}/webhooks/${hook}${v}`, { properties: { isEnabled: true } })).status).toBe(200);
    expect((await call('PATCH', `${A}/webhooks/${uniqueName('missing')}${v}`, { properties: {} })).status).toBe(404);
    expect((await call('DELETE', `${A}/webhooks/${hook}${v}`)).status).toBe(200);
    expect((await call('DELETE', `${A}/webhooks/${hook}${v}`)).status).toBe(404);

    // Assets.
    const bodies: Record<string, [unknown, unknown, unknown]> = {
      variables: [{ properties: { value: '"x"' } }, { properties: { value: '"y"' } }, { properties: { value: 'not json' } }],
      credentials: [
        { properties: { userName: 'u', password: 'p' } },
        { properties: { description: 'changed' } },
        { properties: { userName: 'u' } },
      ],
      connections: [
        {
          properties: { connectionType: { name: 'BasicAuth' }, fieldDefinitionValues: { Url: 'https://x', UserName: 'u', Password: 'p' } },
        },
        { properties: { description: 'changed' } },
        { properties: { fieldDefinitionValues: {} } },
      ],
    };
    for (const [plural, [create, patch, wrong]] of Object.entries(bodies)) {
      const n = uniqueName('oa-arm-asset');
      expect((await call('PUT', `${A}/${plural}/${n}${v}`, create)).status).toBe(201);
      expect((await call('PUT', `${A}/${plural}/${n}${v}`, create)).status).toBe(200);
      expect((await call('PUT', `${A}/${plural}/${uniqueName('oa-arm-asset')}${v}`, wrong)).status).toBe(400);
      expect((await call('GET', `${A}/${plural}${v}`)).status).toBe(200);
      expect((await call('GET', `${A}/${plural}${bad}`)).status).toBe(400);
      expect((await call('GET', `${A}/${plural}/${n}${v}`)).status).toBe(200);
      expect((await call('GET', `${A}/${plural}/${uniqueName('missing')}${v}`)).status).toBe(404);
      expect((await call('PATCH', `${A}/${plural}/${n}${v}`, patch)).status).toBe(200);
      expect((await call('PATCH', `${A}/${plural}/${uniqueName('missing')}${v}`, patch)).status).toBe(404);
      expect((await call('DELETE', `${A}/${plural}/${n}${v}`)).status).toBe(200);
      expect((await call('DELETE', `${A}/${plural}/${n}${v}`)).status).toBe(404);
    }

    // Schedules and job schedules (read-only here), hybrid worker groups.
    const sched = uniqueName('oa-arm-sched');
    const startTime = new Date(Date.now() + 3600_000).toISOString();
    expect((await call('POST', '/api/v1/schedules', { name: sched, runbook: rb, frequency: 'Day', interval: 1, startTime })).status).toBe(
      201,
    );
    expect((await call('GET', `${A}/schedules${v}`)).status).toBe(200);
    expect((await call('GET', `${A}/schedules${bad}`)).status).toBe(400);
    expect((await call('GET', `${A}/schedules/${sched}${v}`)).status).toBe(200);
    expect((await call('GET', `${A}/schedules/${uniqueName('missing')}${v}`)).status).toBe(404);
    const links = await call('GET', `${A}/jobSchedules${v}`);
    expect(links.status).toBe(200);
    expect((await call('GET', `${A}/jobSchedules${bad}`)).status).toBe(400);
    const link = links.json.value.find((l: any) => l.properties.schedule.name === sched);
    expect((await call('GET', `${A}/jobSchedules/${link.properties.jobScheduleId}${v}`)).status).toBe(200);
    expect((await call('GET', `${A}/jobSchedules/${randomUUID()}${v}`)).status).toBe(404);
    // Schedules made here: the timing first, then a job schedule links it to a runbook.
    const armSched = uniqueName('oa-arm-sched');
    const timing = { properties: { frequency: 'Day', interval: 1, startTime, timeZone: 'UTC', advancedSchedule: {} } };
    expect((await call('PUT', `${A}/schedules/${armSched}${v}`, timing)).status).toBe(201);
    expect((await call('PUT', `${A}/schedules/${armSched}${v}`, timing)).status).toBe(200);
    expect((await call('PUT', `${A}/schedules/${uniqueName('oa-arm-sched')}${v}`, { properties: { frequency: 'Fortnight' } })).status).toBe(
      400,
    );
    expect((await call('PATCH', `${A}/schedules/${armSched}${v}`, { properties: { description: 'pending' } })).status).toBe(200);
    expect((await call('PATCH', `${A}/schedules/${uniqueName('missing')}${v}`, { properties: { isEnabled: false } })).status).toBe(404);
    const linkId = randomUUID();
    const linkBody = { properties: { schedule: { name: armSched }, runbook: { name: rb }, parameters: { Count: '5' } } };
    expect((await call('PUT', `${A}/jobSchedules/${linkId}${v}`, linkBody)).status).toBe(201);
    expect(
      (
        await call('PUT', `${A}/jobSchedules/${randomUUID()}${v}`, {
          properties: { ...linkBody.properties, schedule: { name: uniqueName('missing') } },
        })
      ).status,
    ).toBe(404);
    expect((await call('PATCH', `${A}/schedules/${armSched}${v}`, { properties: { isEnabled: false } })).status).toBe(200);
    expect((await call('DELETE', `${A}/jobSchedules/${linkId}${v}`)).status).toBe(200);
    expect((await call('DELETE', `${A}/jobSchedules/${linkId}${v}`)).status).toBe(404);
    expect((await call('DELETE', `${A}/schedules/${armSched}${v}`)).status).toBe(200);
    expect((await call('DELETE', `${A}/schedules/${armSched}${v}`)).status).toBe(404);
    const group = uniqueName('oa-arm-group');
    expect((await call('POST', '/api/v1/workerGroups', { name: group })).status).toBe(201);
    expect((await call('GET', `${A}/hybridRunbookWorkerGroups${v}`)).status).toBe(200);
    expect((await call('GET', `${A}/hybridRunbookWorkerGroups${bad}`)).status).toBe(400);
    expect((await call('GET', `${A}/hybridRunbookWorkerGroups/${group}${v}`)).status).toBe(200);
    expect((await call('GET', `${A}/hybridRunbookWorkerGroups/${uniqueName('missing')}${v}`)).status).toBe(404);
  });

  it('notification targets, their deliveries, and the audit trail', async () => {
    const t = uniqueName('oa-t');
    const created = await call('POST', '/api/v1/notification-targets', { name: t, url: 'https://example.invalid/hook', runbooks: [rb] });
    expect(created.status).toBe(201);
    expect((await call('POST', '/api/v1/notification-targets', { name: t, url: 'http://example.invalid/hook' })).status).toBe(400);
    expect((await call('GET', '/api/v1/notification-targets')).status).toBe(200);
    expect((await call('GET', '/api/v1/notification-targets', undefined, { key: readerKey })).status).toBe(403);
    expect((await call('GET', `/api/v1/notification-targets/${t}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/notification-targets/${uniqueName('missing')}`)).status).toBe(404);
    expect((await call('PATCH', `/api/v1/notification-targets/${t}`, { events: ['job.failed', 'job.completed'] })).status).toBe(200);
    expect((await call('PATCH', `/api/v1/notification-targets/${t}`, { events: ['job.lost'] })).status).toBe(400);
    expect((await call('POST', `/api/v1/notification-targets/${t}/rotate-secret`, { overlapSeconds: 60 })).status).toBe(200);
    expect((await call('POST', `/api/v1/notification-targets/${t}/rotate-secret`, { overlapSeconds: -1 })).status).toBe(400);
    const job = await call('POST', '/api/v1/jobs', { runbook: rb, parameters: { Count: 1, Who: 'oa' } });
    const delivery = await waitFor(
      async () => (await call('GET', `/api/v1/jobs/${job.json.jobId}/notifications`)).json.value[0],
      'a delivery of the job',
      60_000,
    );
    expect((await call('GET', '/api/v1/jobs/0190f0e0-0000-7000-8000-000000000000/notifications')).status).toBe(404);
    expect((await call('GET', `/api/v1/notification-targets/${t}/deliveries?top=5`)).status).toBe(200);
    expect((await call('GET', `/api/v1/notification-targets/${t}/deliveries?top=0`)).status).toBe(400);
    expect((await call('POST', `/api/v1/notification-targets/${t}/deliveries/${delivery.deliveryId}/redeliver`)).status).toBe(202);
    expect((await call('POST', `/api/v1/notification-targets/${t}/deliveries/msg_missing/redeliver`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/notification-targets/${t}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/notification-targets/${t}`)).status).toBe(404);
    const audit = await call('GET', `/api/v1/audit?resource=notification-targets&name=${t}&top=10`);
    expect(audit.json.value.length).toBeGreaterThan(0);
    expect((await call('GET', '/api/v1/audit?format=jsonl&top=1')).status).toBe(200);
    expect((await call('GET', '/api/v1/audit?top=0')).status).toBe(400);
  });

  it('covered every operation: each seen succeeding, and failing where it declares a 4xx', () => {
    const missing: string[] = [];
    for (const o of ops) {
      const statuses = [...(seen.get(o.id) ?? [])];
      if (!statuses.some((s) => s < 300)) missing.push(`${o.id}: no 2xx`);
      const declares4xx = Object.keys(o.def.responses).some((c) => /^4\d\d$/.test(c));
      if (declares4xx && !statuses.some((s) => s >= 400 && s < 500)) missing.push(`${o.id}: no 4xx`);
    }
    expect(missing).toEqual([]);
  });
});
