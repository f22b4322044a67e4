// The first hour of a new user (issue 25), each defect reproduced on a real host: PowerShell found
// where `npm test` put it though PATH has none, a job whose interpreter is missing failing with a
// sentence that says what to do, and the start-up banner that says first where things are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startHost, type RunningHost } from '../support/host';
import { api, uniqueName, type Api } from '../support/api';
import { testPwsh } from '../support/pwsh';

const pwsh = testPwsh();
// A PATH with no pwsh on it and a HOME with no ~/.dotnet/tools: only the repository's .tools/pwsh.
const bare = { PATH: '/usr/bin:/bin', HOME: mkdtempSync(join(tmpdir(), 'hb-first-hour-home-')), HOOKBOOK_PWSH_PATH: '' };

let host: RunningHost;
let missing: RunningHost;
let a: Api;
let m: Api;

describe('the first hour', () => {
  beforeAll(async () => {
    [host, missing] = await Promise.all([
      startHost({ env: { ...bare, HOOKBOOK_VERBOSE: '' } }),
      startHost({ env: { ...bare, HOOKBOOK_PWSH_PATH: '/nonexistent/pwsh' } }),
    ]);
    a = api(host.url, host.adminKey);
    m = api(missing.url, missing.adminKey);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([host?.stop(), missing?.stop()]);
  });

  it.skipIf(!pwsh)(
    'a pwsh runbook runs on a host whose PATH has no pwsh (the one `npm test` installed)',
    async () => {
      // The repository's .tools/pwsh, or (a checkout the job user cannot enter, e.g. a 0700 folder) a
      // copy of it staged where that user can run it.
      expect(host.output()).toMatch(/pwsh runbooks: (\S+\/\.tools\/pwsh\/pwsh|\S+ \(copied from \S+\/\.tools\/pwsh\/pwsh,)/);
      const name = await a.createRunbook({
        name: uniqueName('first-pwsh'),
        type: 'pwsh',
        content: 'param([string]$Name = "world")\nWrite-Output "hello $Name from $($PSVersionTable.PSVersion.Major)"\n',
      });
      const s = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { Name: 'newcomer' } });
      expect(s.status, s.text).toBe(202);
      const job = await a.waitForStatus(s.json.jobId, ['Completed', 'Failed', 'Stopped'], 120_000);
      expect(job.status, job.exception).toBe('Completed');
      const streams = (await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`)).json.value as Array<{ streamText: string }>;
      expect(streams.map((x) => x.streamText).join('\n')).toContain('hello newcomer from 7');
    },
    150_000,
  );

  it('a job whose interpreter cannot be found fails with a sentence: what, where it looked, which setting', async () => {
    expect(missing.output()).toMatch(
      /pwsh runbooks: NOT AVAILABLE: PowerShell 7 \(pwsh\) not found \(looked in HOOKBOOK_PWSH_PATH=\/nonexistent\/pwsh\)/,
    );
    const name = await m.createRunbook({ name: uniqueName('first-nopwsh'), type: 'pwsh', content: 'Write-Output hi\n' });
    const s = await m.call('POST', '/api/v1/jobs', { runbook: name });
    expect(s.status, s.text).toBe(202);
    const job = await m.waitForStatus(s.json.jobId, ['Completed', 'Failed', 'Stopped'], 60_000);
    expect(job.status).toBe('Failed');
    expect(job.exception).toContain('pwsh runbooks cannot run on this worker: PowerShell 7 (pwsh) not found');
    expect(job.exception).toContain('HOOKBOOK_PWSH_PATH=/nonexistent/pwsh');
    expect(job.exception).toContain('set HOOKBOOK_PWSH_PATH');
    expect(job.exception).not.toMatch(/spawn|EACCES|ENOENT/);
  }, 90_000);

  it('a script its parser refuses is refused when saved or published: 400 with the line and the message', async () => {
    const broken: Array<[string, string, RegExp]> = [
      ['bash', 'echo start\nif then\n', /bash syntax error at line 2: syntax error near unexpected token `then'/],
      ['python3', 'x = 1\ndef f(:\n    pass\n', /python3 syntax error at line 2: /],
      ['node', 'module.exports = async () => {\n  return (1;\n};\n', /node syntax error at line 2: SyntaxError: /],
      ...(pwsh
        ? ([
            [
              'pwsh',
              'param([string]$Name)\nforeach ($x in 1..3) {{\n  Write-Output $x\n}\n',
              /pwsh syntax error at line \d: Missing closing '}'/,
            ],
          ] as Array<[string, string, RegExp]>)
        : []),
    ];
    for (const [type, content, expected] of broken) {
      const name = uniqueName(`first-syntax-${type}`);
      const created = await a.call('POST', '/api/v1/runbooks', { name, type, content });
      expect(created.status, `${type}: ${created.text}`).toBe(400);
      expect(created.json.message ?? created.text, type).toMatch(expected);
      // A valid first draft, then a broken one: the save is refused and the good draft stays.
      const good = { bash: 'echo ok\n', python3: 'print("ok")\n', node: 'module.exports = async () => "ok";\n', pwsh: 'Write-Output ok\n' }[
        type
      ]!;
      expect((await a.call('POST', '/api/v1/runbooks', { name, type, content: good })).status).toBe(201);
      const update = await a.call('PUT', `/api/v1/runbooks/${name}/draft`, { content });
      expect(update.status, `${type}: ${update.text}`).toBe(400);
      expect(update.json.message ?? update.text, type).toMatch(expected);
      expect((await a.call('GET', `/api/v1/runbooks/${name}/content?version=draft`)).text).toBe(good);
      expect((await a.call('POST', `/api/v1/runbooks/${name}/publish`)).status).toBe(200);
    }
  }, 120_000);

  it("repository runbooks have a real modified time (their file's), not Jan 1970", async () => {
    const list = (await a.call('GET', '/api/v1/runbooks')).json.value as Array<{ source: string; lastModifiedTime: string; name: string }>;
    const repo = list.filter((r) => r.source === 'repository');
    expect(repo.length).toBeGreaterThan(0);
    for (const r of repo) expect(new Date(r.lastModifiedTime).getUTCFullYear(), r.name).toBeGreaterThan(2000);
  });

  it('asset names: what the docs allow (a leading "_" or ".", any letter) is accepted; "/" and ".." are not', async () => {
    const tag = uniqueName('n').slice(2);
    for (const name of [`_Internal${tag}`, `.hidden${tag}`, `Müller${tag}`, `東京${tag}`]) {
      const r = await a.call('POST', '/api/v1/assets/variables', { name, value: 'v' });
      expect(r.status, `${name}: ${r.text}`).toBe(201);
      const got = await a.call('GET', `/api/v1/assets/variables/${encodeURIComponent(name)}`);
      expect(got.json).toMatchObject({ name, value: 'v' });
    }
    for (const name of ['..', '-dash', 'trailing ', 'a/b']) {
      const r = await a.call('POST', '/api/v1/assets/variables', { name, value: 'v' });
      expect(r.status, name).toBe(400);
    }
  });

  it('asset values: one limit (32768 characters), everything under it stored, over it 400 with one message', async () => {
    const tag = uniqueName('v');
    for (const [i, len] of [24_000, 26_000, 32_768].entries()) {
      const v = await a.call('POST', '/api/v1/assets/variables', { name: `${tag}-${i}`, value: 'x'.repeat(len), encrypted: true });
      expect(v.status, `encrypted variable of ${len}: ${v.text}`).toBe(201);
      const c = await a.call('POST', '/api/v1/assets/credentials', { name: `${tag}-c${i}`, userName: 'u', password: 'é'.repeat(len) });
      expect(c.status, `password of ${len}: ${c.text}`).toBe(201);
      expect((await a.call('PATCH', `/api/v1/assets/credentials/${tag}-c${i}`, { password: 'p'.repeat(len) })).status).toBe(200);
    }
    const tooLong = [
      await a.call('POST', '/api/v1/assets/variables', { name: `${tag}-x`, value: 'x'.repeat(32_769), encrypted: true }),
      await a.call('POST', '/api/v1/assets/variables', { name: `${tag}-y`, value: 'x'.repeat(60_000) }),
      await a.call('POST', '/api/v1/assets/credentials', { name: `${tag}-z`, userName: 'u', password: 'x'.repeat(32_769) }),
      await a.call('POST', '/api/v1/assets/connections', {
        name: `${tag}-w`,
        connectionType: 'BasicAuth',
        fields: { UserName: 'u', Password: 'x'.repeat(20_000), Url: 'y'.repeat(20_000) },
      }),
    ];
    for (const r of tooLong) {
      expect(r.status, r.text).toBe(400);
      expect(r.text).toContain("is longer than 32768 characters, the limit of an asset's value");
    }
  });

  it("the asset audit's kind is accepted singular and plural; an EntraApp connection needs its ClientSecret", async () => {
    const name = uniqueName('audited');
    expect((await a.call('POST', '/api/v1/assets/variables', { name, value: 'v' })).status).toBe(201);
    for (const kind of ['variable', 'variables', 'Variables']) {
      const r = await a.call('GET', `/api/v1/assets/audit?kind=${kind}&name=${name}`);
      expect(r.status, `${kind}: ${r.text}`).toBe(200);
      expect(r.json.value).toMatchObject([{ kind: 'variable', name, action: 'create' }]);
    }
    const noSecret = await a.call('POST', '/api/v1/assets/connections', {
      name: uniqueName('graph'),
      connectionType: 'EntraApp',
      fields: { TenantId: 't', ClientId: 'c' },
    });
    expect(noSecret.status).toBe(400);
    expect(noSecret.text).toContain("type EntraApp needs the field 'ClientSecret'");
  });

  it("a node runbook's console.log and ctx.output lines come out in the order it wrote them", async () => {
    const name = await a.createRunbook({
      name: uniqueName('first-order'),
      type: 'node',
      content:
        'module.exports = async (p, ctx) => {\n' +
        '  for (let i = 0; i < 50; i++) { console.log(`log ${i}`); ctx.output(`out ${i}`); }\n' +
        '  console.log("VERBOSE: detail"); console.error("oops");\n' +
        '};\n',
    });
    const s = await a.call('POST', '/api/v1/jobs', { runbook: name });
    const job = await a.waitForStatus(s.json.jobId, ['Completed', 'Failed', 'Stopped'], 60_000);
    expect(job.status).toBe('Completed');
    const streams = (await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`)).json.value as Array<{
      streamType: string;
      streamText: string;
    }>;
    const expected = Array.from({ length: 50 }, (_, i) => [`log ${i}`, `out ${i}`]).flat();
    expect(streams.filter((r) => r.streamType === 'Output').map((r) => r.streamText)).toEqual(expected);
    expect(streams.slice(-2)).toMatchObject([
      { streamType: 'Verbose', streamText: 'detail' },
      { streamType: 'Error', streamText: 'oops' },
    ]);
  }, 90_000);

  it("the README's start, then status: the example waits until the job has ended", async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const block = readme.slice(readme.indexOf('# start: returns as soon as the job is queued'));
    const lines = block.slice(0, block.indexOf('/output/text')).split('\n').slice(0, -1).join('\n');
    expect(lines).toContain('until curl');
    const r = spawnSync('bash', ['-c', `set -e\n${lines}\necho "JOB=$JOB"`], {
      env: { ...process.env, H: host.url, K: host.adminKey },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    // The status answers are bare words without a newline: the last one, right before JOB=, is Completed.
    expect(r.stdout.trim()).toMatch(/Completed\n?JOB=[0-9a-f-]{36}$/);
  }, 150_000);

  it('the banner says first the API, the dashboard, the admin key and the data; routes only when verbose', () => {
    const out = host.output();
    const banner = out.slice(out.indexOf('Hookbook is running at'));
    const lines = banner.split('\n');
    expect(lines[1]).toMatch(/^ {2}API: +http:\/\/localhost:\d+\/api\/v1/);
    expect(lines[2]).toMatch(/^ {2}Dashboard: +http:\/\/localhost:\d+\/ui\//);
    expect(lines[3]).toMatch(/^ {2}Admin key: +key id "test-admin-[0-9a-f]+"; the key is HOOKBOOK_BOOTSTRAP_KEY .* in the environment/);
    expect(lines[4]).toMatch(/^ {2}Data: +in memory/);
    expect(banner).not.toMatch(/Functions \(\d+\):/);
    expect(banner).toContain('npm start -- --verbose');
    expect(out).not.toContain(host.adminKey.split(':')[1]);
    // The suites' hosts are verbose (test/support/host.ts): the route list is there.
    expect(missing.output()).toMatch(/Functions \(\d+\):\n {2}\S+: \[/);
  });
});
