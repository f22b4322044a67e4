import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { settings } from '../config';
import { runtimeFile, runtimePwsh } from './runtime';

/**
 * Where PowerShell is: `HOOKBOOK_PWSH_PATH` (a file), else `pwsh` on PATH, else the .NET global
 * tool folder (`~/.dotnet/tools`, where `dotnet tool install --global PowerShell` puts it).
 * Undefined when none is found; the job then fails with a reason saying so.
 */
export function findPwsh(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = settings(env).pwshPath;
  if (configured) return isExecutable(configured) ? resolve(configured) : undefined;
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  dirs.push(join(env.HOME || homedir(), '.dotnet', 'tools'));
  for (const dir of dirs) {
    const candidate = join(dir, 'pwsh');
    if (isExecutable(candidate)) return resolve(candidate);
  }
  return undefined;
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
 * warm process is exactly what a cold start would have run. Not found: spawning `pwsh` fails and the
 * job says why.
 */
export function pwshJobCommand(): { command: string; args: string[] } {
  const found = findPwsh();
  const { command, args } = found ? pwshCommand(runtimePwsh(found)) : { command: 'pwsh', args: [] };
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

/** The host's PATH (not a setting), for the processes the worker starts before a job's environment exists. */
export function hostPath(): string {
  return process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
}
