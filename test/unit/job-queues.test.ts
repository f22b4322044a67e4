// Several cloud job queues (HOOKBOOK_JOB_QUEUES): which queue a job's message goes to. The choice
// must be stable (any process, any version, finds a job's queue from its id alone), spread evenly,
// and independent of the job's table partition; the names must not meet group or poison queues.
import { afterEach, describe, expect, it } from 'vitest';
import { settings } from '../../shared/config';
import { newJobId } from '../../shared/jobs/ids';
import { GroupName } from '../../shared/model/runOn';
import { groupQueueName, JOB_QUEUE, jobQueueName, jobQueueNames, queueFor } from '../../shared/store/jobQueue';
import { JOB_SHARDS, jobQueueIndex, jobShard } from '../../shared/store/keys';

const saved = process.env.HOOKBOOK_JOB_QUEUES;
afterEach(() => {
  if (saved === undefined) delete process.env.HOOKBOOK_JOB_QUEUES;
  else process.env.HOOKBOOK_JOB_QUEUES = saved;
});

describe('job queues', () => {
  it('HOOKBOOK_JOB_QUEUES is an integer from 1 to 16, default 1', () => {
    expect(settings({}).jobQueues).toBe(1);
    expect(settings({ HOOKBOOK_JOB_QUEUES: '' }).jobQueues).toBe(1);
    expect(settings({ HOOKBOOK_JOB_QUEUES: '16' }).jobQueues).toBe(16);
    for (const bad of ['0', '17', '2.5', 'many', '-1']) expect(() => settings({ HOOKBOOK_JOB_QUEUES: bad })).toThrow(/HOOKBOOK_JOB_QUEUES/);
  });

  it('are named jobs, jobs-1, … jobs-15', () => {
    expect(jobQueueNames(1)).toEqual(['jobs']);
    expect(jobQueueNames(3)).toEqual(['jobs', 'jobs-1', 'jobs-2']);
    expect(jobQueueNames(16)).toHaveLength(16);
    expect(jobQueueName(15)).toBe('jobs-15');
    process.env.HOOKBOOK_JOB_QUEUES = '4';
    expect(jobQueueNames()).toEqual(['jobs', 'jobs-1', 'jobs-2', 'jobs-3']);
  });

  it('no job queue or its poison queue is a group queue, a poison queue of another, or an invalid queue name', () => {
    const names = jobQueueNames(16);
    const poison = names.map((n) => `${n}-poison`);
    const all = [...names, ...poison];
    expect(new Set(all).size).toBe(all.length);
    for (const n of all) {
      // Storage queue names: 3–63 characters, lower-case letters, digits and single hyphens.
      expect(n).toMatch(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/);
      // A group queue is jobs-g-<name starting with a letter>; a job queue has a digit after `jobs-`.
      expect(n.startsWith(`${JOB_QUEUE}-g-`)).toBe(false);
    }
    // Every group queue starts with jobs-g-: the group names below are valid, and none of their queues is a job queue.
    for (const g of ['g', 'a1', 'x-1-poison', 'poison', 'jobs']) {
      expect(GroupName.safeParse(g).success).toBe(true);
      expect(all).not.toContain(groupQueueName(g));
    }
  });

  it('the queue is a stable hash of the lower-cased id (values pinned: they place queued messages)', () => {
    const id = '0190f0e0-0000-7000-8000-000000000000';
    expect(jobQueueIndex(id, 3)).toBe(1);
    expect(jobQueueIndex(id, 16)).toBe(1);
    expect(jobQueueIndex('0190f0e0-0000-7000-8000-000000000001', 16)).toBe(15);
    expect(jobQueueIndex('019d2c3a-5b6e-7f00-9abc-def012345678', 16)).toBe(11);
    expect(jobQueueIndex(id.toUpperCase(), 3)).toBe(jobQueueIndex(id, 3));
    for (let i = 0; i < 100; i++) expect(jobQueueIndex(newJobId(), 1)).toBe(0);
  });

  it('spreads jobs evenly over the queues, and over all partitions within each queue', () => {
    const ids = Array.from({ length: 24_000 }, () => newJobId());
    for (const n of [2, 3, 5, 8, 16]) {
      const counts = new Array<number>(n).fill(0);
      for (const id of ids) counts[jobQueueIndex(id, n)]!++;
      const expected = ids.length / n;
      for (const c of counts) expect(Math.abs(c - expected) / expected, `N=${n}: ${counts.join(',')}`).toBeLessThan(0.1);
    }
    // Independent of the shard: with 8 queues each queue holds jobs of every partition, evenly.
    const pairs = new Map<string, number>();
    for (const id of ids) {
      const key = `${jobQueueIndex(id, 8)}/${jobShard(id)}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    expect(pairs.size).toBe(8 * JOB_SHARDS);
    const expected = ids.length / (8 * JOB_SHARDS);
    for (const [k, c] of pairs) expect(Math.abs(c - expected) / expected, k).toBeLessThan(0.25);
  });

  it('queueFor: a cloud job goes to the queue of its hash, a group job to its group queue', () => {
    const ids = Array.from({ length: 200 }, () => newJobId());
    expect(new Set(ids.map((id) => queueFor(id)))).toEqual(new Set(['jobs']));
    process.env.HOOKBOOK_JOB_QUEUES = '3';
    for (const id of ids) {
      expect(queueFor(id)).toBe(jobQueueName(jobQueueIndex(id, 3)));
      expect(queueFor(id, 'cloud')).toBe(queueFor(id));
      expect(queueFor(id, 'lab')).toBe('jobs-g-lab');
    }
    expect(new Set(ids.map((id) => queueFor(id)))).toEqual(new Set(['jobs', 'jobs-1', 'jobs-2']));
  });
});
