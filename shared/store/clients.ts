import { TableClient } from '@azure/data-tables';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { DefaultAzureCredential } from '@azure/identity';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { settings } from '../config';
import { storageEncodingPolicy } from './encoding';

/**
 * Storage clients from the Functions host's own setting: `AzureWebJobsStorage` (a connection
 * string; Azurite locally) or `AzureWebJobsStorage__accountName` (managed identity in Azure).
 */

/** Counts storage transactions (one HTTP request each); the benchmark reads it. */
export const storageCounter = {
  requests: 0,
  byMethod: {} as Record<string, number>,
  /** When the benchmark sets it: every request with its duration (for a time breakdown). */
  timings: undefined as undefined | Array<{ method: string; url: string; ms: number; startMs: number }>,
};
const countingPolicy: PipelinePolicy = {
  name: 'hookbookStorageCounter',
  async sendRequest(request, next) {
    storageCounter.requests++;
    storageCounter.byMethod[request.method] = (storageCounter.byMethod[request.method] ?? 0) + 1;
    if (!storageCounter.timings) return next(request);
    const t0 = performance.now();
    try {
      return await next(request);
    } finally {
      storageCounter.timings?.push({ method: request.method, url: request.url, ms: performance.now() - t0, startMs: t0 });
    }
  },
};
const clientOptions = {
  // Both run after serialization, on the body as sent (a batch's multipart body included).
  additionalPolicies: [
    { policy: countingPolicy, position: 'perCall' as const },
    { policy: storageEncodingPolicy, position: 'perCall' as const },
  ],
  retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 10_000 },
};

function connection(): { connectionString?: string; accountName?: string } {
  const s = settings();
  if (s.storageConnection) {
    const cs = s.storageConnection === 'UseDevelopmentStorage=true' ? devStorage() : s.storageConnection;
    return { connectionString: cs };
  }
  if (s.storageAccountName) return { accountName: s.storageAccountName };
  throw new Error('No storage configured: set AzureWebJobsStorage (or AzureWebJobsStorage__accountName).');
}

function devStorage(): string {
  return (
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
    'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
    'QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;'
  );
}

let credential: DefaultAzureCredential | undefined;
const tables = new Map<string, TableClient>();
const queues = new Map<string, QueueClient>();
const ensured = new Map<string, Promise<void>>();

export function tableName(base: string): string {
  return settings().tablePrefix + base;
}

/** A table client for `base` (prefixed), creating the table once per process. */
export async function table(base: string): Promise<TableClient> {
  const name = tableName(base);
  let client = tables.get(name);
  if (!client) {
    const c = connection();
    client = c.connectionString
      ? TableClient.fromConnectionString(c.connectionString, name, { ...clientOptions, allowInsecureConnection: true })
      : new TableClient(
          `https://${c.accountName}.table.core.windows.net`,
          name,
          (credential ??= new DefaultAzureCredential()),
          clientOptions,
        );
    tables.set(name, client);
  }
  await ensureOnce(`table:${name}`, async () => {
    try {
      await client!.createTable();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    }
  });
  return client;
}

/**
 * A queue client for `name`, creating the queue once per process (`create: false`: only the client,
 * for a read that answers "empty" when the queue does not exist yet).
 */
export async function queue(name: string, { create = true }: { create?: boolean } = {}): Promise<QueueClient> {
  let client = queues.get(name);
  if (!client) {
    const c = connection();
    const queueOptions = { retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 10_000 } };
    client = c.connectionString
      ? QueueServiceClient.fromConnectionString(c.connectionString, queueOptions).getQueueClient(name)
      : new QueueServiceClient(
          `https://${c.accountName}.queue.core.windows.net`,
          (credential ??= new DefaultAzureCredential()),
          queueOptions,
        ).getQueueClient(name);
    // The queue SDK takes no extra policies in its options; add the counter to its core pipeline.
    (
      client as unknown as { storageClientContext?: { pipeline?: { addPolicy(p: PipelinePolicy): void } } }
    ).storageClientContext?.pipeline?.addPolicy(countingPolicy);
    queues.set(name, client);
  }
  if (!create) return client;
  await ensureOnce(`queue:${name}`, async () => {
    await client!.createIfNotExists();
  });
  return client;
}

async function ensureOnce(key: string, create: () => Promise<void>): Promise<void> {
  let p = ensured.get(key);
  if (!p) {
    p = create();
    ensured.set(key, p);
    p.catch(() => ensured.delete(key)); // retry creation on the next call after an outage
  }
  await p;
}
