// The first hour of a new user (issue 25), each defect reproduced on a real host: PowerShell found
// where `npm test` put it though PATH has none, a job whose interpreter is missing failing with a
// sentence that says what to do, and the start-up banner that says first where things are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost, type RunningHost } from '../support/host';
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
      expect(host.output()).toMatch(/pwsh runbooks: \S+\/\.tools\/pwsh\/pwsh/);
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
