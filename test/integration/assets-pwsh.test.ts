// The pwsh asset module with real PowerShell: an Azure Automation runbook that calls
// Get-AutomationPSCredential, Get-AutomationVariable, Get-AutomationConnection and
// Set-AutomationVariable runs unchanged, with Azure's documented shapes (a PSCredential, typed
// variable values, a hashtable), and a password it prints is masked.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, uniqueName, type Api } from '../support/api';
import { repoRoot, startHost, type RunningHost } from '../support/host';

// Where `npm test` installs pwsh (scripts/ensure-tools.sh), then the machine's own tool folder.
const PATH = [join(repoRoot, '.tools', 'pwsh'), '/opt/hookbook-tools/pwsh', process.env.PATH].join(delimiter);
const pwshFound = (() => {
  try {
    execFileSync('pwsh', ['-NoLogo', '-NoProfile', '-Command', '$PSVersionTable.PSVersion.ToString()'], {
      env: { ...process.env, PATH },
      stdio: 'pipe',
      timeout: 60_000,
    });
    return true;
  } catch {
    return false;
  }
})();
if (!pwshFound)
  console.warn('assets-pwsh.test.ts DID NOT RUN: pwsh was not found on PATH (nor in .tools/pwsh or /opt/hookbook-tools/pwsh).');

const id = randomBytes(3).toString('hex');
const password = `pw-${randomBytes(12).toString('hex')}`;
const clientSecret = `cs-${randomBytes(12).toString('hex')}`;
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 12);

let host: RunningHost;
let a: Api;

describe.skipIf(!pwshFound)('pwsh: Azure Automation cmdlets', () => {
  beforeAll(async () => {
    host = await startHost({ env: { PATH } });
    a = api(host.url, host.adminKey);
    for (const [path, body] of [
      ['variables', { name: `Tenant-${id}`, value: 'contoso.onmicrosoft.com' }],
      ['variables', { name: `Looks-${id}`, value: '2026-01-01T00:00:00Z' }],
      ['variables', { name: `Count-${id}`, type: 'int', value: 42 }],
      ['variables', { name: `Enabled-${id}`, type: 'bool', value: true }],
      ['variables', { name: `LastRun-${id}`, type: 'datetime', value: '2026-01-01T00:00:00Z' }],
      ['variables', { name: `Settings-${id}`, type: 'object', value: { region: 'westeurope', sizes: [1, 2] } }],
      ['credentials', { name: `Svc-${id}`, userName: 'CONTOSO\\svc', password }],
      [
        'connections',
        { name: `Graph-${id}`, connectionType: 'EntraApp', fields: { TenantId: 't-1', ClientId: 'c-2', ClientSecret: clientSecret } },
      ],
    ] as const) {
      const r = await a.call('POST', `/api/v1/assets/${path}`, body);
      expect(r.status, r.text).toBe(201);
    }
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('an Azure Automation runbook runs unchanged', async () => {
    // Written as for Azure Automation: no import, no Hookbook-specific call.
    const content = `
param([string] $Greeting = 'hello')
$hash = { param($s) ([BitConverter]::ToString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($s))) -replace '-', '').ToLower().Substring(0, 12) }
$cred = Get-AutomationPSCredential -Name 'Svc-${id}'
Write-Output "cred=$($cred.GetType().FullName) $($cred.UserName) $(& $hash $cred.GetNetworkCredential().Password)"
Write-Output "tenant=$(Get-AutomationVariable -Name 'Tenant-${id}')"
$looks = Get-AutomationVariable 'Looks-${id}'
Write-Output "looks=$($looks.GetType().Name) $looks"
$count = Get-AutomationVariable -Name 'Count-${id}'
Write-Output "count=$($count.GetType().Name) $($count + 1)"
$enabled = Get-AutomationVariable -Name 'Enabled-${id}'
Write-Output "enabled=$($enabled.GetType().Name) $enabled"
$last = Get-AutomationVariable -Name 'LastRun-${id}'
Write-Output "last=$($last.GetType().Name) $($last.ToUniversalTime().ToString('yyyy-MM-dd'))"
$settings = Get-AutomationVariable -Name 'Settings-${id}'
Write-Output "settings=$($settings.region) $($settings.sizes.Count)"
$conn = Get-AutomationConnection -Name 'Graph-${id}'
Write-Output "conn=$($conn.GetType().Name) $($conn.ClientId) $($conn['tenantid']) $(& $hash $conn.ClientSecret)"
Set-AutomationVariable -Name 'LastRun-${id}' -Value ([datetime]::new(2026, 3, 4, 5, 6, 7, [DateTimeKind]::Utc))
Write-Output "leak=$($cred.GetNetworkCredential().Password)"
`;
    const name = await a.createRunbook({
      name: uniqueName('assets-pwsh'),
      type: 'pwsh',
      content,
      assets: {
        variables: [`Tenant-${id}`, `Looks-${id}`, `Count-${id}`, `Enabled-${id}`, `Settings-${id}`],
        writeVariables: [`LastRun-${id}`],
        credentials: [`Svc-${id}`],
        connections: [`Graph-${id}`],
      },
    });
    const r = await a.call('POST', '/api/v1/jobs', { runbook: name });
    expect(r.status, r.text).toBe(202);
    const job = await a.waitForStatus(r.json.jobId, ['Completed', 'Failed', 'Stopped'], 120_000);
    const streams = await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`);
    const output = (streams.json.value as { streamType: string; streamText: string }[])
      .filter((s) => s.streamType === 'Output')
      .map((s) => s.streamText);
    expect(job.status, `${JSON.stringify(job)}\n${streams.text}`).toBe('Completed');
    expect(output).toEqual([
      `cred=System.Management.Automation.PSCredential CONTOSO\\svc ${sha(password)}`,
      'tenant=contoso.onmicrosoft.com',
      'looks=String 2026-01-01T00:00:00Z',
      'count=Int32 43',
      'enabled=Boolean True',
      'last=DateTime 2026-01-01',
      'settings=westeurope 2',
      `conn=Hashtable c-2 t-1 ${sha(clientSecret)}`,
      'leak=***',
    ]);
    expect(streams.text).not.toContain(password);
    const v = await a.call('GET', `/api/v1/assets/variables/LastRun-${id}`);
    expect(v.json.value).toBe('2026-03-04T05:06:07.000Z');
  });

  it('an undeclared asset fails the job with a sentence naming it', async () => {
    const name = await a.createRunbook({
      name: uniqueName('assets-pwsh'),
      type: 'pwsh',
      content: `try { $c = Get-AutomationPSCredential -Name 'Svc-${id}' } catch { Write-Output "error=$($_.Exception.Message)"; throw }\nWrite-Output 'unreachable'`,
    });
    const r = await a.call('POST', '/api/v1/jobs', { runbook: name });
    const job = await a.waitForStatus(r.json.jobId, ['Completed', 'Failed', 'Stopped'], 120_000);
    expect(job.status).toBe('Failed');
    const streams = await a.call('GET', `/api/v1/jobs/${job.jobId}/streams?streamTypes=Output`);
    expect(streams.json.value.map((s: { streamText: string }) => s.streamText)).toEqual([
      `error=Runbook '${name}' does not declare credential 'Svc-${id}' in its manifest (assets.credentials); a job reads only the assets its runbook declares.`,
    ]);
  });
});
