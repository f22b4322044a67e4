// The sweeper during a backlog (issue 14): a Queued job past HOOKBOOK_ORPHAN_SECONDS whose message
// may still wait behind older messages of its queue is left alone (counted as waiting), and queued
// again only once the front of its queue is newer than it (or the queue is empty). In process, real
// Azurite, an injected clock (sweepJobs(nowMs)) instead of waiting out the orphan age.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite, type RunningAzurite } from '../support/host';
import { queuedRecord } from '../support/records';

let s: RunningAzurite;
beforeAll(async () => {
  s = await startAzurite();
  process.env.AzureWebJobsStorage = s.connectionString;
  process.env.HOOKBOOK_ORPHAN_SECONDS = '300';
});
afterAll(async () => {
  await s?.stop();
});

const core = async () => ({
  ...(await import('../../shared/store/jobStore')),
  ...(await import('../../shared/store/jobQueue')),
  ...(await import('../../shared/store/clients')),
  ...(await import('../../shared/jobs/ids')),
  ...(await import('../../shared/jobs/sweep')),
});

// The orphan age has passed for every job created in a test (its queue time is "now").
const later = () => Date.now() + 400_000;
const rawQueue = (name: string) => new QueueClient(s.connectionString, name);

const created: string[] = [];
const queues = new Set<string>();
afterEach(async () => {
  // Each test sees only its own jobs and messages: sweepJobs lists every Queued job of the store.
  const { jobStore } = await core();
  for (const id of created.splice(0)) await jobStore.delete(id).catch(() => undefined);
  for (const q of queues)
    await rawQueue(q)
      .clearMessages()
      .catch(() => undefined);
  queues.clear();
});

/** A Queued job as startJob writes it, queued at `queuedMs`; its message is sent only when `send`. */
async function queuedJob(opts: { queuedMs?: number; runOn?: string; send?: boolean } = {}): Promise<string> {
  const { jobStore, jobQueue, queueFor, newJobId } = await core();
  const jobId = newJobId();
  // No such runbook: a hybrid job's waiting reason is left as it is.
  await jobStore.create(
    queuedRecord(jobId, 'sweep-backlog-none', opts.runOn ? { runOn: opts.runOn } : {}, new Date(opts.queuedMs ?? Date.now())),
  );
  created.push(jobId);
  queues.add(queueFor(jobId, opts.runOn));
  if (opts.send) await jobQueue.send({ jobId }, 0, opts.runOn);
  return jobId;
}

/** A message of a job that is not in the store: the backlog ahead (the worker would drop it). */
async function backlogMessage(runOn?: string): Promise<void> {
  const { jobQueue, queueFor, newJobId } = await core();
  const jobId = newJobId();
  queues.add(queueFor(jobId, runOn));
  await jobQueue.send({ jobId }, 0, runOn);
}

const jobIdsIn = async (name: string): Promise<string[]> =>
  (await rawQueue(name).peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map(
    (m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')).jobId as string,
  );

describe('sweeper and a backlog', () => {
  it('a burst of waiting jobs is not re-queued: one peek, no point reads, nothing sent', async () => {
    const { sweepJobs, storageCounter, jobStore } = await core();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await queuedJob({ send: true }));
    storageCounter.timings = [];
    try {
      const r = await sweepJobs(later());
      expect(r).toEqual({ requeued: [], waiting: 20 });
      const peeks = storageCounter.timings.filter((t) => /\/jobs\/messages\?.*peekonly=true/i.test(t.url));
      expect(peeks).toHaveLength(1);
      // The listings of the three statuses and the one peek: no point read, write or send per job.
      const others = storageCounter.timings.filter((t) => !t.url.includes('$filter=') && !peeks.includes(t));
      expect(others.map((t) => `${t.method} ${t.url}`)).toEqual([]);
    } finally {
      storageCounter.timings = undefined;
    }
    expect((await jobIdsIn('jobs')).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const job = (await jobStore.get(id))!.value;
      expect(job.lastQueuedTime).toBe(job.createdTime);
    }
  });

  it('a lost job behind older messages waits for them; queued before them, or once they are gone, it is re-queued', async () => {
    const { sweepJobs, jobStore } = await core();
    // Lost long before the backlog arrived: its message would have been ahead of it.
    const early = await queuedJob({ queuedMs: Date.now() - 60_000 });
    await backlogMessage();
    const behind = await queuedJob(); // lost, but queued after the front of the backlog
    const first = await sweepJobs(later());
    expect(first.requeued).toEqual([early]);
    expect(first.waiting).toBe(1);
    expect((await jobStore.get(behind))!.value.lastQueuedTime).toBe((await jobStore.get(behind))!.value.createdTime);

    // The backlog drains (the worker takes and deletes every message).
    const q = rawQueue('jobs');
    for (;;) {
      const got = (await q.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems;
      if (!got.length) break;
      for (const m of got) await q.deleteMessage(m.messageId, m.popReceipt);
    }
    const nowMs = later();
    const second = await sweepJobs(nowMs);
    expect(second).toEqual({ requeued: [behind], waiting: 0 });
    expect((await jobStore.get(behind))!.value.lastQueuedTime).toBe(new Date(nowMs).toISOString());
    expect(await jobIdsIn('jobs')).toEqual([behind]);
  });

  it('a message handed back (received before) does not hold a lost job: its age says nothing about the line', async () => {
    const { sweepJobs } = await core();
    await backlogMessage();
    const q = rawQueue('jobs');
    const [m] = (await q.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 })).receivedMessageItems;
    await q.updateMessage(m!.messageId, m!.popReceipt, undefined, 0); // visible again, dequeueCount 1
    const lost = await queuedJob();
    expect(await sweepJobs(later())).toEqual({ requeued: [lost], waiting: 0 });
  });

  it('several job queues: a backlog holds only the jobs of its own queue', async () => {
    const { sweepJobs, queueFor } = await core();
    const { jobQueueIndex } = await import('../../shared/store/keys');
    process.env.HOOKBOOK_JOB_QUEUES = '3';
    try {
      // A backlog on jobs-1 only, then one lost job of each queue.
      const { jobQueue, newJobId } = await core();
      let ahead = newJobId();
      while (jobQueueIndex(ahead, 3) !== 1) ahead = newJobId();
      queues.add(queueFor(ahead));
      await jobQueue.send({ jobId: ahead }, 0);
      const lost = new Map<number, string>();
      while (lost.size < 3) {
        const id = await queuedJob();
        const i = jobQueueIndex(id, 3);
        if (lost.has(i)) await (await core()).jobStore.delete(id);
        else lost.set(i, id);
      }
      const r = await sweepJobs(later());
      expect(r.waiting).toBe(1); // jobs-1's, behind the backlog
      expect(r.requeued.sort()).toEqual([lost.get(0)!, lost.get(2)!].sort());
      expect(await jobIdsIn('jobs')).toEqual([lost.get(0)]);
      expect(await jobIdsIn('jobs-1')).toEqual([ahead]);
      expect(await jobIdsIn('jobs-2')).toEqual([lost.get(2)]);
    } finally {
      delete process.env.HOOKBOOK_JOB_QUEUES;
    }
  });

  it('hybrid groups: a job whose message waits in its group queue stays; a lost one (queue never created) is re-queued there', async () => {
    const { sweepJobs, groupQueueName } = await core();
    // No worker of the group polls: its job's message just waits (re-queueing added a copy a minute).
    const waits = await queuedJob({ runOn: 'sweep-idle', send: true });
    const lost = await queuedJob({ runOn: 'sweep-none' });
    await expect(rawQueue(groupQueueName('sweep-none')).exists()).resolves.toBe(false);
    const r = await sweepJobs(later());
    expect(r).toEqual({ requeued: [lost], waiting: 1 });
    expect(await jobIdsIn(groupQueueName('sweep-idle'))).toEqual([waits]);
    expect(await jobIdsIn(groupQueueName('sweep-none'))).toEqual([lost]);
    // The cloud queue was not touched.
    expect(await jobIdsIn('jobs')).toEqual([]);
  });
});
