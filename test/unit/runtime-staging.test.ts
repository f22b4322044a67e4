import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  resetRuntimeStaging,
  runbookFilesReachable,
  runtimeFile,
  runtimePwsh,
  sourceRuntimeFile,
  stageRuntime,
} from '../../shared/runners/runtime';

// When jobs run as another user who cannot reach the app's folder, the worker stages a world-readable
// copy of what jobs run (shared/runners/runtime.ts). The isolation integration tests cover the rest.
describe('runtime staging for jobs that cannot reach the app folder', () => {
  afterEach(() => resetRuntimeStaging());

  it('uses the files beside the code until something is staged', () => {
    expect(runtimeFile('node-host.cjs')).toBe(sourceRuntimeFile('node-host.cjs'));
    expect(runbookFilesReachable()).toBe(true);
    expect(runtimePwsh('/x/pwsh')).toBe('/x/pwsh');
  });

  it('copies the runner files into a content-addressed folder readable, not writable, by others', () => {
    const said = stageRuntime({ runners: true, runbooks: true });
    const host = runtimeFile('node-host.cjs');
    expect(host.startsWith(join(tmpdir(), 'hookbook-runtime'))).toBe(true);
    expect(said.join(' ')).toContain('runner files copied');
    for (const name of ['node-host.cjs', 'pwsh-host.ps1', 'helpers'] as const) {
      const st = statSync(runtimeFile(name));
      expect(st.mode & 0o004, name).toBe(0o004); // others may read
      expect(st.mode & 0o022, name).toBe(0); // nobody else may write
    }
    // The bash helper stays executable.
    accessSync(join(runtimeFile('helpers'), 'bin', 'hookbook-asset'), constants.X_OK);
    expect(runbookFilesReachable()).toBe(false);
    // The same sources give the same folder: hosts on one machine share it.
    resetRuntimeStaging();
    stageRuntime({ runners: true, runbooks: false });
    expect(runtimeFile('node-host.cjs')).toBe(host);
    expect(existsSync(join(host, '..', '.complete'))).toBe(true);
  });
});
