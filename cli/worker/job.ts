import { join } from 'node:path';
import type { WorkerJob } from '../../shared/model/workerGroup';
import type { RunbookVersion } from '../../shared/model/runbook';
import { prepareRun } from '../../shared/runners/runner';
import { startProcess, type ProcessOutcome } from '../../shared/runners/process';
import { StreamWriter } from '../../shared/jobs/streamWriter';
import type { StreamRow } from '../../shared/store/streamStore';
import { readResultFile } from '../../shared/runners/sandbox';
import { SecretMasker } from '../../shared/jobs/mask';
import { helpersDir, type JobEnv } from '../../shared/assets/jobEnv';
import { LeaseLost, ServiceError, sleep, withRetry, type WorkerClient } from './client';

/**
 * One claimed job on a hybrid worker: run it with the cloud worker's runner (prepareRun,
 * startProcess: streams, process-tree stop, time limit, stream cap), send stream batches as they
 * come, renew the lease every lease/3, and end it:
 * - the service says 409 (another attempt owns the job): kill the process, send nothing more;
 * - the service is unreachable: keep running and buffering (the stream cap bounds the buffer),
 *   retry with backoff; once a whole lease has passed without a renewal the lease is presumed gone,
 *   the process is killed and the worker keeps offering its output and a hand-back until the
 *   service answers (which is a 409 if the job was taken over meanwhile);
 * - a stop request (the renewal says so): stop the process, record Stopped;
 * - shutdown (handBack): kill the process and hand the job back for another worker.
 */
export interface Log {
  (message: string): void;
}

export interface RunningJob {
  jobId: string;
  attempt: number;
  /** The runbook's pid (and process group id) once it runs; undefined when it could not be started. */
  started: Promise<number | undefined>;
  done: Promise<void>;
  /** Stop the process and hand the job back to the service (shutdown). */
  handBack(reason: string): void;
}

const MAX_TEXT = 32_000;

/** How long a runbook ended by a signal the worker did not send waits for the worker's own shutdown signal. */
const FOREIGN_SIGNAL_WAIT_MS = 1500;

export function runClaimedJob(
  job: WorkerJob,
  client: WorkerClient,
  serviceUrl: string,
  log: Log,
  shutdown: { draining: () => boolean; told: () => Promise<void> } = { draining: () => false, told: async () => undefined },
): RunningJob {
  const shuttingDown = shutdown.draining;
  const leaseMs = job.limits.leaseSeconds * 1000;
  const graceMs = job.limits.stopGraceSeconds * 1000;
  const path = (verb: string) => `jobs/${job.jobId}/${verb}`;
  let state = 'running' as 'running' | 'lost' | 'expired' | 'handback';
  const current = () => state; // read through a call: TypeScript would narrow the variable across awaits
  let lastOk = Date.now();
  // How long output and the outcome are offered to an unreachable service before giving up.
  const deliverUntil = () => lastOk + Math.max(10 * leaseMs, 120_000);
  const keepTrying = () => state !== 'lost' && Date.now() < deliverUntil();
  const tag = `job ${job.jobId} attempt ${job.attempt}`;

  let collecting = false;
  const tail: StreamRow[] = [];
  let kill: (reason: 'stop' | 'timeout' | 'lease') => void = () => undefined;
  const lost = (why: string) => {
    if (state === 'lost') return;
    state = 'lost';
    log(`${tag}: lease lost (${why}); stopping the local process, its outcome belongs to the attempt that took over.`);
    kill('lease');
  };

  const writer = new StreamWriter({
    jobId: job.jobId,
    attempt: job.attempt,
    capBytes: job.limits.streamCapBytes,
    flushMs: 250,
    onError: (error) => log(`${tag}: stream records not delivered: ${(error as Error).message}`),
    sink: async (_jobId, rows) => {
      if (state === 'lost') return;
      // At the end, the last few records travel with the outcome (one call instead of two).
      if (collecting && tail.length + rows.length <= 100) return void tail.push(...rows);
      try {
        await withRetry(
          () => client.post(path('streams'), { attempt: job.attempt, records: rows.map(toWire) }).then(() => (lastOk = Date.now())),
          keepTrying,
        );
      } catch (error) {
        if (error instanceof LeaseLost) lost(`409 on streams: ${error.message}`);
        else throw error;
      }
    },
  });
  if (job.retryReason) writer.write('Warning', `${job.retryReason} Running it again as attempt ${job.attempt}.`);

  const version: RunbookVersion = {
    name: job.runbook.name,
    version: job.runbook.version,
    definition: job.runbook.definition,
    content: job.runbook.content,
  };
  // The service's masker, rebuilt: secrets handed to the job never reach its streams or outcome.
  const masker = new SecretMasker();
  for (const form of job.secrets ?? []) masker.add(form);
  const output = masker.stream((r) => writer.write(r.streamType, r.text, r.value));
  const helpers = helpersDir();
  const jobEnv: JobEnv | undefined = job.env && {
    // The job calls the service where this worker reaches it.
    set: { ...job.env.set, ...(job.env.set.HOOKBOOK_URL ? { HOOKBOOK_URL: serviceUrl } : {}) },
    prepend: {
      PATH: join(helpers, 'bin'),
      PYTHONPATH: join(helpers, 'python'),
      NODE_PATH: join(helpers, 'node'),
      PSModulePath: join(helpers, 'pwsh'),
    },
    unset: job.env.unset,
  };
  const prepared = prepareRun(version, job.parameters, { jobId: job.jobId, attempt: job.attempt }, jobEnv);
  const proc = startProcess(prepared.spec, output.push);
  kill = (reason) => proc.kill(reason, graceMs);
  const timeout = setTimeout(() => proc.kill('timeout', graceMs), job.limits.timeoutSeconds * 1000);

  let renewing = false;
  const renew = async () => {
    if (renewing || state !== 'running') return;
    renewing = true;
    try {
      const r = await client.post(path('lease'), { attempt: job.attempt }, Math.max(2000, leaseMs / 2));
      lastOk = Date.now();
      if ((r.json as { stop?: boolean } | undefined)?.stop) proc.kill('stop', graceMs);
    } catch (error) {
      if (error instanceof LeaseLost) lost(`409 on lease renewal: ${error.message}`);
      else if (error instanceof ServiceError)
        lost(error.message); // key revoked, job gone: never run on unasked
      else if (state === 'running' && Date.now() - lastOk > leaseMs) {
        state = 'expired';
        log(
          `${tag}: no answer from the service for ${Math.round((Date.now() - lastOk) / 1000)} s (longer than the lease); stopping the local process.`,
        );
        proc.kill('lease', graceMs);
      } else log(`${tag}: lease renewal failed (${(error as Error).message}); retrying.`);
    } finally {
      renewing = false;
    }
  };
  const renewTimer = setInterval(() => void renew(), Math.max(250, Math.min(5000, leaseMs / 3)));

  let handBackReason = '';
  const done = (async () => {
    let outcome: ProcessOutcome;
    try {
      outcome = await proc.done;
      if (job.runbook.definition.type !== 'node') readResultFile(prepared.resultFile, prepared.uid, outcome);
    } finally {
      clearTimeout(timeout);
      clearInterval(renewTimer);
      await prepared.cleanup();
    }
    // The hand-back's signal can cross the runbook's own end (the exit is on its way from the
    // spawner, or the process exits as the signal is sent): a runbook that exited with 0 did its
    // work, so its outcome is recorded; handing it back would run it a second time.
    if (current() === 'handback' && outcome.exitCode === 0 && !outcome.signal && !outcome.lost && outcome.spawnError === undefined) {
      log(`${tag}: the runbook ended with exit code 0 as it was being handed back (${handBackReason}); its outcome is recorded instead.`);
      state = 'running';
      delete outcome.killedBecause;
    }
    // A service manager that signals every process of the worker's group or cgroup at once
    // (systemd's KillMode=control-group, a Ctrl+C to a console) ends the runbook too: that is the
    // worker's shutdown, not the runbook's failure, so the job is handed back, not failed. The
    // worker may hear its own signal a moment after the runbook's exit is seen.
    if (current() === 'running' && foreignStop(outcome)) {
      const deadline = Date.now() + FOREIGN_SIGNAL_WAIT_MS;
      while (!shuttingDown() && Date.now() < deadline) await sleep(50);
      if (shuttingDown() && current() === 'running') {
        state = 'handback';
        handBackReason = `the runbook process was ended by ${outcome.signal} while the worker was shutting down`;
      }
    }
    output.end();
    collecting = current() === 'running';
    await writer.close();
    const end = current();
    if (end === 'lost') return;
    try {
      if (end === 'expired' || end === 'handback') {
        const reason = end === 'handback' ? handBackReason : 'the worker lost the service for longer than its lease';
        // Only once the service knows this worker drains: the job must not come back to it.
        if (end === 'handback') await shutdown.told();
        await withRetry(() => client.post(path('release'), { attempt: job.attempt, reason }), keepTrying);
        log(`${tag}: handed back (${reason}).`);
        return;
      }
      const body = {
        attempt: job.attempt,
        streamCount: writer.count,
        ...(tail.length ? { records: tail.map(toWire) } : {}),
        outcome: toOutcome(outcome, masker),
      };
      const r = await withRetry(() => client.post(path('finish'), body), keepTrying);
      log(`${tag}: ${(r.json as { status?: string } | undefined)?.status ?? 'finished'}.`);
    } catch (error) {
      if (error instanceof LeaseLost) log(`${tag}: 409 (${error.message}); its outcome is left to the attempt that took over.`);
      else log(`${tag}: the outcome could not be delivered: ${(error as Error).message}`);
    }
  })();

  return {
    jobId: job.jobId,
    attempt: job.attempt,
    started: proc.started,
    done,
    handBack(reason) {
      // A runbook whose end is known ran to its end here: its outcome is recorded, never run again.
      if (state !== 'running' || proc.ended) return;
      state = 'handback';
      handBackReason = reason;
      proc.kill('lease', graceMs);
    },
  };
}

/** Ended by a stop signal the worker did not send (it sends only through proc.kill, which records why). */
const foreignStop = (o: ProcessOutcome) => !o.killedBecause && (o.signal === 'SIGTERM' || o.signal === 'SIGINT' || o.signal === 'SIGHUP');

function toWire(r: StreamRow) {
  return {
    seq: r.seq,
    time: r.time,
    streamType: r.streamType,
    summary: r.summary.slice(0, 1024),
    streamText: r.streamText.slice(0, MAX_TEXT),
    ...(r.value !== undefined && r.value.length <= MAX_TEXT ? { value: r.value } : {}),
    ...(r.continued ? { continued: true } : {}),
  };
}

/** The outcome as the service needs it, every text the process produced masked. */
function toOutcome(o: ProcessOutcome, masker: SecretMasker) {
  const text = (s: string, max: number) => masker.mask(s).slice(0, max);
  let result = o.result;
  if (o.hasResult && result !== undefined) {
    const masked = masker.maskJson(JSON.stringify(result));
    result = masked === undefined ? '***' : JSON.parse(masked);
  }
  return {
    exitCode: o.exitCode,
    signal: o.signal,
    ...(o.hasResult ? { result } : {}),
    hasResult: o.hasResult,
    ...(o.exception !== undefined ? { exception: text(o.exception, MAX_TEXT) } : {}),
    ...(o.lastError !== undefined ? { lastError: text(o.lastError, MAX_TEXT) } : {}),
    ...(o.killedBecause ? { killedBecause: o.killedBecause } : {}),
    ...(o.spawnError !== undefined ? { spawnError: text(o.spawnError, 4000) } : {}),
  };
}
