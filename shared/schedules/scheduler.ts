import { Cron } from 'croner';
import { settings } from '../config';
import { DomainError } from '../errors';
import { deterministicJobId } from '../jobs/ids';
import { unsealParameters } from '../jobs/parameters';
import { startJob } from '../jobs/start';
import { ScheduleConflictError, scheduleStore, type ScheduleState, type StoredSchedule } from '../store/scheduleStore';
import { recurrenceOf } from './definition';
import { DEFAULT_CATCHUP, planDue, type CatchupPolicy } from './due';

/**
 * The scheduler: one tick turns every due occurrence of every enabled schedule into exactly one
 * job. The timer function (functions/scheduler.ts) calls `runScheduler` once per tick; tests call
 * it directly with a fake clock.
 *
 * Exactly once, without locks:
 * 1. the job id of an occurrence is `deterministicJobId("schedule:<schedule id>", occurrence ms)`,
 *    and `startJob` with a caller-chosen id creates the job only if no job has that id; so two
 *    instances (or a retry after a crash) that both start the same occurrence get one job;
 * 2. only then is the schedule's cursor moved past the occurrences, conditionally on the ETag
 *    read; the loser of a race re-reads, and stops if the winner got as far (or re-plans, finding
 *    the jobs already there, if an admin changed the schedule meanwhile).
 * A crash between 1 and 2 leaves the cursor behind: the next tick starts the same ids again and
 * finds the jobs. A storage outage stops a schedule at the occurrence that failed, for the next
 * tick to retry.
 */

/** Every minute, at second 0 (six-field NCRONTAB, UTC): what HOOKBOOK_SCHEDULER_CRON defaults to. */

export interface SchedulerSettings {
  cron: string;
  policy: CatchupPolicy;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `24h`, `7d`, or a TimeSpan `[d.]hh:mm:ss`. */
export function parseDuration(text: string, what: string): number {
  const t = text.trim();
  const unit = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/i.exec(t);
  if (unit) return Math.round(Number(unit[1]) * UNITS[unit[2]!.toLowerCase()]!);
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(t);
  if (span) return (((Number(span[1] ?? 0) * 24 + Number(span[2])) * 60 + Number(span[3])) * 60 + Number(span[4])) * 1000;
  throw new Error(`${what}: '${text}' is not a duration (e.g. 90s, 15m, 24h, 7d or hh:mm:ss)`);
}

/** The longest gap between ticks of the scheduler's own timer (NCRONTAB or TimeSpan). */
function schedulerPeriodMs(cron: string): number {
  if (/^(\d+\.)?\d{1,2}:\d{2}:\d{2}$/.test(cron.trim())) return parseDuration(cron, 'HOOKBOOK_SCHEDULER_CRON');
  const c = new Cron(cron, { utcOffset: 0, paused: true });
  const runs = c.nextRuns(6, new Date());
  let max = 0;
  for (let i = 1; i < runs.length; i++) max = Math.max(max, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return max > 0 ? max : 60_000;
}

/**
 * App settings: HOOKBOOK_SCHEDULER_CRON (default `0 * * * * *`, every minute) and
 * HOOKBOOK_SCHEDULER_CATCHUP (`<max occurrences>/<max age>`, default `10/24h`; `0` turns
 * catch-up off). An occurrence older than one scheduler period + 30 s counts as missed (late).
 */
export function schedulerSettings(env?: Record<string, string | undefined>): SchedulerSettings {
  const s = settings(env);
  const cron = s.schedulerCron;
  let period: number;
  try {
    period = schedulerPeriodMs(cron);
  } catch (error) {
    throw new Error(`HOOKBOOK_SCHEDULER_CRON: '${cron}' is not a valid NCRONTAB expression (${(error as Error).message})`);
  }
  const raw = s.schedulerCatchup;
  const m = /^(\d+)\s*(?:[/,;\s]\s*(.+))?$/.exec(raw);
  if (!m) throw new Error(`HOOKBOOK_SCHEDULER_CATCHUP: '${raw}' must be <max occurrences>[/<max age>], e.g. 10/24h or 0`);
  return {
    cron,
    policy: {
      maxOccurrences: Number(m[1]),
      maxAgeMs: m[2] ? parseDuration(m[2], 'HOOKBOOK_SCHEDULER_CATCHUP') : DEFAULT_CATCHUP.maxAgeMs,
      lateAfterMs: period + 30_000,
    },
  };
}

export interface SchedulerOptions {
  /** The clock (tests inject a fake one); default: the real time. */
  clock?: () => Date;
  policy?: Partial<CatchupPolicy>;
  log?: (line: string) => void;
  /** Only these schedules (by name), for tests that share storage. */
  only?: string[];
  /** Schedules ticked at once (default 4). */
  concurrency?: number;
}

export interface TickOutcome {
  schedule: string;
  occurrence: string;
  jobId: string;
  late: boolean;
  /** False when the job already existed (another instance, or an earlier try, created it). */
  created: boolean;
}

export interface TickReport {
  now: string;
  schedules: number;
  jobs: TickOutcome[];
  /** Missed occurrences left out by the catch-up policy. */
  skipped: number;
  errors: { schedule: string; occurrence?: string; message: string; permanent: boolean }[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** One tick over every enabled schedule. Never throws for one schedule's trouble. */
export async function runScheduler(opts: SchedulerOptions = {}): Promise<TickReport> {
  const now = (opts.clock ?? (() => new Date()))().getTime();
  const policy = { ...DEFAULT_CATCHUP, ...opts.policy };
  const log = opts.log ?? (() => undefined);
  const only = opts.only ? new Set(opts.only.map((n) => n.toLowerCase())) : undefined;
  let schedules = await scheduleStore.list({ enabledOnly: true });
  if (only) schedules = schedules.filter((s) => only.has(s.definition.name.toLowerCase()));
  const report: TickReport = { now: iso(now), schedules: schedules.length, jobs: [], skipped: 0, errors: [] };
  const queue = [...schedules];
  const workers = Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      try {
        await tickSchedule(s, now, policy, report, log);
      } catch (error) {
        report.errors.push({ schedule: s.definition.name, message: (error as Error).message, permanent: false });
        log(`schedule ${s.definition.name}: tick failed: ${(error as Error).message}`);
      }
    }
  });
  await Promise.all(workers);
  return report;
}

async function tickSchedule(
  first: StoredSchedule,
  now: number,
  policy: CatchupPolicy,
  report: TickReport,
  log: (l: string) => void,
): Promise<void> {
  let current = first;
  for (let attempt = 0; attempt < 5; attempt++) {
    const def = current.definition;
    if (!def.isEnabled) return;
    const cursor = Date.parse(current.state.cursor);
    const plan = planDue(recurrenceOf(def).recurrence, cursor, now, policy);
    if (plan.occurrences.length === 0 && plan.skipped === 0) return; // nothing due: no write
    if (plan.skipped > 0) {
      report.skipped += plan.skipped;
      log(
        `schedule ${def.name}: ${plan.skipped}${plan.skipped > 1 ? '+' : ''} missed occurrence(s) skipped (catch-up at most ${policy.maxOccurrences}, none older than ${policy.maxAgeMs / 3_600_000} h)`,
      );
    }
    const state: ScheduleState = { ...current.state };
    let stopAt: number | undefined;
    let parameters: Record<string, unknown> | undefined;
    try {
      parameters = unsealParameters(current.parameters);
    } catch (error) {
      state.lastError = `The schedule's parameters cannot be read (was HOOKBOOK_ENCRYPTION_KEY changed?): ${(error as Error).message}`;
    }
    for (const occ of parameters ? plan.occurrences : []) {
      const jobId = deterministicJobId(`schedule:${def.id}`, occ.at);
      const startedBy = `schedule:${def.name}${occ.late ? ' (late)' : ''}`;
      try {
        const started = await startJob({ runbook: def.runbook, parameters, startedBy, jobId, runOn: def.runOn, notify: def.notify });
        report.jobs.push({ schedule: def.name, occurrence: iso(occ.at), jobId, late: occ.late, created: started.created });
        if (started.created) log(`schedule ${def.name}: job ${jobId} for ${iso(occ.at)}${occ.late ? ' (late)' : ''}`);
        state.lastRun = iso(occ.at);
        state.lastJobId = jobId;
        delete state.lastError;
      } catch (error) {
        const permanent = error instanceof DomainError && error.fault !== 'unavailable';
        const message = (error as Error).message;
        report.errors.push({ schedule: def.name, occurrence: iso(occ.at), message, permanent });
        log(`schedule ${def.name}: occurrence ${iso(occ.at)}: ${permanent ? 'no job' : 'will retry'}: ${message}`);
        if (permanent) {
          // The runbook is gone, unpublished, or no longer takes these parameters: retrying
          // would fail the same way. Record why and go on.
          state.lastError = `${iso(occ.at)}: ${message}`;
          continue;
        }
        stopAt = occ.at; // storage trouble: the next tick retries from this occurrence
        break;
      }
    }
    const newCursor = stopAt !== undefined ? stopAt - 1 : plan.cursor;
    if (newCursor <= cursor) return;
    state.cursor = iso(newCursor);
    try {
      await scheduleStore.saveState(def.name, state, current.etag);
      return;
    } catch (error) {
      if (!(error instanceof ScheduleConflictError)) throw error;
      const fresh = await scheduleStore.get(def.name);
      if (!fresh || fresh.definition.id !== def.id) return;
      if (Date.parse(fresh.state.cursor) >= newCursor) return; // another instance got as far
      current = fresh; // changed by an admin: plan again (jobs already started are found, not doubled)
    }
  }
}
