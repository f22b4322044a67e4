import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../shared/config';
import { DeliveryMessage } from '../shared/model/notification';
import { deliveryStore, NOTIFICATION_QUEUE } from '../shared/store/notificationStore';
import { deliver } from '../shared/notify/deliver';

/**
 * The queue-triggered sender of job notifications (docs/notifications.md): one message, one
 * attempt. Its own queue, so a slow receiver never holds a job worker; each attempt is time-limited
 * (HOOKBOOK_NOTIFY_TIMEOUT_SECONDS). A throw (storage out) leaves the message to come back.
 */
export async function notificationSender(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = DeliveryMessage.safeParse(typeof message === 'string' ? safeJson(message) : message);
  if (!parsed.success) {
    context.warn('Queue message dropped: not a notification delivery.');
    return;
  }
  await deliver(parsed.data, (line) => context.log(line));
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

app.storageQueue('notificationSender', { queueName: NOTIFICATION_QUEUE, connection: 'AzureWebJobsStorage', handler: notificationSender });

/** Deliveries (no longer pending) live as long as jobs do: HOOKBOOK_RETENTION_DAYS, on the job retention's schedule. */
export async function notificationRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  const { retentionDays, retentionBatch } = settings();
  const deleted = await deliveryStore.deleteBefore(new Date(Date.now() - retentionDays * 24 * 3600 * 1000).toISOString(), retentionBatch);
  if (deleted) context.log(`notification retention: deleted ${deleted} deliveries older than ${retentionDays} days`);
}

app.timer('notificationRetention', { schedule: settings().retentionCron, runOnStartup: false, handler: notificationRetention });
