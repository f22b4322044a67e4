import { describe, expect, it } from 'vitest';
import type { RunbookParameter } from '../../shared/model/runbook';
import { checkWebhookParameters, mappedParameters } from '../../shared/webhooks/parameters';

const p = (name: string, type: RunbookParameter['type'], extra: Partial<RunbookParameter> = {}): RunbookParameter => ({
  name,
  type,
  mandatory: false,
  secret: false,
  ...extra,
});
const defs = [
  p('Target', 'string', { mandatory: true }),
  p('Count', 'int', { default: 1 }),
  p('When', 'datetime'),
  p('WebhookData', 'object', { mandatory: true }),
];

describe('checkWebhookParameters', () => {
  it('returns the given values under their declared names, without copying defaults', () => {
    expect(checkWebhookParameters(defs, { target: 'db', COUNT: 3 }, undefined)).toEqual({ Target: 'db', Count: 3 });
    expect(checkWebhookParameters(defs, { Target: 'db' }, undefined)).toEqual({ Target: 'db' });
  });
  it('requires mandatory parameters unless mapped; WebhookData never', () => {
    expect(() => checkWebhookParameters(defs, {}, undefined)).toThrow(/Parameter 'Target' is mandatory.*parameterMap/);
    expect(checkWebhookParameters(defs, {}, { Target: '/t' })).toEqual({});
  });
  it('refuses WebhookData, unknown names, overlaps and bad pointers with a sentence', () => {
    expect(() => checkWebhookParameters(defs, { Target: 'a', WebhookData: {} }, undefined)).toThrow(/WebhookData/);
    expect(() => checkWebhookParameters(defs, { Target: 'a', Nope: 1 }, undefined)).toThrow(/Unknown parameter 'Nope'/);
    expect(() => checkWebhookParameters(defs, { Target: 'a' }, { target: '/t' })).toThrow(/both fixed .* and mapped/);
    expect(() => checkWebhookParameters(defs, { Target: 'a' }, { Count: 'count' })).toThrow(/parameterMap: parameter 'Count'/);
    expect(() => checkWebhookParameters(defs, { Target: 'a' }, { webhookdata: '/x' })).toThrow(/cannot be mapped/);
    expect(() => checkWebhookParameters(defs, { Target: 1 }, undefined)).toThrow(/Parameter 'Target' \(string\)/);
  });
});

describe('mappedParameters', () => {
  const map = { Target: '/a/target', Count: '/a/n', When: '/a/when' };
  it('takes typed values by JSON pointer and leaves out absent optional ones', () => {
    expect(mappedParameters(defs, map, '{"a":{"target":"x","n":2,"when":"2024-01-01T00:00:00Z"}}')).toEqual({
      Target: 'x',
      Count: 2,
      When: '2024-01-01T00:00:00Z',
    });
    expect(mappedParameters(defs, map, '{"a":{"target":"x"}}')).toEqual({ Target: 'x' });
  });
  it('names the parameter and pointer when a value is missing, mistyped, or the body is not JSON', () => {
    expect(() => mappedParameters(defs, map, '{"a":{}}')).toThrow(
      /Parameter 'Target' \(string\) is mandatory and mapped from JSON pointer '\/a\/target'/,
    );
    expect(() => mappedParameters(defs, map, '{"a":{"target":"x","n":"2"}}')).toThrow(/Parameter 'Count' \(int\).*'\/a\/n'/);
    expect(() => mappedParameters(defs, map, '{"a":{"target":"x","when":"soon"}}')).toThrow(/Parameter 'When' \(datetime\)/);
    expect(() => mappedParameters(defs, map, 'a=1')).toThrow(/'Target', 'Count', 'When'.*not JSON/);
  });
  it('does nothing without a map, whatever the body', () => {
    expect(mappedParameters(defs, {}, 'not json')).toEqual({});
  });
});
