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
