// local/azurite-queue-patch.cjs replaces Azurite's queue message operations: they must answer as
// Azure Queue Storage (and Azurite as shipped) do. Real Azurite, real SDK client.
import { createRequire } from 'node:module';
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

describe("Azurite's in-memory extent store with the patch", () => {
  // The queue's garbage collector deletes every unreferenced message body in one deleteExtents call.
  // As shipped each deletion rebuilt the extent index (a full sort), which after a burst held the
  // queue process for ~25 s; patched it is one pass. What must hold: exactly those extents go.
  it('deleteExtents removes exactly the extents named, in one pass, and the others stay readable', async () => {
    const req = createRequire(__filename);
    req('../../local/azurite-queue-patch.cjs');
    const { default: MemoryExtentStore, MemoryExtentChunkStore } = req('azurite/dist/src/common/persistence/MemoryExtentStore.js');
    const { default: LokiExtentMetadataStore } = req('azurite/dist/src/common/persistence/LokiExtentMetadataStore.js');
    const meta = new LokiExtentMetadataStore(`extents-${Date.now()}.db`, true);
    const quiet = {
      info: () => undefined,
      debug: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      verbose: () => undefined,
    };
    const store = new MemoryExtentStore(
      'queue',
      new MemoryExtentChunkStore(undefined),
      meta,
      quiet,
      (status: number, code: string) => new Error(`${status} ${code}`),
    );
    await store.init();
    const ids: string[] = [];
    for (let i = 0; i < 3000; i++) ids.push((await store.appendExtent(Buffer.from(`body ${i}`))).id);
    const coll = meta.db.getCollection(meta.EXTENTS_COLLECTION);
    let removals = 0;
    const removeWhere = coll.removeWhere.bind(coll);
    coll.removeWhere = (fn: unknown) => {
      removals++;
      return removeWhere(fn);
    };
    const gone = new Set(ids.filter((_, i) => i % 3 !== 0));
    expect(await store.deleteExtents(gone)).toBe(gone.size);
    expect(removals).toBe(1);
    expect(coll.count()).toBe(1000);
    const read = async (id: string) => {
      const chunks: Buffer[] = [];
      for await (const c of await store.readExtent({ id, offset: 0, count: `body ${ids.indexOf(id)}`.length })) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString();
    };
    expect(await read(ids[0]!)).toBe('body 0');
    expect(await read(ids[2997]!)).toBe('body 2997');
    await expect(store.readExtent({ id: ids[1]!, offset: 0, count: 6 })).rejects.toThrow(/does not exist/);
    expect(await store.getMetadataStore().getExtentLocationId(ids[3]!)).toBe(ids[3]);
    expect(coll.findOne({ id: ids[4] })).toBeNull();
  });
});
