// Which program runs each runbook type (pwsh, python3, bash, node), found once and said at start-up.
//
// Where jobs run under a uid of their own (sandbox.ts), the program must be one that uid can run:
// root's PATH often starts with folders under /root (pyenv shims, ~/.dotnet/tools) that no other
// user may enter, and spawning from there fails with a bare "EACCES". So each candidate is checked as
// the job user; a self-contained tool tree it cannot reach (a pwsh dotnet tool) is staged where it can
// (runtime.ts); anything else that cannot be run fails the job with a sentence that names the
// program, where it was looked for and the setting that fixes it.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { settings } from '../config';
import type { RunbookType } from '../model/runbook';
import { jobSandbox, type SandboxPolicy } from './sandbox';
import { runtimePwsh, stageRuntime } from './runtime';

export interface Interpreter {
  type: RunbookType;
  /** What a person calls it: "PowerShell 7 (pwsh)". */
  label: string;
  /** The setting that names the program outright, when there is one. */
  setting?: string;
  /** The program jobs start; undefined when none can be run. */
  path?: string;
  /** Every place looked, in order (for the sentence when nothing is found). */
  looked: string[];
  /** Why the first one found is not used, or how it was made runnable (a copy). */
  note?: string;
}

/** A job whose program cannot be run: the message is the sentence the job fails with. */
export class InterpreterUnavailable extends Error {}

const LABEL: Record<RunbookType, string> = {
  pwsh: 'PowerShell 7 (pwsh)',
  python3: 'Python 3 (python3)',
  bash: 'bash',
  node: 'Node.js (node)',
};

const INSTALL: Record<RunbookType, string> = {
  pwsh: 'Install PowerShell 7 (`npm test` puts it in .tools/pwsh; docs/runbooks.md), set HOOKBOOK_PWSH_PATH to its path, or run the runbook on a hybrid worker group that has pwsh (runOn).',
  python3:
    'Install Python 3 where every user can run it (e.g. apt-get install python3), set HOOKBOOK_PYTHON3_PATH to its path, or run the runbook on a hybrid worker group that has it (runOn).',
  bash: 'Install bash where every user can run it, or run the runbook on a hybrid worker group that has it (runOn).',
  node: 'Run the service with a Node.js installed where every user can run it (e.g. /usr/bin/node).',
};

/** The repository's own tool folder (`npm test` installs pwsh there), from the source tree or dist/. */
function repoTools(): string[] {
  return [resolve(__dirname, '..', '..', '.tools'), resolve(__dirname, '..', '..', '..', '.tools')];
}

/** Where each program is looked for, in order; a setting, when set, is the only place. */
export function interpreterCandidates(type: RunbookType, env: NodeJS.ProcessEnv = process.env): { setting?: string; paths: string[] } {
  const s = settings(env);
  const onPath = (name: string) =>
    (env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, name));
  switch (type) {
    case 'pwsh':
      if (s.pwshPath) return { setting: 'HOOKBOOK_PWSH_PATH', paths: [resolve(s.pwshPath)] };
      return {
        setting: 'HOOKBOOK_PWSH_PATH',
        paths: [
          ...onPath('pwsh'),
          ...repoTools().map((t) => join(t, 'pwsh', 'pwsh')),
          join(env.HOME || homedir(), '.dotnet', 'tools', 'pwsh'),
        ],
      };
    case 'python3':
      if (s.python3Path) return { setting: 'HOOKBOOK_PYTHON3_PATH', paths: [resolve(s.python3Path)] };
      return { setting: 'HOOKBOOK_PYTHON3_PATH', paths: [...onPath('python3'), '/usr/bin/python3', '/usr/local/bin/python3'] };
    case 'bash':
      return { paths: [...onPath('bash'), '/bin/bash', '/usr/bin/bash'] };
    case 'node':
      return { paths: [process.execPath] };
  }
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The candidates the job user can run (one child process as that user for all of them). */
function runnableAs(policy: SandboxPolicy, paths: string[]): Set<string> {
  const uid = policy.mode === 'isolated' ? policy.uids![0] : policy.uid!;
  const script = `const fs=require('fs');for(const p of process.argv.slice(1)){try{fs.accessSync(p,fs.constants.X_OK);if(fs.statSync(p).isFile())console.log(p)}catch{}}`;
  const r = spawnSync(process.execPath, ['-e', script, ...paths], { uid, gid: policy.gid, encoding: 'utf8', timeout: 30_000 });
  return new Set((r.stdout ?? '').split('\n').filter(Boolean));
}

const dedupe = (paths: string[]) => [...new Set(paths)];

/**
 * Decides the program of each type. Pure but for the file system: `policy` says who jobs run as,
 * `canRun` (as that user) is injected so tests can decide without root.
 */
export function resolveInterpreter(
  type: RunbookType,
  opts: { env?: NodeJS.ProcessEnv; policy?: SandboxPolicy; canRun?: (paths: string[]) => Set<string> } = {},
): Interpreter {
  const env = opts.env ?? process.env;
  const { setting, paths: all } = interpreterCandidates(type, env);
  const paths = dedupe(all);
  const looked = setting && settings(env)[type === 'pwsh' ? 'pwshPath' : 'python3Path'] ? [`${setting}=${paths[0]}`] : paths;
  const base = { type, label: LABEL[type], ...(setting ? { setting } : {}), looked };
  const existing = paths.filter(isExecutableFile);
  if (existing.length === 0) return base;
  const sandboxed = opts.policy && opts.policy.mode !== 'none';
  if (!sandboxed) return { ...base, path: existing[0] };
  const runnable = (opts.canRun ?? ((p: string[]) => runnableAs(opts.policy!, p)))(existing);
  const usable = existing.find((p) => runnable.has(p));
  const closed = existing.filter((p) => !runnable.has(p));
  if (usable) {
    const skipped = closed.filter((p) => existing.indexOf(p) < existing.indexOf(usable));
    return skipped.length
      ? { ...base, path: usable, note: `${skipped.join(', ')} is in a folder the job user cannot enter` }
      : { ...base, path: usable };
  }
  const first = closed[0]!;
  // A pwsh dotnet tool is a folder of its own: a copy runs. A python3 or bash elsewhere needs its
  // libraries where it was installed (a pyenv shim, say), so a copy would not.
  if (type === 'pwsh') {
    try {
      stageRuntime({ runners: false, runbooks: false, pwsh: first });
      const copy = runtimePwsh(first);
      if (copy !== first && existsSync(copy))
        return { ...base, path: copy, note: `copied from ${first}, which is in a folder the job user cannot enter` };
    } catch (error) {
      return { ...base, note: `${first} is in a folder the job user cannot enter, and copying it failed (${(error as Error).message})` };
    }
  }
  return { ...base, note: `${first} is in a folder the job user cannot enter` };
}

const TYPES: RunbookType[] = ['pwsh', 'python3', 'bash', 'node'];
let resolved: Map<RunbookType, Interpreter> | undefined;

/** Every type's program, decided once (the sandbox policy first: it decides who must run them). */
export function interpreters(): Interpreter[] {
  if (!resolved) {
    const policy = jobSandbox();
    // One child process as the job user answers for every candidate of every type: this runs
    // synchronously (before the first job, or at start-up), so it must stay short.
    let canRun: ((paths: string[]) => Set<string>) | undefined;
    if (policy.mode !== 'none') {
      const all = dedupe(TYPES.flatMap((t) => interpreterCandidates(t).paths)).filter(isExecutableFile);
      const runnable = all.length ? runnableAs(policy, all) : new Set<string>();
      canRun = () => runnable;
    }
    resolved = new Map(TYPES.map((t) => [t, resolveInterpreter(t, { policy, ...(canRun ? { canRun } : {}) })]));
  }
  return [...resolved.values()];
}

/** The start-up lines: which program each runbook type uses, or that it has none and what to do. */
export function describeInterpreters(): string[] {
  return interpreters().map((i) =>
    i.path ? `${i.type} runbooks: ${i.path}${i.note ? ` (${i.note})` : ''}` : `${i.type} runbooks: NOT AVAILABLE: ${unavailable(i)}`,
  );
}

function unavailable(i: Interpreter): string {
  const where = i.note ? `${i.note}.` : `not found (looked in ${i.looked.join(', ')}).`;
  return `${i.label} ${where} ${INSTALL[i.type]}`;
}

/**
 * The program a job of this type starts. Throws InterpreterUnavailable with the sentence the job
 * fails with. A type that had none is looked for again (it may have been installed meanwhile).
 */
export function interpreterFor(type: RunbookType): string {
  interpreters();
  let i = resolved!.get(type)!;
  if (!i.path) {
    i = resolveInterpreter(type, { policy: jobSandbox() });
    resolved!.set(type, i);
  }
  if (!i.path) throw new InterpreterUnavailable(`${type} runbooks cannot run on this worker: ${unavailable(i)}`);
  return i.path;
}

/** For tests: decide again. */
export function resetInterpreters(): void {
  resolved = undefined;
}
