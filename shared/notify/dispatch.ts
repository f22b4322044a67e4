import { createHash } from 'node:crypto';
import type { JobRecord } from '../model/jobRecord';
import type { NotificationEvent, NotificationTarget, StartedByKind } from '../model/notification';
import { mayUseRunbook } from '../model/apiKey';
import { notificationQueue } from '../store/notificationStore';
import { cachedTargets } from './targets';

/**
 * From a job's status change to delivery messages: called by transition.ts's `announce`, the one
 * place every status change passes (every door, the hybrid workers' routes, the sweeper), after
 * the change is written. It never delays or fails the change: the messages are sent beside it.
 */

/**
 * The event of a status, once per job: `job.started` for the first claim only (a retry after a lost
 * worker is the same job going on), and an end event only for the end itself, which comes after
 * the last retry (docs/notifications.md, "Which events").
 */
export function eventOf(job: Pick<JobRecord, 'status' | 'attempt'>): NotificationEvent | undefined {
  switch (job.status) {
    case 'Running':
      return job.attempt === 1 ? 'job.started' : undefined;
    case 'Completed':
      return 'job.completed';
    case 'Failed':
      return 'job.failed';
    case 'Stopped':
      return 'job.stopped';
    default:
      return undefined;
  }
}

export const startedByKind = (startedBy: string): StartedByKind =>
  startedBy.startsWith('webhook:') ? 'webhook' : startedBy.startsWith('schedule:') ? 'schedule' : 'api';

/** The names a job carries (runbook, webhook, schedule, start body), as stored on it. */
export const namedTargets = (job: Pick<JobRecord, 'notify'>): string[] => (job.notify ? job.notify.split(',').filter(Boolean) : []);

/**
 * Does `target` hear `event` of `job`? It must be on, want the event, be named by the job or list
 * its runbook, and accept how it was started. (Filters over the runbook's history are the
 * sender's: shared/notify/deliver.ts.)
 */
export function wants(target: NotificationTarget, job: JobRecord, event: NotificationEvent): boolean {
  if (!target.enabled || !target.events.includes(event)) return false;
  const named = namedTargets(job).some((n) => n.toLowerCase() === target.name.toLowerCase());
  const subscribed = !!target.runbooks?.length && mayUseRunbook({ id: '', role: 'reader', runbooks: target.runbooks }, job.runbook);
  if (!named && !subscribed) return false;
  return !target.startedBy || target.startedBy.includes(startedByKind(job.startedBy));
}

/** The delivery id: the same for a job, event and target whoever computes it, so duplicates meet. */
export function deliveryIdFor(jobId: string, event: NotificationEvent, target: string): string {
  return `msg_${createHash('sha256').update(`${jobId}\n${event}\n${target.toLowerCase()}`).digest('hex').slice(0, 32)}`;
}

/** Sent but not yet acknowledged by storage (tests and shutdown may wait on them). */
const inFlight = new Set<Promise<void>>();
export const pendingEnqueues = (): Promise<unknown> => Promise.allSettled([...inFlight]);

/** Queue one message per target that wants this change of `job`; errors are logged, never thrown. */
export function notifyTransition(job: JobRecord): void {
  const event = eventOf(job);
  if (!event) return;
  const p = enqueue(job, event).catch((error: unknown) => {
    console.error(`[hookbook] notifications of job ${job.jobId} (${event}) could not be queued: ${(error as Error).message}`);
  });
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
}

async function enqueue(job: JobRecord, event: NotificationEvent): Promise<void> {
  const targets = (await cachedTargets()).filter((t) => wants(t, job, event));
  const firstTime = new Date().toISOString();
  await Promise.all(
    targets.map((t) =>
      sendWithRetry(() =>
        notificationQueue.send({ deliveryId: deliveryIdFor(job.jobId, event, t.name), target: t.name, jobId: job.jobId, event, firstTime }),
      ),
    ),
  );
}

/** A send that fails is tried again (0.5 s, 2 s, 8 s) before it is given up with a log line. */
async function sendWithRetry(send: () => Promise<void>): Promise<void> {
  for (let tries = 0; ; tries++) {
    try {
      return await send();
    } catch (error) {
      if (tries >= 3) throw error;
      await new Promise((r) => setTimeout(r, 500 * 4 ** tries));
    }
  }
}
