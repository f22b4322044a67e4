/** 4a. Single-job latency POST → Completed on the full local host, back to back and after an idle pause. */
import type { BenchHost } from '../host';
import { pct, sleep } from '../measure';

export interface Latency {
  runbook: string;
  mode: string;
  samples: number;
  p50ms: number;
  p99ms: number;
  /** p50 of the parts, from the job's own timestamps: created → started (queue), started → ended (run). */
  queueP50ms: number;
  runP50ms: number;
}

export async function latency(c: BenchHost, runbook: string, mode: 'back-to-back' | 'idle', n: number): Promise<Latency> {
  const times: number[] = [];
  const queued: number[] = [];
  const ran: number[] = [];
  for (let i = 0; i < n; i++) {
    if (mode === 'idle') await sleep(2600); // longer than maxPollingInterval (2 s): the poller is fully backed off
    const t0 = performance.now();
    const jobId = await c.start(runbook);
    const status = await c.waitEnd(jobId);
    times.push(performance.now() - t0);
    if (status !== 'Completed') throw new Error(`latency job ${jobId} ended ${status}`);
    const job = await c.api.jobs.get(jobId);
    queued.push(Date.parse(job.startTime!) - Date.parse(job.createdTime));
    ran.push(Date.parse(job.endTime!) - Date.parse(job.startTime!));
  }
  const sort = (xs: number[]) => xs.sort((a, b) => a - b);
  sort(times);
  return {
    runbook,
    mode,
    samples: n,
    p50ms: pct(times, 50),
    p99ms: pct(times, 99),
    queueP50ms: pct(sort(queued), 50),
    runP50ms: pct(sort(ran), 50),
  };
}
