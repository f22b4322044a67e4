// PowerShell started ahead of demand, without sharing anything between jobs. See docs/performance.md
// ("PowerShell start-up") and docs/security.md ("Job isolation").
//
// pwsh spends ~0.5 s starting and ~0.4 s loading what every runbook needs before a runbook's first
// line runs. A warm process has done that already: it is a pwsh job process like any other (the same
// command line, its own process group), started before its job exists, as the uid and in the private
// directory that job will get (claimed from sandbox.ts exactly as for a cold start). Its host script
// (pwsh-host.ps1 with HOOKBOOK_WARM=1) loads, then waits for exactly one job on stdin: the job's
// environment, then the job's stdin. The job that takes it gets its uid and directory too, so each
// warm process serves one job and exits with it, like a cold one; nothing (process, uid, directory,
// environment) passes from one job to another. HOOKBOOK_PWSH_WARM warm processes are kept (0: off);
// the pool fills after the first pwsh job of this process (a worker that never runs PowerShell never
// pays the ~100 MB each costs) and refills in the background as jobs take them.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hostPath, settings } from '../config';
import type { ProcessSpec } from './process';
import { pwshBaseEnv } from './pwsh';
import { openJobDir, type JobDir } from './sandbox';
import { killGroup, launch, type Launched } from './spawnerClient';

export interface WarmProcess {
  /** Gives the waiting process its job (environment, then stdin) and the handle to watch it by. */
  handOver(spec: ProcessSpec): Launched;
}

interface Entry {
  key: string;
  box: JobDir;
  launched: Launched;
  ended: boolean;
  taken: boolean;
}

type CommandLine = { command: string; args: string[] };

const pool: Entry[] = [];
let exitHook = false;
let refillTimer: NodeJS.Timeout | undefined;

/**
 * A warm process started with exactly `line`, with the directory and uid that are now the job's;
 * undefined when there is none (the job starts cold, as before). Asks for a refill either way.
 */
export function takeWarm(line: CommandLine): { box: JobDir; process: WarmProcess } | undefined {
  const s = settings();
  // .NET reads its own settings once, at start: a job that is passed some must start with them. And
  // only through the spawner: a waiting process must not keep the worker alive (a draining hybrid
  // worker exits when its jobs are done), which the worker's own pipes to it would.
  if (s.pwshWarm === 0 || !s.spawner || s.passEnv.some((name) => /^(DOTNET_|COMPlus_|CORECLR_)/i.test(name))) return undefined;
  const key = keyOf(line);
  let entry: Entry | undefined;
  for (const e of [...pool]) {
    if (e.ended) continue;
    if (e.key !== key) {
      // pwsh moved (HOOKBOOK_PWSH_PATH, a staged copy): this one would run something else.
      void discard(e);
      continue;
    }
    // A ready one first; else one still starting (its job waits for less of the start-up).
    if (!entry || (!isReady(entry) && isReady(e))) entry = e;
  }
  const ready = entry !== undefined && isReady(entry);
  if (entry) {
    entry.taken = true;
    pool.splice(pool.indexOf(entry), 1);
  }
  // Jobs arriving faster than warm processes get ready (a burst): another one started now would only
  // add its warm-up to the CPU the burst needs, and would not be ready sooner than a cold start. So the
  // pool refills at once after a job took a ready process, and otherwise once a second passes without
  // such a take.
  scheduleRefill(line, ready ? 0 : BURST_PAUSE_MS);
  if (!entry) return undefined;
  const launched = entry.launched;
  return {
    box: entry.box,
    process: {
      handOver(spec) {
        const job = Buffer.from(JSON.stringify({ env: spec.env }), 'utf8');
        launched.foreground();
        launched.writeStdin(`${job.length}\n${job.toString('utf8')}${spec.stdin ?? ''}`, true);
        return launched;
      },
    },
  };
}

function keyOf(line: CommandLine): string {
  return JSON.stringify([line.command, ...line.args]);
}

const BURST_PAUSE_MS = 1000;
/** Written by pwsh-host.ps1 into its directory once warmed up (and removed when its job arrives). */
const READY_FILE = '.hookbook-warm-ready';

function isReady(entry: Entry): boolean {
  return existsSync(join(entry.box.dir, READY_FILE));
}

/** In the background: starting a process must not hold up the job that asked, or any other. */
function scheduleRefill(line: CommandLine, delayMs: number): void {
  if (refillTimer) clearTimeout(refillTimer);
  refillTimer = setTimeout(() => {
    refillTimer = undefined;
    try {
      while (pool.length < settings().pwshWarm) pool.push(startWarm(line));
    } catch (error) {
      // No free uid or directory now: jobs start cold, and the next one asks again.
      console.warn(`PowerShell warm pool: could not start a process: ${(error as Error).message}`);
    }
  }, delayMs);
  refillTimer.unref();
}

function startWarm(line: CommandLine): Entry {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => pool.forEach(discardNow));
  }
  const box = openJobDir();
  box.seal();
  // Only what pwsh needs to start; the job's own environment arrives with the job and replaces it.
  const env: Record<string, string> = {
    PATH: hostPath(),
    HOME: box.dir,
    TMPDIR: box.dir,
    LANG: 'C.UTF-8',
    ...pwshBaseEnv(),
    HOOKBOOK_WARM: '1',
  };
  const launched = launch({ ...line, cwd: box.dir, env, control: true, uid: box.uid, gid: box.gid, background: true });
  const entry: Entry = { key: keyOf(line), box, launched, ended: false, taken: false };
  const ended = () => {
    if (entry.ended) return;
    entry.ended = true;
    if (entry.taken) return; // the job's now: its clean-up releases the directory
    pool.splice(pool.indexOf(entry) >>> 0, 1);
    void box.release();
  };
  launched.on('exit', ended);
  launched.on('error', ended);
  launched.on('lost', ended);
  // Nobody reads a waiting process's output; what it writes before its job arrives is kept for the job.
  return entry;
}

function discard(entry: Entry): Promise<void> {
  pool.splice(pool.indexOf(entry) >>> 0, 1);
  entry.ended = true;
  entry.launched.writeStdin('', true); // no job: a process not started yet exits at once when it is
  killGroup(entry.launched.pid, 'SIGKILL');
  return entry.box.release();
}

/** At exit only synchronous work runs: end the waiting processes and remove their directories. */
function discardNow(entry: Entry): void {
  killGroup(entry.launched.pid, 'SIGKILL');
  try {
    rmSync(entry.box.dir, { recursive: true, force: true });
  } catch {
    /* the sweep of stale directories (sandbox.ts) gets it later */
  }
}

/** For tests: end every waiting process and release its directory. */
export async function drainWarmPool(): Promise<void> {
  await Promise.all([...pool].map(discard));
}

/** For tests and the bench: how many warm processes wait (started or starting). */
export function warmCount(): number {
  return pool.filter((e) => !e.ended).length;
}
