/** The bench's results (bench/results.json) and the table it prints (docs/performance.md explains every figure). */
import type { Machine } from './machine';
import { r1, type Load } from './measure';
import type { Burst } from './scenarios/burst';
import type { DashboardBench } from './scenarios/dashboard';
import type { EndToEnd } from './scenarios/end-to-end';
import type { IngestVersusCeiling } from './scenarios/ingest';
import type { Latency } from './scenarios/latency';
import type { CliStart } from './scenarios/cli-start';
import type { PwshStart } from './scenarios/pwsh-start';
import type { RunBreakdown } from './scenarios/run-breakdown';
import type { RunCurve } from './scenarios/run-curve';
import type { Rss } from './scenarios/rss';
import type { StreamLines } from './scenarios/stream-lines';
import type { TxCount } from './scenarios/transactions';

export interface Results {
  machine: Machine & { loadavg: Record<string, string> };
  ceiling: Load[];
  ingest: Load[];
  /** Median of the paired (same-moment) ingest/ceiling ratios, per concurrency. */
  ingestRatio: number[];
  /** CPU per request while each ran (scenarios/ingest.ts). */
  ingestCpu: IngestVersusCeiling['cpu'];
  transactions: { viaApi: TxCount[]; viaWebhook: TxCount[]; repository: TxCount };
  latency: Latency[];
  pwshStart?: PwshStart;
  cliStart?: CliStart;
  endToEnd: EndToEnd;
  streamLines: StreamLines;
  dashboard?: DashboardBench;
  /** Idle 3 s after the warm-up, idle 15 s after it (settled), and after all the load. */
  rss: { idle: Rss; settled: Rss; afterLoad: Rss };
  burst: Burst[];
  runBreakdown: RunBreakdown;
  runCurve: RunCurve[];
}

const r2 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '?' : x.toFixed(2));

export function report(r: Results): string {
  const rows: string[][] = [['figure', 'value', 'target', '']];
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  for (const [i, c] of r.ceiling.entries()) {
    const g = r.ingest[i]!;
    const ratio = r.ingestRatio[i]!;
    rows.push([
      `ceiling (1 insert + 1 send), c=${c.concurrency}`,
      `${r1(c.perSecond)}/s  p50 ${r1(c.p50ms)} ms  p99 ${r1(c.p99ms)} ms`,
      '',
      '',
    ]);
    rows.push([
      `webhook ingest 202/s, c=${g.concurrency}`,
      `${r1(g.perSecond)}/s  p50 ${r1(g.p50ms)} ms  p99 ${r1(g.p99ms)} ms  (${Math.round(ratio * 100)}% of the ceiling, median of 4 paired runs${g.errors ? `, ${g.errors} errors` : ''})`,
      g.concurrency === 16 ? '>= 70% of ceiling' : '',
      g.concurrency === 16 ? mark(ratio >= 0.7) : '',
    ]);
    const cpu = r.ingestCpu[i];
    if (cpu)
      rows.push([
        `  CPU per request, c=${g.concurrency}`,
        `ingest: host ${r2(cpu.ingest.host)} ms, Azurite ${r2(cpu.ingest.azurite)} ms, load loop ${r2(cpu.ingest.client)} ms; ceiling: its storage clients ${r2(cpu.ceiling.client)} ms`,
        '',
        '',
      ]);
  }
  for (const l of r.latency) {
    const target = l.runbook === 'lat-bash' && l.mode === 'idle' ? 'p50 <= 250 ms' : '';
    rows.push([
      `latency POST -> Completed, ${l.runbook.replace('lat-', '')}, ${l.mode} (n=${l.samples})`,
      `p50 ${r1(l.p50ms)} ms  p99 ${r1(l.p99ms)} ms  (p50 queued ${Math.round(l.queueP50ms)} ms, running ${Math.round(l.runP50ms)} ms)`,
      target,
      target ? mark(l.p50ms <= 250) : '',
    ]);
  }
  if (r.pwshStart)
    rows.push([
      `pwsh start-up alone (-NoProfile -Command exit, n=${r.pwshStart.samples})`,
      `p50 ${r1(r.pwshStart.p50ms)} ms  p99 ${r1(r.pwshStart.p99ms)} ms`,
      '',
      '',
    ]);
  else rows.push(['latency, pwsh', 'NOT MEASURED: pwsh not found', '', '']);
  if (r.cliStart)
    rows.push([
      `CLI start (hookbook --help, n=${r.cliStart.samples})`,
      `p50 ${r1(r.cliStart.p50ms)} ms = ${r2(r.cliStart.ratio)} x node -e 0 (${r1(r.cliStart.nodeFloorP50ms)} ms)`,
      '< 500 ms',
      mark(r.cliStart.p50ms < 500),
    ]);
  const e = r.endToEnd;
  rows.push([
    `end to end, ${e.jobs} webhook jobs at c=${e.concurrency}`,
    `${r1(e.completedPerSecond)} completed jobs/s (submitted at ${r1(e.submitPerSecond)}/s${e.failed ? `, ${e.failed} failed` : ''})`,
    '',
    '',
  ]);
  for (const t of r.transactions.viaApi) {
    const target = t.lines <= 100 ? '<= 6 per job' : '';
    rows.push([
      `storage tx/job, ${t.job}`,
      `${t.app} by the app (ingest ${t.ingest} + worker ${t.worker}; ${t.streamBatches} stream batch${t.streamBatches === 1 ? '' : 'es'}) + ${t.trigger} trigger`,
      target,
      target ? mark(t.app <= 6) : '',
    ]);
  }
  for (const t of r.transactions.viaWebhook) {
    rows.push([
      `storage tx/job, ${t.job}`,
      `${t.app} by the app (ingest ${t.ingest} + worker ${t.worker}; ${t.streamBatches} stream batch${t.streamBatches === 1 ? '' : 'es'}) + ${t.trigger} trigger`,
      '',
      '',
    ]);
  }
  const rep = r.transactions.repository;
  rows.push([
    `storage tx/job, ${rep.job}`,
    `${rep.app} by the app (ingest ${rep.ingest} + worker ${rep.worker}) + ${rep.trigger} trigger`,
    '',
    '',
  ]);
  const big = r.transactions.viaApi.find((t) => t.lines === 1000)!;
  rows.push(['stream writes of a 1,000-line job', `${big.streamBatches} transactions`, '<= 15', mark(big.streamBatches <= 15)]);
  rows.push([
    `stream lines recorded per second (${r.streamLines.recorded} lines)`,
    `${Math.round(r.streamLines.perSecond)}/s (${r1(r.streamLines.seconds)} s)`,
    '',
    '',
  ]);
  rows.push([
    'idle RSS, host process (15 s idle / 3 s idle)',
    `${r.rss.settled.hostMb} MB / ${r.rss.idle.hostMb} MB (after the load: ${r.rss.afterLoad.hostMb} MB)`,
    '<= 150 MB',
    mark(r.rss.settled.hostMb <= 150),
  ]);
  if (r.dashboard) {
    const d = r.dashboard;
    rows.push([
      'dashboard bundle, first screen (JS + CSS)',
      `${d.initialKb} KB, ${d.initialGzipKb} KB gzip (editor chunk, on demand: ${d.bundle
        .filter((b) => !b.initial && b.file.endsWith('.js'))
        .map((b) => `${b.gzipKb} KB gzip`)
        .join(', ')})`,
      '',
      '',
    ]);
    rows.push([
      'dashboard first load, cold cache (p50)',
      d.firstLoad
        ? `sign-in form ${d.firstLoad.signInP50ms} ms, overview signed in ${d.firstLoad.overviewP50ms} ms (n=${d.firstLoad.samples})`
        : `not measured: ${d.skipped}`,
      '',
      '',
    ]);
  }
  rows.push(['idle RSS, Azurite (queue + table)', `${r.rss.idle.azuriteMb} MB (after the load: ${r.rss.afterLoad.azuriteMb} MB)`, '', '']);
  const rb = r.runBreakdown;
  rows.push([
    `run in process, where the time goes (n=${rb.samples})`,
    `p50 ${r1(rb.totalP50ms)} ms = storage ${r1(rb.storageP50ms)} ms (${rb.requests.map((q) => `${q.what} ${r1(q.p50ms)}`).join('; ')}) + process and CPU ${r1(rb.restP50ms)} ms (exec alone ${r1(rb.execP50ms)} ms)`,
    '',
    '',
  ]);
  for (const curve of r.runCurve) {
    for (const [i, p] of curve.points.entries()) {
      const ratio = p.run.p50ms / p.floor.p50ms;
      const target =
        curve.mode === 'here' && p.run.concurrency === 1
          ? 'p50 <= 8x floor'
          : curve.mode === 'here' && p.run.concurrency === 32
            ? '/s at c=32 >= c=8, or falls no more than the floor does'
            : '';
      // From c=8 to c=32 the machine itself may lose throughput (32 shells on 2 cores): the run's
      // change is held against the floor's, measured alongside.
      const at8 = curve.points[1]!;
      const runChange = p.run.perSecond / at8.run.perSecond;
      const floorChange = p.floor.perSecond / at8.floor.perSecond;
      const met = p.run.concurrency === 1 ? ratio <= 8 : runChange >= 1 || runChange >= floorChange;
      rows.push([
        `RealmJoin run, ${curve.mode === 'here' ? 'run here' : 'through the queue'}, c=${p.run.concurrency} (${curve.storage})`,
        `${r1(p.run.perSecond)}/s  p50 ${r1(p.run.p50ms)} ms  p99 ${r1(p.run.p99ms)} ms${p.run.errors ? `, ${p.run.errors} not 200` : ''}; floor ${r1(p.floor.perSecond)}/s p50 ${r1(p.floor.p50ms)} ms (${r1(ratio)}x)${p.run.concurrency === 32 ? `; /s against c=8: run ${Math.round(runChange * 100)}%, floor ${Math.round(floorChange * 100)}%` : ''}`,
        target,
        target && i !== 1 ? mark(met) : '',
      ]);
    }
  }
  for (const b of r.burst) {
    const ratio = b.drainPerSecond / b.steadyPerSecond;
    rows.push([
      `burst, ${b.accepted} webhook jobs at c=${b.concurrency}, ${b.storage}`,
      `accepted in ${r1(b.acceptSeconds)} s, ${b.completedDuringLoad} completed meanwhile, drained in ${r1(b.drainSeconds)} s at ${r1(b.drainPerSecond)}/s = ${Math.round(ratio * 100)}% of steady ${r1(b.steadyPerSecond)}/s${b.failed ? `, ${b.failed} not Completed` : ''}`,
      '>= 80% of steady',
      mark(ratio >= 0.8),
    ]);
    rows.push([
      `  Azurite RSS, ${b.storage}`,
      `${b.azuriteMb.before} MB empty, ${b.azuriteMb.after} MB holding ${b.azuriteMb.jobs} jobs (${r1(((b.azuriteMb.after - b.azuriteMb.before) / b.azuriteMb.jobs) * 1000)} MB per 1,000 jobs)`,
      '',
      '',
    ]);
    rows.push([
      `  drain over time (${b.storage}): jobs/s @ waiting`,
      b.overTime.map((o) => `${r1(o.perSecond)}@${o.waiting}`).join(', '),
      '',
      '',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const m = r.machine;
  return [
    '',
    `Hookbook benchmark — ${m.date}, commit ${m.commit}`,
    `machine: nproc ${m.nproc}, ${m.cpu}, node ${m.node}, ${m.os}`,
    `load average (1/5/15 min) at start ${m.loadavg.start}, before ingest ${m.loadavg.ingest}, before the load test ${m.loadavg.load}, at the end ${m.loadavg.end}`,
    m.memory,
    '',
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
    '',
  ].join('\n');
}
