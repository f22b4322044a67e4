import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { RunbookType } from '../../shared/model/runbook';
import { findPwsh } from '../../shared/runners/pwsh';

/**
 * The runbook types this machine can run: node always (the worker runs on it), bash and python3
 * when found on PATH (the runner starts them by name), pwsh where the runner finds it
 * (HOOKBOOK_PWSH_PATH, PATH, the .NET global tools folder: shared/runners/pwsh.ts).
 */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = join(dir, command + ext);
      try {
        if (existsSync(file) && statSync(file).isFile()) return true;
      } catch {
        /* unreadable directory: look on */
      }
    }
  }
  return false;
}

export function detectCapabilities(only?: readonly RunbookType[]): RunbookType[] {
  const found: RunbookType[] = ['node'];
  if (onPath('bash')) found.push('bash');
  if (onPath('python3')) found.push('python3');
  if (findPwsh()) found.push('pwsh');
  return only ? found.filter((t) => only.includes(t)) : found;
}
