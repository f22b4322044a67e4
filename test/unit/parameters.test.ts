import { describe, expect, it } from 'vitest';
import { validateParameters, checkDefinitions } from '../../shared/runbooks/parameters';
import { RunbookParameter } from '../../shared/model/runbook';
import { HttpError, toHttpError } from '../../shared/http/errors';

const defs = [
  { name: 'UserName', type: 'string', mandatory: true },
  { name: 'Revoke', type: 'bool', default: true },
  { name: 'Count', type: 'int' },
  { name: 'When', type: 'datetime' },
  { name: 'Options', type: 'object' },
  { name: 'Items', type: 'array' },
  { name: 'Password', type: 'string', secret: true },
].map((d) => RunbookParameter.parse(d));

function error(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (e) {
    return toHttpError(e); // as the HTTP edge answers it
  }
  throw new Error('expected an error');
}

describe('validateParameters', () => {
  it('applies defaults and keeps typed values', () => {
    expect(validateParameters(defs, { UserName: 'a@b.c', Count: 3, Items: [1], Options: { a: 1 } })).toEqual({
      UserName: 'a@b.c',
      Revoke: true,
      Count: 3,
      Items: [1],
      Options: { a: 1 },
    });
  });
  it('matches names without regard to case and returns the declared name', () => {
    expect(validateParameters(defs, { username: 'x@y', REVOKE: false })).toEqual({ UserName: 'x@y', Revoke: false });
  });
  it('names a missing mandatory parameter', () => {
    const e = error(() => validateParameters(defs, {}));
    expect(e.status).toBe(400);
    expect(e.message).toContain("'UserName'");
    expect(e.message).toContain('mandatory');
  });
  it('names an unknown parameter and lists the known ones', () => {
    const e = error(() => validateParameters(defs, { UserName: 'a@b', Bogus: 1 }));
    expect(e.status).toBe(400);
    expect(e.message).toContain("'Bogus'");
    expect(e.message).toContain('UserName');
  });
  it('names a wrongly typed parameter', () => {
    for (const [name, value] of [
      ['Revoke', 'yes'],
      ['Count', 1.5],
      ['Count', '3'],
      ['UserName', 5],
      ['When', 'not a date'],
      ['Items', {}],
      ['Options', []],
    ] as const) {
      const e = error(() => validateParameters(defs, { UserName: 'a@b', [name]: value }));
      expect(e.status, `${name}=${JSON.stringify(value)}`).toBe(400);
      expect(e.message).toContain(`'${name}'`);
    }
  });
  it('refuses a body that is not an object', () => {
    expect(error(() => validateParameters(defs, [1, 2])).status).toBe(400);
    expect(error(() => validateParameters(defs, 'x')).status).toBe(400);
  });
  it('converts strings when asked to (form posts)', () => {
    expect(
      validateParameters(
        defs,
        { UserName: 'a@b', Revoke: 'false', Count: '42', Items: '[1,2]', When: '2026-01-02T03:04:05+01:00' },
        { coerceStrings: true },
      ),
    ).toEqual({
      UserName: 'a@b',
      Revoke: false,
      Count: 42,
      Items: [1, 2],
      When: '2026-01-02T02:04:05.000Z',
    });
  });
  it('refuses parameters over 512 KB with 413', () => {
    expect(error(() => validateParameters(defs, { UserName: 'x'.repeat(600 * 1024) })).status).toBe(413);
  });
  it('refuses a name given twice in different case', () => {
    expect(error(() => validateParameters(defs, { UserName: 'a@b', username: 'c@d' })).status).toBe(400);
  });
});

describe('secrets and definitions', () => {
  it('refuses a default that does not match its type, and duplicate names', () => {
    expect(() => checkDefinitions([RunbookParameter.parse({ name: 'N', type: 'int', default: 'x' })])).toThrow(/default/);
    expect(() => checkDefinitions([RunbookParameter.parse({ name: 'N' }), RunbookParameter.parse({ name: 'n' })])).toThrow(/twice/);
  });
});
