import { hostname, platform } from 'node:os';
import { WorkerJob } from '../../shared/model/workerGroup';
import { detectCapabilities } from './capabilities';
import { parseWorkerArgs, UsageError, WORKER_USAGE, type WorkerConfig } from './config';
import { LeaseLost, ServiceError, sleep, withRetry, WorkerClient } from './client';
import { runClaimedJob, type RunningJob } from './job';
import { ProcessLedger } from './orphans';

/**
 * `hookbook worker`: a hybrid worker. `concurrency` loops each long-poll the group's queue through
 * the service and run what they get; a hello every few seconds tells the service who this worker
 * is, what it can run and what it holds. SIGTERM/SIGINT: stop polling, let running jobs finish
 * for --drain-seconds, hand the rest back, exit 0. A second signal hands back at once.
 */
const VERSION = '0.1.0';
/** How long the service may hold a poll open (it caps this with HOOKBOOK_WORKER_POLL_SECONDS). */
const POLL_WAIT_SECONDS = 20;

export async function workerMain(
  argv: string[],
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<number> {
  let cfg: WorkerConfig | 'help';
  try {
    cfg = parseWorkerArgs(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(`hookbook worker: ${error.message}\n\n${WORKER_USAGE}`);
    return 3;
  }
  if (cfg === 'help') {
    io.out.write(WORKER_USAGE);
    return 0;
  }
  return new Worker(cfg, (m) => io.out.write(`${new Date().toISOString()} [worker ${cfg.name}] ${m}\n`)).run();
}

class Worker {
  private readonly client: WorkerClient;
  private readonly capabilities;
  private readonly running = new Map<string, RunningJob>();
  /** The runbook processes it runs, on disk: a restart after SIGKILL ends those left behind. */
  private readonly ledger: ProcessLedger;
  private draining = false;
  /** Poll loops still going (a draining worker tells the service until they have ended). */
  private loops = 0;
  private readonly abortPolls = new AbortController();
  /** Settles once the service heard (or could not be told) that this worker is draining. */
  private drainTold: Promise<void> = Promise.resolve();

  constructor(
    private readonly cfg: WorkerConfig,
    private readonly log: (m: string) => void,
  ) {
    this.client = new WorkerClient(cfg);
    this.capabilities = detectCapabilities(cfg.types);
    this.ledger = new ProcessLedger(cfg.stateDir, cfg.group, cfg.name, log);
  }

  private hello() {
    return this.client.post('hello', {
      name: this.cfg.name,
      host: hostname().slice(0, 255),
      version: VERSION,
      os: platform(),
      capabilities: this.capabilities,
      concurrency: this.cfg.concurrency,
      runningJobs: [...this.running.keys()],
      // While draining, every hello says so: the service hands this worker no job any more.
      ...(this.draining ? { draining: true } : {}),
    });
  }

  async run(): Promise<number> {
    if (this.capabilities.length === 0) {
      this.log('no runbook type to offer (see --types); exiting.');
      return 3;
    }
    this.ledger.endLeftovers();
    let helloSeconds = 15;
    try {
      const r = await withRetry(
        () => this.hello(),
        () => !this.draining,
        (e) => this.log(`service not reachable yet (${e.message}); retrying.`),
      );
      helloSeconds = (r.json as { helloSeconds?: number } | undefined)?.helloSeconds ?? 15;
    } catch (error) {
      this.log(`the service refused this worker: ${(error as Error).message}`);
      return 3;
    }
    this.log(
      `registered in group '${this.cfg.group}' at ${this.cfg.url}: runs ${this.capabilities.join(', ')}, concurrency ${this.cfg.concurrency}.`,
    );
    const helloTimer = setInterval(() => {
      this.hello().catch((e: Error) => {
        this.log(`hello failed: ${e.message}`);
        if (e instanceof ServiceError && (e.status === 401 || e.status === 403)) this.shutdown('the registration key was refused');
      });
    }, helloSeconds * 1000);

    const signals = (signal: NodeJS.Signals) => {
      if (this.draining) this.handBackAll(`second ${signal}`);
      else this.shutdown(signal);
    };
    process.on('SIGTERM', signals);
    process.on('SIGINT', signals);
    // Windows service wrappers stop a console program with Ctrl+C (SIGINT) or Ctrl+Break (SIGBREAK).
    if (process.platform === 'win32') process.on('SIGBREAK', signals);

    await Promise.all(Array.from({ length: this.cfg.concurrency }, (_, i) => this.loop(i)));
    // Drained: running jobs got --drain-seconds to finish, then were handed back.
    clearInterval(helloTimer);
    await this.hello().catch(() => undefined); // tell the service this worker holds nothing now
    process.off('SIGTERM', signals);
    process.off('SIGINT', signals);
    process.off('SIGBREAK', signals);
    this.client.close();
    this.log('stopped.');
    return 0;
  }

  private shutdown(why: string) {
    if (this.draining) return;
    this.draining = true;
    this.log(`${why}: no new jobs; ${this.running.size} running job(s) get ${this.cfg.drainSeconds} s to finish, then are handed back.`);
    // Tell the service first: its open polls for this worker then end without claiming, so a job
    // handed back below cannot come back to this worker. The polls are not aborted: a job claimed
    // just before the service heard it comes back on that poll's answer and is handed back at once
    // (runOne), where an aborted poll would strand it for a lease.
    this.drainTold = withRetry(
      () => this.hello(),
      () => this.loops > 0,
    ).then(
      () => undefined,
      (e: Error) => this.log(`could not tell the service this worker is draining (${e.message}).`),
    );
    setTimeout(() => this.handBackAll('worker shutting down'), this.cfg.drainSeconds * 1000).unref();
    // A service that does not know the flag (or cannot be reached) still ends each poll within its wait.
    setTimeout(() => this.abortPolls.abort(), (POLL_WAIT_SECONDS + 10) * 1000).unref();
  }

  private handBackAll(reason: string) {
    void this.drainTold.then(() => {
      for (const j of this.running.values()) j.handBack(reason);
    });
  }

  private async loop(slot: number): Promise<void> {
    this.loops++;
    try {
      await this.polls(slot);
    } finally {
      this.loops--;
    }
  }

  private async polls(slot: number): Promise<void> {
    let backoff = 250;
    while (!this.draining) {
      let reply;
      try {
        const body = { name: this.cfg.name, capabilities: this.capabilities, waitSeconds: POLL_WAIT_SECONDS };
        reply = await this.client.post('poll', body, 60_000, this.abortPolls.signal);
        backoff = 250;
      } catch (error) {
        if (error instanceof ServiceError && (error.status === 401 || error.status === 403)) {
          this.log(`poll refused: ${error.message}`);
          this.shutdown('the registration key was refused');
          break;
        }
        if (this.draining) break;
        if (!(error instanceof LeaseLost)) this.log(`poll failed (${(error as Error).message}); retrying in ${backoff} ms.`);
        await sleep(backoff);
        backoff = Math.min(10_000, backoff * 2);
        continue;
      }
      if (reply.status === 204 || reply.json === undefined) continue;
      await this.runOne(reply.json, slot);
    }
  }

  private async runOne(raw: unknown, slot: number): Promise<void> {
    const parsed = WorkerJob.safeParse(raw);
    if (!parsed.success) {
      // Never run what does not validate; fail it so it does not go round the group forever.
      const { jobId, attempt } = (raw ?? {}) as { jobId?: string; attempt?: number };
      this.log(`refused a job payload that failed validation (${parsed.error.issues[0]?.message ?? 'invalid'}).`);
      if (typeof jobId === 'string' && typeof attempt === 'number') {
        const outcome = {
          exitCode: null,
          signal: null,
          hasResult: false,
          spawnError: 'the hybrid worker refused a job payload that failed validation',
        };
        await this.client.post(`jobs/${jobId}/finish`, { attempt, streamCount: 0, outcome }).catch(() => undefined);
      }
      return;
    }
    const job = parsed.data;
    if (this.draining) {
      // Claimed by a poll that was already under way before the service heard of the shutdown.
      this.log(`job ${job.jobId} attempt ${job.attempt} came on a poll under way when the shutdown began: handed back at once.`);
      await this.client.post(`jobs/${job.jobId}/release`, { attempt: job.attempt, reason: 'worker shutting down' }).catch(() => undefined);
      return;
    }
    this.log(`slot ${slot}: running job ${job.jobId} attempt ${job.attempt} (${job.runbook.name}, ${job.runbook.definition.type}).`);
    const running = runClaimedJob(job, this.client, this.cfg.url, this.log, { draining: () => this.draining, told: () => this.drainTold });
    this.running.set(job.jobId, running);
    // Recorded once the process exists: through the spawner its pid comes a moment after the start.
    void running.started.then((pid) => {
      if (this.running.get(job.jobId) === running) this.ledger.add(job.jobId, pid);
    });
    try {
      await running.done;
    } finally {
      this.running.delete(job.jobId);
      this.ledger.remove(job.jobId);
    }
  }
}
