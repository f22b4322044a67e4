// `npm run bench`: how fast Hookbook is on this machine (docs/performance.md explains every figure).
//
//  1. Ceiling: a bare storage client doing the minimum storage work of one job (1 table insert +
//     1 queue send) against its own in-memory Azurite, at concurrency 1, 16 and 64.
//     (scenarios/ceiling.ts)
//  2. Storage transactions per job: the job core run in this process against that same Azurite
//     (ingest through the webhook and through startJob, the trigger's receive/delete, the worker),
//     counted by the pipeline policy the storage clients already carry (storageCounter).
//     (scenarios/transactions.ts)
//  3. A local host without the worker (API only): webhook ingest, 202/s and p50/p99 at
//     concurrency 1, 16 and 64 — the figure to hold against the ceiling. Ceiling and ingest runs
//     alternate (4 pairs per concurrency) so that each ratio compares the same machine load.
//     (scenarios/ingest.ts)
//  4. The full local host (npm start, in-memory Azurite): idle RSS, single-job latency POST →
//     Completed (bash, node, pwsh when found; back to back and after an idle pause), end-to-end
//     completed jobs/s under load, stream lines recorded per second, the dashboard's bundle and
//     first load, pwsh's bare start-up. (scenarios/rss.ts, latency.ts, end-to-end.ts,
//     stream-lines.ts, dashboard.ts, pwsh-start.ts)
//  5. Burst and drain, on disk and in memory: a shallow burst's drain rate against a deep one's.
//     (scenarios/burst.ts)
//  6. Synchronous run (RealmJoin `run`): where the time goes in process (scenarios/run-breakdown.ts),
//     and the concurrency curve against the machine floor, run here and through the queue
//     (scenarios/run-curve.ts).
//  7. What a job's process costs: the time split per runbook type, the spawner on/off against the floor,
//     pwsh with and without the warm pool (scenarios/spawn.ts; BENCH_ONLY=spawn,pwsh-warm).
//  8. The CLI's start time (scenarios/cli-start.ts; BENCH_ONLY=cli).
//  9. Retained history: `run` and ingest on disk-mode hosts holding 0 / 10,000 / 50,000 finished jobs
//     (and 200 jobs of 1 MiB), Azurite's memory and disk, the retention cleaner's capacity.
//     (scenarios/retained-history.ts; BENCH_ONLY=history runs it alone)
// BENCH_ONLY=breakdown,ingest,run,burst,spawn,pwsh-warm,cli,history runs only those and prints their raw figures (bench/settings.ts).
// It prints a table (report.ts) and writes bench/results.json. No figure is asserted: this is a measurement.
// Hosts are driven through the one API client (client/, via host.ts).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAzurite } from '../local/azurite';
import { benchHost, testPwsh } from './host';
import { machine as describeMachine } from './machine';
import { loadavg, r1, sleep } from './measure';
import { report, type Results } from './report';
import { burst, type Burst } from './scenarios/burst';
import { ceilingOp } from './scenarios/ceiling';
import { dashboardBench } from './scenarios/dashboard';
import { endToEnd } from './scenarios/end-to-end';
import { ingestVersusCeiling, type IngestVersusCeiling } from './scenarios/ingest';
import { latency, type Latency } from './scenarios/latency';
import { rssOf } from './scenarios/rss';
import { bareStart } from './scenarios/pwsh-start';
import { cliStart } from './scenarios/cli-start';
import { runBreakdown, type RunBreakdown } from './scenarios/run-breakdown';
import { runCurve } from './scenarios/run-curve';
import { historyReport, retainedHistory } from './scenarios/retained-history';
import { linesPerSecond } from './scenarios/stream-lines';
import { jobSplit, pwshWarm, queueSplit, ratesAtC1 } from './scenarios/spawn';
import { notifyCost } from './scenarios/notify';
import { transactions } from './scenarios/transactions';
import { BURST_JOBS, elapsedSeconds, log, ONLY, QUICK, repoRoot, want } from './settings';

async function main(): Promise<void> {
  const machine = describeMachine();
  log(`machine: ${machine.nproc} cores (${machine.cpu}), node ${machine.node}`);
  const loads: Record<string, string> = {};

  loads.start = loadavg();
  if (ONLY) {
    // BENCH_ONLY=burst,run: only those scenarios, raw figures printed as JSON (for working on one).
    const partial: Record<string, unknown> = { machine };
    if (want('breakdown')) {
      const az = await startAzurite({ inMemory: true });
      try {
        await transactions(az.connectionString); // also loads the core against this Azurite
        partial.runBreakdown = await runBreakdown(QUICK ? 10 : 40);
      } finally {
        await az.stop();
      }
    }
    if (want('ingest')) {
      const az = await startAzurite({ inMemory: true });
      try {
        partial.ingest = await ingestVersusCeiling(await ceilingOp(az.connectionString));
      } finally {
        await az.stop();
      }
    }
    if (want('spawn')) {
      // Issue 27: where a job's time goes, the spawner on/off against the floor, pwsh warm on/off.
      const az = await startAzurite({ inMemory: true });
      try {
        await transactions(az.connectionString);
        partial.jobSplit = await jobSplit(QUICK ? 10 : 30);
      } finally {
        await az.stop();
      }
      partial.queueSplit = await queueSplit(QUICK ? 10 : 30);
      partial.ratesAtC1 = await ratesAtC1();
    }
    if (want('pwsh-warm')) partial.pwshWarm = await pwshWarm();
    if (want('cli')) partial.cliStart = cliStart(repoRoot, QUICK ? 5 : 15);
    if (want('history')) {
      partial.retainedHistory = await retainedHistory();
      process.stderr.write(historyReport(partial.retainedHistory as Awaited<ReturnType<typeof retainedHistory>>));
    }
    if (ONLY.split(',').includes('notify')) partial.notify = await notifyCost(); // only when asked for (docs/notifications.md)
    if (want('run')) partial.runCurve = [await runCurve('here'), await runCurve('queue')];
    if (want('burst')) {
      const modes = (process.env.BENCH_BURST_STORAGE ?? 'disk,memory').split(',') as Array<'disk' | 'memory'>;
      const out: Burst[] = [];
      for (const m of modes) out.push(await burst(m, BURST_JOBS));
      partial.burst = out;
    }
    writeFileSync(path.join(repoRoot, 'bench', 'results.json'), JSON.stringify(partial, null, 2) + '\n');
    process.stdout.write(JSON.stringify(partial, null, 2) + '\n');
    return;
  }

  // 1–3 and 6a: the ceiling and the in-process core against a bare in-memory Azurite, then ingest.
  const az = await startAzurite({ inMemory: true });
  let tx: Awaited<ReturnType<typeof transactions>>;
  let vs: IngestVersusCeiling;
  let runParts: RunBreakdown;
  const spawnParts: Record<string, unknown> = {};
  try {
    const ceilOp = await ceilingOp(az.connectionString);
    tx = await transactions(az.connectionString);
    runParts = await runBreakdown(QUICK ? 10 : 40);
    // 7a: where a job's time goes per runbook type (logged as it goes; in results.json).
    spawnParts.jobSplit = await jobSplit(QUICK ? 10 : 30);
    log(
      `run breakdown: p50 ${r1(runParts.totalP50ms)} ms = storage ${r1(runParts.storageP50ms)} ms (${runParts.requests.map((q) => `${q.what} ${r1(q.p50ms)}`).join(', ')}) + process and CPU ${r1(runParts.restP50ms)} ms; exec alone ${r1(runParts.execP50ms)} ms`,
    );
    loads.ingest = loadavg();
    vs = await ingestVersusCeiling(ceilOp);
  } finally {
    await az.stop();
  }

  // 4: the full local host.
  const pwsh = testPwsh();
  const c = await benchHost({ env: { HOOKBOOK_LOG_TRANSITIONS: 'false', ...(pwsh ? { HOOKBOOK_PWSH_PATH: pwsh } : {}) } });
  let hosted: Omit<Results, 'runBreakdown' | 'runCurve' | 'burst'>;
  try {
    await c.runbook('lat-bash', 'bash', 'echo ok');
    await c.runbook('lat-node', 'node', "module.exports = async (params, ctx) => { ctx.output('ok'); return true; };");
    if (pwsh) await c.runbook('lat-pwsh', 'pwsh', 'Write-Output ok');
    await c.runbook('e2e', 'bash', 'echo ok');
    const e2eHook = await c.webhook('e2e', 'e2e');
    // Warm-up (first spawn of each type, table creation), then idle RSS.
    await c.waitEnd(await c.start('lat-bash'));
    await c.waitEnd(await c.start('lat-node'));
    if (pwsh) await c.waitEnd(await c.start('lat-pwsh'));
    // Idle twice: 3 s after the warm-up (the young generation still holds its garbage), and 15 s
    // after it, once V8's memory reducer has compacted the heap of a process that stopped
    // allocating, which is what a service that sits idle shows.
    await sleep(3000);
    const rss = rssOf(c.host);
    const rssIdle = rss();
    await sleep(12_000);
    const rssSettled = rss();
    log(`idle RSS: host ${rssIdle.hostMb} MB after 3 s, ${rssSettled.hostMb} MB after 15 s; Azurite ${rssIdle.azuriteMb} MB`);

    const lat: Latency[] = [];
    for (const rb of ['lat-bash', 'lat-node', ...(pwsh ? ['lat-pwsh'] : [])]) {
      lat.push(await latency(c, rb, 'back-to-back', QUICK ? 5 : 20));
      log(`latency ${rb} back-to-back: p50 ${r1(lat.at(-1)!.p50ms)} ms`);
      lat.push(await latency(c, rb, 'idle', QUICK ? 3 : 8));
      log(`latency ${rb} idle: p50 ${r1(lat.at(-1)!.p50ms)} ms`);
    }
    loads.load = loadavg();
    const e2e = await endToEnd(c, e2eHook, 'e2e', QUICK ? 60 : 200);
    log(`end to end: ${r1(e2e.completedPerSecond)} completed jobs/s`);
    const flood = await linesPerSecond(c, QUICK ? 2000 : 5000);
    log(`stream lines: ${Math.round(flood.perSecond)}/s`);
    const dashboard = await dashboardBench(c.host, QUICK ? 3 : 5);
    log(`dashboard: ${dashboard.initialGzipKb} KB gzip first screen, first load ${dashboard.firstLoad?.overviewP50ms ?? '-'} ms`);
    await sleep(3000);
    const rssAfter = rss();
    loads.end = loadavg();
    const pwshStart = pwsh ? bareStart(pwsh, QUICK ? 3 : 8) : undefined;
    if (pwshStart) log(`pwsh -NoProfile -Command exit: p50 ${r1(pwshStart.p50ms)} ms`);
    const cli = cliStart(repoRoot, QUICK ? 5 : 15);
    log(`hookbook --help: p50 ${r1(cli.p50ms)} ms (node -e 0: ${r1(cli.nodeFloorP50ms)} ms, ratio ${cli.ratio.toFixed(2)})`);
    hosted = {
      machine: { ...machine, loadavg: loads },
      pwshStart,
      cliStart: cli,
      ceiling: vs.ceiling,
      ingest: vs.ingest,
      ingestRatio: vs.ratios,
      ingestCpu: vs.cpu,
      transactions: tx,
      latency: lat,
      endToEnd: e2e,
      streamLines: flood,
      rss: { idle: rssIdle, settled: rssSettled, afterLoad: rssAfter },
      dashboard,
    };
  } finally {
    await c.stop();
  }
  // 6b and 5: each on hosts of their own, over disk and memory storage.
  // 7b, 7c: the spawner on/off against the floor; pwsh warm on/off (logged as they go; in results.json).
  spawnParts.queueSplit = await queueSplit(QUICK ? 10 : 30);
  spawnParts.ratesAtC1 = await ratesAtC1();
  spawnParts.pwshWarm = await pwshWarm();
  const results: Results & { spawn: typeof spawnParts } = {
    spawn: spawnParts,
    ...hosted,
    runBreakdown: runParts,
    runCurve: [await runCurve('here'), await runCurve('queue')],
    burst: [await burst('disk', BURST_JOBS), await burst('memory', BURST_JOBS)],
  };
  // 7: retained history, on hosts of its own (scenarios/retained-history.ts).
  const history = await retainedHistory();
  writeFileSync(path.join(repoRoot, 'bench', 'results.json'), JSON.stringify({ ...results, retainedHistory: history }, null, 2) + '\n');
  process.stdout.write(report(results) + historyReport(history));
  log(`done in ${elapsedSeconds()} s; results in bench/results.json`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}
