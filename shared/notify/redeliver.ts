import { notFound } from '../errors';
import type { Delivery } from '../model/notification';
import { deliveryStore, notificationQueue } from '../store/notificationStore';

/**
 * Send a delivery again by hand: it becomes `pending` with a fresh age (the attempts so far stay
 * on it) and one message goes on the queue with the same delivery id, so a receiver that
 * de-duplicates by id sees it as the same notification.
 */
export async function redeliver(target: string, deliveryId: string): Promise<Delivery> {
  const found = await deliveryStore.get(target, deliveryId);
  if (!found) throw notFound(`No delivery '${deliveryId}' of target '${target}'.`);
  const d = found.delivery;
  const next: Delivery = { ...d, status: 'pending', lastModifiedTime: new Date().toISOString() };
  delete next.reason;
  delete next.nextAttemptTime;
  await deliveryStore.put(next);
  await notificationQueue.send({
    deliveryId: d.deliveryId,
    target: d.target,
    jobId: d.jobId,
    event: d.event,
    firstTime: new Date().toISOString(),
    redelivery: true,
  });
  return next;
}
