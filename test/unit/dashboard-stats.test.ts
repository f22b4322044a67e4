import { describe, expect, it } from 'vitest';
import { bucketOf, DURATION_BUCKETS_MS, hourOf, percentile } from '../../shared/stats/jobStats';
import { fieldValue } from '../../ui/src/pages/StartForm';

describe('job statistics buckets', () => {
  it('puts a duration in the first bucket that holds it, and the longest in the last', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(250)).toBe(0);
    expect(bucketOf(251)).toBe(1);
    expect(bucketOf(59_000)).toBe(DURATION_BUCKETS_MS.indexOf(60_000));
    expect(bucketOf(10 * 24 * 3_600_000)).toBe(DURATION_BUCKETS_MS.length);
  });

  it('reads percentiles as the bucket bound, never above the longest job', () => {
    const h = [0, 0, 90, 0, 0, 10]; // 90 jobs ≤ 1 s, 10 jobs ≤ 10 s
    expect(percentile(h, 0.5, 8000)).toBe(1000);
    expect(percentile(h, 0.9, 8000)).toBe(1000);
    expect(percentile(h, 0.91, 8000)).toBe(8000);
    expect(percentile([], 0.5, 0)).toBeNull();
    expect(percentile([...new Array(DURATION_BUCKETS_MS.length).fill(0), 1], 0.5, 9e9)).toBe(9e9);
  });

  it('keys hours in UTC', () => {
    expect(hourOf('2026-03-29T01:59:59.999Z')).toBe('2026-03-29T01');
  });
});

describe('start form values', () => {
  const p = (type: string, extra = {}) => ({ name: 'X', type, mandatory: false, secret: false, ...extra }) as never;
  it('converts each declared type, and leaves empty fields to the default', () => {
    expect(fieldValue(p('string'), '')).toBeUndefined();
    expect(fieldValue(p('int'), '42')).toBe(42);
    expect(() => fieldValue(p('int'), '4.5')).toThrow(/whole number/);
    expect(fieldValue(p('bool'), true)).toBe(true);
    expect(fieldValue(p('array'), '[1,2]')).toEqual([1, 2]);
    expect(() => fieldValue(p('object'), '{nope')).toThrow(/must be JSON/);
    expect(fieldValue(p('datetime'), '2030-01-02T03:04')).toMatch(/^2030-01-02T\d\d:04:00\.000Z$/);
  });
});
