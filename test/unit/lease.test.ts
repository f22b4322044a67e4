import { describe, expect, it } from 'vitest';
import { Lease } from '../../shared/jobs/lease';
import type { JobRecord } from '../../shared/model/jobRecord';
import { FakeJobStore, aJob } from '../support/fakeJobStore';

const LEASE_MS = 60_000;

function setUp() {
  const store = new FakeJobStore();
  const held = store.put(aJob({ status: 'Running', attempt: 3, worker: 'me' }));
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const lease = new Lease(held, { leaseMs: LEASE_MS, store, now: () => clock });
  const events: string[] = [];
  lease.on('lost', (job: JobRecord) => events.push(`lost:${job.attempt}`));
  lease.on('stop', (job: JobRecord) => events.push(`stop:${job.stopRequestedBy}`));
  lease.on('warning', (e: Error) => events.push(`warning:${e.message}`));
  return { store, lease, events, id: held.value.jobId, advance: (ms: number) => (clock += ms) };
}

describe('Lease', () => {
  it('writes a heartbeat only when lease/3 has passed', async () => {
    const { store, lease, id, advance } = setUp();
    await lease.renew();
    expect(store.writes).toBe(0);
    advance(LEASE_MS / 3);
    await lease.renew();
    expect(store.writes).toBe(1);
    expect(store.peek(id)!.heartbeat).toBe('2026-01-01T00:00:20.000Z');
    expect(lease.current.etag).not.toBe('');
  });

  it('keeps its ETag current across renewals', async () => {
    const { store, lease, advance, events } = setUp();
    for (let i = 0; i < 3; i++) {
      advance(LEASE_MS / 3);
      await lease.renew();
    }
    expect(store.writes).toBe(3);
    expect(events).toEqual([]);
  });

  it('tells of a stop request once', async () => {
    const { store, lease, events, id, advance } = setUp();
    store.change(id, { status: 'Stopping', stopRequestedBy: 'k1' });
    advance(LEASE_MS / 3);
    await lease.renew(); // the heartbeat loses its race: the lease reads why
    await lease.renew();
    expect(events).toEqual(['stop:k1']);
    expect(lease.isLost).toBe(false);
  });

  it('is lost when another attempt claimed the job, and then stops renewing', async () => {
    const { store, lease, events, id, advance } = setUp();
    store.change(id, { attempt: 4, worker: 'other' });
    advance(LEASE_MS / 3);
    await lease.renew();
    expect(events).toEqual(['lost:4']);
    expect(lease.isLost).toBe(true);
    advance(LEASE_MS);
    await lease.renew();
    expect(events).toEqual(['lost:4']);
    expect(store.peek(id)!.worker).toBe('other');
  });

  it('is lost when the job ended elsewhere', async () => {
    const { store, lease, events, id } = setUp();
    store.change(id, { status: 'Failed' });
    await lease.renew();
    expect(events).toEqual(['lost:3']);
  });

  it('reports storage trouble as a warning and goes on', async () => {
    const { store, lease, events, advance } = setUp();
    const original = store.update.bind(store);
    store.update = () => Promise.reject(new Error('ECONNRESET'));
    advance(LEASE_MS / 3);
    await lease.renew();
    expect(events).toEqual(['warning:ECONNRESET']);
    store.update = original;
    await lease.renew();
    expect(store.writes).toBe(1);
  });

  it('renews nothing after close', async () => {
    const { store, lease, advance } = setUp();
    lease.start();
    lease.close();
    advance(LEASE_MS);
    await lease.renew();
    expect(store.writes).toBe(0);
  });
});
