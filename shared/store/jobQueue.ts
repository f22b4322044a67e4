import type { JobMessage } from '../model/job';
import { settings } from '../config';
import { queue } from './clients';
import { jobQueueIndex } from './keys';

/**
 * Queue "jobs": one small message per job, `{"jobId":"..."}`, base64-encoded because the
 * Functions host decodes queue messages as base64 by default (host.json messageEncoding) and the
 * storage SDK does not encode for us.
 */
export const JOB_QUEUE = 'jobs';

/**
 * HOOKBOOK_JOB_QUEUES = N cloud job queues: queue 0 is `jobs` (the name from before there were
 * several, so its messages and deployments keep working), queue i ≥ 1 is `jobs-<i>`. A digit
 * follows `jobs-`, so no name meets a group's `jobs-g-<group>` or a poison queue (`<name>-poison`).
 */
export const jobQueueName = (i: number): string => (i === 0 ? JOB_QUEUE : `${JOB_QUEUE}-${i}`);
/** The cloud job queues of this deployment, `jobs` first (each has its worker and poison function). */
export const jobQueueNames = (n: number = settings().jobQueues): string[] => Array.from({ length: n }, (_, i) => jobQueueName(i));

export const encodeMessage = (m: JobMessage): string => Buffer.from(JSON.stringify(m), 'utf8').toString('base64');

/** A hybrid worker group's queue (docs/hybrid-workers.md); group names keep to queue-name rules. */
export const groupQueueName = (group: string): string => `${JOB_QUEUE}-g-${group}`;
/**
 * The queue of job `jobId` when it runs on `runOn`: its group's queue, or for the cloud (undefined
 * or 'cloud') the one of the N cloud queues its id hashes to (shared/store/keys.ts, jobQueueIndex).
 */
export const queueFor = (jobId: string, runOn?: string): string =>
  !runOn || runOn === 'cloud' ? jobQueueName(jobQueueIndex(jobId, settings().jobQueues)) : groupQueueName(runOn);

export interface ReceivedMessage {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  text: string;
}

export const jobQueue = {
  /** Send `m` to its job's queue for `runOn` (default: the cloud queue its id hashes to). */
  async send(m: JobMessage, delaySeconds = 0, runOn?: string): Promise<void> {
    const name = queueFor(m.jobId, runOn);
    const q = await queue(name);
    await q.sendMessage(encodeMessage(m), { visibilityTimeout: delaySeconds || undefined, messageTimeToLive: -1 });
    // A host may listen to wake its queue listener at once (the local host does; see docs/local-host.md).
    if (!delaySeconds) process.emit('hookbook:queue-sent' as never, name as never);
  },

  /**
   * When the oldest message still waiting at the front of queue `name` (a job's: queueFor) was
   * inserted, in ms (storage's clock); undefined when none is visible or the queue
   * does not exist yet. One peek (it takes nothing) of up to 32 visible messages, of which only
   * those never received count: a message handed back (a failed attempt, a hybrid worker that
   * cannot run its type, a host that released its prefetched batch) keeps its old insertion time
   * but went back in line when it became visible again, so its age says nothing about how far the
   * queue has drained. Messages out of sight (taken by a worker, sent with a delay) are not seen.
   */
  async oldestVisible(name: string): Promise<number | undefined> {
    const q = await queue(name, { create: false });
    let peeked;
    try {
      peeked = (await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined; // no such queue yet: nothing waits in it
      throw error;
    }
    const times = peeked.filter((m) => m.dequeueCount === 0 && m.insertedOn).map((m) => m.insertedOn.getTime());
    return times.length ? Math.min(...times) : undefined;
  },

  /** Take one message of a group's queue out of sight for `visibilitySeconds` (hybrid workers' poll). */
  async receive(group: string, visibilitySeconds: number): Promise<ReceivedMessage | undefined> {
    return (await jobQueue.receiveSome(group, 1, visibilitySeconds))[0];
  },

  /** Take up to `count` (≤ 32) messages of a group's queue out of sight (a poll looking past jobs it cannot run). */
  async receiveSome(group: string, count: number, visibilitySeconds: number): Promise<ReceivedMessage[]> {
    const q = await queue(groupQueueName(group));
    const r = await q.receiveMessages({ numberOfMessages: count, visibilityTimeout: visibilitySeconds });
    return r.receivedMessageItems.map((m) => ({
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      dequeueCount: m.dequeueCount,
      text: Buffer.from(m.messageText, 'base64').toString('utf8'),
    }));
  },

  /** Ids of up to `count` (≤ 32) messages visible at the front of a group's queue; nothing is taken or hidden. */
  async visibleIds(group: string, count: number): Promise<string[]> {
    const q = await queue(groupQueueName(group));
    return (await q.peekMessages({ numberOfMessages: count })).peekedMessageItems.map((m) => m.messageId);
  },

  /** Make a received message visible again at once (for another worker of the group). */
  async release(group: string, m: ReceivedMessage): Promise<void> {
    const q = await queue(groupQueueName(group));
    await q.updateMessage(m.messageId, m.popReceipt, undefined, 0).catch(() => undefined); // gone or taken: nothing to give back
  },

  async remove(group: string, m: ReceivedMessage): Promise<void> {
    const q = await queue(groupQueueName(group));
    await q.deleteMessage(m.messageId, m.popReceipt).catch(() => undefined); // already gone: someone else handled it
  },
};
