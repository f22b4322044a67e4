import { writeFileSync } from 'node:fs';
import { settings } from '../config';
import { join } from 'node:path';
import type { RunbookVersion } from '../model/runbook';
import type { ProcessSpec } from './process';
import { toScript } from '../runbooks/pwshParams';
import { pwshBaseEnv, pwshJobCommand } from './pwsh';
import { takeWarm } from './warmPool';
import { interpreterFor } from './interpreters';
import { openJobDir } from './sandbox';
import { runbookFilesReachable, runtimeFile } from './runtime';
import { applyJobEnv, type JobEnv } from '../assets/jobEnv';

/**
 * How each runbook type is started. The parameters reach the runbook as data:
 * - stdin: the parameters as one JSON object (every type);
 * - `HOOKBOOK_PARAMETERS_FILE`: the same JSON in a file only the runbook's user can read;
 * - bash/python3: one environment variable per parameter (strings as they are, others as JSON),
 *   unless the name is one the shell or interpreter would act on (PATH, BASH_ENV, PYTHON*, ...);
 * - pwsh: bound to the runbook's param() by shared/runners/pwsh-host.ps1, which reads the file.
 * A script returns a value by writing JSON to `HOOKBOOK_RESULT_FILE` (node runbooks just return it).
 * The environment is otherwise clean: no storage connection string, no host settings.
 */
const RESERVED = /^(PATH|HOME|SHELL|IFS|ENV|BASH_ENV|BASH_FUNC.*|CDPATH|PS[0-9]|LD_.*|PYTHON.*|NODE_.*|HOOKBOOK_.*|TMPDIR|LANG|LC_.*)$/i;
const MAX_ENV_VALUE = 100 * 1024;

function nodeHost(): string {
  return runtimeFile('node-host.cjs');
}

/** A workflow refused now (published before the check existed) runs unconverted: PowerShell then says why. */
function convertedOrNot(content: string): { script: string; workflow?: string } {
  try {
    return toScript(content);
  } catch {
    return { script: content };
  }
}

export interface PreparedRun {
  spec: ProcessSpec;
  /** bash/python3/pwsh runbooks return a value by writing JSON to `HOOKBOOK_RESULT_FILE`. */
  resultFile: string;
  /** The uid the job runs as, when not the service's own (its result file must belong to it). */
  uid?: number;
  /** Removes the job's directory (off the event loop: a big tree must not stall other jobs). */
  cleanup(): Promise<void>;
}

export function prepareRun(
  version: RunbookVersion,
  parameters: Record<string, unknown>,
  job: { jobId: string; attempt: number },
  /** Job token, asset helpers on the search paths, identity (shared/assets/jobEnv.ts). */
  jobEnv?: JobEnv,
): PreparedRun {
  const type = version.definition.type;
  // The program that runs this type, one the job's user can run; else a sentence saying what to do
  // (interpreters.ts). PowerShell is started ahead of demand (warmPool.ts): a warm process comes with
  // the uid and the directory it was started in, which become this job's; otherwise both are claimed now.
  const pwshLine = type === 'pwsh' ? pwshJobCommand() : undefined;
  const interpreter = pwshLine ? pwshLine.command : interpreterFor(type);
  const warm = pwshLine ? takeWarm(pwshLine) : undefined;
  // Private to the job: its own uid where the worker is root (sandbox.ts, docs/security.md).
  const box = warm?.box ?? openJobDir();
  const dir = box.dir;
  const json = JSON.stringify(parameters);
  const paramsFile = join(dir, 'parameters.json');
  writeFileSync(paramsFile, json, { mode: 0o600 });
  const ext = { node: /^\s*export\s/m.test(version.content) ? '.mjs' : '.cjs', bash: '.sh', python3: '.py', pwsh: '.ps1' }[type];
  // A repository runbook runs from its file, unless jobs cannot reach the runbooks folder (runtime.ts).
  let script = runbookFilesReachable() ? version.file : undefined;
  // A PowerShell Workflow runs as the script it is (checked when it was published).
  const pwshScript = type === 'pwsh' ? convertedOrNot(version.content) : undefined;
  if (pwshScript?.workflow) {
    script = join(dir, `runbook${ext}`);
    writeFileSync(script, pwshScript.script, { mode: 0o600 });
  } else if (!script) {
    script = join(dir, `runbook${ext}`);
    writeFileSync(script, version.content, { mode: 0o600 });
  }

  const passThrough = settings().passEnv;
  // The values passed on are the host's own environment (not settings): PATH and HOOKBOOK_PASS_ENV's names.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: dir,
    TMPDIR: dir,
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
    HOOKBOOK_JOB_ID: job.jobId,
    HOOKBOOK_RUNBOOK: version.name,
    HOOKBOOK_ATTEMPT: String(job.attempt),
    HOOKBOOK_PARAMETERS_FILE: paramsFile,
    HOOKBOOK_RESULT_FILE: join(dir, 'result.json'),
  };
  for (const name of passThrough) if (process.env[name] !== undefined && !/^AzureWebJobs/i.test(name)) env[name] = process.env[name]!;
  applyJobEnv(env, jobEnv);
  if (type === 'bash' || type === 'python3') {
    for (const [name, value] of Object.entries(parameters)) {
      if (RESERVED.test(name)) continue;
      const s = typeof value === 'string' ? value : JSON.stringify(value);
      if (s.length <= MAX_ENV_VALUE && !s.includes('\0')) env[name] = s;
    }
  }

  let spec: ProcessSpec;
  switch (type) {
    case 'node':
      spec = { command: interpreter, args: [nodeHost(), script], cwd: dir, env, stdin: json, control: true };
      break;
    case 'bash':
      spec = { command: interpreter, args: [script], cwd: dir, env, stdin: json };
      break;
    case 'python3':
      spec = { command: interpreter, args: ['-u', script], cwd: dir, env, stdin: json };
      break;
    case 'pwsh': {
      env.HOOKBOOK_SCRIPT = script;
      if (version.definition.logVerbose) env.HOOKBOOK_LOG_VERBOSE = '1';
      Object.assign(env, pwshBaseEnv());
      spec = { ...pwshLine!, cwd: dir, env, stdin: json, control: true, ...(warm ? { warm: warm.process } : {}) };
      break;
    }
  }
  box.seal();
  spec.uid = box.uid;
  spec.gid = box.gid;
  return { spec, resultFile: env.HOOKBOOK_RESULT_FILE!, uid: box.uid, cleanup: () => box.release() };
}
