// Storage queue triggers, polled the way the Functions host polls them (see PLATFORM.md): batches,
// a new-batch threshold, randomized exponential backoff when idle, visibility renewal while a
// handler runs, retry via visibilityTimeout, and the <queue>-poison queue after maxDequeueCount.
import { QueueClient, type DequeuedMessageItem } from '@azure/storage-queue';
import type { Registration } from './functions-core';
import { createContext, invoke } from './invoke';
import { logLine, shortId } from './log';
import type { QueuesOptions } from './settings';
import { resolveAppSettings, storageConnectionString } from './settings';

/** The host receives with a 10 minute visibility and renews it at half-life while the handler runs. */
const RECEIVE_VISIBILITY_S = 600;
const MIN_BACKOFF_MS = 100;

const pollers = new Map<string, QueuePoller[]>();

/** Cuts the idle backoff of the pollers of that queue short (for sends from this same process). */
export function nudge(queueName: string): void {
  for (const p of pollers.get(queueName.toLowerCase()) ?? []) p.wake();
}

export class QueuePoller {
  readonly queueName: string;
  private readonly client: QueueClient;
  private readonly poison: QueueClient;
  private stopped = false;
  private running = new Set<Promise<void>>();
  private wakeUp: (() => void) | undefined;
  private backoffMs = 0;
  private outage = false;
  private created = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly reg: Registration,
    private readonly opts: QueuesOptions,
  ) {
    this.queueName = resolveAppSettings(String(reg.trigger.queueName), `function ${reg.name} queueName`).toLowerCase();
    const cs = storageConnectionString(reg.trigger.connection);
    // The poller has its own backoff: the SDK's default retries (up to minutes) would only delay
    // noticing an outage and resuming after it.
    const pipeline = { retryOptions: { maxTries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000, tryTimeoutInMs: 30_000 } };
    this.client = new QueueClient(cs, this.queueName, pipeline);
    this.poison = new QueueClient(cs, `${this.queueName}-poison`, pipeline);
  }

  start(): void {
    const list = pollers.get(this.queueName) ?? [];
    pollers.set(this.queueName, [...list, this]);
    this.loop = this.run();
  }

  wake(): void {
    this.backoffMs = 0;
    this.wakeUp?.();
  }

  /** Takes no new messages; waits for running handlers (the caller bounds the wait). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await Promise.allSettled([...this.running]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    }).then(() => {
      this.wakeUp = undefined;
    });
  }

  /** Randomized exponential backoff, 100 ms doubling up to maxPollingInterval. */
  private nextBackoff(): number {
    const max = Math.max(MIN_BACKOFF_MS, this.opts.maxPollingIntervalMs);
    this.backoffMs = this.backoffMs === 0 ? MIN_BACKOFF_MS : Math.min(max, this.backoffMs * 2);
    const jitter = this.backoffMs * (0.8 + Math.random() * 0.4);
    return Math.min(max, jitter);
  }

  private async run(): Promise<void> {
    const { batchSize, newBatchThreshold } = this.opts;
    while (!this.stopped) {
      // Fetch a new batch only when the in-flight count has dropped to the threshold.
      if (this.running.size > newBatchThreshold) {
        await Promise.race([...this.running]);
        continue;
      }
      let messages: DequeuedMessageItem[];
      try {
        if (!this.created) {
          await this.client.createIfNotExists();
          this.created = true;
        }
        messages = (await this.client.receiveMessages({ numberOfMessages: batchSize, visibilityTimeout: RECEIVE_VISIBILITY_S }))
          .receivedMessageItems;
        if (this.outage) logLine('queue', this.queueName, 'storage reachable again, polling resumed');
        this.outage = false;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) this.created = false;
        else if (!this.outage) {
          this.outage = true;
          logLine('queue', this.queueName, `storage unreachable (${(err as Error).message.split('\n')[0]}); retrying with backoff`);
        }
        await this.sleep(this.nextBackoff());
        continue;
      }
      if (this.stopped) {
        // Received during shutdown: give them back at once rather than hide them for 10 minutes.
        await Promise.allSettled(messages.map((m) => this.client.updateMessage(m.messageId, m.popReceipt, undefined, 0)));
        break;
      }
      if (messages.length === 0) {
        await this.sleep(this.nextBackoff());
        continue;
      }
      this.backoffMs = 0;
      for (const m of messages) {
        const p = this.process(m).catch((err) => logLine('queue', this.queueName, `message ${m.messageId}: ${(err as Error).message}`));
        this.running.add(p);
        void p.finally(() => this.running.delete(p)); // p never rejects (caught above)
      }
    }
  }

  private decode(text: string): string {
    return this.opts.messageEncoding === 'base64' ? Buffer.from(text, 'base64').toString('utf8') : text;
  }

  private async process(m: DequeuedMessageItem): Promise<void> {
    // A message that already went past the limit (e.g. it crashed a host) goes straight to poison.
    if (m.dequeueCount > this.opts.maxDequeueCount) return this.toPoison(m, m.popReceipt);
    const text = this.decode(m.messageText);
    const triggerMetadata = {
      id: m.messageId,
      dequeueCount: m.dequeueCount,
      insertionTime: m.insertedOn.toISOString(),
      expirationTime: m.expiresOn.toISOString(),
      nextVisibleTime: m.nextVisibleOn.toISOString(),
      popReceipt: m.popReceipt,
      queueTrigger: text,
    };
    const context = createContext(this.reg, triggerMetadata);
    const tag = `[${shortId(context.invocationId)}]`;
    const started = Date.now();
    const lease = this.renewWhileRunning(m);
    let ok = false;
    try {
      await invoke(this.reg, parseLikeTheLibrary(text), context);
      ok = true;
    } catch (err) {
      logLine(this.reg.name, tag, 'error:', err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
    const popReceipt = await lease.stop();
    logLine(this.reg.name, tag, `queue ${this.queueName} #${m.dequeueCount}`, ok ? 'ok' : 'failed', `${Date.now() - started} ms`);
    if (ok) {
      await this.client.deleteMessage(m.messageId, popReceipt);
    } else if (m.dequeueCount >= this.opts.maxDequeueCount) {
      await this.toPoison(m, popReceipt);
    } else {
      // Visible again after visibilityTimeout (host.json), then another host or poll retries it.
      await this.client.updateMessage(m.messageId, popReceipt, undefined, Math.round(this.opts.visibilityTimeoutMs / 1000));
    }
  }

  private async toPoison(m: DequeuedMessageItem, popReceipt: string): Promise<void> {
    await this.poison.createIfNotExists();
    // The body is copied as stored (still encoded), so the poison queue reads like the original.
    await this.poison.sendMessage(m.messageText);
    await this.client.deleteMessage(m.messageId, popReceipt);
    logLine('queue', this.queueName, `message ${m.messageId} moved to ${this.queueName}-poison after ${m.dequeueCount} attempts`);
  }

  /** Keeps the message hidden while the handler runs; each renewal yields a new popReceipt. */
  private renewWhileRunning(m: DequeuedMessageItem) {
    let popReceipt = m.popReceipt;
    let renewing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = this.client
          .updateMessage(m.messageId, popReceipt, undefined, RECEIVE_VISIBILITY_S)
          .then((r) => {
            if (r.popReceipt) popReceipt = r.popReceipt;
          })
          .catch((err) => logLine('queue', this.queueName, `could not renew message ${m.messageId}: ${(err as Error).message}`));
      },
      (RECEIVE_VISIBILITY_S * 1000) / 2,
    );
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await renewing;
        return popReceipt;
      },
    };
  }
}

/** What the library's fromRpcTypedData does with a string: JSON when it parses, else the string. */
export function parseLikeTheLibrary(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
