/**
 * Where a trivial job's host CPU goes: starts a local host with V8's CPU profiler on, drives
 * RealmJoin `run` at concurrency 1 for a while (through the queue, or in process with
 * PROFILE_PATH=here), stops the host gracefully so that it writes its profile, and prints the
 * self time grouped by package (or our own file) and the heaviest functions, per job.
 *
 *   npx tsx bench/profile-host.ts             # 20 s through the queue
 *   PROFILE_SECONDS=30 PROFILE_PATH=here npx tsx bench/profile-host.ts
 *
 * The .cpuprofile stays in the printed folder (open it in Chrome's DevTools, Performance tab).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchHost, post } from './host';
import { repoRoot } from './settings';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const seconds = Number(process.env.PROFILE_SECONDS ?? 20);
const viaQueue = (process.env.PROFILE_PATH ?? 'queue') !== 'here';

function groupOf(url: string): string {
  if (!url) return '(native or idle)';
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return path.relative(repoRoot, url.replace(/^file:\/\//, ''));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-profile-'));
  const c = await benchHost({
    env: {
      HOOKBOOK_LOG_TRANSITIONS: 'false',
      ...(viaQueue ? { HOOKBOOK_RUN_HERE_MAX: '0' } : {}),
    },
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  });
  await c.runbook('sync', 'bash', 'echo hello');
  const url = `${c.host.url}/api/external/runbook/sync/run`;
  for (let i = 0; i < 20; i++) await post(url, '{}', c.api.authHeaders); // warm-up
  let jobs = 0;
  // V8's profile clock is the monotonic clock in µs: only samples inside the loop count (not start-up).
  const from = Number(process.hrtime.bigint() / 1000n);
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const r = await post(url, '{}', c.api.authHeaders);
    if (r.status !== 200) throw new Error(`run answered ${r.status}: ${r.text.slice(0, 200)}`);
    jobs++;
  }
  const wall = (performance.now() - t0) / 1000;
  const to = Number(process.hrtime.bigint() / 1000n);
  await c.stop();
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (profiles.length === 0) throw new Error(`no host profile in ${dir}`);
  const prof = JSON.parse(readFileSync(profiles[0]!, 'utf8')) as Profile;
  const self = new Map<number, number>();
  // Inclusive time of our own functions (each counted once per sample, wherever it is on the stack).
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const ours = new Map<string, number>();
  let at = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    at += prof.timeDeltas[i] ?? 0;
    if (at < from || at > to) continue;
    const ms = (prof.timeDeltas[i] ?? 0) / 1000;
    self.set(prof.samples[i]!, (self.get(prof.samples[i]!) ?? 0) + ms);
    const seen = new Set<string>();
    for (let id: number | undefined = prof.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      const file = f.url.replace(/^file:\/\//, '');
      if (!file.startsWith(repoRoot) || file.includes('/node_modules/')) continue;
      const key = `${f.functionName || '(anonymous)'} ${path.relative(repoRoot, file)}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ours.set(key, (ours.get(key) ?? 0) + ms);
    }
  }
  const byGroup = new Map<string, number>();
  const byFn = new Map<string, number>();
  let busy = 0;
  for (const n of prof.nodes) {
    const ms = self.get(n.id) ?? 0;
    const name = n.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') continue;
    busy += ms;
    const g = name === '(garbage collector)' ? '(garbage collector)' : groupOf(n.callFrame.url);
    byGroup.set(g, (byGroup.get(g) ?? 0) + ms);
    const fn = `${name || '(anonymous)'} ${groupOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + ms);
  }
  const per = (ms: number) => (ms / jobs).toFixed(3);
  console.log(`${jobs} jobs in ${wall.toFixed(1)} s (${(jobs / wall).toFixed(1)}/s), ${viaQueue ? 'through the queue' : 'in process'}`);
  console.log(`JS self time on the host's main thread: ${per(busy)} ms per job (system time of the process is not in a V8 profile)`);
  console.log('\nby package or file, ms per job:');
  for (const [g, ms] of [...byGroup].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${per(ms).padStart(7)}  ${g}`);
  console.log('\nheaviest functions, ms per job:');
  for (const [f, ms] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${per(ms).padStart(7)}  ${f}`);
  console.log('\nour functions, inclusive (callees included), ms per job:');
  for (const [f, ms] of [...ours].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${per(ms).padStart(7)}  ${f}`);
  console.log(`\nprofile: ${profiles[0]}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
