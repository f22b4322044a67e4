// The CLI a new user expects (issue 25), run as a user runs it: node cli/bin.cjs (what `npx hookbook`
// runs, the built bundle) as a child process against the shared local host, with exit codes,
// stdout/stderr and secrets fed through stdin.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../support/host';
import { testPwsh } from '../support/pwsh';

const url = inject('hookbookUrl');
const key = inject('hookbookAdminKey');
const dir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-cli-fh-'));
chmodSync(dir, 0o711);
const tag = randomBytes(4).toString('hex');

interface Done {
  code: number;
  stdout: string;
  stderr: string;
}

function hookbook(args: string[], opts: { stdin?: string; env?: Record<string, string | undefined> } = {}): Promise<Done> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: dir, HOOKBOOK_URL: url, HOOKBOOK_KEY: key, ...opts.env };
  const child = spawn(process.execPath, [path.join(repoRoot, 'cli', 'bin.cjs'), ...args], {
    cwd: repoRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hookbook CLI: the first hour', () => {
  it('usage: --help and a wrong group name every command group, worker included; exit 3 on misuse', async () => {
    const help = await hookbook(['--help']);
    expect(help.code).toBe(0);
    for (const g of [
      'runbooks',
      'schedules',
      'jobs',
      'webhooks',
      'variables',
      'credentials',
      'connections',
      'worker-groups',
      'source-controls',
      'worker',
      'completion',
    ])
      expect(help.stdout).toContain(`\n  ${g} `);
    const wrong = await hookbook(['runbook', 'list']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain(
      "Unknown command group 'runbook': use runbooks, schedules, jobs, webhooks, variables, credentials, connections, worker-groups, source-controls, worker or completion.",
    );
    const noCommand = await hookbook(['schedules']);
    expect(noCommand.code).toBe(3);
    expect(noCommand.stderr).toMatch(/'hookbook schedules' needs a command: create, preview, list, get, enable, disable, delete/);
    const badOutput = await hookbook(['runbooks', 'list', '-o', 'xml']);
    expect(badOutput.code).toBe(3);
    expect(badOutput.stderr).toContain('--output must be json, table or yaml');
  });

  it('runbooks update --file saves a draft and shows its diff; --publish publishes; parameters are kept', async () => {
    const name = `cli-fh-${tag}`;
    const created = await hookbook([
      'runbooks',
      'create',
      name,
      '--type',
      'bash',
      '--file',
      file('v1.sh', 'echo one\necho "hi $Name"\n'),
      '--declare',
      'Name:string!',
      '--publish',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const upd = await hookbook(['runbooks', 'update', name, '--file', file('v2.sh', 'echo one\necho "hello $Name"\n')]);
    expect(upd.code, upd.stderr).toBe(0);
    expect(upd.stdout).toContain(`--- ${name} (published)\n+++ ${name} (draft)\n  echo one\n- echo "hi $Name"\n+ echo "hello $Name"\n`);
    expect(upd.stdout).toContain(`hookbook runbooks publish ${name}`);
    const diff = await hookbook(['runbooks', 'diff', name]);
    expect(diff.stdout).toContain('+ echo "hello $Name"');
    const pub = await hookbook(['runbooks', 'update', name, '--file', file('v3.sh', 'echo "bye $Name"\n'), '--publish', '-o', 'yaml']);
    expect(pub.code, pub.stderr).toBe(0);
    const rb = parseYaml(pub.stdout) as { version: number; state: string; parameters: Array<{ name: string; mandatory: boolean }> };
    expect(rb).toMatchObject({ version: 2, state: 'Published' });
    expect(rb.parameters).toMatchObject([{ name: 'Name', mandatory: true }]);
    const broken = await hookbook(['runbooks', 'update', name, '--file', file('v4.sh', 'if then\n')]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain('bash syntax error at line 1');

    // A bad JSON value for -p says so (here for an undeclared parameter meant as an object).
    const badJson = await hookbook(['jobs', 'start', name, '-p', 'Name=x', '-p', 'Extra={"a":']);
    expect(badJson.code).toBe(3);
    expect(badJson.stderr).toContain('-p Extra={"a":: the value is not valid JSON');

    // Schedules: create with a preview of the next runs, list, disable, enable, delete.
    const sched = `cli-fh-s-${tag}`;
    const made = await hookbook([
      'schedules',
      'create',
      sched,
      '--runbook',
      name,
      '--cron',
      '0 9 * * 1-5',
      '--time-zone',
      'Europe/Berlin',
      '-p',
      'Name=cron',
    ]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(
      /Schedule \S+ created \(enabled\)\.\nNext runs \(Europe\/Berlin, cron 0 9 \* \* 1-5\):\n( {2}\S+ {2}\(\S+Z\)\n){5}/,
    );
    const listed = await hookbook(['schedules', 'list', '--runbook', name, '-o', 'json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: sched, runbook: name, isEnabled: true }]);
    expect((await hookbook(['schedules', 'disable', sched])).stdout).toContain(`Schedule ${sched} disabled; next run: none.`);
    expect(JSON.parse((await hookbook(['schedules', 'get', sched, '--json'])).stdout)).toMatchObject({ isEnabled: false });
    expect((await hookbook(['schedules', 'enable', sched])).code).toBe(0);
    expect((await hookbook(['schedules', 'delete', sched])).code).toBe(0);
    expect((await hookbook(['schedules', 'get', sched])).code).toBe(3);
    const preview = await hookbook([
      'schedules',
      'preview',
      '--frequency',
      'Day',
      '--start',
      '2030-01-01T06:00:00',
      '--count',
      '3',
      '-o',
      'json',
    ]);
    expect(JSON.parse(preview.stdout).occurrences).toHaveLength(3);

    // jobs list with filters.
    const run = await hookbook(['jobs', 'run', name, '-p', 'Name=list']);
    expect(run.code, run.stderr).toBe(0);
    const done = JSON.parse((await hookbook(['jobs', 'list', '--runbook', name, '--status', 'Completed', '--json'])).stdout);
    expect(done.value.length).toBeGreaterThan(0);
    const none = JSON.parse((await hookbook(['jobs', 'list', '--runbook', name, '--status', 'Failed', '--json'])).stdout);
    expect(none.value).toEqual([]);
    const byKey = JSON.parse((await hookbook(['jobs', 'list', '--started-by', 'nobody-at-all', '--json'])).stdout);
    expect(byKey.value).toEqual([]);
    expect((await hookbook(['runbooks', 'delete', name])).code).toBe(0);
  }, 120_000);

  it('assets: variables typed, a credential password and a connection secret read from stdin, never argv', async () => {
    const v = `cli fh ${tag}`;
    expect((await hookbook(['variables', 'set', v, '42', '--type', 'int'])).stdout).toContain(`Variable ${v} created.`);
    expect((await hookbook(['variables', 'set', v, '43'])).stdout).toContain(`Variable ${v} updated.`);
    expect(JSON.parse((await hookbook(['variables', 'get', v, '--json'])).stdout)).toMatchObject({ type: 'int', value: 43 });
    const badObject = await hookbook(['variables', 'set', `${v}-o`, '{nope', '--type', 'object']);
    expect(badObject.code).toBe(3);
    expect(badObject.stderr).toContain('is not valid JSON');
    const secret = await hookbook(['variables', 'set', `${v}-s`, '-', '--encrypted'], { stdin: 'hunter2\n' });
    expect(secret.code, secret.stderr).toBe(0);
    expect((await hookbook(['variables', 'list'])).stdout).toMatch(new RegExp(`${v}-s +string +\\*\\*\\*`));

    const cred = `cli-cred-${tag}`;
    const c = await hookbook(['credentials', 'set', cred, '--user', 'svc@contoso.com', '--password-stdin'], { stdin: 'pa55 word\n' });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain(`Credential ${cred} created.`);
    const shown = await hookbook(['credentials', 'get', cred, '-o', 'yaml']);
    expect(parseYaml(shown.stdout)).toMatchObject({ name: cred, userName: 'svc@contoso.com' });
    expect(shown.stdout).not.toContain('pa55');
    // On a terminal (a real pty, through util-linux `script`) the password is prompted for, without echo.
    if (spawnSync('script', ['--version']).status === 0) {
      const bin = path.join(repoRoot, 'cli', 'bin.cjs');
      const child = spawn(
        'script',
        ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} credentials set ${cred} --user tty-user`, '/dev/null'],
        {
          env: { ...process.env, NO_COLOR: '1', HOOKBOOK_URL: url, HOOKBOOK_KEY: key },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let typed = false;
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (!typed && out.includes('Password for tty-user: ')) {
          typed = true;
          child.stdin.write('typed-secret\r');
        }
      });
      const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? -1)));
      expect(code, out).toBe(0);
      expect(out).toContain(`Credential ${cred} updated.`);
      expect(out).not.toContain('typed-secret');
    }
    const empty = await hookbook(['credentials', 'set', cred, '--user', 'x'], { stdin: '' });
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain('is empty');

    const conn = `cli-conn-${tag}`;
    const made = await hookbook(
      ['connections', 'set', conn, '--type', 'EntraApp', '-F', 'TenantId=t1', '-F', 'ClientId=c1', '-F', 'ClientSecret=-'],
      {
        stdin: 's3cret\n',
      },
    );
    expect(made.code, made.stderr).toBe(0);
    const got = JSON.parse((await hookbook(['connections', 'get', conn, '--json'])).stdout);
    expect(got).toMatchObject({ connectionType: 'EntraApp', fields: { TenantId: 't1', ClientId: 'c1' }, secretFields: ['ClientSecret'] });
    expect(JSON.stringify(got)).not.toContain('s3cret');
    for (const [kind, n] of [
      ['variables', v],
      ['variables', `${v}-s`],
      ['credentials', cred],
      ['connections', conn],
    ] as const)
      expect((await hookbook([kind, 'delete', n])).code).toBe(0);
  }, 90_000);

  it('worker groups and their keys', async () => {
    const g = `cli-wg-${tag}`;
    expect((await hookbook(['worker-groups', 'create', g])).code).toBe(0);
    const k = await hookbook(['worker-groups', 'add-key', g, '--json']);
    const created = JSON.parse(k.stdout) as { keyId: string; key: string };
    expect(created.key).toMatch(new RegExp(`^${created.keyId}:`));
    const keys = await hookbook(['worker-groups', 'keys', g]);
    expect(keys.stdout).toContain(created.keyId);
    expect(keys.stdout).not.toContain(created.key.split(':')[1]);
    expect((await hookbook(['worker-groups', 'revoke-key', g, created.keyId])).code).toBe(0);
    expect(JSON.parse((await hookbook(['worker-groups', 'list', '-o', 'json'])).stdout).map((x: { name: string }) => x.name)).toContain(g);
    expect((await hookbook(['worker-groups', 'delete', g])).code).toBe(0);
  });

  it('shell completion for bash, zsh and PowerShell: valid scripts that offer the groups and commands', async () => {
    const bash = await hookbook(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(spawnSync('bash', ['-n'], { input: bash.stdout }).status).toBe(0);
    const words = spawnSync(
      'bash',
      ['-c', `${bash.stdout}\nCOMP_WORDS=(hookbook worker-groups a); COMP_CWORD=2; _hookbook; echo "\${COMPREPLY[*]}"`],
      {
        encoding: 'utf8',
      },
    );
    expect(words.stdout.trim()).toBe('add-key');
    const zsh = await hookbook(['completion', 'zsh']);
    expect(zsh.stdout).toContain('compdef _hookbook hookbook');
    expect(zsh.stdout).toContain('schedules) compadd -- create preview list get enable disable delete');
    const ps = await hookbook(['completion', 'powershell']);
    expect(ps.stdout).toContain('Register-ArgumentCompleter -Native -CommandName hookbook');
    const pwsh = testPwsh();
    if (pwsh) {
      const parsed = spawnSync(
        pwsh,
        [
          '-NoProfile',
          '-NonInteractive',
          '-Command',
          '$e=$null;$t=$null;[void][System.Management.Automation.Language.Parser]::ParseInput([Console]::In.ReadToEnd(),[ref]$t,[ref]$e);$e.Count',
        ],
        { input: ps.stdout, encoding: 'utf8' },
      );
      expect(parsed.stdout.trim()).toBe('0');
    }
    const none = await hookbook(['completion', 'fish']);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('bash, zsh or powershell');
  }, 60_000);
});
