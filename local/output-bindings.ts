// Output bindings after a successful invocation. Only storage queue outputs are implemented (what
// Hookbook can use); start.ts warns at startup about any other output type so nothing is lost silently.
import type { InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import type { Registration } from './functions-core';
import { readHostConfig, resolveAppSettings, storageConnectionString } from './settings';

export const SUPPORTED_OUTPUTS = new Set(['http', 'queue']);

const clients = new Map<string, Promise<QueueClient>>();

function queueClient(connection: unknown, queueName: string): Promise<QueueClient> {
  const cs = storageConnectionString(connection);
  const key = `${cs}\n${queueName}`;
  let p = clients.get(key);
  if (!p) {
    const client = new QueueClient(cs, queueName);
    // The Functions host creates the target queue on first use.
    p = client.createIfNotExists().then(() => client);
    p.catch(() => clients.delete(key));
    clients.set(key, p);
  }
  return p;
}

/** Message text as the host writes it: strings as they are, anything else as JSON; base64 by default. */
export function encodeQueueMessage(value: unknown, encoding = readHostConfig().queues.messageEncoding): string {
  const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value);
  return encoding === 'base64' ? Buffer.from(text, 'utf8').toString('base64') : text;
}

export async function writeOutputBindings(reg: Registration, context: InvocationContext, result: unknown): Promise<void> {
  for (const [name, binding] of Object.entries(reg.metadata.bindings)) {
    if (binding.direction !== 'out' || binding.type.toLowerCase() !== 'queue') continue;
    const value = name === '$return' ? result : context.extraOutputs.get(name);
    if (value === undefined || value === null) continue;
    const queueName = resolveAppSettings(String(binding.queueName), `function ${reg.name} output ${name}`).toLowerCase();
    const client = await queueClient(binding.connection, queueName);
    for (const item of Array.isArray(value) ? value : [value]) await client.sendMessage(encodeQueueMessage(item));
  }
}
