// The Azure Automation API (issue 22) driven end to end by Azure's own JavaScript client,
// @azure/arm-automation 10.1.1, against the real local host: runbooks created, drafted, published
// and started as an Azure pipeline would, jobs read back with Azure's statuses and streams.
import { randomUUID } from 'node:crypto';
import { AutomationClient } from '@azure/arm-automation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, uniqueName, type Api } from '../support/api';
import { startHost, type RunningHost } from '../support/host';
import { waitFor } from '../support/http';
import { testPwsh } from '../support/pwsh';

const SUB = '00000000-0000-0000-0000-000000000001';
const RG = 'rg-hookbook';
const ACCT = 'hookbook-account';
const pwsh = testPwsh();
let host: RunningHost;
let a: Api;
let c: AutomationClient;

/** A TokenCredential handing out a Hookbook API key as the bearer token. */
const tokenOf = (key: string) => ({ getToken: async () => ({ token: key, expiresOnTimestamp: Date.now() + 3600_000 }) });
const client = (key: string) =>
  new AutomationClient(tokenOf(key), SUB, 'status', { baseUri: host.url, longRunningOperationRetryTimeout: 0, noRetryPolicy: true });

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream!) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const TERMINAL = ['Completed', 'Failed', 'Stopped', 'Suspended'];
const waitForJob = (jobId: string, statuses = TERMINAL) =>
  waitFor(
    async () => {
      const j = await c.job.get(RG, ACCT, jobId);
      return statuses.includes(j.status!) ? j : undefined;
    },
    `job ${jobId} to reach ${statuses.join('|')}`,
    60_000,
    250,
  );

/** Create, draft and publish a PowerShell runbook the way Import-AzAutomationRunbook -Published does. */
async function importRunbook(name: string, script: string): Promise<void> {
  const account = await c.automationAccount.get(RG, ACCT);
  await c.runbook.createOrUpdate(RG, ACCT, name, {
    runbookType: 'PowerShell',
    logProgress: false,
    logVerbose: false,
    draft: {},
    location: account.location,
  });
  await c.runbookDraft.replaceContent(RG, ACCT, name, script);
  await c.runbook.publish(RG, ACCT, name);
}

describe.skipIf(!pwsh)('Azure Automation API through @azure/arm-automation', () => {
  beforeAll(async () => {
    host = await startHost({
      env: { HOOKBOOK_PWSH_PATH: pwsh!, HOOKBOOK_STOP_GRACE_SECONDS: '2', HOOKBOOK_SCHEDULER_CRON: '*/2 * * * * *' },
    });
    a = api(host.url, host.adminKey);
    c = client(host.adminKey);
  }, 120_000);
  afterAll(async () => {
    await host?.stop();
  });

  it('imports a runbook (create, draft, publish), starts it with JSON-encoded parameters and reads output and streams', async () => {
    const name = uniqueName('Arm-Hello').replace(/-/g, '_');
    const created = await c.runbook.createOrUpdate(RG, ACCT, name, {
      runbookType: 'PowerShell',
      draft: {},
      location: 'x',
      logVerbose: false,
      logProgress: false,
    });
    expect(created.state).toBe('New');
    expect(created.id).toBe(
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Automation/automationAccounts/${ACCT}/runbooks/${name}`,
    );
    await c.runbookDraft.replaceContent(
      RG,
      ACCT,
      name,
      'param([Parameter(Mandatory=$true)][string]$Name, [int]$Times = 1)\n1..$Times | % { Write-Output "hello $Name" }\nWrite-Warning "careful"',
    );
    expect(await readAll((await c.runbookDraft.getContent(RG, ACCT, name)).readableStreamBody)).toContain('hello $Name');
    const draft = await c.runbookDraft.get(RG, ACCT, name);
    expect(draft.inEdit).toBe(true);
    expect(Object.keys(draft.parameters!)).toEqual(['Name', 'Times']);
    await c.runbook.publish(RG, ACCT, name);
    const published = await c.runbook.get(RG, ACCT, name);
    expect(published.state).toBe('Published');
    expect(published.runbookType).toBe('PowerShell');
    expect(published.parameters!.Name).toMatchObject({ type: 'System.String', isMandatory: true, position: 0 });
    expect(published.parameters!.Times).toMatchObject({ type: 'System.Int32', isMandatory: false });
    expect(await readAll((await c.runbook.getContent(RG, ACCT, name)).readableStreamBody)).toContain('Write-Warning');

    const jobId = randomUUID();
    const job = await c.job.create(RG, ACCT, jobId, { runbook: { name }, parameters: { Name: '"Ada"', Times: '2' } });
    // The client's GUID names the job; its id is Hookbook's time-ordered one, and both read it.
    expect(job.jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect((await c.job.get(RG, ACCT, job.jobId!)).jobId).toBe(job.jobId);
    const again = await c.job.create(RG, ACCT, jobId, { runbook: { name }, parameters: { Name: '"Ada"', Times: '2' } });
    expect(again.jobId).toBe(job.jobId);
    expect(['New', 'Running', 'Completed']).toContain(job.status);
    const done = await waitForJob(jobId);
    expect(done.status, done.exception).toBe('Completed');
    expect(done.parameters).toEqual({ Name: '"Ada"', Times: '2' });
    expect(done.runbook!.name).toBe(name);
    expect(await readAll((await c.job.getOutput(RG, ACCT, jobId)).readableStreamBody)).toBe('hello Ada\nhello Ada');
    expect(await readAll((await c.job.getRunbookContent(RG, ACCT, jobId)).readableStreamBody)).toContain('Write-Warning');

    const outputs = await c.jobStream.listByJob(RG, ACCT, jobId, { filter: "properties/streamType eq 'Output'" });
    expect(outputs.map((s) => s.summary)).toEqual(['hello Ada', 'hello Ada']);
    const all = await c.jobStream.listByJob(RG, ACCT, jobId, { filter: "properties/streamType eq 'Any'" });
    expect(all.map((s) => s.streamType)).toContain('Warning');
    const record = await c.jobStream.get(RG, ACCT, jobId, outputs[0]!.jobStreamId!);
    expect(record.streamText).toBe('hello Ada');
    expect(record.value).toEqual({ value: 'hello Ada' });
    const later = await c.jobStream.listByJob(RG, ACCT, jobId, {
      filter: `properties/time ge ${new Date(Date.now() + 60_000).toISOString()}`,
    });
    expect(later).toEqual([]);

    const listed = await c.job.listByAutomationAccount(RG, ACCT, {
      filter: `properties/runbook/name eq '${name}' and properties/status eq 'Completed'`,
    });
    expect(listed.map((j) => j.jobId)).toEqual([job.jobId]);
    const none = await c.job.listByAutomationAccount(RG, ACCT, {
      filter: `properties/runbook/name eq '${name}' and properties/status eq 'Failed'`,
    });
    expect(none).toEqual([]);
  });

  it('a failing runbook reads back as Failed with its exception', async () => {
    const name = uniqueName('Arm-Fails').replace(/-/g, '_');
    await importRunbook(name, 'throw "the disk is full"');
    const jobId = randomUUID();
    await c.job.create(RG, ACCT, jobId, { runbook: { name } });
    const done = await waitForJob(jobId);
    expect(done.status).toBe('Failed');
    expect(done.exception).toContain('the disk is full');
  });

  it('stops a long job', async () => {
    const name = uniqueName('Arm-Long').replace(/-/g, '_');
    await importRunbook(name, 'Write-Output "started"; Start-Sleep -Seconds 300');
    const jobId = randomUUID();
    await c.job.create(RG, ACCT, jobId, { runbook: { name } });
    await waitFor(
      async () => (await c.jobStream.listByJob(RG, ACCT, jobId, { filter: "properties/streamType eq 'Output'" })).length > 0 || undefined,
      'first output',
      60_000,
      250,
    );
    await c.job.stop(RG, ACCT, jobId);
    expect((await waitForJob(jobId)).status).toBe('Stopped');
  });

  it('answers errors in Azure shape: a missing runbook or job is 404, a reader may not start, a draft-only runbook may not run', async () => {
    await expect(c.runbook.get(RG, ACCT, 'No-Such-Runbook')).rejects.toMatchObject({ statusCode: 404, code: 'NotFound' });
    await expect(c.job.get(RG, ACCT, randomUUID())).rejects.toMatchObject({ statusCode: 404, code: 'NotFound' });
    const name = uniqueName('Arm-Draft').replace(/-/g, '_');
    await c.runbook.createOrUpdate(RG, ACCT, name, { runbookType: 'PowerShell', draft: {}, location: 'x' });
    await expect(c.job.create(RG, ACCT, randomUUID(), { runbook: { name } })).rejects.toMatchObject({ statusCode: 409, code: 'Conflict' });
    const k = await a.call('POST', '/api/v1/keys', { role: 'reader', description: 'arm reader' });
    const reader = client(k.json.key);
    expect((await reader.runbook.get(RG, ACCT, name)).name).toBe(name);
    await expect(reader.job.create(RG, ACCT, randomUUID(), { runbook: { name } })).rejects.toMatchObject({ statusCode: 403 });
    await expect(reader.runbook.deleteMethod(RG, ACCT, name)).rejects.toMatchObject({ statusCode: 403 });
    await expect(client('nobody:wrong').runbook.get(RG, ACCT, name)).rejects.toMatchObject({ statusCode: 401 });
    await c.runbook.deleteMethod(RG, ACCT, name);
    await expect(c.runbook.get(RG, ACCT, name)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('keeps runbook tags: a PUT sets them, a PATCH replaces them, a PUT without them clears them', async () => {
    const name = uniqueName('Arm-Tags').replace(/-/g, '_');
    const tags = { env: 'prod', 'cost center': 'ops-42' };
    const created = await c.runbook.createOrUpdate(RG, ACCT, name, { runbookType: 'PowerShell', draft: {}, location: 'x', tags });
    expect(created.tags).toEqual(tags);
    expect((await c.runbook.get(RG, ACCT, name)).tags).toEqual(tags);
    expect((await c.runbook.listByAutomationAccount(RG, ACCT)).find((r) => r.name === name)?.tags).toEqual(tags);
    // The management API shows them too.
    expect((await a.call('GET', `/api/v1/runbooks/${name}`)).json.tags).toEqual(tags);

    expect((await c.runbook.update(RG, ACCT, name, { tags: { env: 'test' } })).tags).toEqual({ env: 'test' });
    expect((await c.runbook.update(RG, ACCT, name, { description: 'no tags in this PATCH' })).tags).toEqual({ env: 'test' });
    expect((await c.runbook.get(RG, ACCT, name)).tags).toEqual({ env: 'test' });
    const replaced = await c.runbook.createOrUpdate(RG, ACCT, name, { runbookType: 'PowerShell', draft: {}, location: 'x' });
    expect(replaced.tags).toEqual({});
    expect((await c.runbook.get(RG, ACCT, name)).tags).toEqual({});

    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v']));
    await expect(c.runbook.update(RG, ACCT, name, { tags: tooMany })).rejects.toMatchObject({ statusCode: 400 });
    await c.runbook.deleteMethod(RG, ACCT, name);
  });

  it('lists runbooks a page at a time with nextLink', async () => {
    const first = await c.runbook.listByAutomationAccount(RG, ACCT);
    expect(first.length).toBeGreaterThan(2);
    const r = await a.call(
      'GET',
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Automation/automationAccounts/${ACCT}/runbooks?api-version=2018-06-30&$top=2`,
    );
    expect(r.status).toBe(200);
    expect(r.json.value).toHaveLength(2);
    const next = await c.runbook.listByAutomationAccountNext(r.json.nextLink);
    expect(next[0]!.name).toBe(first[2]!.name);
  });
  it('webhooks: generateUri, createOrUpdate, invoke the URI (Azure webhook dialect), see the job through job.get', async () => {
    const name = uniqueName('Arm-Hook').replace(/-/g, '_');
    await importRunbook(name, 'param([object]$WebhookData, [string]$Greeting = "hi")\nWrite-Output "$Greeting from the hook"');
    const uri = (await c.webhook.generateUri(RG, ACCT)).body;
    expect(uri).toMatch(/\/webhooks\?token=[A-Za-z0-9_-]{43}$/);
    const hook = await c.webhook.createOrUpdate(RG, ACCT, 'hook-' + name, {
      name: 'hook-' + name,
      isEnabled: true,
      uri,
      expiryTime: new Date(Date.now() + 86_400_000),
      runbook: { name },
      parameters: { Greeting: '"hello"' },
    });
    expect(hook.uri).toBe('');
    expect(hook.parameters).toEqual({ Greeting: '"hello"' });
    const posted = await fetch(uri, { method: 'POST', body: 'from the hook' });
    expect(posted.status).toBe(202);
    const [jobId] = ((await posted.json()) as { JobIds: string[] }).JobIds;
    const done = await waitForJob(jobId!);
    expect(done.status, done.exception).toBe('Completed');
    expect(await readAll((await c.job.getOutput(RG, ACCT, jobId!)).readableStreamBody)).toBe('hello from the hook');
    expect((await c.webhook.listByAutomationAccount(RG, ACCT)).map((w) => w.name)).toContain('hook-' + name);
    expect((await c.webhook.update(RG, ACCT, 'hook-' + name, { isEnabled: false })).isEnabled).toBe(false);
    expect((await fetch(uri, { method: 'POST' })).status).toBeGreaterThanOrEqual(400);
    // A URI that is not this deployment's is refused, and nothing is stored.
    await expect(
      c.webhook.createOrUpdate(RG, ACCT, 'hook-bad', {
        name: 'hook-bad',
        uri: 'https://evil.example/webhooks?token=' + 'a'.repeat(43),
        runbook: { name },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(c.webhook.get(RG, ACCT, 'hook-bad')).rejects.toMatchObject({ statusCode: 404 });
    await c.webhook.deleteMethod(RG, ACCT, 'hook-' + name);
    await expect(c.webhook.get(RG, ACCT, 'hook-' + name)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('assets: variables (JSON-encoded values), credentials (the password never comes back), connections; an imported runbook reads what it names', async () => {
    const v = uniqueName('arm-var');
    expect((await c.variable.createOrUpdate(RG, ACCT, v, { name: v, value: '"ComputerName.domain.com"', isEncrypted: false })).value).toBe(
      '"ComputerName.domain.com"',
    );
    expect((await c.variable.get(RG, ACCT, v)).value).toBe('"ComputerName.domain.com"');
    const secretVar = uniqueName('arm-secret-var');
    const sv = await c.variable.createOrUpdate(RG, ACCT, secretVar, { name: secretVar, value: '"s3cr3t-value"', isEncrypted: true });
    expect(sv.isEncrypted).toBe(true);
    expect(sv.value).toBeUndefined();
    const cred = uniqueName('arm-cred');
    await c.credential.createOrUpdate(RG, ACCT, cred, { name: cred, userName: 'svc@contoso.com', password: 'P@ssw0rd-never-shown' });
    const raw = await a.call(
      'GET',
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Automation/automationAccounts/${ACCT}/credentials${'?api-version=2015-10-31'}`,
    );
    expect(raw.text).toContain('svc@contoso.com');
    expect(raw.text).not.toContain('P@ssw0rd');
    expect((await c.credential.get(RG, ACCT, cred)).userName).toBe('svc@contoso.com');
    const conn = uniqueName('arm-conn');
    const made = await c.connection.createOrUpdate(RG, ACCT, conn, {
      name: conn,
      connectionType: { name: 'AzureServicePrincipal' },
      fieldDefinitionValues: { ApplicationId: 'app-1', TenantId: 't-1', CertificateThumbprint: 'ab', SubscriptionId: 's-1' },
    });
    expect(made.fieldDefinitionValues).toMatchObject({ ApplicationId: 'app-1' });

    // Imported without a manifest: it may read the assets it names literally, and only those.
    const name = uniqueName('Arm-Assets').replace(/-/g, '_');
    await importRunbook(
      name,
      [
        `$v = Get-AutomationVariable -Name '${v}'`,
        `$c = Get-AutomationPSCredential -Name "${cred}"`,
        `$x = Get-AutomationConnection '${conn}'`,
        `Write-Output "$v $($c.UserName) $($x.ApplicationId)"`,
        `$n = '${secretVar}'`,
        'try { Get-AutomationVariable -Name $n; Write-Output "read" } catch { Write-Output "refused" }',
      ].join('\n'),
    );
    const jobId = randomUUID();
    await c.job.create(RG, ACCT, jobId, { runbook: { name } });
    const done = await waitForJob(jobId);
    expect(done.status, done.exception).toBe('Completed');
    expect(await readAll((await c.job.getOutput(RG, ACCT, jobId)).readableStreamBody)).toBe(
      'ComputerName.domain.com svc@contoso.com app-1\nrefused',
    );
    for (const [kind, n] of [
      ['variable', v],
      ['credential', cred],
      ['connection', conn],
    ] as const)
      await c[kind].deleteMethod(RG, ACCT, n);
    await expect(c.variable.get(RG, ACCT, v)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('schedules and job schedules: a schedule linked to a runbook fires; unlinked it stays; empty lists work', async () => {
    expect(await c.jobSchedule.listByAutomationAccount(RG, ACCT)).toEqual([]);
    expect(await c.hybridRunbookWorkerGroup.listByAutomationAccount(RG, ACCT)).toEqual([]);
    const name = uniqueName('Arm-Sched').replace(/-/g, '_');
    await importRunbook(name, 'param([string]$Who = "nobody")\nWrite-Output "tick for $Who"');
    const sched = uniqueName('arm-sched');
    const made = await c.schedule.createOrUpdate(RG, ACCT, sched, {
      name: sched,
      frequency: 'OneTime',
      startTime: new Date(Date.now() + 8_000),
      timeZone: 'UTC',
      advancedSchedule: {},
    });
    expect(made).toMatchObject({ name: sched, frequency: 'OneTime', isEnabled: true });
    const linkId = randomUUID();
    const link = await c.jobSchedule.create(RG, ACCT, linkId, {
      schedule: { name: sched },
      runbook: { name },
      parameters: { Who: '"the scheduler"' },
    });
    expect(link.jobScheduleId).toBe(linkId);
    expect((await c.jobSchedule.get(RG, ACCT, linkId)).runbook!.name).toBe(name);
    expect((await c.schedule.get(RG, ACCT, sched)).frequency).toBe('OneTime');
    // The scheduler (every 2 s on this host) starts the job when the time comes.
    const fired = await waitFor(
      async () => (await c.job.listByAutomationAccount(RG, ACCT, { filter: `properties/runbook/name eq '${name}'` }))[0],
      'the scheduled job',
      60_000,
      500,
    );
    const done = await waitForJob(fired.jobId!);
    expect(done.status, done.exception).toBe('Completed');
    expect(await readAll((await c.job.getOutput(RG, ACCT, fired.jobId!)).readableStreamBody)).toBe('tick for the scheduler');
    // Unlinked, the schedule stays, as in Azure; then it goes.
    await c.jobSchedule.deleteMethod(RG, ACCT, linkId);
    expect(await c.jobSchedule.listByAutomationAccount(RG, ACCT)).toEqual([]);
    expect((await c.schedule.get(RG, ACCT, sched)).name).toBe(sched);
    await c.schedule.deleteMethod(RG, ACCT, sched);
    await expect(c.schedule.get(RG, ACCT, sched)).rejects.toMatchObject({ statusCode: 404 });
    // A job schedule for a schedule that does not exist: 404, nothing linked.
    await expect(c.jobSchedule.create(RG, ACCT, randomUUID(), { schedule: { name: sched }, runbook: { name } })).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
