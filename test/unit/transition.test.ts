import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { transition, JobBusyError, LeaseLostError, MAX_WRITE_TRIES } from '../../shared/jobs/transition';
import { finishJob } from '../../shared/jobs/finish';
import { TransitionError } from '../../shared/jobs/state';
import { jobEvents } from '../../shared/jobs/events';
import type { JobStatus } from '../../shared/model/job';
import { FakeJobStore, aJob } from '../support/fakeJobStore';

const ID = aJob().jobId;
let heard: JobStatus[];
let logged: string[];
const onStatus = (s: JobStatus) => heard.push(s);

beforeEach(() => {
  heard = [];
  logged = [];
  jobEvents.on(`status:${ID}`, onStatus);
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void logged.push(String(line)));
});
afterEach(() => {
  jobEvents.off(`status:${ID}`, onStatus);
  vi.restoreAllMocks();
});

describe('transition', () => {
  it('writes the move, then announces and logs it once', async () => {
    const store = new FakeJobStore();
    store.put(aJob({ status: 'Running', attempt: 1, startTime: '2026-01-01T00:00:01.000Z' }));
    const written = await transition(ID, 'Completed', { result: '1' }, { store });
    expect(store.peek(ID)).toMatchObject({ status: 'Completed', result: '1' });
    expect(store.peek(ID)!.endTime).toBe(written.value.endTime);
    expect(heard).toEqual(['Completed']);
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!)).toMatchObject({ event: 'job.transition', jobId: ID, status: 'Completed', attempt: 1 });
  });

  it('after an ETag conflict reads the job again and evaluates the move on what it is now', async () => {
    const store = new FakeJobStore();
    store.put(aJob({ status: 'Running', attempt: 1 }));
    let once = true;
    store.beforeUpdate = () => {
      if (once) store.change(ID, { status: 'Stopping', stopRequestedBy: 'k9' });
      once = false;
    };
    await transition(ID, 'Stopped', (job) => ({ statusDetails: `Stopped by ${job.stopRequestedBy}.` }), { store, fence: 1 });
    expect(store.peek(ID)).toMatchObject({ status: 'Stopped', statusDetails: 'Stopped by k9.' });
    expect(heard).toEqual(['Stopped']);
  });

  // The defect of the first version: finishStatus gave up after five ETag conflicts and still
  // emitted and logged the status it never wrote (a waiter saw "Completed"; storage said Running).
  it('announces nothing and throws when it cannot write', async () => {
    const store = new FakeJobStore();
    store.put(aJob({ status: 'Running', attempt: 1 }));
    store.beforeUpdate = () => store.change(ID, { heartbeat: new Date().toISOString() }); // always someone faster
    await expect(finishJob(ID, { status: 'Completed', result: '0' }, { store })).rejects.toBeInstanceOf(JobBusyError);
    expect(store.peek(ID)!.status).toBe('Running');
    expect(store.writes).toBe(0);
    expect(heard).toEqual([]);
    expect(logged).toEqual([]);
    expect(MAX_WRITE_TRIES).toBeGreaterThan(1);
  });

  it('refuses a write fenced by an attempt the job no longer carries', async () => {
    const store = new FakeJobStore();
    const held = store.put(aJob({ status: 'Running', attempt: 1 }));
    store.change(ID, { attempt: 2, worker: 'other' }); // presumed dead; claimed again
    await expect(transition(ID, 'Completed', {}, { store, from: held, fence: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    expect(store.peek(ID)).toMatchObject({ status: 'Running', attempt: 2 });
    expect(heard).toEqual([]);
  });

  it('checks every move against the state table', async () => {
    const store = new FakeJobStore();
    store.put(aJob({ status: 'Queued' }));
    await expect(transition(ID, 'Completed', {}, { store })).rejects.toBeInstanceOf(TransitionError);
    expect(store.writes).toBe(0);
    expect(logged).toEqual([]);
  });

  it('finishJob leaves a job that another party already ended alone', async () => {
    const store = new FakeJobStore();
    store.put(aJob({ status: 'Failed', attempt: 1 }));
    expect(await finishJob(ID, { status: 'Completed' }, { store })).toBe(false);
    expect(store.writes).toBe(0);
    expect(heard).toEqual([]);
  });
});
