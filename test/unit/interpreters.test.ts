// Which program runs each runbook type (shared/runners/interpreters.ts): the repository's own pwsh
// when PATH has none, a program in a folder the job user cannot enter skipped for one it can run
// or staged where it can, and a sentence naming what is missing, where it looked and the setting.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveInterpreter, interpreterCandidates } from '../../shared/runners/interpreters';
import { jobSandbox } from '../../shared/runners/sandbox';

function executable(file: string, body = '#!/bin/sh\necho ran\n'): string {
  writeFileSync(file, body);
  chmodSync(file, 0o755);
  return file;
}

const root = mkdtempSync(join(tmpdir(), 'hb-interp-'));
chmodSync(root, 0o755);
const empty = join(root, 'empty');
mkdirSync(empty);
const isRoot = process.geteuid?.() === 0;

describe('interpreters', () => {
  it("finds the repository's .tools/pwsh when PATH has none, before ~/.dotnet/tools", () => {
    const { paths, setting } = interpreterCandidates('pwsh', { PATH: empty, HOME: root });
    expect(setting).toBe('HOOKBOOK_PWSH_PATH');
    expect(paths).toContain(resolve(__dirname, '..', '..', '.tools', 'pwsh', 'pwsh'));
    expect(paths.indexOf(resolve(__dirname, '..', '..', '.tools', 'pwsh', 'pwsh'))).toBeLessThan(
      paths.indexOf(join(root, '.dotnet', 'tools', 'pwsh')),
    );
  });

  it('a missing program says what it is, where it looked and which setting fixes it', () => {
    const i = resolveInterpreter('python3', { env: { PATH: empty, HOOKBOOK_PYTHON3_PATH: join(root, 'nowhere', 'python3') } });
    expect(i.path).toBeUndefined();
    expect(i.looked).toEqual([`HOOKBOOK_PYTHON3_PATH=${join(root, 'nowhere', 'python3')}`]);
    expect(i.setting).toBe('HOOKBOOK_PYTHON3_PATH');
  });

  it('not sandboxed: the first executable candidate', () => {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const py = executable(join(bin, 'python3'));
    expect(resolveInterpreter('python3', { env: { PATH: `${empty}:${bin}` } }).path).toBe(py);
  });

  it('sandboxed: a candidate the job user cannot run is skipped for one it can, and the start-up line says why', () => {
    const closed = join(root, 'closed-a');
    mkdirSync(closed);
    const a = executable(join(closed, 'python3'));
    const open = join(root, 'open');
    mkdirSync(open);
    const b = executable(join(open, 'python3'));
    const policy = { mode: 'isolated' as const, uids: [200_000, 200_001] as [number, number], gid: 1, message: '', warning: false };
    const i = resolveInterpreter('python3', { env: { PATH: `${closed}:${open}` }, policy, canRun: () => new Set([b]) });
    expect(i.path).toBe(b);
    expect(i.note).toContain(`${a} is in a folder the job user cannot enter`);
    const none = resolveInterpreter('python3', { env: { PATH: closed }, policy, canRun: () => new Set() });
    expect(none.path).toBeUndefined();
    expect(none.note).toContain('cannot enter');
  });

  it.skipIf(!isRoot)('as root: a pwsh under a folder closed to the job user is staged where the job user can run it', () => {
    const policy = jobSandbox(() => undefined);
    expect(policy.mode).not.toBe('none');
    const closed = join(root, 'closed-home');
    mkdirSync(join(closed, 'tools'), { recursive: true });
    chmodSync(closed, 0o700);
    const pwsh = executable(join(closed, 'tools', 'pwsh'), `#!/bin/sh\necho staged-${Date.now()}\n`);
    const i = resolveInterpreter('pwsh', { env: { PATH: empty, HOOKBOOK_PWSH_PATH: pwsh }, policy });
    expect(i.path).toBeDefined();
    expect(i.path).not.toBe(pwsh);
    expect(i.note).toContain(`copied from ${pwsh}`);
    const uid = policy.mode === 'isolated' ? policy.uids![0] : policy.uid!;
    const direct = spawnSync(pwsh, [], { uid, gid: policy.gid, encoding: 'utf8' });
    expect(direct.error?.message ?? '').toMatch(/EACCES/); // what the issue saw
    const staged = spawnSync(i.path!, [], { uid, gid: policy.gid, encoding: 'utf8' });
    expect(staged.stdout).toMatch(/^staged-/);
  });
});
