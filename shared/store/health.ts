import { hostname } from 'node:os';
import { classifyStorageError, storageErrorCode } from './errors';
import { queue, table } from './clients';

/**
 * Can storage do what jobs need right now? Three probes, each what a job does: a table write (a
 * single upsert), an entity-group transaction (two upserts in one batch: stream records go this
 * way), and a queue send (then a delete, so nothing piles up). A reachable storage that cannot do
 * one of them is unhealthy too: Azurite can refuse every batch while single writes still work.
 *
 * Table `health`, queue `hookbook-health` (both also in infra/main.bicep). Four storage transactions per probe; a result is reused for CACHE_MS (a failure for FAIL_CACHE_MS,
 * so that recovery shows soon), and concurrent callers share one probe in flight. So a load balancer
 * probing every few seconds from many places costs at most one probe per 5 s per instance.
 */
export const HEALTH_QUEUE = 'hookbook-health';
const CACHE_MS = 5000;
const FAIL_CACHE_MS = 1000;
const PROBE_TIMEOUT_MS = 5000;

export type Check = 'tableWrite' | 'batchTransaction' | 'queueSend';
export interface StorageHealth {
  healthy: boolean;
  /** ok, or why not (short, no secrets). */
  checks: Record<Check, string>;
  checkedAt: string;
}

const probeId = `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 100);
let last: { result: StorageHealth; until: number } | undefined;
let inFlight: Promise<StorageHealth> | undefined;

export function storageHealth(): Promise<StorageHealth> {
  if (last && last.until > Date.now()) return Promise.resolve(last.result);
  inFlight ??= probe().finally(() => (inFlight = undefined));
  return inFlight;
}

async function probe(): Promise<StorageHealth> {
  const at = new Date().toISOString();
  const [tableWrite, batchTransaction, queueSend] = await Promise.all([
    check(async (abortSignal) => {
      const t = await table('health');
      await t.upsertEntity({ partitionKey: 'single', rowKey: probeId, at }, 'Replace', { abortSignal });
    }),
    check(async (abortSignal) => {
      const t = await table('health');
      const partitionKey = `batch-${probeId}`;
      await t.submitTransaction(
        [
          ['upsert', { partitionKey, rowKey: 'a', at }, 'Replace'],
          ['upsert', { partitionKey, rowKey: 'b', at }, 'Replace'],
        ],
        { abortSignal },
      );
    }),
    check(async (abortSignal) => {
      const q = await queue(HEALTH_QUEUE);
      const sent = await q.sendMessage('health', { messageTimeToLive: 60, visibilityTimeout: 30, abortSignal });
      await q.deleteMessage(sent.messageId, sent.popReceipt, { abortSignal }).catch(() => undefined); // it expires anyway
    }),
  ]);
  const result: StorageHealth = {
    healthy: [tableWrite, batchTransaction, queueSend].every((c) => c === 'ok'),
    checks: { tableWrite, batchTransaction, queueSend },
    checkedAt: at,
  };
  last = { result, until: Date.now() + (result.healthy ? CACHE_MS : FAIL_CACHE_MS) };
  return result;
}

async function check(run: (abortSignal: AbortSignal) => Promise<void>): Promise<string> {
  try {
    await run(AbortSignal.timeout(PROBE_TIMEOUT_MS));
    return 'ok';
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    const fault = classifyStorageError(error);
    if (status === undefined && fault?.kind === 'unavailable') return `unreachable (${fault.reason})`;
    return `failed (${[status ?? 'no status', storageErrorCode(error)].filter(Boolean).join(' ')})`;
  }
}
