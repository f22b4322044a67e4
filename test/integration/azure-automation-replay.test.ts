// The call sequences of the Az cmdlets and Terraform's azurerm provider against the Azure
// Automation API (issue 22), replayed as HTTP exchanges on the real local host. Neither Az.Automation
// nor Terraform can be installed from the registries this machine reaches, so each exchange is
// written down from their source, as docs/azure-automation-api.md and the reference
// (Azure/azure-powershell src/Automation/Automation/Common/AutomationPSClient.cs,
// Cmdlet/StartAzureAutomationRunbook.cs; hashicorp/terraform-provider-azurerm
// internal/services/automation/automation_runbook_resource.go, automation_webhook_resource.go, and
// go-azure-sdk's long-running-operation poller) record them: the request each tool sends, and what
// it needs from the answer. Then bad input: each refusal is a 4xx in Azure's error shape, with
// nothing stored half-way.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type RunningHost } from '../support/host';
import { http, waitFor, type HttpResult } from '../support/http';
import { testPwsh } from '../support/pwsh';

const pwsh = testPwsh();
let host: RunningHost;
const SUB = 'b5f0e6a2-0000-4000-8000-00000000000a';
// Azure's own ids say `resourcegroups`; clients send either.
const A = `/subscriptions/${SUB}/resourceGroups/rg-replay/providers/Microsoft.Automation/automationAccounts/replay-account`;

interface Exchange {
  method: string;
  path: string;
  body?: string | object;
  contentType?: string;
}

/** One request as the tool sends it: bearer token, its client request id, JSON or a script. */
async function send(x: Exchange): Promise<HttpResult> {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${host.adminKey}`,
    'x-ms-client-request-id': randomUUID(),
    'Accept-Language': 'en-US',
  };
  let body: string | undefined;
  if (x.body !== undefined) {
    body = typeof x.body === 'string' ? x.body : JSON.stringify(x.body);
    headers['Content-Type'] = x.contentType ?? 'application/json; charset=utf-8';
  }
  return http(host.url, x.path, { method: x.method, headers, body });
}

/** Azure's error body: `{code, message}` with the status's code. */
function expectArmError(r: HttpResult, status: number, code?: string | RegExp) {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Object.keys(r.json).sort()).toEqual(['code', 'message']);
  if (code) expect(r.json.code).toMatch(code);
  expect(r.json.message.length).toBeGreaterThan(10);
}

/** The long-running-operation answer every poller (ms-rest, go-azure-sdk, .NET) follows. */
async function followLro(r: HttpResult): Promise<void> {
  expect(r.status, r.text).toBe(202);
  expect(r.text).toBe('');
  const location = r.headers.get('location')!;
  expect(location).toMatch(/^http:\/\/[^/]+\/subscriptions\/.+\/operationResults\/[0-9a-f-]{36}\?api-version=/);
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(0);
  // go-azure-sdk polls only the path and query of Location against its own endpoint.
  const url = new URL(location);
  const poll = await send({ method: 'GET', path: url.pathname + url.search });
  expect(poll.status).toBe(200);
  expect(poll.headers.get('content-type')).toMatch(/^application\/json/);
  expect(poll.json).toEqual({ status: 'Succeeded' });
}

const SCRIPT = [
  'param(',
  '  [Parameter(Mandatory = $true)][string]$VMName,',
  '  [int]$Retries = 3',
  ')',
  'Write-Output "Restarting $VMName ($Retries retries)"',
  'Write-Verbose "done" -Verbose',
].join('\n');

describe.skipIf(!pwsh)('Azure clients replayed against the Azure Automation API', () => {
  beforeAll(async () => {
    host = await startHost({ env: { HOOKBOOK_PWSH_PATH: pwsh! } });
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
  });

  it('Import-AzAutomationRunbook -Published (api-version 2023-11-01)', async () => {
    const v = '?api-version=2023-11-01';
    const rb = `${A}/runbooks/Restart-VM`;
    // AutomationPSClient.ImportRunbook: is the name free?
    expectArmError(await send({ method: 'GET', path: `${rb}${v}` }), 404, 'NotFound');
    // CreateRunbookByName copies the account's location into the runbook.
    const account = await send({ method: 'GET', path: `${A}${v}` });
    expect(account.status).toBe(200);
    expect(account.json).toMatchObject({ id: A, name: 'replay-account', type: 'Microsoft.Automation/AutomationAccounts' });
    const created = await send({
      method: 'PUT',
      path: `${rb}${v}`,
      body: {
        properties: { runbookType: 'PowerShell', logProgress: false, logVerbose: false, description: 'imported', draft: {} },
        location: account.json.location,
        tags: {},
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ name: 'Restart-VM', properties: { state: 'New', runbookType: 'PowerShell' } });
    expect((await send({ method: 'GET', path: `${rb}${v}` })).json.properties.state).toBe('New');
    await followLro(await send({ method: 'PUT', path: `${rb}/draft/content${v}`, body: SCRIPT, contentType: 'text/powershell' }));
    await followLro(await send({ method: 'POST', path: `${rb}/publish${v}` }));
    const published = await send({ method: 'GET', path: `${rb}${v}` });
    expect(published.json.properties).toMatchObject({
      state: 'Published',
      parameters: {
        VMName: { type: 'System.String', isMandatory: true, position: 0 },
        Retries: { type: 'System.Int32', isMandatory: false, position: 1 },
      },
    });
  });

  it('Start-AzAutomationRunbook -Wait, then Get-AzAutomationJobOutput -Stream Any', async () => {
    const rbv = '?api-version=2023-11-01';
    const v = '?api-version=2017-05-15-preview';
    // The runbook's parameters and state: Start- checks them before it sends anything.
    const runbook = await send({ method: 'GET', path: `${A}/runbooks/restart-vm${rbv}` }); // names are not case-sensitive
    expect(runbook.json.properties.state).not.toBe('New');
    expect(Object.keys(runbook.json.properties.parameters)).toEqual(['VMName', 'Retries']);
    const name = randomUUID(); // Guid.NewGuid() in StartRunbook
    const job = await send({
      method: 'PUT',
      path: `${A}/jobs/${name}${v}`,
      // Every value JSON-serialised (PowerShellJsonConverter.Serialize), runOn empty for Azure.
      body: { properties: { runbook: { name: 'Restart-VM' }, parameters: { VMName: '"vm-01"', Retries: '2' }, runOn: '' } },
    });
    expect(job.status, job.text).toBe(201);
    expect(job.json.properties).toMatchObject({
      runbook: { name: 'Restart-VM' },
      status: 'New',
      parameters: { VMName: '"vm-01"', Retries: '2' },
    });
    // -Wait: GET the job until Completed, Failed, Stopped or Suspended (every 5 s in Az; faster here).
    const done = await waitFor(
      async () => {
        const r = await send({ method: 'GET', path: `${A}/jobs/${name}${v}` });
        return ['Completed', 'Failed', 'Stopped', 'Suspended'].includes(r.json.properties.status) ? r.json : undefined;
      },
      'the job to end',
      60_000,
      250,
    );
    expect(done.properties.status, done.properties.exception).toBe('Completed');
    expect(done.properties.provisioningState).toBe('Succeeded');
    const outputs = await send({
      method: 'GET',
      path: `${A}/jobs/${name}/streams${v}&$filter=${encodeURIComponent("properties/streamType eq 'Output'")}`,
    });
    expect(outputs.status).toBe(200);
    expect(outputs.json.value).toHaveLength(1);
    const item = outputs.json.value[0];
    expect(Object.keys(item.properties).sort()).toEqual(['jobStreamId', 'streamType', 'summary', 'time']);
    // Then GetJobStreamRecord for each Output record, whose value Az writes out.
    const record = await send({ method: 'GET', path: `${A}/jobs/${name}/streams/${item.properties.jobStreamId}${v}` });
    expect(record.json.properties).toMatchObject({
      streamType: 'Output',
      streamText: 'Restarting vm-01 (2 retries)',
      value: { value: 'Restarting vm-01 (2 retries)' },
    });
    expect(record.json.id).toBe(`${A}/jobs/${done.name}/streams/${item.properties.jobStreamId}`);

    // Get-AzAutomationJobOutput -Stream Any: 'Any' passed literally, the start time as .NET's "O" format.
    const since = new Date(Date.parse(done.properties.creationTime) - 60_000).toISOString().replace(/\.(\d{3})Z$/, '.$10000+00:00');
    const any = await send({
      method: 'GET',
      path: `${A}/jobs/${name}/streams${v}&$filter=properties/time ge ${since} and properties/streamType eq 'Any'`.replace(/ /g, '%20'),
    });
    expect(any.status, any.text).toBe(200);
    expect(any.json.value.map((s: any) => s.properties.streamType).sort()).toEqual(['Output', 'Verbose']);
    // `+` left unencoded arrives as a space: still read as the offset.
    const plus = await send({ method: 'GET', path: `${A}/jobs/${name}/streams${v}&$filter=properties/time%20ge%20${since}` });
    expect(plus.status, plus.text).toBe(200);
    expect(plus.json.value).toHaveLength(2);
    const output = await send({ method: 'GET', path: `${A}/jobs/${name}/output${v}` });
    expect(output.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(output.text).toBe('Restarting vm-01 (2 retries)');
    // Get-AzAutomationJob -RunbookName -Status
    const jobs = await send({
      method: 'GET',
      path: `${A}/jobs${v}&$filter=${encodeURIComponent("properties/runbook/name eq 'Restart-VM' and properties/status eq 'Completed'")}`,
    });
    expect(jobs.json.value.map((j: any) => j.name)).toEqual([done.name]);
  });

  it('Terraform azurerm_automation_runbook: create, read, delete (go-azure-sdk automation/2023-11-01)', async () => {
    const v = '?api-version=2023-11-01';
    const rb = `/subscriptions/${SUB}/resourcegroups/rg-replay/providers/Microsoft.Automation/automationAccounts/replay-account/runbooks/tf-runbook`;
    expectArmError(await send({ method: 'GET', path: `${rb}${v}` }), 404);
    const put = await send({
      method: 'PUT',
      path: `${rb}${v}`,
      body: {
        location: 'westeurope',
        properties: {
          runbookType: 'PowerShell',
          logProgress: true,
          logVerbose: true,
          description: 'from terraform',
          logActivityTrace: 0,
          draft: {},
        },
        tags: { env: 'test' },
      },
    });
    expect(put.status, put.text).toBe(201);
    await followLro(
      await send({ method: 'PUT', path: `${rb}/draft/content${v}`, body: 'Write-Output "tf"', contentType: 'text/powershell' }),
    );
    await followLro(await send({ method: 'POST', path: `${rb}/publish${v}` }));
    // Create and every read list the account's job schedules (an empty list must work).
    const links = await send({ method: 'GET', path: `${A}/jobSchedules${v}` });
    expect(links.status).toBe(200);
    expect(links.json).toEqual({ value: [] });
    const read = await send({ method: 'GET', path: `${rb}${v}` });
    expect(read.json.properties).toMatchObject({
      runbookType: 'PowerShell',
      logVerbose: true,
      description: 'from terraform',
      state: 'Published',
    });
    const content = await send({ method: 'GET', path: `${rb}/content${v}` });
    expect(content.headers.get('content-type')).toMatch(/^text\/powershell/);
    expect(content.text).toBe('Write-Output "tf"');
    expect((await send({ method: 'DELETE', path: `${rb}${v}` })).status).toBe(200);
    expectArmError(await send({ method: 'GET', path: `${rb}${v}` }), 404);
  });

  it('Terraform azurerm_automation_webhook: create with generateUri, read, delete (automation/2015-10-31)', async () => {
    const v = '?api-version=2015-10-31';
    const wh = `${A}/webhooks/tf-webhook`;
    expectArmError(await send({ method: 'GET', path: `${wh}${v}` }), 404);
    const uri = await send({ method: 'POST', path: `${A}/webhooks/generateUri${v}` });
    expect(uri.status).toBe(200);
    expect(typeof uri.json).toBe('string');
    const created = await send({
      method: 'PUT',
      path: `${wh}${v}`,
      body: {
        name: 'tf-webhook',
        properties: {
          isEnabled: true,
          uri: uri.json,
          expiryTime: new Date(Date.now() + 30 * 86_400_000).toISOString(),
          parameters: { VMName: 'vm-02' },
          runbook: { name: 'Restart-VM' },
        },
      },
    });
    expect(created.status, created.text).toBe(201);
    const read = await send({ method: 'GET', path: `${wh}${v}` });
    expect(read.json.properties).toMatchObject({
      isEnabled: true,
      uri: '',
      runbook: { name: 'Restart-VM' },
      parameters: { VMName: '"vm-02"' },
    });
    expect((await send({ method: 'DELETE', path: `${wh}${v}` })).status).toBe(200);
  });

  it('bad input: a 4xx in Azure shape naming what is wrong, nothing stored half-way', async () => {
    const v = '?api-version=2023-11-01';
    // api-version: missing, outside the range, malformed; path segments in any case.
    expectArmError(await send({ method: 'GET', path: A }), 400, 'MissingApiVersionParameter');
    expectArmError(await send({ method: 'GET', path: `${A}?api-version=2025-01-01` }), 400, 'InvalidApiVersionParameter');
    expectArmError(await send({ method: 'GET', path: `${A}?api-version=latest` }), 400, 'InvalidApiVersionParameter');
    expect((await send({ method: 'GET', path: `${A}?api-version=2015-10-31` })).status).toBe(200);
    expect(
      (await send({ method: 'GET', path: `${A.toLowerCase().replace('rg-replay', 'RG-Replay')}?api-version=2024-10-23` })).status,
    ).toBe(200);
    expect(
      (await send({ method: 'GET', path: `${A.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/')}/RUNBOOKS${v}` })).status,
    ).toBe(200);
    // Unknown resource types and operations.
    expectArmError(await send({ method: 'GET', path: `${A}/modules${v}` }), 404, 'InvalidResourceType');
    expectArmError(await send({ method: 'PUT', path: `${A}/dscConfigurations/x${v}`, body: {} }), 404, 'InvalidResourceType');
    expectArmError(await send({ method: 'POST', path: `${A}/jobs/${randomUUID()}/suspend${v}` }), 404, 'InvalidResourceType');
    // Without a credential: 401 before anything else.
    const anonymous = await http(host.url, `${A}/runbooks${v}`);
    expectArmError(anonymous, 401, 'AuthenticationFailed');
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    // Malformed $filter.
    for (const filter of [
      'properties/status eq Completed',
      "properties/status eq 'Sleeping'",
      "properties/colour eq 'red'",
      "properties/startTime ge 'yesterday'",
      "properties/status eq 'Completed' or properties/status eq 'Failed'",
      "properties/runbook/name eq 'unclosed",
    ]) {
      expectArmError(await send({ method: 'GET', path: `${A}/jobs${v}&$filter=${encodeURIComponent(filter)}` }), 400, 'BadRequest');
    }
    // Wrong body shapes: nothing created.
    const rb = `${A}/runbooks/Bad-Input`;
    for (const body of [
      '{"properties":',
      '[]',
      { properties: {} },
      { properties: { runbookType: 'GraphPowerShellWorkflow' } },
      { properties: { runbookType: 'PowerShell', publishContentLink: { uri: 'https://example.com/x.ps1' } } },
    ]) {
      expectArmError(await send({ method: 'PUT', path: `${rb}${v}`, body }), 400, 'BadRequest');
    }
    expectArmError(await send({ method: 'GET', path: `${rb}${v}` }), 404);
    // A runbook, then bad draft content: the draft stays as it was.
    expect((await send({ method: 'PUT', path: `${rb}${v}`, body: { properties: { runbookType: 'PowerShell', draft: {} } } })).status).toBe(
      201,
    );
    await followLro(
      await send({
        method: 'PUT',
        path: `${rb}/draft/content${v}`,
        body: 'param([string]$A)\nWrite-Output $A',
        contentType: 'text/powershell',
      }),
    );
    const huge = 'Write-Output "x"\n'.repeat(20_000); // 340 000 characters: over the 256 KiB limit
    expectArmError(
      await send({ method: 'PUT', path: `${rb}/draft/content${v}`, body: huge, contentType: 'text/powershell' }),
      413,
      'RequestEntityTooLarge',
    );
    expect((await send({ method: 'GET', path: `${rb}/draft/content${v}` })).text).toBe('param([string]$A)\nWrite-Output $A');
    // Jobs: a draft-only runbook, unknown parameters, a bad name; no job, and the GUID stays free.
    const jv = '?api-version=2017-05-15-preview';
    const name = randomUUID();
    expectArmError(
      await send({ method: 'PUT', path: `${A}/jobs/${name}${jv}`, body: { properties: { runbook: { name: 'Bad-Input' } } } }),
      409,
      'Conflict',
    );
    expectArmError(
      await send({ method: 'PUT', path: `${A}/jobs/not-a-guid${jv}`, body: { properties: { runbook: { name: 'Restart-VM' } } } }),
      400,
    );
    expectArmError(
      await send({
        method: 'PUT',
        path: `${A}/jobs/${name}${jv}`,
        body: { properties: { runbook: { name: 'Restart-VM' }, parameters: { Nope: '1' } } },
      }),
      400,
    );
    expectArmError(await send({ method: 'PUT', path: `${A}/jobs/${name}${jv}`, body: { properties: { runbook: 'Restart-VM' } } }), 400);
    expectArmError(await send({ method: 'GET', path: `${A}/jobs/${name}${jv}` }), 404, 'NotFound');
    const ok = await send({
      method: 'PUT',
      path: `${A}/jobs/${name}${jv}`,
      body: { properties: { runbook: { name: 'Restart-VM' }, parameters: { VMName: '"vm-03"' } } },
    });
    expect(ok.status, ok.text).toBe(201);
    expect((await send({ method: 'GET', path: `${A}/jobs/${name}${jv}` })).json.name).toBe(ok.json.name);
  });
});
