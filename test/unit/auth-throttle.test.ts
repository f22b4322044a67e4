// Who counts as "the client" for the failed-authentication limit, and the window arithmetic.
import { HttpRequest } from '@azure/functions';
import { beforeEach, describe, expect, it } from 'vitest';
import { blockedFor, clientAddress, recordFailure, resetThrottle } from '../../shared/auth/throttle';

const req = (xff?: string) =>
  new HttpRequest({ method: 'GET', url: 'http://localhost/api/x', headers: xff ? { 'x-forwarded-for': xff } : {} });

describe('clientAddress', () => {
  it('takes the last X-Forwarded-For entry (the one the front end appended), without its port', () => {
    expect(clientAddress(req('6.6.6.6, 203.0.113.7:52311'))).toBe('203.0.113.7');
    expect(clientAddress(req('[2001:db8::1]:443'))).toBe('2001:db8::1');
    expect(clientAddress(req('::ffff:127.0.0.1'))).toBe('127.0.0.1');
    expect(clientAddress(req('::1'))).toBe('::1');
    expect(clientAddress(req())).toBe('unknown');
  });
});

describe('failure windows', () => {
  beforeEach(() => {
    process.env.HOOKBOOK_AUTH_FAILURE_LIMIT = '2'; // settings() sees it at once
    resetThrottle();
  });

  it('blocks a client and key id after the limit, for the rest of the minute only', () => {
    const t0 = 1_000_000;
    recordFailure('1.2.3.4', 'k', t0);
    expect(blockedFor('1.2.3.4', 'k', t0)).toBeUndefined();
    recordFailure('1.2.3.4', 'k', t0);
    expect(blockedFor('1.2.3.4', 'k', t0 + 1000)).toBe(59);
    expect(blockedFor('5.6.7.8', 'k', t0)).toBeUndefined(); // the owner elsewhere is not affected
    expect(blockedFor('1.2.3.4', 'other', t0)).toBeUndefined();
    expect(blockedFor('1.2.3.4', 'k', t0 + 60_000)).toBeUndefined();
  });

  it('blocks a client trying many key ids', () => {
    for (let i = 0; i < 20; i++) recordFailure('1.2.3.4', `k${i}`, 5_000);
    expect(blockedFor('1.2.3.4', 'fresh', 5_000)).toBeGreaterThan(0);
  });

  it('0 turns the limit off', () => {
    process.env.HOOKBOOK_AUTH_FAILURE_LIMIT = '0';
    for (let i = 0; i < 50; i++) recordFailure('1.2.3.4', 'k', 5_000);
    expect(blockedFor('1.2.3.4', 'k', 5_000)).toBeUndefined();
  });
});
