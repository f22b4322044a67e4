// Timer triggers: NCRONTAB schedules (six fields, seconds first; five accepted), always UTC, one
// invocation at a time per timer, runOnStartup, and isPastDue when an occurrence fires late.
import { Cron } from 'croner';
import type { Registration } from './functions-core';
import { createContext, invoke } from './invoke';
import { logLine, shortId } from './log';
import { parseTimeSpan, resolveAppSettings } from './settings';

/** A tick this much later than planned counts as past due (timers themselves jitter a little). */
const PAST_DUE_TOLERANCE_MS = 1000;
/** What Azure reports as "last" before a timer has ever run (DateTime.MinValue). */
const NEVER = '0001-01-01T00:00:00';

export class TimerRunner {
  readonly schedule: string;
  private readonly next: (after: Date) => Date | null;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private last = NEVER;
  private loop: Promise<void> | undefined;

  constructor(private readonly reg: Registration) {
    this.schedule = resolveAppSettings(String(reg.trigger.schedule), `function ${reg.name} schedule`).trim();
    if (/^(\d+\.)?\d{1,2}:\d{1,2}:\d{1,2}$/.test(this.schedule)) {
      // A TimeSpan schedule ("00:05:00"): a fixed interval.
      const every = parseTimeSpan(this.schedule, 0);
      if (every <= 0) throw new Error(`function ${reg.name}: schedule ${this.schedule} must be positive`);
      this.next = (after) => new Date(after.getTime() + every);
    } else {
      const cron = new Cron(this.schedule, { timezone: 'UTC', paused: true });
      this.next = (after) => cron.nextRun(after);
    }
  }

  /** The next occurrence from now, for the banner. */
  nextOccurrence(): Date | null {
    return this.next(new Date());
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
  }

  private sleepUntil(when: Date): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      // setTimeout cannot wait more than ~24.8 days at once; the loop re-checks after waking.
      this.timer = setTimeout(resolve, Math.min(Math.max(0, when.getTime() - Date.now()), 2 ** 31 - 1));
    });
  }

  private async run(): Promise<void> {
    if (this.reg.trigger.runOnStartup === true) await this.fire(false, this.next(new Date()));
    let planned = this.next(new Date());
    while (!this.stopped && planned) {
      await this.sleepUntil(planned);
      if (this.stopped) break;
      if (Date.now() < planned.getTime()) continue; // woke early (long wait split)
      const late = Date.now() - planned.getTime() > PAST_DUE_TOLERANCE_MS;
      const following = this.next(new Date(Math.max(Date.now(), planned.getTime())));
      await this.fire(late, following);
      // Occurrences missed while the handler ran are folded into one past-due run, not replayed.
      const afterPlanned = this.next(planned);
      // (A past-due run already caught up, so after one the plan restarts from now.)
      planned = !late && afterPlanned && afterPlanned.getTime() < Date.now() - PAST_DUE_TOLERANCE_MS ? afterPlanned : this.next(new Date());
    }
  }

  private async fire(isPastDue: boolean, next: Date | null): Promise<void> {
    const now = new Date().toISOString();
    const input = {
      isPastDue,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: this.last, next: next?.toISOString() ?? null, lastUpdated: now },
    };
    const context = createContext(this.reg);
    const started = Date.now();
    let result = 'ok';
    try {
      await invoke(this.reg, input, context);
    } catch (err) {
      result = 'failed';
      logLine(
        this.reg.name,
        `[${shortId(context.invocationId)}]`,
        'error:',
        err instanceof Error ? (err.stack ?? err.message) : String(err),
      );
    }
    this.last = now;
    logLine(
      this.reg.name,
      `[${shortId(context.invocationId)}]`,
      `timer ${this.schedule}${isPastDue ? ' (past due)' : ''}`,
      result,
      `${Date.now() - started} ms`,
    );
  }
}
