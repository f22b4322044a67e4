import type { JobMessage } from '../model/job';
import { queue } from './clients';

/**
 * Queue "jobs": one small message per job, `{"jobId":"..."}`, base64-encoded because the
 * Functions host decodes queue messages as base64 by default (host.json messageEncoding) and the
 * storage SDK does not encode for us.
 */
export const JOB_QUEUE = 'jobs';

export const encodeMessage = (m: JobMessage): string => Buffer.from(JSON.stringify(m), 'utf8').toString('base64');

/** A hybrid worker group's queue (docs/hybrid-workers.md); group names keep to queue-name rules. */
export const groupQueueName = (group: string): string => `${JOB_QUEUE}-g-${group}`;
/** The queue of a job that runs on `runOn` (undefined or 'cloud': the cloud worker's queue). */
export const queueFor = (runOn?: string): string => (!runOn || runOn === 'cloud' ? JOB_QUEUE : groupQueueName(runOn));

export interface ReceivedMessage {
  messageId: string;
  popReceipt: string;
  dequeueCount: number;
  text: string;
}

export const jobQueue = {
  /** Send `m` to the queue of `runOn` (default: the cloud worker's). */
  async send(m: JobMessage, delaySeconds = 0, runOn?: string): Promise<void> {
    const name = queueFor(runOn);
    const q = await queue(name);
    await q.sendMessage(encodeMessage(m), { visibilityTimeout: delaySeconds || undefined, messageTimeToLive: -1 });
    // A host may listen to wake its queue listener at once (the local host does; see docs/local-host.md).
    if (!delaySeconds) process.emit('hookbook:queue-sent' as never, name as never);
  },

  /**
   * When the oldest message still waiting at the front of the queue of `runOn` (default: the cloud
   * worker's) was inserted, in ms (storage's clock); undefined when none is visible or the queue
   * does not exist yet. One peek (it takes nothing) of up to 32 visible messages, of which only
   * those never received count: a message handed back (a failed attempt, a hybrid worker that
   * cannot run its type, a host that released its prefetched batch) keeps its old insertion time
   * but went back in line when it became visible again, so its age says nothing about how far the
   * queue has drained. Messages out of sight (taken by a worker, sent with a delay) are not seen.
   */
  async oldestVisible(runOn?: string): Promise<number | undefined> {
    const q = await queue(queueFor(runOn), { create: false });
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
    const q = await queue(groupQueueName(group));
    const r = await q.receiveMessages({ numberOfMessages: 1, visibilityTimeout: visibilitySeconds });
    const m = r.receivedMessageItems[0];
    if (!m) return undefined;
    return {
      messageId: m.messageId,
      popReceipt: m.popReceipt,
      dequeueCount: m.dequeueCount,
      text: Buffer.from(m.messageText, 'base64').toString('utf8'),
    };
  },

  async remove(group: string, m: ReceivedMessage): Promise<void> {
    const q = await queue(groupQueueName(group));
    await q.deleteMessage(m.messageId, m.popReceipt).catch(() => undefined); // already gone: someone else handled it
  },
};
