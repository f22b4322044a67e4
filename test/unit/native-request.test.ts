// local/native-request.ts stands in for the fetch Request under the library's HttpRequest: every
// call a handler can make must answer as a real Request over the same bytes does.
import { HttpRequest, type HttpRequestInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { NativeRequest } from '../../local/native-request';

const url = 'http://localhost:7071/api/x?a=1&a=2&b=%C3%A9';
const headers = { 'content-type': 'application/json', 'x-forwarded-for': '127.0.0.1' };

/** The same request twice: through our NativeRequest, and through the library's own Request. */
function pair(method: string, body: Buffer | undefined): [HttpRequest, HttpRequest] {
  const base: HttpRequestInit = { method, url, headers, params: { id: '7' }, ...(body ? { body: { bytes: body } } : {}) };
  const ours = new HttpRequest({ ...base, nativeRequest: new NativeRequest(url, method, headers, body) } as HttpRequestInit);
  return [ours, new HttpRequest(base)];
}

describe('NativeRequest under the library HttpRequest', () => {
  it('answers url, method, headers, query and params as the library Request does', () => {
    const [ours, theirs] = pair('POST', Buffer.from('{}'));
    expect(ours.url).toBe(theirs.url);
    expect(ours.method).toBe(theirs.method);
    expect([...ours.headers]).toEqual([...theirs.headers]);
    expect(ours.query.getAll('a')).toEqual(['1', '2']);
    expect(ours.query.get('b')).toBe('é');
    expect(ours.params).toEqual({ id: '7' });
  });

  it('reads the body as text (UTF-8, BOM dropped, bad bytes replaced), JSON and bytes, once', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"é"}'), Buffer.from([0xff])]);
    for (const read of ['text', 'arrayBuffer'] as const) {
      const [ours, theirs] = pair('POST', bytes);
      const a = await ours[read]();
      const b = await theirs[read]();
      expect(read === 'text' ? a : Buffer.from(a as ArrayBuffer)).toEqual(read === 'text' ? b : Buffer.from(b as ArrayBuffer));
      expect(ours.bodyUsed).toBe(true);
      await expect(ours.text()).rejects.toThrow(TypeError);
      await expect(theirs.text()).rejects.toThrow(TypeError);
    }
    const [ours] = pair('POST', Buffer.from('\ufeff{"a":[1,2]}'));
    expect(await ours.json()).toEqual({ a: [1, 2] });
  });

  it('has no body for GET, and reading it gives nothing, as often as asked', async () => {
    const [ours, theirs] = pair('GET', undefined);
    expect(ours.body).toBeNull();
    expect(theirs.body).toBeNull();
    expect(await ours.text()).toBe('');
    expect(await ours.text()).toBe('');
    expect(ours.bodyUsed).toBe(false);
  });

  it('hands over to a real Request for the body stream, form data and blob, and clones', async () => {
    const form = Buffer.from('a=1&b=x+y');
    const n = new NativeRequest(url, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, form);
    const copy = new HttpRequest({ method: 'POST', url, nativeRequest: n.clone() } as HttpRequestInit);
    const fd = await new HttpRequest({ method: 'POST', url, nativeRequest: n } as HttpRequestInit).formData();
    expect(fd.get('b')).toBe('x y');
    expect(await copy.text()).toBe('a=1&b=x+y');
    const s = new NativeRequest(url, 'POST', {}, Buffer.from('stream me'));
    expect(await new Response(s.body).text()).toBe('stream me');
    expect(s.bodyUsed).toBe(true);
  });
});
