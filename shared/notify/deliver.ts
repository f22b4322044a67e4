import { settings } from '../config';
import type { JobRecord } from '../model/jobRecord';
import type { Delivery, DeliveryMessage, NotificationTarget } from '../model/notification';
import { isTerminal } from '../model/job';
import { jobView } from '../jobs/read';
import { deliveryStore, notificationQueue } from '../store/notificationStore';
import { jobStore } from '../store/jobStore';
import { streamStore } from '../store/streamStore';
import { githubHeaders } from './github';
import { jobNotice, OUTPUT_LINES } from './payload';
import { post, type SendResult } from './send';
import { slackMessage } from './slack';
import { standardHeaders } from './standardWebhooks';
import { teamsMessage } from './teams';
import { disableTarget, senderView } from './targets';

/**
 * One delivery message, handled (the queue-triggered `notificationSender`): the first time, the
 * delivery is recorded and the filters over the runbook's history decide whether it is sent at all;
 * then one attempt, recorded; after a failure the next attempt is a new message on the queue,
 * delayed by the back-off, carrying the same delivery id. Nothing waits in memory, so a restart
 * loses nothing: the message that is not deleted comes back.
 */
const now = () => new Date().toISOString();
/** The longest pause between two attempts. */
const MAX_DELAY_MS = 3600_000;

export async function deliver(m: DeliveryMessage, log: (line: string) => void = () => undefined): Promise<void> {
  // Three independent reads, at once; the job serves the filters and the attempt alike.
  const [view, found, held] = await Promise.all([senderView(m.target), deliveryStore.get(m.target, m.deliveryId), jobStore.get(m.jobId)]);
  let delivery = found?.delivery;
  const job = held?.value;
  if (!delivery) {
    if (!job) return log(`notification ${m.deliveryId}: job ${m.jobId} no longer exists; dropped`);
    const skipped = view ? await historyFilter(view.target, job, m.event) : 'the target was deleted';
    const first: Delivery = {
      deliveryId: m.deliveryId,
      target: view?.target.name ?? m.target,
      jobId: m.jobId,
      runbook: job.runbook,
      event: m.event,
      status: skipped ? 'skipped' : 'pending',
      ...(skipped ? { reason: skipped } : {}),
      createdTime: m.firstTime,
      lastModifiedTime: now(),
      attempts: [],
    };
    if (!(await deliveryStore.create(first))) {
      delivery = (await deliveryStore.get(m.target, m.deliveryId))?.delivery;
      if (!delivery) return;
    } else delivery = first;
  }
  if (delivery.status !== 'pending') return; // done already: a duplicate or stale message
  if (!view || !view.target.enabled) {
    await deliveryStore.put({
      ...delivery,
      status: 'stopped',
      reason: view
        ? `the target is turned off${view.target.disabledReason ? ` (${view.target.disabledReason})` : ''}`
        : 'the target was deleted',
      lastModifiedTime: now(),
    });
    return;
  }
  if (!job) {
    await deliveryStore.put({ ...delivery, status: 'stopped', reason: 'the job no longer exists', lastModifiedTime: now() });
    return;
  }
  const s = settings();
  const result = await attempt(view, job, delivery);
  const record = {
    time: now(),
    ...(result.statusCode ? { statusCode: result.statusCode } : {}),
    latencyMs: result.latencyMs,
    response: result.response,
  };
  const next: Delivery = { ...delivery, attempts: [...delivery.attempts, record], lastModifiedTime: now() };
  delete next.nextAttemptTime;
  const code = result.statusCode ?? 0;
  if (code >= 200 && code < 300) next.status = 'delivered';
  else if (code === 410) {
    next.status = 'stopped';
    next.reason = 'the receiver answered 410 Gone: the target was turned off';
    await disableTarget(view.target.name, `the receiver answered 410 Gone to delivery ${m.deliveryId}`);
  } else {
    const delayMs = Math.min(MAX_DELAY_MS, s.notifyRetryBaseMs * 2 ** (next.attempts.length - 1));
    if (Date.now() + delayMs - Date.parse(m.firstTime) > s.notifyMaxAgeSeconds * 1000) {
      next.status = 'failed';
      next.reason = `given up after ${next.attempts.length} attempts: the next would be past HOOKBOOK_NOTIFY_MAX_AGE_SECONDS (${s.notifyMaxAgeSeconds} s)`;
    } else {
      next.nextAttemptTime = new Date(Date.now() + delayMs).toISOString();
      await notificationQueue.send(m, delayMs / 1000);
    }
  }
  await deliveryStore.put(next);
  log(`notification ${m.deliveryId} to '${view.target.name}' (${m.event}, job ${m.jobId}): ${code || 'no answer'} → ${next.status}`);
}

async function attempt(
  view: { target: NotificationTarget; url: string; secrets: string[] },
  job: JobRecord,
  d: Delivery,
): Promise<SendResult> {
  const s = settings();
  // A job that has only started has no Output worth a read yet.
  const output =
    d.event === 'job.started'
      ? []
      : (await streamStore.list(job.jobId, { types: ['Output'] })).slice(0, OUTPUT_LINES * 2).map((r) => r.streamText);
  const notice = jobNotice(d.event, d.deliveryId, jobView(job), output, s.publicUrl);
  let body: string;
  let headers: Record<string, string>;
  switch (view.target.format) {
    case 'standard-webhooks':
      body = JSON.stringify(notice);
      headers = standardHeaders(view.secrets, d.deliveryId, body);
      break;
    case 'github':
      body = JSON.stringify(notice);
      headers = githubHeaders(view.secrets, d.deliveryId, d.event, body);
      break;
    case 'teams':
      body = JSON.stringify(teamsMessage(notice));
      headers = {};
      break;
    case 'slack':
      body = JSON.stringify(slackMessage(notice));
      headers = {};
      break;
  }
  return post(view.url, body, headers, { timeoutMs: s.notifyTimeoutSeconds * 1000, allowPrivate: s.notifyAllowPrivate });
}

/**
 * The filters over the runbook's history: why this delivery is not sent, or undefined. Jobs of the
 * runbook created before this one (by id: v7 ids sort by creation) that have ended, newest first;
 * Stopped jobs neither count as failures nor break a run of them.
 */
async function historyFilter(t: NotificationTarget, job: JobRecord, event: Delivery['event']): Promise<string | undefined> {
  const need = t.onlyAfterConsecutiveFailures ?? 1;
  const wantsStreak = event === 'job.failed' && need > 1;
  const wantsRecovery = event === 'job.completed' && t.onRecovery === true;
  if (!wantsStreak && !wantsRecovery) return undefined;
  const page = await jobStore.list({ runbook: job.runbook, to: new Date(Date.parse(job.createdTime) + 1), top: Math.min(500, need + 50) });
  const earlier = page.value
    .filter((j) => j.jobId.toLowerCase() < job.jobId.toLowerCase() && isTerminal(j.status) && j.status !== 'Stopped')
    .sort((a, b) => b.jobId.localeCompare(a.jobId));
  let failedBefore = 0;
  for (const j of earlier) {
    if (j.status !== 'Failed') break;
    failedBefore++;
  }
  if (wantsStreak && failedBefore + 1 < need) return `onlyAfterConsecutiveFailures ${need}: this is failure ${failedBefore + 1} in a row`;
  if (wantsRecovery && failedBefore < need)
    return failedBefore === 0
      ? 'onRecovery: the previous job did not fail'
      : `onRecovery: only ${failedBefore} failure(s) in a row before it, fewer than ${need}`;
  return undefined;
}
