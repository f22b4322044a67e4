// Who a job runs as, and the private directory it gets. See docs/security.md ("Job isolation").
//
// Where the worker runs as root (Azure Functions' Linux containers, most containers, CI), every job
// runs under a uid of its own, drawn from HOOKBOOK_JOB_UIDS, with the group of HOOKBOOK_JOB_USER and
// no supplementary groups (libuv clears them when spawn is given uid/gid). A job therefore cannot
// read the service's files, environment or memory (/proc/<pid>/environ and mem need the same uid),
// nor another job's directory, parameters, result or processes: those belong to another uid.
// Where the worker is not root there is nothing to switch to: jobs run as the service's own user,
// which is said once in the log and in docs/security.md (the alternative: hybrid workers on
// separate machines).
import { spawnSync, execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  chmodSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { settings } from '../config';
import { makeHostNonDumpable } from './harden';
import { sourceRuntimeFile, stageRuntime } from './runtime';
import { launch, viaSpawnerNow } from './spawnerClient';

export type SandboxMode =
  /** A uid of its own per job (the default where the worker is root). */
  | 'isolated'
  /** Every job as HOOKBOOK_JOB_USER itself: jobs cannot read the service, but can read each other. */
  | 'job-user'
  /** Jobs run as the service's own user (not root, or isolation turned off). */
  | 'none';

export interface SandboxPolicy {
  mode: SandboxMode;
  /** The account whose group jobs run with (and, in 'job-user' mode, whose uid). */
  user?: string;
  uid?: number;
  gid?: number;
  /** Inclusive uid range for 'isolated' mode. */
  uids?: [number, number];
  /** The one start-up line that says what applies, and why when it is less than 'isolated'. */
  message: string;
  warning: boolean;
}

export interface JobDir {
  dir: string;
  uid?: number;
  gid?: number;
  /** Hands every file prepared in the directory to the job's user (call once, after writing them). */
  seal(): void;
  /** Ends whatever still runs as the job's uid, then removes the directory (which frees the uid). */
  release(): Promise<void>;
}

export const DEFAULT_JOB_UIDS: [number, number] = [200_000, 299_999];

/** Parses `lo-hi` (inclusive) or `off`; undefined means the default range. */
export function parseUidRange(raw: string | undefined): [number, number] | 'off' {
  const v = (raw ?? '').trim().toLowerCase();
  if (!v) return DEFAULT_JOB_UIDS;
  if (v === 'off' || v === 'none') return 'off';
  const m = /^(\d+)\s*-\s*(\d+)$/.exec(v);
  if (!m) throw new Error(`HOOKBOOK_JOB_UIDS must be "<first>-<last>" (e.g. 200000-299999) or "off", not "${raw}".`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo < 1000 || hi < lo || hi > 4_294_967_294)
    throw new Error(`HOOKBOOK_JOB_UIDS: ${raw} is not a range of unprivileged uids (first ≥ 1000, last ≥ first).`);
  return [lo, hi];
}

interface Probe {
  /** Can a child run as this uid/gid at all (user namespaces may refuse unmapped ids)? */
  canRunAs(uid: number, gid: number): boolean;
  /** Look up (or create) the account; undefined when neither works. */
  account(name: string, create: boolean): { uid: number; gid: number } | undefined;
}

/**
 * Pure decision (the probe does the system calls), so that the non-root fallback and every other
 * branch can be unit-tested on any machine.
 */
export function decidePolicy(
  input: { euid: number | undefined; platform: string; jobUser: string; jobUids: string | undefined },
  probe: Probe,
): SandboxPolicy {
  const fallback =
    "Run the worker as root (as in Azure Functions' Linux containers) to isolate jobs, or run runbooks you do not trust on hybrid workers on separate machines (docs/security.md).";
  if (input.platform !== 'linux' || input.euid === undefined) {
    return {
      mode: 'none',
      warning: true,
      message: `Job isolation is not available on ${input.platform}: jobs run as the service's own user and can read its files, environment and memory. ${fallback}`,
    };
  }
  if (input.euid !== 0) {
    return {
      mode: 'none',
      warning: true,
      message: `Job isolation is off: the worker runs as uid ${input.euid}, not root, so it cannot switch jobs to another user; jobs run as the service's own user and can read its files and settings (local.settings.json, the data directory). ${fallback}`,
    };
  }
  const name = input.jobUser.trim() || 'hookbook-job';
  if (name === 'root' || name === '0') {
    return {
      mode: 'none',
      warning: true,
      message: `Job isolation is turned off (HOOKBOOK_JOB_USER=${name}): jobs run as root and can read everything the service can. ${fallback}`,
    };
  }
  const range = parseUidRange(input.jobUids);
  let user = name;
  let account = probe.account(name, true);
  if (!account && name !== 'nobody') {
    user = 'nobody';
    account = probe.account('nobody', false);
  }
  if (!account || account.uid === 0) {
    return {
      mode: 'none',
      warning: true,
      message: `Job isolation is off: the account "${name}" does not exist and could not be created, and there is no "nobody" to fall back to; jobs run as root. ${fallback}`,
    };
  }
  const note = user !== name ? ` ("${name}" could not be created, so "nobody")` : '';
  if (range !== 'off' && probe.canRunAs(range[0], account.gid) && probe.canRunAs(range[1], account.gid)) {
    return {
      mode: 'isolated',
      user,
      uid: account.uid,
      gid: account.gid,
      uids: range,
      warning: false,
      message: `Job isolation: each job runs under a uid of its own (${range[0]}-${range[1]}) with the group of "${user}"${note}, in a private directory; jobs cannot read the service or each other.`,
    };
  }
  if (probe.canRunAs(account.uid, account.gid)) {
    const why = range === 'off' ? 'HOOKBOOK_JOB_UIDS=off' : `this system does not let the worker switch to uids ${range[0]}-${range[1]}`;
    return {
      mode: 'job-user',
      user,
      uid: account.uid,
      gid: account.gid,
      warning: true,
      message: `Job isolation (partial): jobs run as "${user}"${note} (uid ${account.uid}) and cannot read the service, but ${why}, so concurrent jobs share that user and could read each other's files.`,
    };
  }
  return {
    mode: 'none',
    warning: true,
    message: `Job isolation is off: this system does not let the worker run processes as "${user}" (uid ${account.uid}); jobs run as root. ${fallback}`,
  };
}

const systemProbe: Probe = {
  canRunAs(uid, gid) {
    // /bin/sh rather than node: the question is the uid, not whether node is reachable (that is
    // reachForJobs').
    const [command, args] = existsSync('/bin/sh') ? ['/bin/sh', ['-c', 'exit 0']] : [process.execPath, ['-e', '']];
    const r = spawnSync(command, args, { uid, gid, stdio: 'ignore', timeout: 30_000 });
    return !r.error && r.status === 0;
  },
  account(name, create) {
    const lookup = () => {
      try {
        const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        const [, , uid, gid] = line.split(':');
        return uid !== undefined && gid !== undefined ? { uid: Number(uid), gid: Number(gid) } : undefined;
      } catch {
        return undefined;
      }
    };
    const found = lookup();
    if (found || !create) return found;
    // A system account: no home, no login shell, a group of its own. Workers starting together
    // may race for /etc/passwd's lock: look again, and try once more, before giving up.
    const args = ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name];
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const useradd of ['useradd', '/usr/sbin/useradd']) {
        try {
          execFileSync(useradd, args, { stdio: 'ignore' });
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') break; // ran, and failed
        }
      }
      const made = lookup();
      if (made) return made;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
    return undefined;
  },
};

let policy: SandboxPolicy | undefined;

/**
 * The policy of this process, decided once; the first call logs it (a warning when jobs are not
 * fully isolated) and makes this process non-dumpable. The local host calls it at start-up; in
 * Azure the first job does.
 */
export function jobSandbox(log: (line: string) => void = (l) => console.warn(l)): SandboxPolicy {
  if (policy) return policy;
  makeHostNonDumpable(log);
  policy = decidePolicy(
    { euid: process.geteuid?.(), platform: process.platform, jobUser: settings().jobUser, jobUids: settings().jobUids },
    systemProbe,
  );
  log(policy.message);
  if (policy.mode !== 'none') reachForJobs(policy, log);
  return policy;
}

/**
 * Files every job must read: checked at start-up rather than discovered by a failing job. What the
 * job user cannot reach (the app in a folder closed to other users) is staged for jobs (runtime.ts).
 */
function reachForJobs(p: SandboxPolicy, log: (line: string) => void): void {
  const uid = p.mode === 'isolated' ? p.uids![0] : p.uid!;
  const runners = (['node-host.cjs', 'pwsh-host.ps1', 'helpers'] as const).map((n) => sourceRuntimeFile(n));
  const runbooks = path.resolve(settings().runbooksDir);
  // The interpreters (pwsh, python3, ...) are checked, and staged when need be, by interpreters.ts.
  const paths = [...runners, runbooks];
  const script = `const fs=require('fs');for(const p of process.argv.slice(1)){try{fs.accessSync(p,fs.constants.R_OK)}catch(e){if(e.code!=='ENOENT')console.log(p)}}`;
  const r = spawnSync(process.execPath, ['-e', script, ...paths], { uid, gid: p.gid, encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) {
    log(
      `Job isolation: the job user cannot run ${process.execPath} (${r.error?.message ?? `exit ${r.status}`}); node runbooks will fail. Install Node where every user can run it.`,
    );
    return;
  }
  const unreadable = new Set((r.stdout ?? '').split('\n').filter(Boolean));
  if (unreadable.size === 0) return;
  const list = [...unreadable].join(', ');
  try {
    const said = stageRuntime({
      runners: runners.some((f) => unreadable.has(f)),
      runbooks: unreadable.has(runbooks),
    });
    log(`Job isolation: the job user cannot reach ${list} (a folder on the way is closed to other users), so ${said.join('; ')}.`);
  } catch (error) {
    log(
      `Job isolation: the job user cannot read ${list}, and copying them for jobs failed (${(error as Error).message}); give every directory on the way o+x and the files o+r, or such runbooks fail.`,
    );
  }
}

let swept = false;

/** Created by the first isolated job: root-owned, 0711, so that jobs can neither list nor add to it. */
function jobsRoot(): string {
  const root = path.join(tmpdir(), 'hookbook-jobs');
  try {
    mkdirSync(root, { mode: 0o711 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const st = lstatSync(root);
  if (!st.isDirectory() || st.uid !== 0)
    throw new Error(`${root} is not a directory owned by root; remove it so that job directories can be made private.`);
  chmodSync(root, 0o711);
  if (!swept) {
    swept = true;
    sweepStaleClaims(root);
  }
  return root;
}

const STALE_MS = 5 * 60_000;

/**
 * Directories a worker left behind when it died mid-job (their uid stays claimed otherwise). Only
 * where no process runs as that uid any more and nothing changed for a while: a live job elsewhere
 * on the machine keeps its own.
 */
function sweepStaleClaims(root: string): void {
  const live = uidsInUse();
  for (const name of readdirSync(root)) {
    if (!/^\d+$/.test(name) || live.has(Number(name))) continue;
    const dir = path.join(root, name);
    try {
      if (Date.now() - lstatSync(dir).mtimeMs > STALE_MS) void rm(dir, { recursive: true, force: true }).catch(() => undefined);
    } catch {
      /* gone meanwhile */
    }
  }
}

function uidsInUse(): Set<number> {
  const uids = new Set<number>();
  for (const pid of procPids()) {
    const uid = realUid(pid);
    if (uid !== undefined) uids.add(uid);
  }
  return uids;
}

function procPids(): string[] {
  try {
    return readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
}

function realUid(pid: string): number | undefined {
  try {
    const real = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return real === undefined ? undefined : Number(real);
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * A directory for one job. Isolated: `<tmp>/hookbook-jobs/<uid>`, created atomically, which is
 * also how a uid is claimed (a uid is in use exactly while its directory exists, across every
 * worker on the machine). Otherwise a private mkdtemp directory of the service's own user.
 */
export function openJobDir(p: SandboxPolicy = jobSandbox()): JobDir {
  if (p.mode === 'none') {
    const dir = mkdtempSync(path.join(tmpdir(), 'hookbook-job-'));
    return { dir, seal: () => undefined, release: () => rm(dir, { recursive: true, force: true }).catch(() => undefined) };
  }
  const gid = p.gid!;
  if (p.mode === 'job-user') {
    const dir = mkdtempSync(path.join(tmpdir(), 'hookbook-job-'));
    return {
      dir,
      uid: p.uid,
      gid,
      seal: () => chownTree(dir, p.uid!, gid),
      release: () => rm(dir, { recursive: true, force: true }).catch(() => undefined),
    };
  }
  const root = jobsRoot();
  const [lo, hi] = p.uids!;
  const span = hi - lo + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < Math.min(span, 10_000); i++) {
    const uid = lo + ((start + i) % span);
    const dir = path.join(root, String(uid));
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    return {
      dir,
      uid,
      gid,
      seal: () => chownTree(dir, uid, gid),
      release: async () => {
        await endUid(uid, gid);
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      },
    };
  }
  throw new Error(`No free job uid in ${lo}-${hi}: every one has a directory under ${root}.`);
}

function chownTree(dir: string, uid: number, gid: number): void {
  lchownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else lchownSync(p, uid, gid);
  }
}

/**
 * A job's processes that left its process group (setsid, double fork) end with the job too: every
 * process whose real uid is the job's is killed before its uid is given back.
 *
 * With the spawner, a shell started there as the job's uid runs `kill -9 -1`: the kernel signals
 * every process that uid may signal (those whose real or saved uid is the job's), all but the shell
 * itself, at the cost of one small fork, whatever runs on the machine. Without it (or if that shell
 * cannot start, e.g. the uid is at its process limit), /proc/<pid>/status of every process on the
 * machine is read, which costs ~1 ms per pass and more the more processes run; so the uids released
 * within ENDING_WINDOW_MS share one pass.
 */
const ENDING_WINDOW_MS = 50;
let ending: { uids: Set<number>; done: Promise<void> } | undefined;

async function endUid(uid: number, gid: number): Promise<void> {
  if (viaSpawnerNow() && (await killAllAs(uid, gid))) return;
  if (!ending) {
    const uids = new Set<number>();
    const done = new Promise<void>((resolve) =>
      setTimeout(() => {
        ending = undefined;
        killUids(uids);
        resolve();
      }, ENDING_WINDOW_MS),
    );
    ending = { uids, done };
  }
  ending.uids.add(uid);
  return ending.done;
}

/** `kill -9 -1` as that uid, through the spawner; false if it did not run to its end. */
function killAllAs(uid: number, gid: number): Promise<boolean> {
  return new Promise((resolve) => {
    const p = launch({
      command: '/bin/sh',
      args: ['-c', 'kill -9 -1 2>/dev/null; exit 0'],
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      stdin: '',
      uid,
      gid,
    });
    p.stdout.resume();
    p.stderr.resume();
    p.once('exit', (code: number | null) => resolve(code === 0));
    p.once('error', () => resolve(false));
    p.once('lost', () => resolve(false));
  });
}

function killUids(uids: Set<number>): void {
  for (const pid of procPids()) {
    const uid = realUid(pid);
    if (uid === undefined || !uids.has(uid)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
}

/**
 * Reads a file the job wrote (its result) without following a link it planted: a job must not
 * get the worker to read, say, local.settings.json for it. In isolated modes the file must also
 * belong to the job's uid (a hard link to someone else's file is refused).
 */
export function readJobFile(file: string, owner: number | undefined): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || (owner !== undefined && st.uid !== owner)) return undefined;
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * bash/python3/pwsh runbooks return a value by writing JSON to HOOKBOOK_RESULT_FILE (text that is not
 * JSON is kept as a string). Read through readJobFile: not followed through a link, only the job's own file.
 */
export function readResultFile(file: string, owner: number | undefined, outcome: { result?: unknown; hasResult: boolean }): void {
  const raw = readJobFile(file, owner)?.trim();
  if (raw === undefined) return;
  try {
    outcome.result = JSON.parse(raw);
  } catch {
    outcome.result = raw;
  }
  outcome.hasResult = true;
}

/** For tests: forget the decision. */
export function resetSandbox(): void {
  policy = undefined;
}
