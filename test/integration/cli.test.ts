// The `hookbook` CLI, run as a child process (node cli/bin.cjs, what `npx hookbook` runs) against
// the shared local host. Waits are on process output and exit, never on time.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { http } from '../support/http';
import { repoRoot } from '../support/host';

const url = inject('hookbookUrl');
const key = inject('hookbookAdminKey');
const auth = { Authorization: `Basic ${Buffer.from(key).toString('base64')}` };
const dir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-cli-'));
// Runbooks look for signal files here, and jobs run as other users where the host is root
// (docs/security.md): they may pass through, not list (the CLI config kept here is 0600).
chmodSync(dir, 0o711);
const tag = randomBytes(4).toString('hex');
const names = { ok: `cli-ok-${tag}`, fail: `cli-fail-${tag}`, wait: `cli-wait-${tag}` };

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number>;
}

function cli(args: string[], env: Record<string, string | undefined> = { HOOKBOOK_URL: url, HOOKBOOK_KEY: key }): Run {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: dir, ...env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete childEnv[k];
  const child = spawn(process.execPath, [path.join(repoRoot, 'cli', 'bin.cjs'), ...args], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1))),
  };
  child.stdout!.on('data', (b: Buffer) => (run.stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (run.stderr += b.toString()));
  return run;
}

async function done(args: string[], env?: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = cli(args, env);
  const code = await r.exited;
  return { code, stdout: r.stdout, stderr: r.stderr };
}

/** Resolves once `r`'s stdout satisfies `test` (checked on every chunk), rejects if it exits first. */
function stdoutMatches(r: Run, test: (s: string) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (test(r.stdout)) {
        r.child.stdout!.off('data', check);
        resolve();
      }
    };
    r.child.stdout!.on('data', check);
    void r.exited.then((code) => reject(new Error(`the CLI exited (${code}) first:\n${r.stdout}\n${r.stderr}`)));
    check();
  });
}

function script(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

beforeAll(async () => {
  const ok = script('ok.sh', 'echo "VERBOSE: connecting"\necho "hello $Name"\necho "WARNING: careful"\n');
  const fail = script('fail.sh', 'echo "about to fail"\necho "it broke" >&2\nexit 3\n');
  const wait = script('wait.sh', 'echo first\nfor i in $(seq 1 900); do [ -f "$signal" ] && break; sleep 0.1; done\necho second\n');
  const created = await Promise.all([
    done(['runbooks', 'create', names.ok, '--type', 'bash', '--file', ok, '--declare', 'Name:string!', '--publish']),
    done(['runbooks', 'create', names.fail, '--type', 'bash', '--file', fail, '--publish', '--json']),
    done(['runbooks', 'create', names.wait, '--type', 'bash', '--file', wait, '--declare', 'signal:string!', '--publish']),
  ]);
  for (const c of created) expect(c.code, c.stderr).toBe(0);
  expect(JSON.parse(created[1]!.stdout)).toMatchObject({ name: names.fail, state: 'Published', version: 1 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hookbook CLI', () => {
  it('run: streams the output and exits 0 when the job Completed', async () => {
    const r = await done(['jobs', 'run', names.ok, '-p', 'Name=world']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['VERBOSE: connecting', 'hello world', 'WARNING: careful']);
    expect(r.stderr).toMatch(/Job [0-9a-f-]{36} Completed/);
  });

  it('run: exits 1 when the job Failed and prints the exception', async () => {
    const r = await done(['jobs', 'run', names.fail]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('about to fail');
    expect(r.stdout).toContain('ERROR: it broke');
    expect(r.stderr).toMatch(/Failed/);
    expect(r.stderr).toContain('Exception: it broke');
  });

  it('--json: run prints the job and its streams as one JSON document; list and get parse', async () => {
    const r = await done(['jobs', 'run', names.ok, '-p', 'Name=json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.job).toMatchObject({ runbook: names.ok, status: 'Completed', parameters: { Name: 'json' } });
    expect(out.streams.map((s: { streamType: string }) => s.streamType)).toEqual(['Verbose', 'Output', 'Warning']);

    const failed = await done(['jobs', 'run', names.fail, '--json']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).job).toMatchObject({ status: 'Failed', exception: 'it broke' });

    const list = await done(['jobs', 'list', '--runbook', names.ok, '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).value.map((j: { jobId: string }) => j.jobId)).toContain(out.job.jobId);

    const get = await done(['jobs', 'get', out.job.jobId, '--json']);
    expect(JSON.parse(get.stdout)).toMatchObject({ jobId: out.job.jobId, status: 'Completed' });

    const runbooks = await done(['runbooks', 'list', '--json']);
    expect(JSON.parse(runbooks.stdout).map((rb: { name: string }) => rb.name)).toEqual(expect.arrayContaining(Object.values(names)));

    const logs = await done(['jobs', 'logs', out.job.jobId, '--json']);
    expect(JSON.parse(logs.stdout).map((s: { streamText: string }) => s.streamText)).toEqual(['connecting', 'hello json', 'careful']);
  });

  it('logs --follow prints the records of a job that is still running, then exits with its status', async () => {
    const signal = path.join(dir, `go-${randomBytes(3).toString('hex')}`);
    const start = await done(['jobs', 'start', names.wait, '-p', `signal=${signal}`]);
    expect(start.code, start.stderr).toBe(0);
    const jobId = start.stdout.trim();
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

    const follow = cli(['jobs', 'logs', jobId, '--follow']);
    await stdoutMatches(follow, (s) => s.includes('first\n'));
    const during = await http(url, `api/v1/jobs/${jobId}`, { headers: auth });
    expect(during.json.status).toBe('Running');
    expect(follow.stdout).not.toContain('second');

    writeFileSync(signal, 'go');
    expect(await follow.exited).toBe(0);
    expect(follow.stdout.split('\n').filter(Boolean)).toEqual(['first', 'second']);
    expect(follow.stderr).toContain(`Job ${jobId} Completed`);
  });

  it('logs --follow --json prints one JSON object a line and exits 2 for a job that is Stopped', async () => {
    const start = await done(['jobs', 'start', names.wait, '--params', JSON.stringify({ signal: path.join(dir, 'never') }), '--json']);
    const { jobId } = JSON.parse(start.stdout);
    const follow = cli(['jobs', 'logs', jobId, '--follow', '--json']);
    await stdoutMatches(follow, (s) => s.includes('"first"'));
    const stop = await done(['jobs', 'stop', jobId]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(await follow.exited).toBe(2);
    const lines = follow.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ streamType: 'Output', streamText: 'first' });
    expect(lines.at(-1)).toMatchObject({ end: { jobId, status: 'Stopped' } });
  });

  it('exits 3 on usage errors, HTTP errors and missing credentials; reads the config file', async () => {
    const usage = await done(['jobs', 'frobnicate']);
    expect(usage.code).toBe(3);
    expect(usage.stderr).toContain("Unknown command 'jobs frobnicate'");

    const unknownRunbook = await done(['jobs', 'run', `nope-${tag}`]);
    expect(unknownRunbook.code).toBe(3);
    expect(unknownRunbook.stderr).toContain('HTTP 404');

    const badKey = await done(['jobs', 'list'], { HOOKBOOK_URL: url, HOOKBOOK_KEY: 'nobody:wrong' });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toContain('HTTP 401');

    const noKey = await done(['jobs', 'list'], { HOOKBOOK_URL: url, HOOKBOOK_KEY: undefined });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain('No API key');

    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ url, key }));
    const viaConfig = await done(['runbooks', 'get', names.ok, '--config', config, '--json'], {
      HOOKBOOK_URL: undefined,
      HOOKBOOK_KEY: undefined,
    });
    expect(viaConfig.code, viaConfig.stderr).toBe(0);
    expect(JSON.parse(viaConfig.stdout)).toMatchObject({ name: names.ok, parameters: [{ name: 'Name', type: 'string', mandatory: true }] });
  });

  it('webhooks create prints the URL once; list and delete', async () => {
    const name = `cli-hook-${tag}`;
    const created = await done(['webhooks', 'create', name, '--runbook', names.ok, '-p', 'Name=hook', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const wh = JSON.parse(created.stdout);
    expect(wh.uri).toMatch(/\/webhooks\?token=/);
    const fired = await fetch(wh.uri, { method: 'POST', body: '{}' });
    expect(fired.status).toBe(202);

    const list = await done(['webhooks', 'list', '--runbook', names.ok, '--json']);
    const listed = JSON.parse(list.stdout);
    expect(listed.map((w: { name: string }) => w.name)).toContain(name);
    expect(JSON.stringify(listed)).not.toContain('token=');

    expect((await done(['webhooks', 'delete', name])).code).toBe(0);
    const after = await done(['webhooks', 'list', '--runbook', names.ok, '--json']);
    expect(JSON.parse(after.stdout).map((w: { name: string }) => w.name)).not.toContain(name);
  });
});
