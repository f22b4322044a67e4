import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/**
 * Where PowerShell is: `HOOKBOOK_PWSH_PATH` (a file), else `pwsh` on PATH, else the .NET global
 * tool folder (`~/.dotnet/tools`, where `dotnet tool install --global PowerShell` puts it).
 * Undefined when none is found; the job then fails with a reason saying so.
 */
export function findPwsh(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.HOOKBOOK_PWSH_PATH?.trim();
  if (configured) return isExecutable(configured) ? resolve(configured) : undefined;
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  dirs.push(join(env.HOME || homedir(), '.dotnet', 'tools'));
  for (const dir of dirs) {
    const candidate = join(dir, 'pwsh');
    if (isExecutable(candidate)) return resolve(candidate);
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return existsSync(file);
  } catch {
    return false;
  }
}

/** The PowerShell host script, beside this module (dist/) or in the source tree. */
export function pwshHost(): string {
  const beside = join(__dirname, 'pwsh-host.ps1');
  if (existsSync(beside)) return beside;
  return resolve(__dirname, '..', '..', '..', 'shared', 'runners', 'pwsh-host.ps1');
}
