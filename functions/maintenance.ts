import { app, type InvocationContext, type Timer } from '@azure/functions';
import { settings } from '../shared/config';
import { JobMessage } from '../shared/model/job';
import { jobQueueNames } from '../shared/store/jobQueue';
import { sweepJobs } from '../shared/jobs/sweep';
import { deleteExpiredJobs } from '../shared/jobs/retention';
import { failPoisonedJob } from '../shared/jobs/poison';

/**
 * Timer-triggered upkeep. Schedules come from app settings (NCRONTAB, seconds first), so that they
 * can be tuned per deployment: HOOKBOOK_SWEEPER_CRON (default every minute) re-queues lost jobs,
 * HOOKBOOK_RETENTION_CRON (default hourly) deletes expired ones.
 */
export async function jobSweeper(_timer: Timer, context: InvocationContext): Promise<void> {
  const r = await sweepJobs();
  if (r.requeued.length) context.log(`Sweeper re-queued ${r.requeued.length} job(s): ${r.requeued.join(', ')}`);
  // One line per sweep, not per job: during a backlog this is thousands of jobs.
  if (r.waiting) context.log(`Sweeper left ${r.waiting} job(s) past the orphan age alone: their queue has older messages still waiting.`);
}

export async function jobRetention(_timer: Timer, context: InvocationContext): Promise<void> {
  const r = await deleteExpiredJobs();
  if (r.deleted) {
    const count = r.byCount ? ` (${r.byCount} past HOOKBOOK_RETENTION_MAX_JOBS)` : '';
    context.log(`Retention deleted ${r.deleted} job(s)${count}${r.more ? '; more are due, the next run goes on' : ''}.`);
  }
}

/** A message the worker failed on maxDequeueCount times: its job ends Failed with the reason. */
export async function jobPoison(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = JobMessage.safeParse(message);
  if (!parsed.success) {
    context.warn('Poison message dropped: not a job message.');
    return;
  }
  await failPoisonedJob(parsed.data.jobId, Number(context.triggerMetadata?.dequeueCount ?? 0));
}

const { sweeperCron, retentionCron } = settings(); // fixed at registration, like any trigger's schedule
app.timer('jobSweeper', { schedule: sweeperCron, runOnStartup: false, handler: jobSweeper });
app.timer('jobRetention', { schedule: retentionCron, runOnStartup: false, handler: jobRetention });
// One per cloud job queue: `jobPoison` on `jobs-poison`, `jobPoison-<i>` on `jobs-<i>-poison`.
for (const [i, name] of jobQueueNames(settings().jobQueues).entries())
  app.storageQueue(i === 0 ? 'jobPoison' : `jobPoison-${i}`, {
    queueName: `${name}-poison`,
    connection: 'AzureWebJobsStorage',
    handler: jobPoison,
  });
