import { describe, expect, it } from 'vitest';
import { escapeForStorage } from '../../shared/store/encoding';

// The policy rewrites the body as serialized; JSON.parse of the result is what storage stores.
const stored = (value: string) => JSON.parse(escapeForStorage(JSON.stringify({ s: value }))).s as string;

describe('escapeForStorage (the body every table write sends)', () => {
  it('escapes U+2028 and U+2029 without changing the JSON value', () => {
    const body = JSON.stringify({ s: 'a\u2028b\u2029c' });
    const out = escapeForStorage(body);
    expect(out).not.toMatch(/[\u2028\u2029]/);
    expect(out).toContain('a\\u2028b\\u2029c');
    expect(stored('a\u2028b\u2029c')).toBe('a\u2028b\u2029c');
  });
  it('stores a lone surrogate as U+FFFD and keeps valid pairs', () => {
    expect(stored('x\ud800y')).toBe('x\ufffdy');
    expect(stored('x\udc00')).toBe('x\ufffd');
    expect(stored('\ud83d\ude00 ok')).toBe('\ud83d\ude00 ok');
    expect(stored('\ud83d\ud83d\ude00')).toBe('\ufffd\ud83d\ude00');
  });
  it('leaves an escaped backslash followed by "ud800" alone', () => {
    expect(stored('\\ud800')).toBe('\\ud800');
    expect(stored('\\\\u2028')).toBe('\\\\u2028');
  });
  it('keeps every other character as it is', () => {
    for (const s of ['\u0000', 'cr\ronly', '\ufeffbom', 'שלום \u202e עולם', '\u0085', 'plain']) expect(stored(s)).toBe(s);
    const plain = JSON.stringify({ s: 'plain' });
    expect(escapeForStorage(plain)).toBe(plain);
  });
  it('works on a multipart batch body, outside JSON untouched', () => {
    const body = `--changeset_1\r\nContent-Type: application/http\r\n\r\nPUT http://h/t(PartitionKey='p',RowKey='r') HTTP/1.1\r\n\r\n${JSON.stringify({ s: 'x\u2028{y}' })}\r\n--changeset_1--`;
    const out = escapeForStorage(body);
    expect(out).toBe(body.replace('\u2028', '\\u2028'));
  });
});
