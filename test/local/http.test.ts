// The local host's HTTP front end over a real socket, with the fixture functions and real Azurite.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureEnv, http as call, startHost, waitFor, type RunningHost } from '../support/host';

let host: RunningHost;
beforeAll(async () => {
  host = await startHost({ env: fixtureEnv() });
});
afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

describe('routing', () => {
  it('follows ASP.NET precedence: literal > {id:int} > {name} > {*rest}', async () => {
    expect((await call(host.url, 'api/items/special')).json.fn).toBe('itemsLiteral');
    expect((await call(host.url, 'api/items/17')).json).toMatchObject({ fn: 'itemsById', params: { id: '17' } });
    expect((await call(host.url, 'api/items/abc')).json).toMatchObject({ fn: 'itemsByName', params: { name: 'abc' } });
    expect((await call(host.url, 'api/echo/a/b/c')).json).toMatchObject({ fn: 'echoCatchAll', params: { rest: 'a/b/c' } });
  });
  it('matches literals case-insensitively, URL-decodes params, supports {name?}', async () => {
    expect((await call(host.url, 'API/ITEMS/Special')).json.fn).toBe('itemsLiteral');
    expect((await call(host.url, 'api/items/caf%C3%A9%20au%20lait')).json.params).toEqual({ name: 'café au lait' });
    expect((await call(host.url, 'api/opt')).json).toMatchObject({ fn: 'itemsOptional', params: {} });
    expect((await call(host.url, 'api/opt/x')).json.params).toEqual({ name: 'x' });
  });
  it('answers 404 for a wrong method, an unknown path and an unregistered OPTIONS', async () => {
    expect((await call(host.url, 'api/post-only')).status).toBe(404);
    expect((await call(host.url, 'api/post-only', { method: 'POST' })).status).toBe(200);
    expect((await call(host.url, 'api/nothing-here')).status).toBe(404);
    expect((await call(host.url, 'api/health', { method: 'OPTIONS' })).status).toBe(404);
  });
  it('serves HEAD from a GET function without a body', async () => {
    const r = await call(host.url, 'api/health', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('');
  });
  it('passes the query string through, repeated keys included', async () => {
    const r = await call(host.url, 'api/echo/q?a=1&b=x%20y');
    expect(r.json.query).toEqual({ a: '1', b: 'x y' });
  });
});

describe('bodies', () => {
  it('delivers request body bytes byte-for-byte', async () => {
    const bytes = Buffer.concat([randomBytes(300_000), Buffer.from([0, 0xff, 0xfe, 0x0d, 0x0a])]);
    const r = await call(host.url, 'api/echo/bytes', {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      length: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType: 'application/octet-stream',
    });
  });
  it('answers 413 beyond 4 MiB', async () => {
    const r = await call(host.url, 'api/echo/big', { method: 'POST', body: Buffer.alloc(4 * 1024 * 1024 + 1) });
    expect(r.status).toBe(413);
  });
  it('writes status, headers and cookies of an HttpResponseInit', async () => {
    const r = await call(host.url, 'api/cookies');
    expect(r.status).toBe(201);
    expect(r.text).toBe('made');
    expect(r.headers.get('x-fixture')).toBe('yes');
    expect(r.headers.get('set-cookie')).toMatch(/^a=b;.*HttpOnly/);
  });
  it('writes a plain text or bytes answer as the library would: default content type, length, status', async () => {
    const t = await call(host.url, 'api/plain/text');
    expect(t.status).toBe(202);
    expect(t.text).toBe('héllo');
    expect(t.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(t.headers.get('content-length')).toBe(String(Buffer.byteLength('héllo')));
    expect(t.headers.get('x-mixed-case')).toBe('kept');
    const b = await call(host.url, 'api/plain/bytes');
    expect(b.status).toBe(200);
    expect(b.headers.get('content-type')).toBe('application/octet-stream');
    expect(b.headers.get('content-length')).toBe('4');
  });
  it('turns a throwing handler into a 500 with a generic body, and keeps serving', async () => {
    const r = await call(host.url, 'api/throws');
    expect(r.status).toBe(500);
    expect(r.text).not.toContain('boom');
    expect((await call(host.url, 'api/health')).status).toBe(200);
  });
});

describe('streaming', () => {
  it('sends the first SSE event before the handler has produced the second', async () => {
    // The fixture only emits "second" after POST /api/stream-ack, so receiving "first" proves no buffering.
    const chunks: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      http
        .get(new URL('api/stream', `${host.url}/`), (res) => {
          expect(res.headers['content-type']).toBe('text/event-stream');
          res.setEncoding('utf8');
          res.on('data', (c: string) => chunks.push(c));
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
    await waitFor(() => chunks.join('').includes('data: first'), 'the first event', 20_000, 20);
    expect(chunks.join('')).not.toContain('second');
    expect((await call(host.url, 'api/stream-ack', { method: 'POST' })).status).toBe(204);
    await done;
    expect(chunks.join('')).toBe('data: first\n\ndata: second\n\n');
  });
});

describe('invocation log', () => {
  it('prints one line per invocation with query-string secrets redacted', async () => {
    await call(host.url, 'api/echo/log?token=tok-SECRET1&code=c-SECRET2&sig=s-SECRET3&key=k-SECRET4&secret=x-SECRET5&keep=visible');
    const line = await waitFor(
      () =>
        host
          .output()
          .split('\n')
          .find((l) => l.includes('GET /api/echo/log')),
      'the log line',
    );
    expect(line).toMatch(
      /echoCatchAll\s+\[[0-9a-f]{8}\]\s+GET \/api\/echo\/log\?token=\*\*\*&code=\*\*\*&sig=\*\*\*&key=\*\*\*&secret=\*\*\*&keep=visible\s+200\s+\d+ ms/,
    );
    expect(host.output()).not.toMatch(/SECRET\d/);
  });
});
