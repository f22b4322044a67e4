import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { interpreterCandidates, interpreterFor } from './interpreters';
import { runtimeFile } from './runtime';

/**
 * Where PowerShell is, as the service itself can run it (interpreters.ts: `HOOKBOOK_PWSH_PATH`, else
 * `pwsh` on PATH, the repository's .tools/pwsh, `~/.dotnet/tools`). Undefined when none is found.
 */
export function findPwsh(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return interpreterCandidates('pwsh', env).paths.find(isExecutable);
}

/**
 * How to start the pwsh found: a .NET tool's `pwsh` is a shim that starts a second .NET process
 * (`dotnet pwsh.dll`); starting that directly saves one runtime start and ~30 MB per job. Anything
 * else (a native install, an unexpected tool layout, no `dotnet` found) runs as it is.
 */
export function pwshCommand(pwsh: string, env: NodeJS.ProcessEnv = process.env): { command: string; args: string[] } {
  const store = join(dirname(pwsh), '.store', 'powershell');
  const dlls: string[] = [];
  try {
    for (const version of readdirSync(store)) {
      const tools = join(store, version, 'powershell', version, 'tools');
      for (const tfm of readdirSync(tools)) {
        const dll = join(tools, tfm, 'any', 'unix', 'pwsh.dll');
        if (existsSync(dll)) dlls.push(dll);
      }
    }
  } catch {
    return { command: pwsh, args: [] };
  }
  const dotnet = [env.DOTNET_ROOT, ...(env.PATH ?? '').split(delimiter)]
    .filter(Boolean)
    .map((d) => join(d!, 'dotnet'))
    .find(isExecutable);
  if (dlls.length !== 1 || !dotnet) return { command: pwsh, args: [] };
  return { command: resolve(dotnet), args: [dlls[0]!] };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return existsSync(file);
  } catch {
    return false;
  }
}

/** The PowerShell host script jobs run (runtime.ts: beside this module, or the staged copy). */
export function pwshHost(): string {
  return runtimeFile('pwsh-host.ps1');
}

/**
 * The command line of a pwsh job, in one place for the runner and the warm pool (warmPool.ts), so a
 * warm process is exactly what a cold start would have run.
 */
export function pwshJobCommand(): { command: string; args: string[] } {
  // The pwsh the job user can run (interpreters.ts; a staged copy where the original is closed to it).
  // None: InterpreterUnavailable, the sentence the job fails with.
  const { command, args } = pwshCommand(interpreterFor('pwsh'));
  return { command, args: [...args, '-NoLogo', '-NoProfile', '-NonInteractive', '-File', pwshHost()] };
}

/** The environment pwsh itself needs, the same for a warm process and the job it serves. */
export function pwshBaseEnv(): Record<string, string> {
  return {
    POWERSHELL_TELEMETRY_OPTOUT: '1',
    POWERSHELL_UPDATECHECK: 'Off',
    ...(process.env.DOTNET_ROOT ? { DOTNET_ROOT: process.env.DOTNET_ROOT } : {}),
  };
}
