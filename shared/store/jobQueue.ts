import type { JobMessage } from '../model/job';
import { queue } from './clients';

/**
 * Queue "jobs": one small message per job, `{"jobId":"..."}`, base64-encoded because the
 * Functions host decodes queue messages as base64 by default (host.json messageEncoding) and the
 * storage SDK does not encode for us.
 */
export const JOB_QUEUE = 'jobs';

export const encodeMessage = (m: JobMessage): string => Buffer.from(JSON.stringify(m), 'utf8').toString('base64');

export const jobQueue = {
  async send(m: JobMessage, delaySeconds = 0): Promise<void> {
    const q = await queue(JOB_QUEUE);
    await q.sendMessage(encodeMessage(m), { visibilityTimeout: delaySeconds || undefined, messageTimeToLive: -1 });
    // A host may listen to wake its queue listener at once (the local host does; see docs/local-host.md).
    if (!delaySeconds) process.emit('hookbook:queue-sent' as never, JOB_QUEUE as never);
  },
};
