// A structural check of infra/main.bicep: the names, settings and role ids a deployment depends on are
// present in the text, and they agree with what the code reads. The compiler's own checks (syntax,
// Azure's resource types, the linter) are in test/unit/infra-bicep.test.ts; what only a subscription
// can check is in docs/deploy.md.
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

/** The value expression of an app setting `{ name: '<name>', value: <value> }` (one per line). */
function setting(name: string): string | undefined {
  return new RegExp(`\\{ name: '${name}', value: (.*?) \\}\\]?\\s*$`, 'm').exec(bicep)?.[1]?.trim();
}

/** The text of a `var <name> = ...` up to the next top-level declaration, comment or blank line. */
function varBlock(name: string): string {
  const m = new RegExp(`^var ${name} = [\\s\\S]*?(?=\\n(?:var |resource |output |param |//|\\s*\\n))`, 'm').exec(bicep);
  expect(m, `var ${name}`).not.toBeNull();
  return m![0];
}

/** Every `param <name>` with the decorators above it. */
function params(): { name: string; decorators: string }[] {
  const out: { name: string; decorators: string }[] = [];
  for (const m of bicep.matchAll(/((?:^@[^\n]*\n|^  [^\n]*\n|^\]\)\n)*)^param (\w+) /gm)) out.push({ name: m[2]!, decorators: m[1]! });
  return out;
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
    for (const [open, close] of [
      ['{', '}'],
      ['[', ']'],
      ['(', ')'],
    ] as const) {
      expect(code.split(open).length, `${open}${close}`).toBe(code.split(close).length);
    }
  });

  it('puts the app on a Flex Consumption FC1 plan, Linux, Node 20, by default', () => {
    expect(bicep).toMatch(/^param hosting string = 'flex'$/m);
    expect(bicep).toMatch(/^var isFlex = hosting == 'flex'$/m);
    const plan = resource('plan');
    expect(plan).toContain("'Microsoft.Web/serverfarms@");
    expect(plan).toMatch(/sku: isFlex\s*\?\s*\{\s*name: 'FC1'\s*tier: 'FlexConsumption'\s*\}/);
    expect(plan).toMatch(/reserved: true/);
    const app = resource('app');
    expect(app).toMatch(/kind: isFlex \? 'functionapp,linux' : 'functionapp,linux,container'/);
    expect(app).toMatch(/serverFarmId: plan\.id/);
    expect(app).toMatch(/functionAppConfig: isFlex \? flexConfig : null/);
    expect(app).toMatch(/httpsOnly: true/);
    const flex = varBlock('flexConfig');
    expect(flex).toMatch(/runtime: \{\s*name: 'node'\s*version: '20'\s*\}/);
    expect(flex).toMatch(/type: 'blobContainer'/);
    // Flex rejects the worker runtime as an app setting (it comes from functionAppConfig.runtime): it is
    // set only for the custom container, where it is required.
    expect(varBlock('baseSettings')).not.toContain('FUNCTIONS_WORKER_RUNTIME');
    expect(varBlock('containerSettings')).toMatch(/^var containerSettings = isContainer\s*\?/);
    expect(setting('FUNCTIONS_WORKER_RUNTIME')).toBe("'node'");
  });

  it('offers hosting=container: a custom container with PowerShell, pulled from its own registry by the identity', () => {
    expect(bicep).toMatch(/@allowed\(\[\s*'flex'\s*'container'\s*\]\)\s*param hosting string/);
    const plan = resource('plan');
    expect(plan).toMatch(/name: containerPlanSku/);
    const app = resource('app');
    expect(app).toMatch(/linuxFxVersion: isContainer \? 'DOCKER\|\$\{image\}' : null/);
    expect(app).toMatch(/acrUseManagedIdentityCreds: isContainer \? true : null/);
    expect(app).toMatch(/acrUserManagedIdentityID: isContainer \? identity\.properties\.clientId : null/);
    expect(app).toMatch(/alwaysOn: isContainer \? true : null/); // the queue worker and timers need it on a dedicated plan
    expect(app).toContain('registryPull');
    const registry = resource('registry');
    expect(registry).toContain('= if (isContainer)');
    expect(registry).toMatch(/adminUserEnabled: false/); // no registry password anywhere
    const pull = resource('registryPull');
    expect(pull).toContain('scope: registry');
    expect(pull).toContain('roles.acrPull');
    expect(pull).toContain('principalId: identity.properties.principalId');
    expect(bicep).toContain("acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'");
    expect(setting('WEBSITES_ENABLE_APP_SERVICE_STORAGE')).toBe("'false'"); // the code is in the image
    expect(setting('FUNCTIONS_EXTENSION_VERSION')).toBe("'~4'");

    // The image: the Functions Node base with PowerShell added, and the same files as the zip package.
    const dockerfile = readFileSync(path.join(root, 'infra', 'container', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM mcr\.microsoft\.com\/azure-functions\/node:4-node20$/m);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends powershell/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    for (const f of ['dist', 'node_modules', 'runbooks']) expect(dockerfile).toMatch(new RegExp(`^COPY --from=build /src/${f} `, 'm'));
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/host\.json \/src\/package\.json \.\/$/m);
    const dockerignore = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    for (const f of ['node_modules', '.tools', 'local.settings.json', '.git']) expect(dockerignore).toContain(f);
  });

  it('keeps the service secrets in Key Vault: app settings hold Key Vault references resolved by the identity', () => {
    const vault = resource('vault');
    expect(vault).toContain("'Microsoft.KeyVault/vaults@");
    expect(vault).toMatch(/enableRbacAuthorization: true/);
    expect(resource('encryptionKeySecret')).toMatch(/value: encryptionKey\n/);
    expect(resource('bootstrapKeySecret')).toMatch(/= if \(!empty\(bootstrapKey\)\)/);
    expect(setting('HOOKBOOK_ENCRYPTION_KEY')).toBe("'@Microsoft.KeyVault(SecretUri=${encryptionKeySecret.properties.secretUri})'");
    expect(setting('HOOKBOOK_BOOTSTRAP_KEY')).toBe(
      "'@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/hookbook-bootstrap-key)'",
    );
    expect(resource('bootstrapKeySecret')).toMatch(/name: 'hookbook-bootstrap-key'/);
    // The identity may read the secrets (Key Vault Secrets User), and the app resolves references with it.
    const grant = resource('secretsUser');
    expect(grant).toContain('scope: vault');
    expect(grant).toContain('roles.keyVaultSecretsUser');
    expect(grant).toContain('principalId: identity.properties.principalId');
    expect(bicep).toContain("keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'");
    const app = resource('app');
    expect(app).toMatch(/keyVaultReferenceIdentity: identity\.id/);
    expect(app).toMatch(/dependsOn: \[[^\]]*secretsUser[^\]]*\]/);
    // No secret value reaches an app setting directly.
    expect(bicep).not.toMatch(/value: (encryptionKey|bootstrapKey) \}/);
  });

  it('documents every parameter: a @description in the template and a row in docs/deploy.md', () => {
    const deploy = readFileSync(path.join(root, 'docs', 'deploy.md'), 'utf8');
    const ps = params();
    expect(ps.map((p) => p.name)).toEqual(
      expect.arrayContaining(['encryptionKey', 'hosting', 'containerImage', 'keyVaultPurgeProtection']),
    );
    for (const p of ps) {
      expect(p.decorators, `@description of param ${p.name}`).toMatch(/@description\('/);
      expect(deploy, `param ${p.name} in docs/deploy.md`).toContain(`\`${p.name}\``);
    }
  });

  it('creates the queues and tables the job core uses', () => {
    // The cloud job queues, one per HOOKBOOK_JOB_QUEUES (the jobQueues parameter): `jobs`, then
    // `jobs-<i>`, as shared/store/jobQueue.ts names them, and each one's poison queue.
    expect(varBlock('jobQueueNames')).toContain("[for i in range(0, jobQueues): i == 0 ? 'jobs' : 'jobs-${i}']");
    expect(varBlock('queueNames')).toMatch(
      /concat\(jobQueueNames, map\(jobQueueNames, q => '\$\{q\}-poison'\), \[\s*'hookbook-health'\s*'source-syncs'\s*'notifications'\s*\]\)/,
    );
    expect(setting('HOOKBOOK_JOB_QUEUES')).toBe('string(jobQueues)');
    expect(bicep).toMatch(/@minValue\(1\)\n@maxValue\(16\)\nparam jobQueues int = 1\n/);
    expect(arrayVar('tableNames').sort()).toEqual(
      [
        'armschedules',
        'assetaudit',
        'assets',
        'dedupe',
        'health',
        'jobaliases',
        'jobparams',
        'jobs',
        'jobstats',
        'keys',
        'runbooks',
        'schedules',
        'slots',
        'streams',
        'webhooks',
        'workers',
        'sourcecontrols',
        'sourcesyncs',
        'notifytargets',
        'notifydeliveries',
        'audit',
      ].sort(),
    );
    expect(resource('queues')).toContain("'Microsoft.Storage/storageAccounts/queueServices/queues@");
    expect(resource('tables')).toContain("'Microsoft.Storage/storageAccounts/tableServices/tables@");
    // The worker listens on the queue the bicep creates.
    const jobQueue = readFileSync(path.join(root, 'shared', 'store', 'jobQueue.ts'), 'utf8');
    expect(jobQueue).toMatch(/JOB_QUEUE = 'jobs'/);
    expect(jobQueue).toContain('(i === 0 ? JOB_QUEUE : `${JOB_QUEUE}-${i}`)');
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
    for (const [symbol, role] of [
      ['blobOwner', 'storageBlobDataOwner'],
      ['queueContributor', 'storageQueueDataContributor'],
      ['tableContributor', 'storageTableDataContributor'],
    ]) {
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
    for (const s of [
      'HOOKBOOK_PUBLIC_URL',
      'HOOKBOOK_ENCRYPTION_KEY',
      'HOOKBOOK_RUNBOOK_PREFIX',
      'HOOKBOOK_RUN_WAIT_SECONDS',
      'HOOKBOOK_LEASE_SECONDS',
      'HOOKBOOK_RETENTION_DAYS',
    ]) {
      expect(setting(s), s).toBeDefined();
      expect(readFileSync(path.join(root, 'shared', 'config.ts'), 'utf8'), `${s} read by shared/config.ts`).toContain(s);
    }
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
    // Every `table('<name>')` anywhere under shared/ (new features add tables in folders of their own).
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts')) for (const m of readFileSync(full, 'utf8').matchAll(/table\('([a-z]+)'\)/g)) used.add(m[1]!);
      }
    };
    walk(path.join(root, 'shared'));
    expect(used.size).toBeGreaterThan(5);
    for (const t of used) expect(bicep, `table ${t}`).toContain(`'${t}'`);
  });

  it('matches the deployable layout: package.json main and the build script', () => {
    expect(pkg.main).toBe('dist/functions/*.js');
    // tsc compiles the TypeScript; every other file the runtime loads from shared/runners and local/
    // (the node host, the PowerShell host, the job helpers, the parent guard) must be copied by the build.
    expect(pkg.scripts.build.startsWith('tsc -p . && ')).toBe(true);
    for (const dir of ['shared/runners', 'local']) {
      for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
        if (entry.isFile() && entry.name.endsWith('.ts')) continue;
        expect(pkg.scripts.build, `${dir}/${entry.name} is not copied by the build`).toContain(`${dir}/${entry.name}`);
      }
    }
    expect(pkg.scripts.build).toContain('npm run build:ui');
    const host = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8'));
    expect(host.extensionBundle.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
  });
});
