// `npm run bench:hybrid`: hybrid workers on this machine (docs/performance.md, "Hybrid workers").
//
//  1. Idle latency, start → Completed, of a trivial bash job: on the cloud worker of the local
//     host, and on a `hookbook worker` (same machine, concurrency 1); 2.6 s idle before each job,
//     so that both pollers are fully backed off. Measured by the service's own timestamps
//     (createdTime → endTime) and by the client (POST → seen Completed).
//  2. Throughput: one worker with --concurrency 8 and N trivial bash jobs started at once;
//     jobs/s = N / (last endTime − first createdTime); the same N jobs on the cloud worker beside it.
// Nothing is asserted: this is a measurement. It prints a table and writes bench/hybrid-results.json.
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { Job } from '../client';
import { benchHost, startWorker, type RunningWorker } from './host';
import { pct as sortedPct, sleep } from './measure';
import { QUICK } from './settings';

const N_LATENCY = QUICK ? 5 : 15;
const N_THROUGHPUT = QUICK ? 100 : 400;
const pct = (xs: number[], p: number) =>
  sortedPct(
    [...xs].sort((a, b) => a - b),
    p,
  );
const log = (s: string) => process.stderr.write(`[bench:hybrid] ${s}\n`);

async function main(): Promise<void> {
  const c = await benchHost({ env: { HOOKBOOK_LOG_TRANSITIONS: 'false' } });
  const { host, api } = c;
  const workers: RunningWorker[] = [];
  try {
    await api.workerGroups.create('bench');
    const { key } = await api.workerGroups.createKey('bench');
    await c.runbook('hyb-bash', 'bash', 'echo hi\n');

    const waitDone = async (jobId: string): Promise<Job> => {
      for (;;) {
        const j = await api.jobs.get(jobId);
        if (['Completed', 'Failed', 'Stopped'].includes(j.status)) return j;
        await sleep(10);
      }
    };
    const latency = async (runOn: string) => {
      const server: number[] = [];
      const client: number[] = [];
      for (let i = 0; i < N_LATENCY; i++) {
        await sleep(2600);
        const t0 = performance.now();
        const { jobId } = await api.jobs.start('hyb-bash', undefined, { runOn });
        const j = await waitDone(jobId);
        client.push(performance.now() - t0);
        if (j.status !== 'Completed') throw new Error(`job ${jobId} ended ${j.status}`);
        server.push(Date.parse(j.endTime!) - Date.parse(j.createdTime));
      }
      return {
        runOn,
        samples: N_LATENCY,
        serverP50ms: pct(server, 50),
        serverP99ms: pct(server, 99),
        clientP50ms: pct(client, 50),
        clientP99ms: pct(client, 99),
      };
    };

    const one = startWorker({ url: host.url, group: 'bench', key, name: 'lat', types: 'bash' });
    workers.push(one);
    await one.waitForOutput(/registered in group/);
    const cloud = await latency('cloud');
    log(`cloud idle latency p50 ${cloud.serverP50ms} ms`);
    const hybrid = await latency('bench');
    log(`hybrid idle latency p50 ${hybrid.serverP50ms} ms`);
    // SIGTERM, not SIGKILL: a killed worker's poll still held open by the service could claim a
    // job for nobody, which then waits out a lease before it runs.
    one.signal('SIGTERM');
    await one.exited;

    const throughputOf = async (runOn: string) => {
      const ids = await Promise.all(
        Array.from({ length: N_THROUGHPUT }, () => api.jobs.start('hyb-bash', undefined, { runOn }).then((r) => r.jobId)),
      );
      const jobs = [];
      for (const id of ids) jobs.push(await waitDone(id));
      const failed = jobs.filter((j) => j.status !== 'Completed').length;
      const first = Math.min(...jobs.map((j) => Date.parse(j.createdTime)));
      const last = Math.max(...jobs.map((j) => Date.parse(j.endTime!)));
      return {
        runOn,
        jobs: N_THROUGHPUT,
        failed,
        seconds: (last - first) / 1000,
        jobsPerSecond: Math.round((N_THROUGHPUT / ((last - first) / 1000)) * 10) / 10,
      };
    };
    const cloudThroughput = await throughputOf('cloud');
    log(`cloud worker: ${cloudThroughput.jobsPerSecond} jobs/s`);

    const eight = startWorker({ url: host.url, group: 'bench', key, name: 'tp', types: 'bash', concurrency: 8 });
    workers.push(eight);
    await eight.waitForOutput(/registered in group/);
    const throughput = { ...(await throughputOf('bench')), concurrency: 8 };
    const failed = throughput.failed;
    log(`one worker, concurrency 8: ${throughput.jobsPerSecond} jobs/s`);

    const results = {
      machine: { cpus: os.cpus().length, loadavg: os.loadavg() },
      latency: [cloud, hybrid],
      ratioP50: Math.round((hybrid.serverP50ms / cloud.serverP50ms) * 100) / 100,
      throughput,
      cloudThroughput,
    };
    writeFileSync(path.join(__dirname, 'hybrid-results.json'), JSON.stringify(results, null, 2));
    process.stdout.write(
      [
        `| figure | value |`,
        `|---|---|`,
        `| idle latency, cloud worker (createdTime → endTime) | p50 ${cloud.serverP50ms} ms, p99 ${cloud.serverP99ms} ms (client ${Math.round(cloud.clientP50ms)} ms) |`,
        `| idle latency, hybrid worker, same machine | p50 ${hybrid.serverP50ms} ms, p99 ${hybrid.serverP99ms} ms (client ${Math.round(hybrid.clientP50ms)} ms) |`,
        `| hybrid / cloud p50 | ${results.ratioP50} |`,
        `| one worker, --concurrency 8, ${N_THROUGHPUT} trivial bash jobs | ${throughput.jobsPerSecond} jobs/s (${failed} failed) |`,
        `| the cloud worker (local host), the same ${N_THROUGHPUT} jobs | ${cloudThroughput.jobsPerSecond} jobs/s (${cloudThroughput.failed} failed) |`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const w of workers) await w.kill();
    await host.kill();
  }
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 1;
});
