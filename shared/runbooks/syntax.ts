// A syntax check when a runbook's draft is saved or published, for every type whose own tool can
// check without running anything: PowerShell's parser, `bash -n`, Python's compile(), `node --check`.
// A script that cannot even be parsed is refused with its line and the tool's message (400) instead
// of failing at its first run.
//
// Safe and bounded: the content goes to a private temporary file, never into a command line; the
// command lines are fixed; each check has a time limit. Nothing of the script runs. A check that
// cannot be made (the tool is missing here, or too slow) lets the draft through: the job then says
// what is wrong, as before.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunbookType } from '../model/runbook';
import { findPwsh, pwshCommand } from '../runners/pwsh';
import { toScript } from './pwshParams';

export interface SyntaxProblem {
  line?: number;
  message: string;
}

const TIMEOUT_MS = 20_000;

/** Reads the file named by HOOKBOOK_SYNTAX_FILE; prints "<line>\t<message>" per parse error. */
const PWSH_CHECK =
  '$t=$null;$e=$null;[void][System.Management.Automation.Language.Parser]::ParseInput([IO.File]::ReadAllText($env:HOOKBOOK_SYNTAX_FILE),[ref]$t,[ref]$e);' +
  'foreach($x in $e){[Console]::Out.WriteLine(([string]$x.Extent.StartLineNumber)+"`t"+$x.Message)}';

/** compile() parses without running or writing anything (py_compile would also write a .pyc). */
const PYTHON_CHECK = [
  'import sys',
  'try:',
  "    compile(open(sys.argv[1], 'rb').read(), 'runbook.py', 'exec', dont_inherit=True)",
  'except SyntaxError as e:',
  "    print(str(e.lineno or '') + '\\t' + str(e.msg)); sys.exit(1)",
  'except ValueError as e:',
  "    print('\\t' + str(e)); sys.exit(1)",
].join('\n');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The tool could not be started, or took too long: no verdict. */
  unknown: boolean;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      const unknown = !!e && (typeof e.code === 'string' || e.killed === true);
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr, unknown });
    });
  });
}

/** "<line>\t<message>" lines (pwsh, python3) → the first problem. */
function tabbed(out: string): SyntaxProblem | undefined {
  const first = out.split('\n').find((l) => l.includes('\t'));
  if (!first) return undefined;
  const [line, ...rest] = first.split('\t');
  const n = Number(line);
  return { ...(Number.isInteger(n) && n > 0 ? { line: n } : {}), message: rest.join('\t').trim() };
}

async function check(type: RunbookType, content: string, dir: string): Promise<SyntaxProblem | undefined> {
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: dir, TMPDIR: dir };
  switch (type) {
    case 'bash': {
      const file = join(dir, 'runbook.sh');
      await writeFile(file, content, { mode: 0o600 });
      const r = await run('bash', ['-n', file], base);
      if (r.unknown || r.code === 0) return undefined;
      // "<file>: line 3: syntax error near unexpected token `}'"
      const m = /line (\d+): (.*)/.exec(r.stderr);
      return m ? { line: Number(m[1]), message: m[2]!.trim() } : { message: r.stderr.trim().split('\n')[0] ?? 'syntax error' };
    }
    case 'python3': {
      const file = join(dir, 'runbook.py');
      await writeFile(file, content, { mode: 0o600 });
      const r = await run('python3', ['-I', '-c', PYTHON_CHECK, file], { ...base, PYTHONDONTWRITEBYTECODE: '1' });
      if (r.unknown || r.code === 0) return undefined;
      return tabbed(r.stdout);
    }
    case 'node': {
      // The extension the runner gives it (runner.ts): ES module syntax is checked as a module.
      const file = join(dir, /^\s*export\s/m.test(content) ? 'runbook.mjs' : 'runbook.cjs');
      await writeFile(file, content, { mode: 0o600 });
      const r = await run(process.execPath, ['--check', file], base);
      if (r.unknown || r.code === 0) return undefined;
      // "<file>:3\n<source>\n  ^\n\nSyntaxError: Unexpected token '}'"
      const line = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+)`).exec(r.stderr)?.[1];
      const message = /^(SyntaxError: .*)$/m.exec(r.stderr)?.[1] ?? r.stderr.trim().split('\n').pop() ?? 'syntax error';
      return { ...(line ? { line: Number(line) } : {}), message };
    }
    case 'pwsh': {
      const pwsh = findPwsh();
      if (!pwsh) return undefined;
      const file = join(dir, 'runbook.ps1');
      // A PowerShell Workflow runs as the script it converts to (runner.ts): that is what is parsed.
      let script = content;
      try {
        script = toScript(content).script;
      } catch {
        /* refused with its own message by pwshParams */
      }
      await writeFile(file, script, { mode: 0o600 });
      const { command, args } = pwshCommand(pwsh);
      const r = await run(command, [...args, '-NoLogo', '-NoProfile', '-NonInteractive', '-Command', PWSH_CHECK], {
        ...base,
        HOOKBOOK_SYNTAX_FILE: file,
        POWERSHELL_TELEMETRY_OPTOUT: '1',
        POWERSHELL_UPDATECHECK: 'Off',
        ...(process.env.DOTNET_ROOT ? { DOTNET_ROOT: process.env.DOTNET_ROOT } : {}),
      });
      if (r.unknown || r.code !== 0) return undefined;
      return tabbed(r.stdout);
    }
  }
}

/** Contents already found clean: a publish right after the save does not pay for a second check. */
const clean = new Set<string>();
const MAX_CLEAN = 500;

/** The first syntax error of `content`, or undefined when it parses (or cannot be checked here). */
export async function checkSyntax(type: RunbookType, content: string): Promise<SyntaxProblem | undefined> {
  const key = createHash('sha256').update(type).update('\0').update(content).digest('hex');
  if (clean.has(key)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'hookbook-syntax-'));
  try {
    const problem = await check(type, content, dir);
    if (!problem) {
      if (clean.size >= MAX_CLEAN) clean.delete(clean.values().next().value!);
      clean.add(key);
    }
    return problem;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
