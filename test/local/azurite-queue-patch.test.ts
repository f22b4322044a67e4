// local/azurite-queue-patch.cjs replaces Azurite's queue message operations: they must answer as
// Azure Queue Storage (and Azurite as shipped) do. Real Azurite, real SDK client.
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite';

let az: Azurite;
beforeAll(async () => {
  az = await startAzurite({ inMemory: true });
}, 60_000);
afterAll(async () => {
  await az?.stop();
});

async function freshQueue(name: string): Promise<QueueClient> {
  const q = new QueueClient(az.connectionString, `${name}-${Date.now().toString(36)}`);
  await q.create();
  return q;
}

const texts = (items: { messageText: string }[]) => items.map((m) => m.messageText);

describe('Azurite queue with the depth-independent patch', () => {
  it('receives in send order, at most the number asked, and hides what it handed out', async () => {
    const q = await freshQueue('order');
    for (let i = 0; i < 40; i++) await q.sendMessage(`m${i}`);
    const first = (await q.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 })).receivedMessageItems;
    expect(texts(first)).toEqual(Array.from({ length: 32 }, (_, i) => `m${i}`));
    expect(first.every((m) => m.dequeueCount === 1)).toBe(true);
    const rest = (await q.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 })).receivedMessageItems;
    expect(texts(rest)).toEqual(Array.from({ length: 8 }, (_, i) => `m${i + 32}`));
    expect((await q.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems).toHaveLength(0);
    expect((await q.getProperties()).approximateMessagesCount).toBe(40);
  });

  it('messages come in the order they became visible (a delayed send, a put-back); dequeueCount counts', async () => {
    const q = await freshQueue('visibility');
    await q.sendMessage('later', { visibilityTimeout: 2 });
    await q.sendMessage('a');
    await q.sendMessage('b');
    const [a] = (await q.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 })).receivedMessageItems;
    expect(a!.messageText).toBe('a');
    // Put back at once: visible again, now after b (its next-visible time is later).
    await q.updateMessage(a!.messageId, a!.popReceipt, undefined, 0);
    const peeked = (await q.peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
    expect(texts(peeked)).toEqual(['b', 'a']);
    await new Promise((r) => setTimeout(r, 2200));
    const all = (await q.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 })).receivedMessageItems;
    expect(texts(all)).toEqual(['b', 'a', 'later']); // by the time each became visible
    expect(all.find((m) => m.messageText === 'a')!.dequeueCount).toBe(2);
  });

  it('delete and update check the pop receipt and the message id', async () => {
    const q = await freshQueue('receipts');
    await q.sendMessage('x');
    const [m] = (await q.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 })).receivedMessageItems;
    await expect(q.deleteMessage(m!.messageId, 'not-the-receipt')).rejects.toMatchObject({ statusCode: 400 });
    const renewed = await q.updateMessage(m!.messageId, m!.popReceipt, undefined, 30);
    // The old receipt is no longer valid once the message was updated.
    await expect(q.deleteMessage(m!.messageId, m!.popReceipt)).rejects.toMatchObject({ statusCode: 400 });
    await q.deleteMessage(m!.messageId, renewed.popReceipt!);
    await expect(q.deleteMessage(m!.messageId, renewed.popReceipt!)).rejects.toMatchObject({ statusCode: 404 });
    expect((await q.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('queues do not see each other, and expired messages are gone', async () => {
    const a = await freshQueue('left');
    const b = await freshQueue('right');
    await a.sendMessage('for a');
    await b.sendMessage('for b', { messageTimeToLive: 1 });
    await b.sendMessage('b stays');
    await new Promise((r) => setTimeout(r, 1500));
    expect(texts((await a.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems)).toEqual(['for a']);
    expect(texts((await b.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems)).toEqual(['b stays']);
  });
});
