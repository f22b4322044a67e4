import { hostname, platform } from 'node:os';
import { WorkerJob } from '../../shared/model/workerGroup';
import { detectCapabilities } from './capabilities';
import { parseWorkerArgs, UsageError, WORKER_USAGE, type WorkerConfig } from './config';
import { LeaseLost, ServiceError, sleep, withRetry, WorkerClient } from './client';
import { runClaimedJob, type RunningJob } from './job';

/**
 * `hookbook worker`: a hybrid worker. `concurrency` loops each long-poll the group's queue through
 * the service and run what they get; a hello every few seconds tells the service who this worker
 * is, what it can run and what it holds. SIGTERM/SIGINT: stop polling, let running jobs finish
 * for --drain-seconds, hand the rest back, exit 0. A second signal hands back at once.
 */
const VERSION = '0.1.0';

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
  private draining = false;

  constructor(
    private readonly cfg: WorkerConfig,
    private readonly log: (m: string) => void,
  ) {
    this.client = new WorkerClient(cfg);
    this.capabilities = detectCapabilities(cfg.types);
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
    });
  }

  async run(): Promise<number> {
    if (this.capabilities.length === 0) {
      this.log('no runbook type to offer (see --types); exiting.');
      return 3;
    }
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

    await Promise.all(Array.from({ length: this.cfg.concurrency }, (_, i) => this.loop(i)));
    // Drained: running jobs got --drain-seconds to finish, then were handed back.
    clearInterval(helloTimer);
    await this.hello().catch(() => undefined); // tell the service this worker holds nothing now
    process.off('SIGTERM', signals);
    process.off('SIGINT', signals);
    this.client.close();
    this.log('stopped.');
    return 0;
  }

  private shutdown(why: string) {
    if (this.draining) return;
    this.draining = true;
    this.log(`${why}: no new jobs; ${this.running.size} running job(s) get ${this.cfg.drainSeconds} s to finish, then are handed back.`);
    setTimeout(() => this.handBackAll('worker shutting down'), this.cfg.drainSeconds * 1000).unref();
  }

  private handBackAll(reason: string) {
    for (const j of this.running.values()) j.handBack(reason);
  }

  private async loop(slot: number): Promise<void> {
    let backoff = 250;
    while (!this.draining) {
      let reply;
      try {
        reply = await this.client.post('poll', { name: this.cfg.name, capabilities: this.capabilities, waitSeconds: 20 }, 60_000);
        backoff = 250;
      } catch (error) {
        if (error instanceof ServiceError && (error.status === 401 || error.status === 403)) {
          this.log(`poll refused: ${error.message}`);
          this.shutdown('the registration key was refused');
          break;
        }
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
      // Claimed by a poll that was already under way when the shutdown began.
      await this.client.post(`jobs/${job.jobId}/release`, { attempt: job.attempt, reason: 'worker shutting down' }).catch(() => undefined);
      return;
    }
    this.log(`slot ${slot}: running job ${job.jobId} attempt ${job.attempt} (${job.runbook.name}, ${job.runbook.definition.type}).`);
    const running = runClaimedJob(job, this.client, this.cfg.url, this.log);
    this.running.set(job.jobId, running);
    try {
      await running.done;
    } finally {
      this.running.delete(job.jobId);
    }
  }
}
