// Storage errors classified by what they are, on real errors from a real Azurite and a real closed
// port: a key storage refuses is a 4xx of the request, an unreachable storage is an outage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { freePort } from '../../local/azurite';
import { developmentStorage } from '../../local/settings';
import { startAzurite, type RunningAzurite } from '../support/host';
import { classifyStorageError } from '../../shared/store/errors';
import { toHttpError } from '../../shared/http/errors';

let azurite: RunningAzurite;
let table: TableClient;
const caught = async (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected an error'),
    (e: unknown) => e,
  );

beforeAll(async () => {
  azurite = await startAzurite();
  table = TableClient.fromConnectionString(azurite.connectionString, 'classify', {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  await table.createTable();
});
afterAll(async () => azurite?.stop());

describe('classifyStorageError on real storage errors', () => {
  it('a key with "/" is a 400 of the request, not an outage', async () => {
    const error = await caught(table.createEntity({ partitionKey: 'a/b', rowKey: 'x' }));
    expect(classifyStorageError(error)).toMatchObject({ kind: 'rejected', status: 400 });
    expect(toHttpError(error).status).toBe(400);
    expect(toHttpError(error).headers['Retry-After']).toBeUndefined();
  });

  it('a missing entity is 404, a changed one (ETag) is 409', async () => {
    expect(classifyStorageError(await caught(table.getEntity('p', 'none')))).toMatchObject({ kind: 'rejected', status: 404 });
    const created = await table.createEntity({ partitionKey: 'p', rowKey: 'r', v: 1 });
    await table.updateEntity({ partitionKey: 'p', rowKey: 'r', v: 2 }, 'Merge');
    const stale = await caught(table.updateEntity({ partitionKey: 'p', rowKey: 'r', v: 3 }, 'Merge', { etag: created.etag }));
    expect(classifyStorageError(stale)).toMatchObject({ kind: 'rejected', status: 409 });
  });

  it('a property over 64 KiB is 413 (single write and batch)', async () => {
    const single = await caught(table.createEntity({ partitionKey: 'p', rowKey: 'big', s: 'x'.repeat(40_000) }));
    expect(classifyStorageError(single)).toMatchObject({ kind: 'rejected', status: 413, code: 'PropertyValueTooLarge' });
    const batch = await caught(
      table.submitTransaction([['upsert', { partitionKey: 'p', rowKey: 'big', s: 'x'.repeat(40_000) }, 'Replace']]),
    );
    expect(toHttpError(batch).status).toBe(413);
  });

  it('a closed port is an outage: 503 with Retry-After', async () => {
    const port = await freePort();
    const cs = developmentStorage(port, port);
    const t = TableClient.fromConnectionString(cs, 'x', { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    const tableError = await caught(t.getEntity('p', 'r'));
    expect(classifyStorageError(tableError)?.kind).toBe('unavailable');
    const http = toHttpError(tableError);
    expect(http.status).toBe(503);
    expect(http.headers['Retry-After']).toBeDefined();
    const q = new QueueClient(`http://127.0.0.1:${port}/devstoreaccount1/q`, undefined, { retryOptions: { maxTries: 1 } });
    const queueError = await caught(q.sendMessage('x'));
    expect(classifyStorageError(queueError)?.kind).toBe('unavailable');
  });

  it('anything else is a 500 with an id, never "unreachable"', () => {
    const http = toHttpError(new TypeError('boom'));
    expect(http.status).toBe(500);
    expect(http.message).toMatch(/id [0-9a-f-]{36}/);
    expect(http.message).not.toMatch(/unreachable/i);
    expect(
      classifyStorageError(Object.assign(new Error('forbidden'), { name: 'RestError', statusCode: 403, code: 'AuthorizationFailure' })),
    ).toMatchObject({ kind: 'internal' });
  });
});
