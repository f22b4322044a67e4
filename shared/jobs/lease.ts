import { EventEmitter } from 'node:events';
import { isTerminal } from '../model/job';
import type { JobRecord, Versioned } from '../model/jobRecord';
import { jobStore, type JobReadWrite } from '../store/jobStore';
import { ConcurrencyError } from '../store/errors';

export interface LeaseEvents {
  /** Another attempt owns the job now (this worker was presumed dead), or it ended meanwhile. */
  lost: [job: JobRecord];
  /** Someone asked the job to stop (status Stopping). */
  stop: [job: JobRecord];
  /** A renewal failed (storage trouble); the lease goes on trying. */
  warning: [error: Error];
}

export interface LeaseOptions {
  leaseMs: number;
  store?: JobReadWrite;
  /** Milliseconds now (tests pass a fake clock). */
  now?: () => number;
}

/**
 * A worker's hold on the job it runs. The claim (attempt n, written under an ETag guard) starts
 * it; while the runbook runs, `renew` writes a fresh heartbeat every lease/3 (ETag-guarded) and,
 * when that write loses a race, reads the job to find out why: a stop request → `stop`; another
 * attempt or an end → `lost` (once, then the lease stops renewing). The sweeper re-queues a job
 * whose heartbeat is older than the lease. `attempt` is the fencing token of every later write.
 */
export class Lease extends EventEmitter<LeaseEvents> {
  /** The fencing token: the attempt this lease was claimed for. */
  readonly attempt: number;
  readonly jobId: string;
  private held: Versioned<JobRecord>;
  private lastBeat: number;
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;
  private state: 'held' | 'lost' | 'closed' = 'held';
  private stopSeen = false;
  private readonly store: JobReadWrite;
  private readonly now: () => number;

  constructor(
    claimed: Versioned<JobRecord>,
    private readonly opts: LeaseOptions,
  ) {
    super();
    this.held = claimed;
    this.attempt = claimed.value.attempt;
    this.jobId = claimed.value.jobId;
    this.store = opts.store ?? jobStore;
    this.now = opts.now ?? Date.now;
    this.lastBeat = this.now();
  }

  /** The job as last written or read by this lease, with its ETag. */
  get current(): Versioned<JobRecord> {
    return this.held;
  }
  get isLost(): boolean {
    return this.state === 'lost';
  }
  /** How often `renew` runs: lease/3, within 250 ms … 5 s. */
  get intervalMs(): number {
    return Math.max(250, Math.min(5000, this.opts.leaseMs / 3));
  }

  start(): this {
    this.timer ??= setInterval(() => void this.renew(), this.intervalMs);
    return this;
  }

  /** One renewal: heartbeat when it is due, else (or when the write lost a race) look at the job. */
  async renew(): Promise<void> {
    if (this.state !== 'held' || this.renewing) return;
    this.renewing = true;
    try {
      if (this.now() - this.lastBeat >= this.opts.leaseMs / 3) {
        const heartbeat = new Date(this.now()).toISOString();
        try {
          const etag = await this.store.update(this.jobId, { heartbeat }, this.held.etag);
          this.held = { value: { ...this.held.value, heartbeat }, etag };
          this.lastBeat = this.now();
          return;
        } catch (error) {
          if (!(error instanceof ConcurrencyError)) throw error;
        }
      }
      const fresh = await this.store.get(this.jobId);
      if (!fresh || this.state !== 'held') return;
      this.held = fresh;
      const job = fresh.value;
      if (job.attempt !== this.attempt || isTerminal(job.status)) {
        this.state = 'lost';
        this.stopTimer();
        this.emit('lost', job);
      } else if (job.status === 'Stopping' && !this.stopSeen) {
        this.stopSeen = true;
        this.emit('stop', job);
      }
    } catch (error) {
      this.emit('warning', error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.renewing = false;
    }
  }

  /** Stop renewing (the runbook has ended; the final write follows under the same fence). */
  close(): void {
    if (this.state === 'held') this.state = 'closed';
    this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
