// Storage goes away under a running host and comes back: the pollers log the outage once per queue,
// keep the process alive, and pick up work again once Azurite answers on the same ports.
import { QueueClient } from '@azure/storage-queue';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureEnv, http, startAzurite, startHost, waitFor, type RunningAzurite, type RunningHost } from '../support/host';

let storage: RunningAzurite | undefined;
let host: RunningHost | undefined;
afterAll(async () => {
  if (host) expect(await host.stop()).toBe(0);
  await storage?.stop();
});

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

describe('storage outage', () => {
  it('logs once, survives, and resumes polling when storage returns', async () => {
    storage = await startAzurite();
    host = await startHost({ storage: 'external', connectionString: storage.connectionString, env: fixtureEnv() });
    const { queuePort, tablePort, connectionString } = storage;

    await storage.stop();
    storage = undefined;
    await waitFor(() => /fixture-inbox\s+storage unreachable/.test(host!.output()), 'the outage log line', 30_000);
    // Still serving HTTP during the outage.
    expect((await http(host.url, 'api/health')).status).toBe(200);

    storage = await startAzurite({ queuePort, tablePort });
    expect(storage.connectionString).toBe(connectionString);
    await waitFor(() => /fixture-inbox\s+storage reachable again/.test(host!.output()), 'the recovery log line', 30_000);
    expect(host.output().match(/fixture-inbox\s+storage unreachable/g)).toHaveLength(1);

    const q = new QueueClient(storage.connectionString, 'fixture-inbox');
    await q.createIfNotExists();
    await q.sendMessage(b64('after the outage'));
    await waitFor(
      async () =>
        ((await http(host!.url, 'api/received')).json as Array<{ message: unknown }>).some((r) => r.message === 'after the outage'),
      'the message sent after the outage',
    );
  });
});
