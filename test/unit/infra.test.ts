// A light structural check of infra/main.bicep (no Bicep compiler can be installed here): the names,
// settings and role ids a deployment depends on are present in the text, and they agree with what the
// code reads. This is not a substitute for `az bicep build`; docs/deploy.md says so.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../shared/config';

const root = path.resolve(__dirname, '..', '..');
const bicep = readFileSync(path.join(root, 'infra', 'main.bicep'), 'utf8');
const parameters = JSON.parse(readFileSync(path.join(root, 'infra', 'main.parameters.json'), 'utf8'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** The body of the first `resource <symbol> '<type>@...' = {` block, braces balanced. */
function resource(symbol: string): string {
  const start = bicep.search(new RegExp(`^resource ${symbol} '`, 'm'));
  expect(start, `resource ${symbol}`).toBeGreaterThanOrEqual(0);
  let depth = 0;
  for (let i = bicep.indexOf('{', start); i < bicep.length; i++) {
    if (bicep[i] === '{') depth++;
    else if (bicep[i] === '}' && --depth === 0) return bicep.slice(start, i + 1);
  }
  throw new Error(`unbalanced braces in resource ${symbol}`);
}

/** Values of an array variable such as `var tableNames = [ 'a' 'b' ]`. */
function arrayVar(name: string): string[] {
  const m = new RegExp(`var ${name} = \\[([^\\]]*)\\]`).exec(bicep);
  expect(m, `var ${name}`).not.toBeNull();
  return [...m![1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

function setting(name: string): string | undefined {
  return new RegExp(`\\{ name: '${name}', value: ([^}]+) \\}`).exec(bicep)?.[1]?.trim();
}

describe('infra/main.bicep', () => {
  it('declares balanced braces and brackets', () => {
    // Drop comments and string contents (a tiny scanner: `//` may sit inside a string, `'` in a comment).
    let code = '';
    for (let i = 0; i < bicep.length; i++) {
      const ch = bicep[i]!;
      if (ch === '/' && bicep[i + 1] === '/') while (i < bicep.length && bicep[i] !== '\n') i++;
      else if (ch === '/' && bicep[i + 1] === '*') i = bicep.indexOf('*/', i + 2) + 1;
      else if (ch === "'") {
        for (i++; i < bicep.length && bicep[i] !== "'"; i++) if (bicep[i] === '\\') i++;
        code += "''";
      } else code += ch;
    }
    for (const [open, close] of [['{', '}'], ['[', ']'], ['(', ')']] as const) {
      expect(code.split(open).length, `${open}${close}`).toBe(code.split(close).length);
    }
  });

  it('puts the app on a Flex Consumption FC1 plan, Linux, Node 20', () => {
    const plan = resource('plan');
    expect(plan).toContain("'Microsoft.Web/serverfarms@");
    expect(plan).toMatch(/name: 'FC1'/);
    expect(plan).toMatch(/tier: 'FlexConsumption'/);
    expect(plan).toMatch(/reserved: true/);
    const app = resource('app');
    expect(app).toMatch(/kind: 'functionapp,linux'/);
    expect(app).toMatch(/serverFarmId: plan\.id/);
    expect(app).toMatch(/runtime: \{\s*name: 'node'\s*version: '20'\s*\}/);
    expect(app).toMatch(/httpsOnly: true/);
    expect(app).toMatch(/type: 'blobContainer'/);
    // Flex rejects the worker runtime as an app setting; it comes from functionAppConfig.runtime.
    expect(setting('FUNCTIONS_WORKER_RUNTIME')).toBeUndefined();
  });

  it('creates the queues and tables the job core uses', () => {
    expect(arrayVar('queueNames').sort()).toEqual(['jobs', 'jobs-poison']);
    expect(arrayVar('tableNames').sort()).toEqual(['dedupe', 'jobparams', 'jobs', 'keys', 'runbooks', 'schedules', 'slots', 'streams', 'webhooks'].sort());
    expect(resource('queues')).toContain("'Microsoft.Storage/storageAccounts/queueServices/queues@");
    expect(resource('tables')).toContain("'Microsoft.Storage/storageAccounts/tableServices/tables@");
    // The worker listens on the queue the bicep creates.
    expect(readFileSync(path.join(root, 'shared', 'store', 'jobQueue.ts'), 'utf8')).toMatch(/JOB_QUEUE = 'jobs'/);
  });

  it('reaches storage by identity only, with the three data roles', () => {
    expect(resource('storage')).toMatch(/allowSharedKeyAccess: false/);
    expect(setting('AzureWebJobsStorage__accountName')).toBe('storage.name');
    expect(setting('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    expect(setting('AzureWebJobsStorage__clientId')).toBe('identity.properties.clientId');
    expect(setting('AZURE_CLIENT_ID')).toBe('identity.properties.clientId');
    expect(setting('AzureWebJobsStorage')).toBeUndefined(); // no connection string, no account key
    expect(bicep).not.toMatch(/listKeys\(/);

    const ids: Record<string, string> = {
      storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
      storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    };
    for (const [role, id] of Object.entries(ids)) expect(bicep).toContain(`${role}: '${id}'`);
    for (const [symbol, role] of [['blobOwner', 'storageBlobDataOwner'], ['queueContributor', 'storageQueueDataContributor'], ['tableContributor', 'storageTableDataContributor']]) {
      const r = resource(symbol!);
      expect(r).toContain("'Microsoft.Authorization/roleAssignments@");
      expect(r).toContain('scope: storage');
      expect(r).toContain(`roles.${role}`);
      expect(r).toContain('principalId: identity.properties.principalId');
    }
    expect(resource('app')).toMatch(/type: 'UserAssigned'/);
  });

  it('wires Application Insights over Log Analytics', () => {
    expect(resource('logs')).toContain("'Microsoft.OperationalInsights/workspaces@");
    expect(resource('insights')).toMatch(/WorkspaceResourceId: logs\.id/);
    expect(setting('APPLICATIONINSIGHTS_CONNECTION_STRING')).toBe('insights.properties.ConnectionString');
  });

  it('sets the HOOKBOOK_* settings the code reads; the encryption key is a secure parameter', () => {
    for (const s of ['HOOKBOOK_PUBLIC_URL', 'HOOKBOOK_ENCRYPTION_KEY', 'HOOKBOOK_RUNBOOK_PREFIX', 'HOOKBOOK_RUN_WAIT_SECONDS', 'HOOKBOOK_LEASE_SECONDS', 'HOOKBOOK_RETENTION_DAYS']) {
      expect(setting(s), s).toBeDefined();
      expect(readFileSync(path.join(root, 'shared', 'config.ts'), 'utf8'), `${s} read by shared/config.ts`).toContain(s);
    }
    expect(setting('HOOKBOOK_ENCRYPTION_KEY')).toBe('encryptionKey');
    expect(setting('HOOKBOOK_PUBLIC_URL')).toBe('publicUrl');
    expect(bicep).toMatch(/@secure\(\)\s*(@minLength\(32\)\s*)?param encryptionKey string\s*$/m);
    expect(bicep).toMatch(/@secure\(\)\s*param bootstrapKey string/);
    // A secret never has a default or a value in the parameters file.
    expect(bicep).not.toMatch(/param encryptionKey string =/);
    expect(parameters.parameters.encryptionKey).toBeUndefined();
    expect(parameters.parameters.bootstrapKey).toBeUndefined();
    for (const p of Object.keys(parameters.parameters)) expect(bicep, `param ${p}`).toMatch(new RegExp(`^param ${p} `, 'm'));
  });

  it('sets every %SETTING% a trigger registration names and every timer schedule, in Azure and in the sample settings', () => {
    const sample = JSON.parse(readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')).Values;
    const names = new Set<string>();
    for (const f of readdirSync(path.join(root, 'functions'))) {
      for (const m of readFileSync(path.join(root, 'functions', f), 'utf8').matchAll(/'%([A-Z0-9_]+)%'/g)) names.add(m[1]!);
    }
    // Timer schedules are read through shared/config.ts (they have defaults there); deployments set them explicitly.
    for (const s of Object.values(SETTINGS)) if (s.env.endsWith('_CRON')) names.add(s.env);
    expect(names.size).toBeGreaterThan(0);
    for (const n of names) {
      expect(setting(n), `${n} in infra/main.bicep`).toBeDefined();
      expect(sample[n], `${n} in local.settings.sample.json`).toBeDefined();
    }
  });

  it('creates every table the code uses', () => {
    const used = new Set<string>();
    for (const dir of ['shared/store', 'shared/jobs', 'shared/webhooks', 'shared/schedules']) {
      let files: string[] = [];
      try {
        files = readdirSync(path.join(root, dir));
      } catch {
        continue;
      }
      for (const f of files) for (const m of readFileSync(path.join(root, dir, f), 'utf8').matchAll(/table\('([a-z]+)'\)/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(5);
    for (const t of used) expect(bicep, `table ${t}`).toContain(`'${t}'`);
  });

  it('matches the deployable layout: package.json main and the build script', () => {
    expect(pkg.main).toBe('dist/functions/*.js');
    expect(pkg.scripts.build).toBe('tsc -p . && cp shared/runners/node-host.cjs dist/shared/runners/ && cp local/parent-guard.cjs dist/local/');
    const host = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8'));
    expect(host.extensionBundle.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
  });
});
