import { app, type InvocationContext } from '@azure/functions';
import { JobMessage } from '../shared/model/job';
import { jobQueueNames } from '../shared/store/jobQueue';
import { runJob } from '../shared/jobs/run';
import { ensureBootstrapKey } from '../shared/auth/keys';
import { freezeSettings, settings } from '../shared/config';

/** The queue-triggered worker: one message, one job. Malformed messages are dropped with a log line. */
export async function jobWorker(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = JobMessage.safeParse(typeof message === 'string' ? safeJson(message) : message);
  if (!parsed.success) {
    context.warn('Queue message dropped: not a job message.');
    return;
  }
  await runJob(parsed.data.jobId, context, parsed.data.claim);
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/**
 * One queue-triggered function per cloud job queue (HOOKBOOK_JOB_QUEUES, read once here, like any
 * trigger's configuration): `jobWorker` on `jobs`, `jobWorker-<i>` on `jobs-<i>`, the same handler.
 * host.json's batchSize applies to each: see docs/deploy.md, "Several job queues".
 */
for (const [i, queueName] of jobQueueNames(settings().jobQueues).entries())
  app.storageQueue(i === 0 ? 'jobWorker' : `jobWorker-${i}`, { queueName, connection: 'AzureWebJobsStorage', handler: jobWorker });

/** HOOKBOOK_BOOTSTRAP_KEY: ensure the admin key as soon as the app starts (and lazily on first use). */
app.hook.appStart(async () => {
  freezeSettings(); // the environment is fixed from here on (config.ts)
  try {
    await ensureBootstrapKey();
  } catch (error) {
    console.warn(`[hookbook] bootstrap key not ensured yet: ${(error as Error).message}`);
  }
});
