import { describe, expect, it } from 'vitest';
import { parsePointer, resolvePointer } from '../../shared/webhooks/pointer';

describe('JSON pointer (RFC 6901)', () => {
  // The examples of RFC 6901 section 5.
  const doc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };
  it.each([
    ['', doc],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
    ['#/foo/1', 'baz'],
    ['#/c%25d', 2],
  ])('%j', (pointer, value) => {
    expect(resolvePointer(doc, pointer)).toEqual({ found: true, value });
  });

  it('reports missing steps instead of throwing', () => {
    for (const p of ['/nope', '/foo/2', '/foo/-', '/foo/01', '/foo/0/x', '/ /deeper'])
      expect(resolvePointer(doc, p)).toEqual({ found: false });
    expect(resolvePointer(null, '/a')).toEqual({ found: false });
  });

  it('does not walk prototypes', () => {
    expect(resolvePointer({}, '/constructor')).toEqual({ found: false });
    expect(resolvePointer({}, '/__proto__')).toEqual({ found: false });
  });

  it('finds values in an Azure Monitor common alert schema body', () => {
    const alert = {
      schemaId: 'azureMonitorCommonAlertSchema',
      data: { essentials: { alertRule: 'cpu-high', severity: 'Sev3', alertTargetIDs: ['/subscriptions/x'] } },
    };
    expect(resolvePointer(alert, '/data/essentials/alertRule')).toEqual({ found: true, value: 'cpu-high' });
    expect(resolvePointer(alert, '/data/essentials/alertTargetIDs/0')).toEqual({ found: true, value: '/subscriptions/x' });
  });

  it('refuses pointers that do not start with /', () => {
    expect(() => parsePointer('data/essentials')).toThrow(/must be empty or start with/);
  });
});
