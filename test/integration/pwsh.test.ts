// PowerShell runbooks end to end with real pwsh on a private host: Azure's webhook sample workflow,
// param() blocks bound as Azure binds them, every stream, exceptions through all three dialects,
// stop and time limit killing pwsh and its children, parameter values that stay data.
// Without pwsh the whole file is skipped with a warning saying so (see test/support/pwsh.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startHost, type RunningHost } from '../support/host';
import { api, uniqueName, type Api } from '../support/api';
import { http, waitFor } from '../support/http';
import { testPwsh } from '../support/pwsh';
import { createHook, invoke, jobOf } from './webhooks-support';

const pwsh = testPwsh();
const fixtures = join(repoRoot, 'test', 'fixtures');

/**
 * Jobs run as other users (docs/security.md) and may not reach into the repository (a clone under
 * /root): the stand-in modules go to a world-readable copy, as a user's modules would be installed.
 */
function readableCopy(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'hookbook-pwsh-modules-'));
  cpSync(dir, copy, { recursive: true });
  chmodSync(copy, 0o755);
  return copy;
}

let host: RunningHost;
let a: Api;

const byType = (streams: any[], t: string) => streams.filter((s) => s.streamType === t).map((s) => s.streamText);

async function streamsOf(jobId: string): Promise<any[]> {
  return (await a.call('GET', `/api/v1/jobs/${jobId}/streams`)).json.value as any[];
}

async function runToEnd(runbook: string, parameters: Record<string, unknown> = {}) {
  const s = await a.call('POST', '/api/v1/jobs', { runbook, parameters });
  expect(s.status, s.text).toBe(202);
  const job = await a.waitForStatus(s.json.jobId, ['Completed', 'Failed', 'Stopped'], 90_000);
  return { job, streams: await streamsOf(job.jobId) };
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  // A killed child whose new parent does not reap it stays a zombie: dead all the same.
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe.skipIf(!pwsh)('PowerShell runbooks (real pwsh)', () => {
  beforeAll(async () => {
    host = await startHost({
      env: {
        HOOKBOOK_PWSH_PATH: pwsh!,
        HOOKBOOK_RUNBOOKS_DIR: join(fixtures, 'pwsh-runbooks'),
        HOOKBOOK_PASS_ENV: 'PSModulePath',
        PSModulePath: readableCopy(join(fixtures, 'pwsh-modules')),
        HOOKBOOK_RUN_WAIT_SECONDS: '60',
        HOOKBOOK_STOP_GRACE_SECONDS: '2',
      },
    });
    a = api(host.url, host.adminKey);
    // The sample reads this credential asset (its manifest declares it) with Get-AutomationPSCredential.
    const cred = await a.call('POST', '/api/v1/assets/credentials', {
      name: 'MyAzureCredential',
      userName: 'automation@contoso.com',
      password: 'not-a-real-password',
    });
    expect(cred.status, cred.text).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
  });

  describe('Azure Automation webhook sample (a PowerShell Workflow)', () => {
    const SAMPLE = 'rjgit-pwshtest_Test-StartVirtualMachinesFromWebhook';
    // The documentation's request: Windows PowerShell's ConvertTo-Json of two VMs, headers From and Date.
    const docBody =
      '[\r\n    {\r\n        "Name":  "vm01",\r\n        "ServiceName":  "vm01"\r\n    },\r\n    {\r\n        "Name":  "vm02",\r\n        "ServiceName":  "vm02"\r\n    }\r\n]';
    const docHeaders = { From: 'user@contoso.com', Date: '05/28/2015 15:47:00', 'Content-Type': 'application/json' };

    it('the repository file (manifest: only its credential asset) declares WebhookData from the workflow param() block', async () => {
      const r = await a.call('GET', `/api/v1/runbooks/${SAMPLE}`);
      expect(r.status, r.text).toBe(200);
      expect(r.json.parameters).toEqual([{ name: 'WebhookData', type: 'object', mandatory: false, secret: false }]);
    });

    it("runs from POST /webhooks?token=… with the documentation's request and writes the documented output", async () => {
      const hook = await createHook(a, { runbook: SAMPLE });
      const jobId = await jobOf(a, await invoke(a.url, hook.path, docBody, docHeaders));
      const job = await a.waitForStatus(jobId, ['Completed', 'Failed', 'Stopped'], 90_000);
      expect(job.status, job.exception).toBe('Completed');
      const streams = await streamsOf(jobId);
      const out = byType(streams, 'Output');
      expect(out[0]).toBe(`Runbook started from webhook ${hook.name} by user@contoso.com.`);
      // Add-AzureAccount's account object, shown as PowerShell formats it and kept as data.
      const account = streams.find((s) => s.streamType === 'Output' && s.value?.Id);
      expect(account.value).toEqual({ Id: 'automation@contoso.com', Type: 'User', Subscriptions: 'stand-in' });
      expect(account.streamText).toMatch(/Id\s+Type\s+Subscriptions/);
      // The sample reads .VirtualMachines, which the documented array body does not have: PowerShell 7's
      // member enumeration yields one $null per array element, so the loop runs once per VM with no name.
      expect(out.filter((t) => t.startsWith('Starting'))).toEqual(['Starting .Name.', 'Starting .Name.']);
      expect(streams.filter((s) => s.value?.OperationDescription === 'Start-AzureVM')).toHaveLength(2);
      expect(byType(streams, 'Error')).toEqual([]);
    });

    it('starts each VM when the body carries VirtualMachines, with PowerShell string expansion as it is', async () => {
      const hook = await createHook(a, { runbook: SAMPLE });
      const body = JSON.stringify({
        VirtualMachines: [
          { Name: 'vm01', ServiceName: 'svc01' },
          { Name: 'vm02', ServiceName: 'svc02' },
        ],
      });
      const jobId = await jobOf(a, await invoke(a.url, hook.path, body, docHeaders));
      const job = await a.waitForStatus(jobId, ['Completed', 'Failed', 'Stopped'], 90_000);
      expect(job.status, job.exception).toBe('Completed');
      const streams = await streamsOf(jobId);
      expect(byType(streams, 'Output').filter((t) => t.startsWith('Starting'))).toEqual([
        'Starting @{Name=vm01; ServiceName=svc01}.Name.',
        'Starting @{Name=vm02; ServiceName=svc02}.Name.',
      ]);
      const started = streams
        .filter((s) => s.value?.OperationDescription === 'Start-AzureVM')
        .map((s) => [s.value.Name, s.value.ServiceName]);
      expect(started).toEqual([
        ['vm01', 'svc01'],
        ['vm02', 'svc02'],
      ]);
    });

    it('without WebhookData the sample writes its Error record and completes', async () => {
      const { job, streams } = await runToEnd(SAMPLE);
      expect(job.status).toBe('Completed');
      expect(byType(streams, 'Error')).toEqual(['Runbook mean to be started only from webhook.']);
    });

    it('WebhookData arrives as an object whose RequestBody is the raw request body string', async () => {
      const name = await a.createRunbook({
        name: uniqueName('pswh'),
        type: 'pwsh',
        content: [
          'param([object]$WebhookData)',
          'Write-Output $WebhookData.RequestBody',
          'Write-Output $WebhookData.RequestBody.GetType().FullName',
          'Write-Output "$($WebhookData.WebhookName) from $($WebhookData.RequestHeader.From)"',
        ].join('\n'),
      });
      const hook = await createHook(a, { runbook: name });
      const body = '{ "when": "2015-05-28T15:47:00Z",\n  "text": "$(whoami); \\"quoted\\"" }';
      const jobId = await jobOf(a, await invoke(a.url, hook.path, body, docHeaders));
      await a.waitForStatus(jobId, ['Completed'], 90_000);
      expect(byType(await streamsOf(jobId), 'Output')).toEqual([body, 'System.String', `${hook.name} from user@contoso.com`]);
    });

    it('a workflow that needs the workflow engine is refused: 400 at creation naming the construct and the line', async () => {
      const content = 'workflow Go\n{\n  param([string]$Name)\n  foreach -parallel ($n in 1..3) { $n }\n}';
      const r = await a.call('POST', '/api/v1/runbooks', { name: uniqueName('wf'), type: 'pwsh', content });
      expect(r.status, r.text).toBe(400);
      expect(r.json.detail).toMatch(/line 4: .*'foreach -parallel'/);
      const ok = await a.createRunbook({
        name: uniqueName('wf'),
        type: 'pwsh',
        content: 'workflow Go { param([string]$Name) InlineScript { "inline $using:Name" } }',
      });
      const draft = await a.call('PUT', `/api/v1/runbooks/${ok}/draft`, { content: 'workflow Go {\n  Checkpoint-Workflow\n}' });
      expect(draft.status, draft.text).toBe(400);
      expect(draft.json.detail).toMatch(/line 2: .*'Checkpoint-Workflow'/);
      const { job, streams } = await runToEnd(ok, { name: 'x' });
      expect(job.status, job.exception).toBe('Completed');
      expect(byType(streams, 'Output')).toEqual(['inline x']);
    });

    it('a repository workflow that needs the engine is not loaded, with a clear load error', async () => {
      expect((await a.call('GET', '/api/v1/runbooks/rjgit-pwshtest_Parallel-Workflow')).status).toBe(404);
      expect(host.output()).toMatch(/runbook skipped: .*Parallel-Workflow\.ps1: line 4: workflow construct 'parallel'/);
    });
  });

  describe('parameters as Azure binds them', () => {
    const TYPED = 'rjgit-pwshtest_Typed-Params';

    it('param() declares names, types, Mandatory and defaults of an unchanged Azure .ps1', async () => {
      const r = await a.call('GET', `/api/v1/runbooks/${TYPED}`);
      expect(r.json.parameters).toEqual([
        { name: 'UserName', type: 'string', mandatory: true, secret: false },
        { name: 'Days', type: 'int', mandatory: false, secret: false, default: 30 },
        { name: 'Notify', type: 'bool', mandatory: false, secret: false },
        { name: 'Since', type: 'datetime', mandatory: false, secret: false },
        { name: 'Groups', type: 'array', mandatory: false, secret: false },
      ]);
    });

    it('RealmJoin run binds typed values; a missing mandatory one is a 400 before any job exists', async () => {
      const before = (await a.call('GET', `/api/v1/jobs?runbook=${TYPED}&top=100`)).json.value.length;
      const missing = await a.call('POST', `/api/external/runbook/${TYPED}/run`, { Days: 3 });
      expect(missing.status).toBe(400);
      expect(missing.json.detail).toMatch(/'UserName' is mandatory/);
      const wrong = await a.call('POST', `/api/external/runbook/${TYPED}/run`, { UserName: 'a', Days: 'three' });
      expect(wrong.status).toBe(400);
      expect(wrong.json.detail).toMatch(/'Days'/);
      expect((await a.call('GET', `/api/v1/jobs?runbook=${TYPED}&top=100`)).json.value.length).toBe(before);

      const r = await a.call('POST', `/api/external/runbook/${TYPED}/run`, {
        username: 'someone@contoso.com',
        Notify: true,
        Since: '2024-05-01T10:00:00Z',
        Groups: ['Admins', 'Ops'],
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json.status).toBe('Completed');
      const out = r.json.streams.filter((s: any) => s.streamType === 'Output').map((s: any) => s.streamText);
      expect(out).toEqual(['someone@contoso.com days=30 (Int32) notify=True groups=Admins+Ops', 'since 2024-05-01T10:00:00Z DateTime']);
    });

    it('values holding PowerShell syntax stay inert data', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hb-psinject-'));
      const victim = join(dir, 'victim');
      const marker = join(dir, 'pwned');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(victim);
      const name = await a.createRunbook({
        name: uniqueName('psinject'),
        type: 'pwsh',
        content:
          'param([string]$Text, [object]$Data, [string[]]$List, [hashtable]$Map)\nWrite-Output $Text\nWrite-Output "$($Data.Cmd)"\nWrite-Output ($List -join "|")\nWrite-Output ($Map -is [hashtable])\nWrite-Output $Map["k"]',
      });
      const values = {
        Text: `"; Remove-Item -Recurse -Force '${victim}'; "`,
        Data: { Cmd: `$(New-Item -ItemType File -Path '${marker}')` },
        List: [`'; New-Item '${marker}' #`, '`$(Set-Content x y)'],
        Map: { k: `$(Remove-Item -Recurse -Force '${victim}')` },
      };
      const { job, streams } = await runToEnd(name, values);
      expect(job.status, job.exception).toBe('Completed');
      expect(byType(streams, 'Output')).toEqual([values.Text, values.Data.Cmd, values.List.join('|'), 'True', values.Map.k]);
      expect(existsSync(victim)).toBe(true);
      expect(existsSync(marker)).toBe(false);
    });
  });

  describe('streams as Azure records them', () => {
    it('every stream in order; Verbose and Debug only when their preference says so; Host and Information are Output', async () => {
      const name = await a.createRunbook({
        name: uniqueName('psstreams'),
        type: 'pwsh',
        content: [
          'Write-Output "out 1"',
          'Write-Verbose "hidden verbose"',
          'Write-Debug "hidden debug"',
          'Write-Warning "warn 1"',
          'Write-Error "error 1"',
          'Get-Item /no/such/path',
          'Write-Verbose "shown verbose" -Verbose',
          '$DebugPreference = "Continue"',
          'Write-Debug "shown debug"',
          'Write-Progress -Activity "Copying" -Status "half" -PercentComplete 50',
          'Write-Host "host line"',
          'Write-Information "info line"',
          '[pscustomobject]@{ Name = "vm01"; Size = 2 }',
          '7',
          'Write-Output "out 2"',
        ].join('\n'),
      });
      const { job, streams } = await runToEnd(name);
      expect(job.status, job.exception).toBe('Completed');
      expect(streams.map((s) => [s.streamType, s.streamText.split('\n')[0]])).toEqual([
        ['Output', 'out 1'],
        ['Warning', 'warn 1'],
        ['Error', 'error 1'],
        ['Error', "Cannot find path '/no/such/path' because it does not exist."],
        ['Verbose', 'shown verbose'],
        ['Debug', 'shown debug'],
        ['Progress', 'Copying - half (50%)'],
        ['Output', 'host line'],
        ['Output', 'info line'],
        ['Output', expect.stringMatching(/^Name\s+Size$/)],
        ['Output', '7'],
        ['Output', 'out 2'],
      ]);
      const obj = streams.find((s) => s.value?.Name === 'vm01');
      expect(obj.value).toEqual({ Name: 'vm01', Size: 2 });
      expect(obj.streamText).toMatch(/vm01\s+2/);
    });

    it("the runbook's logVerbose setting records Write-Verbose, as Azure's Log verbose records", async () => {
      const name = await a.createRunbook({
        name: uniqueName('psverbose'),
        type: 'pwsh',
        logVerbose: true,
        content: 'Write-Verbose "now visible"\nWrite-Output done',
      });
      const { streams } = await runToEnd(name);
      expect(streams.map((s) => [s.streamType, s.streamText])).toEqual([
        ['Verbose', 'now visible'],
        ['Output', 'done'],
      ]);
    });

    it('exit N: 0 completes, anything else fails with the exit code', async () => {
      const zero = await a.createRunbook({
        name: uniqueName('psexit'),
        type: 'pwsh',
        content: 'Write-Output before\nexit 0\nWrite-Output after',
      });
      const r0 = await runToEnd(zero);
      expect(r0.job.status).toBe('Completed');
      expect(byType(r0.streams, 'Output')).toEqual(['before']);
      const three = await a.createRunbook({
        name: uniqueName('psexit'),
        type: 'pwsh',
        content: 'Write-Output before\nexit 3\nWrite-Output after',
      });
      const r3 = await runToEnd(three);
      expect(r3.job.status).toBe('Failed');
      expect(r3.job.result).toBe(3);
      expect(r3.job.exception).toMatch(/exited with code 3/);
      expect(byType(r3.streams, 'Output')).toEqual(['before']);
    });
  });

  describe('throw → Failed with the exception text, through all three dialects', () => {
    let runbook: string;
    const path = `/pwshthrow/t${Date.now().toString(36)}`;
    beforeAll(async () => {
      runbook = await a.createRunbook({
        name: uniqueName('psthrow'),
        path,
        type: 'pwsh',
        parameters: [{ name: 'Who', type: 'string', mandatory: true }],
        content: 'param([string]$Who)\nWrite-Output "looking for $Who"\nthrow "User \'$Who\' not found"\nWrite-Output unreachable',
      });
    });

    it('Azure webhook → job record', async () => {
      const hook = await createHook(a, { runbook, parameters: { Who: 'nobody' } });
      const jobId = await jobOf(a, await invoke(a.url, hook.path, '{}'));
      const job = await a.waitForStatus(jobId, ['Completed', 'Failed', 'Stopped'], 90_000);
      expect(job.status).toBe('Failed');
      expect(job.exception).toBe("User 'nobody' not found");
      expect(byType(await streamsOf(jobId), 'Output')).toEqual(['looking for nobody']);
    });

    it('RealmJoin run → exception/text', async () => {
      const r = await a.call('POST', `/api/external/runbook/${runbook}/run`, { Who: 'nobody' });
      expect(r.json.status).toBe('Failed');
      const ex = await a.call('GET', `/api/external/runbook/jobs/${r.json.jobID}/exception/text`);
      expect(ex.text).toBe("User 'nobody' not found");
    });

    it('Kompira .execute → process ABORTED with the exception', async () => {
      const headers = { Authorization: `Token ${a.key}`, Accept: 'application/json', 'Content-Type': 'application/json' };
      const r = await http(a.url, `/kompira${path}.execute`, { method: 'POST', headers, body: '{"Who":"nobody"}' });
      expect(r.status, r.text).toBe(200);
      const jobId = /^\/process\/(.+)$/.exec(r.json)![1]!;
      const p = await waitFor(
        async () => {
          const got = await http(a.url, `/kompira/process/${jobId}?format=json`, { headers });
          return ['DONE', 'ABORTED'].includes(got.json?.status) ? got.json : undefined;
        },
        'the process to end',
        90_000,
        150,
      );
      expect(p).toMatchObject({ status: 'ABORTED', hookbook_status: 'Failed', exception: "User 'nobody' not found" });
    });
  });

  describe('stop and time limit kill pwsh and its children', () => {
    const content = [
      '$child = Start-Process -FilePath sleep -ArgumentList 300 -PassThru',
      'Write-Output "pids $PID $($child.Id)"',
      'Start-Sleep -Seconds 300',
    ].join('\n');
    const pidsOf = async (jobId: string): Promise<number[]> => {
      const line = await waitFor(
        async () => byType(await streamsOf(jobId), 'Output').find((t) => t.startsWith('pids ')),
        'the runbook to report its pids',
        90_000,
        200,
      );
      return line.split(' ').slice(1).map(Number);
    };

    it('stop: the job ends Stopped, pwsh and the process it started are gone', async () => {
      const name = await a.createRunbook({ name: uniqueName('psstop'), type: 'pwsh', content });
      const s = await a.call('POST', '/api/v1/jobs', { runbook: name });
      const pids = await pidsOf(s.json.jobId);
      expect(pids.every((p) => !gone(p))).toBe(true);
      expect((await a.call('POST', `/api/v1/jobs/${s.json.jobId}/stop`)).status).toBe(202);
      const job = await a.waitForStatus(s.json.jobId, ['Stopped', 'Failed', 'Completed'], 60_000);
      expect(job.status).toBe('Stopped');
      await waitFor(() => pids.every(gone), `pids ${pids.join(', ')} to be gone`, 30_000);
    }, 180_000);

    it('time limit: the job ends Stopped with the reason, pwsh and its child are gone', async () => {
      const name = await a.createRunbook({ name: uniqueName('psslow'), type: 'pwsh', timeoutSeconds: 20, content });
      const s = await a.call('POST', '/api/v1/jobs', { runbook: name });
      const pids = await pidsOf(s.json.jobId);
      const job = await a.waitForStatus(s.json.jobId, ['Stopped', 'Failed', 'Completed'], 90_000);
      expect(job.status).toBe('Stopped');
      expect(job.statusDetails).toContain('time limit of 20 s');
      await waitFor(() => pids.every(gone), `pids ${pids.join(', ')} to be gone`, 30_000);
    }, 180_000);
  });
});
