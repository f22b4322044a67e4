// Finds PowerShell for the pwsh suites, the way the worker does plus the repository's own tool
// folder (`npm test` installs pwsh into .tools/pwsh). When none is found the suites are skipped
// with a warning naming what is missing: they never pass without running.
import { join } from 'node:path';
import { findPwsh } from '../../shared/runners/pwsh';
import { repoRoot } from './host';

export function testPwsh(): string | undefined {
  const local = join(repoRoot, '.tools', 'pwsh');
  const found = findPwsh({ ...process.env, PATH: [process.env.PATH ?? '', local].filter(Boolean).join(':') });
  if (!found) {
    console.warn(
      '[pwsh tests] NOT RUN: PowerShell (pwsh) was not found (HOOKBOOK_PWSH_PATH, PATH, ~/.dotnet/tools, .tools/pwsh). ' +
        'Install it with `dotnet tool install PowerShell --version 7.6.9 --tool-path .tools/pwsh`.',
    );
  }
  return found;
}
