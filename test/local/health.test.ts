// /api/health tells the truth: 200 only while storage takes a table write, a batch transaction and
// a queue send; 503 naming the failing part otherwise. Each failure here is real: Azurite's own
// batch bug (a raw U+2028 after an earlier operation leaves it refusing every later batch, see
// docs/storage-encoding.md) and a killed Azurite queue service.
import { TableClient } from '@azure/data-tables';
import { afterAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite';
import { http, startHost, waitFor, type RunningHost } from '../support/host';

let storage: Azurite | undefined;
let host: RunningHost | undefined;
afterAll(async () => {
  await host?.stop();
  await storage?.stop();
});

describe('/api/health', () => {
  it('is 200 with every check ok, then 503 naming the batch transaction, then the queue send', async () => {
    storage = await startAzurite({ inMemory: true });
    host = await startHost({ storage: 'external', connectionString: storage.connectionString });

    const ok = await http(host.url, 'api/health');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({
      status: 'healthy',
      storage: 'reachable',
      checks: { tableWrite: 'ok', batchTransaction: 'ok', queueSend: 'ok' },
    });

    // Poison Azurite's batch processing the way a raw U+2028 does (this client has no escaping policy).
    const raw = TableClient.fromConnectionString(storage.connectionString, 'poison', {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    await raw.createTable();
    await raw
      .submitTransaction([
        ['upsert', { partitionKey: 'p', rowKey: 'a', s: 'fine' }, 'Replace'],
        ['upsert', { partitionKey: 'p', rowKey: 'b', s: '{x}\u2028' }, 'Replace'],
      ])
      .catch(() => undefined);
    await expect(raw.submitTransaction([['upsert', { partitionKey: 'p', rowKey: 'c' }, 'Replace']])).rejects.toThrow();
    await expect(raw.upsertEntity({ partitionKey: 'p', rowKey: 'd' }, 'Replace')).resolves.toBeDefined(); // single writes still work

    const batchDown = await waitFor(
      async () => {
        const r = await http(host!.url, 'api/health');
        return r.status === 503 ? r : undefined;
      },
      'health to report the failing batch transaction',
      60_000,
      250,
    );
    expect(batchDown.headers.get('retry-after')).toBeTruthy();
    expect(batchDown.json).toMatchObject({
      status: 'unhealthy',
      storage: 'failing',
      failing: ['batchTransaction'],
      checks: { tableWrite: 'ok', queueSend: 'ok' },
    });

    // The queue service alone goes away: the queue send is named, as unreachable.
    process.kill(storage.pids[0]!, 'SIGKILL');
    const queueDown = await waitFor(
      async () => {
        const r = await http(host!.url, 'api/health');
        return r.json?.failing?.includes('queueSend') ? r : undefined;
      },
      'health to report the queue send',
      60_000,
      250,
    );
    expect(queueDown.status).toBe(503);
    expect(queueDown.json.checks.queueSend).toMatch(/^unreachable/);
    expect(queueDown.json.checks.tableWrite).toBe('ok');
  });
});
