import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Where jobs find what the worker hands them to run: the node host, the PowerShell host, the asset
 * helpers, repository runbook files and pwsh itself. Normally that is where the service has them.
 * When jobs run as other users (sandbox.ts) and those users cannot reach them, because the app sits
 * in a directory only root may enter (a clone under /root, say), the worker stages a root-owned,
 * world-readable copy under $TMPDIR/hookbook-runtime once at start-up, and jobs use that copy; a
 * repository runbook is then written into the job's own directory like an API runbook.
 */

/** spawner.cjs runs as the worker's own user (spawnerClient.ts): never staged for jobs. */
export type RuntimeFile = 'node-host.cjs' | 'pwsh-host.ps1' | 'helpers' | 'spawner.cjs';

let stagedRunners: string | undefined;
const stagedPwsh = new Map<string, string>();
let runbookFiles = true;

/** A runner file beside this module (dist/) or in the source tree. */
export function sourceRuntimeFile(name: RuntimeFile): string {
  const beside = join(__dirname, name);
  if (existsSync(beside)) return beside;
  return resolve(__dirname, '..', '..', '..', 'shared', 'runners', name);
}

/** The runner file jobs use: the staged copy when there is one. */
export function runtimeFile(name: RuntimeFile): string {
  return stagedRunners ? join(stagedRunners, name) : sourceRuntimeFile(name);
}

/** The pwsh jobs start: the staged copy of `found` when there is one. */
export function runtimePwsh(found: string): string {
  return stagedPwsh.get(found) ?? found;
}

/** False when jobs cannot read the runbooks folder: repository runbooks are then copied per job. */
export function runbookFilesReachable(): boolean {
  return runbookFiles;
}

export interface StageRequest {
  runners: boolean;
  runbooks: boolean;
  /** A pwsh executable jobs cannot reach (its whole folder is copied: a dotnet tool is a tree). */
  pwsh?: string;
}

/** Makes the copies asked for; returns one line per copy for the start-up log. */
export function stageRuntime(req: StageRequest): string[] {
  const said: string[] = [];
  if (req.runners) {
    const dir = stageCopy(
      'runners',
      (['node-host.cjs', 'pwsh-host.ps1', 'helpers'] as const).map((n) => sourceRuntimeFile(n)).filter((p) => existsSync(p)),
    );
    stagedRunners = dir;
    said.push(`runner files copied to ${dir}`);
  }
  if (req.pwsh) {
    const toolDir = dirname(req.pwsh);
    const dir = stageCopy('pwsh', [toolDir]);
    const copy = join(dir, basename(toolDir), basename(req.pwsh));
    stagedPwsh.set(req.pwsh, copy);
    said.push(`pwsh copied to ${copy}`);
  }
  if (req.runbooks) {
    runbookFiles = false;
    said.push('repository runbooks are copied into each job directory');
  }
  return said;
}

/** For tests: back to no staging. */
export function resetRuntimeStaging(): void {
  stagedRunners = undefined;
  stagedPwsh.clear();
  runbookFiles = true;
}

/**
 * One content-addressed copy of `sources` (same sources and times → same folder, shared by every
 * host on the machine), made in a temporary folder and renamed into place, so that a half-made copy
 * is never used. The parent must be this process's own and not writable by others: /tmp is open to
 * everyone, and a folder a job planted there first must not become the code other jobs run.
 */
function stageCopy(kind: string, sources: string[]): string {
  const base = join(tmpdir(), 'hookbook-runtime');
  mkdirSync(base, { recursive: true, mode: 0o755 });
  const st = lstatSync(base);
  if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) {
    throw new Error(`${base} is not a directory of this user's that only it can write to; remove it and start again.`);
  }
  const key = createHash('sha256')
    .update(sources.map((s) => `${s}\0${newestMtime(s)}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  const dir = join(base, `${kind}-${key}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { mode: 0o755 });
  for (const source of sources) cpSync(source, join(tmp, basename(source)), { recursive: true, dereference: true });
  openToAll(tmp);
  writeFileSync(join(tmp, '.complete'), '', { mode: 0o644 });
  try {
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    // Another host made the same copy meanwhile: use it.
    if (!existsSync(join(dir, '.complete'))) throw error;
  }
  return dir;
}

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(join(p, entry)));
  return newest;
}

/** Folders 0755, files 0644 or 0755 when executable by their owner: readable, never writable, by jobs. */
function openToAll(p: string): void {
  const st = lstatSync(p);
  if (st.isDirectory()) {
    chmodSync(p, 0o755);
    for (const entry of readdirSync(p)) openToAll(join(p, entry));
  } else if (st.isFile()) {
    chmodSync(p, st.mode & 0o100 ? 0o755 : 0o644);
  }
}
