// The Azurite finding behind issue 10 item 1, end to end: a job whose output holds U+2028 after a
// JSON-looking text must not leave Azurite refusing every later batch transaction. Without the
// store's escaping (shared/store/encoding.ts) this batch poisons Azurite 3.35 until restart; see
// docs/storage-encoding.md.
import { TableClient } from '@azure/data-tables';
import { afterAll, describe, expect, it } from 'vitest';
import { startAzurite, type Azurite } from '../../local/azurite';
import { api } from '../support/api';
import { startHost, type RunningHost } from '../support/host';

let storage: Azurite | undefined;
let host: RunningHost | undefined;
afterAll(async () => {
  await host?.stop();
  await storage?.stop();
});

describe('U+2028 in a stream batch on Azurite', () => {
  it('is stored exactly, and Azurite still runs batch transactions afterwards', async () => {
    storage = await startAzurite({ inMemory: true });
    host = await startHost({ storage: 'external', connectionString: storage.connectionString });
    const a = api(host.url, host.adminKey);
    await a.createRunbook({
      name: 'u2028-braces',
      type: 'bash',
      content: "printf 'first\\n'\nprintf '{\"a\":1}\\342\\200\\250{\"b\":2}\\n'\nprintf 'last\\n'\n",
    });
    const r = await a.call('POST', '/api/external/runbook/u2028-braces/run', {});
    expect(r.status, r.text).toBe(200);
    expect(r.json.status).toBe('Completed');
    expect(r.json.streams.map((s: { streamText: string }) => s.streamText)).toEqual(['first', '{"a":1}\u2028{"b":2}', 'last']);
    expect(host.output()).not.toMatch(/could not be saved|stream batch failed/);

    // A client of our own (no Hookbook policy): Azurite must still accept a batch.
    const raw = TableClient.fromConnectionString(storage.connectionString, 'aftercheck', {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    await raw.createTable();
    await expect(
      raw.submitTransaction([
        ['upsert', { partitionKey: 'p', rowKey: '1' }, 'Replace'],
        ['upsert', { partitionKey: 'p', rowKey: '2' }, 'Replace'],
      ]),
    ).resolves.toBeDefined();
  });
});
