import { app, type InvocationContext } from '@azure/functions';
import { JobMessage } from '../shared/model/job';
import { JOB_QUEUE } from '../shared/store/jobQueue';
import { runJob } from '../shared/jobs/run';
import { ensureBootstrapKey } from '../shared/auth/keys';
import { freezeSettings } from '../shared/config';

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

app.storageQueue('jobWorker', { queueName: JOB_QUEUE, connection: 'AzureWebJobsStorage', handler: jobWorker });

/** HOOKBOOK_BOOTSTRAP_KEY: ensure the admin key as soon as the app starts (and lazily on first use). */
app.hook.appStart(async () => {
  freezeSettings(); // the environment is fixed from here on (config.ts)
  try {
    await ensureBootstrapKey();
  } catch (error) {
    console.warn(`[hookbook] bootstrap key not ensured yet: ${(error as Error).message}`);
  }
});
