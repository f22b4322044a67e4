import { app, type InvocationContext, type Timer } from '@azure/functions';
import { runScheduler, schedulerSettings } from '../shared/schedules/scheduler';

/**
 * The scheduler: a timer trigger that creates the jobs of due schedule occurrences.
 *
 * Schedule: app setting HOOKBOOK_SCHEDULER_CRON (six-field NCRONTAB, UTC), default
 * `0 * * * * *` (every minute, at second 0). Azure runs one instance of a timer at a time across
 * scale-out; even if two ran, each occurrence would still create exactly one job (see
 * shared/schedules/scheduler.ts). A tick that fires late (`isPastDue`) catches up on missed
 * occurrences within HOOKBOOK_SCHEDULER_CATCHUP (default `10/24h`) and marks their jobs late.
 */
const settings = schedulerSettings(); // a bad setting stops the app at start, loudly

app.timer('scheduler', {
  schedule: settings.cron,
  runOnStartup: false,
  useMonitor: true,
  handler: async (timer: Timer, ctx: InvocationContext): Promise<void> => {
    const report = await runScheduler({ policy: settings.policy, log: (line) => ctx.log(line) });
    const created = report.jobs.filter((j) => j.created).length;
    const late = report.jobs.filter((j) => j.created && j.late).length;
    if (created || report.errors.length || report.skipped || timer.isPastDue) {
      ctx.log(
        `scheduler${timer.isPastDue ? ' (past due)' : ''}: ${report.schedules} schedule(s), ${created} job(s) created` +
          `${late ? ` (${late} late)` : ''}, ${report.jobs.length - created} already there, ${report.skipped} skipped, ${report.errors.length} error(s)`,
      );
    }
  },
});
