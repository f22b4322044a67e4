import { describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findPwsh, pwshCommand } from '../../shared/runners/pwsh';

function executable(file: string): string {
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('finding and starting pwsh', () => {
  const root = mkdtempSync(join(tmpdir(), 'hb-pwshfind-'));
  const bin = join(root, 'bin');
  const tool = join(root, 'tool');
  mkdirSync(bin);
  mkdirSync(tool);
  const onPath = executable(join(bin, 'pwsh'));
  const shim = executable(join(tool, 'pwsh'));
  const dotnet = executable(join(bin, 'dotnet'));

  it("HOOKBOOK_PWSH_PATH wins; else PATH; else the repository's .tools/pwsh; else ~/.dotnet/tools; else nothing", () => {
    expect(findPwsh({ HOOKBOOK_PWSH_PATH: shim, PATH: bin })).toBe(shim);
    expect(findPwsh({ HOOKBOOK_PWSH_PATH: join(root, 'missing'), PATH: bin })).toBeUndefined();
    expect(findPwsh({ PATH: `${join(root, 'none')}:${bin}`, HOME: root })).toBe(onPath);
    const home = mkdtempSync(join(tmpdir(), 'hb-pwshhome-'));
    mkdirSync(join(home, '.dotnet', 'tools'), { recursive: true });
    const global = executable(join(home, '.dotnet', 'tools', 'pwsh'));
    // `npm test` installs pwsh into .tools/pwsh: that one comes before ~/.dotnet/tools.
    const repoTool = resolve(__dirname, '..', '..', '.tools', 'pwsh', 'pwsh');
    const tools = existsSync(repoTool) ? repoTool : undefined;
    expect(findPwsh({ PATH: join(root, 'none'), HOME: home })).toBe(tools ?? global);
    expect(findPwsh({ PATH: join(root, 'none'), HOME: root })).toBe(tools);
  });

  it('a .NET tool shim is bypassed: `dotnet pwsh.dll` starts one runtime instead of two', () => {
    expect(pwshCommand(shim, { PATH: bin })).toEqual({ command: shim, args: [] }); // no .store yet
    const dll = join(tool, '.store', 'powershell', '7.6.9', 'powershell', '7.6.9', 'tools', 'net10.0', 'any', 'unix', 'pwsh.dll');
    mkdirSync(join(dll, '..'), { recursive: true });
    writeFileSync(dll, '');
    expect(pwshCommand(shim, { PATH: bin })).toEqual({ command: dotnet, args: [dll] });
    expect(pwshCommand(shim, { PATH: join(root, 'none') })).toEqual({ command: shim, args: [] }); // no dotnet
    expect(pwshCommand(onPath, { PATH: bin })).toEqual({ command: onPath, args: [] }); // a native install
  });
});
