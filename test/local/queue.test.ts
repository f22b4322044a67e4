// Queue triggers against a real Azurite that the test owns, so it can send and inspect messages.
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureEnv, http, startAzurite, startHost, waitFor, type RunningAzurite, type RunningHost } from '../support/host';

let storage: RunningAzurite;
let host: RunningHost;
beforeAll(async () => {
  storage = await startAzurite();
  host = await startHost({ storage: 'external', connectionString: storage.connectionString, env: fixtureEnv() });
});
afterAll(async () => {
  if (host) expect(await host.stop()).toBe(0);
  await storage?.stop();
});

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('queue trigger', () => {
  it('hands the decoded message to the handler (JSON parsed, text as text) with trigger metadata', async () => {
    const q = new QueueClient(storage.connectionString, 'fixture-inbox');
    await q.createIfNotExists();
    await q.sendMessage(b64(JSON.stringify({ job: 'j-1', n: 1, text: 'grüße' })));
    await q.sendMessage(b64('plain text, not JSON'));
    const got = await waitFor(async () => {
      const r = (await http(host.url, 'api/received')).json as Array<{
        message: unknown;
        type: string;
        triggerMetadata: Record<string, unknown>;
      }>;
      return r.length >= 2 ? r : undefined;
    }, 'both messages to be handled');
    const obj = got.find((g) => g.type === 'object');
    expect(obj?.message).toEqual({ job: 'j-1', n: 1, text: 'grüße' });
    expect(obj?.triggerMetadata).toMatchObject({
      dequeueCount: 1,
      id: expect.any(String),
      popReceipt: expect.any(String),
      insertionTime: expect.any(String),
    });
    expect(got.find((g) => g.type === 'string')?.message).toBe('plain text, not JSON');
    // Handled messages are deleted.
    await waitFor(async () => (await q.getProperties()).approximateMessagesCount === 0, 'the queue to be empty');
  });

  it('moves a message that keeps failing to <queue>-poison after maxDequeueCount', async () => {
    // The fixture host.json sets maxDequeueCount 2 and visibilityTimeout 0.
    const q = new QueueClient(storage.connectionString, 'fixture-fail');
    await q.createIfNotExists();
    const body = b64(JSON.stringify({ poison: 'me' }));
    await q.sendMessage(body);
    const poison = new QueueClient(storage.connectionString, 'fixture-fail-poison');
    const peeked = await waitFor(
      async () => {
        if (!(await poison.exists())) return undefined;
        const p = await poison.peekMessages({ numberOfMessages: 5 });
        return p.peekedMessageItems.length > 0 ? p.peekedMessageItems : undefined;
      },
      'the poison message',
      45_000,
      200,
    );
    expect(peeked.map((m) => m.messageText)).toEqual([body]);
    expect((await q.peekMessages()).peekedMessageItems).toHaveLength(0);
    const failures = host
      .output()
      .split('\n')
      .filter((l) => /failQueue .*queue fixture-fail #\d+\s+failed/.test(l));
    expect(failures).toHaveLength(2);
  });
});
