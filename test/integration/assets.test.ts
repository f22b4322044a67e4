// Shared assets over a real local host on its own Azurite: bash, python3 and node runbooks read a
// variable, a credential and a connection through their helpers; undeclared assets and ended jobs
// are refused; secrets printed on purpose never reach a stream record, a log line, an API answer or
// a table row (read with the Tables SDK); every read of an encrypted asset is audited.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, uniqueName, type Api } from '../support/api';
import { http, repoRoot, startAzurite, startHost, type RunningAzurite, type RunningHost } from '../support/host';
import { createRequire } from 'node:module';

let storage: RunningAzurite;
let host: RunningHost;
let a: Api;

const id = randomBytes(3).toString('hex');
const names = {
  tenant: `Tenant-${id}`,
  token: `ApiToken-${id}`,
  svc: `Svc Account-${id}`,
  graph: `GraphApp-${id}`,
  lastRun: `LastRun-${id}`,
  other: `Other-${id}`,
};
const secrets = {
  token: `tok-${randomBytes(12).toString('hex')}`,
  password: `pw-${randomBytes(12).toString('base64url')}"\\/é`,
  clientSecret: `cs-${randomBytes(12).toString('hex')}`,
  other: `other-${randomBytes(12).toString('hex')}`,
  identityHeader: `idh-${randomBytes(12).toString('hex')}`,
};
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 12);
const shared = mkdtempSync(join(tmpdir(), 'hookbook-assets-'));
chmodSync(shared, 0o777); // jobs may run as an unprivileged user

// A stand-in for the App Service managed identity endpoint (GET $IDENTITY_ENDPOINT?resource=… with
// the X-IDENTITY-HEADER), so that @azure/identity inside a job can be shown to work.
let identityEndpoint: Server;
let identityUrl = '';
const identityCalls: string[] = [];

beforeAll(async () => {
  identityEndpoint = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    identityCalls.push(`${u.pathname} ${u.searchParams.get('resource')} ${req.headers['x-identity-header'] === secrets.identityHeader}`);
    if (req.headers['x-identity-header'] !== secrets.identityHeader) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: 'fake-access-token-for-test',
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: u.searchParams.get('resource'),
        token_type: 'Bearer',
      }),
    );
  });
  await new Promise<void>((resolve) => identityEndpoint.listen(0, '127.0.0.1', resolve));
  identityUrl = `http://127.0.0.1:${(identityEndpoint.address() as AddressInfo).port}/msi/token`;
  storage = await startAzurite();
  host = await startHost({
    storage: 'external',
    connectionString: storage.connectionString,
    env: {
      HOOKBOOK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      IDENTITY_ENDPOINT: identityUrl,
      IDENTITY_HEADER: secrets.identityHeader,
    },
  });
  a = api(host.url, host.adminKey);
  const create = async (path: string, body: unknown) => {
    const r = await a.call('POST', path, body);
    expect(r.status, r.text).toBe(201);
    return r;
  };
  await create('/api/v1/assets/variables', { name: names.tenant, value: 'contoso.onmicrosoft.com' });
  await create('/api/v1/assets/variables', { name: names.token, value: secrets.token, encrypted: true });
  await create('/api/v1/assets/variables', { name: names.lastRun, type: 'datetime', value: '2026-01-01T00:00:00Z' });
  await create('/api/v1/assets/credentials', { name: names.svc, userName: 'svc-user', password: secrets.password });
  await create('/api/v1/assets/credentials', { name: names.other, userName: 'other', password: secrets.other });
  await create('/api/v1/assets/connections', {
    name: names.graph,
    connectionType: 'EntraApp',
    fields: { TenantId: 't-123', ClientId: 'c-456', ClientSecret: secrets.clientSecret },
  });
});
afterAll(async () => {
  await host?.stop();
  await storage?.stop();
  identityEndpoint?.close();
});

const declared = {
  variables: [names.tenant, names.token],
  credentials: [names.svc],
  connections: [names.graph],
  writeVariables: [names.lastRun],
};

async function run(type: string, content: string, extra: Record<string, unknown> = {}, parameters: Record<string, unknown> = {}) {
  const declaredParameters = Object.keys(parameters).map((n) => ({ name: n, type: 'string' }));
  const name = await a.createRunbook({
    name: uniqueName(`assets-${type}`),
    type,
    content,
    assets: declared,
    parameters: declaredParameters,
    ...extra,
  });
  const r = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters });
  expect(r.status, r.text).toBe(202);
  const job = await a.waitForStatus(r.json.jobId, ['Completed', 'Failed', 'Stopped'], 90_000);
  const streams = await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`);
  expect(streams.status).toBe(200);
  const output = (streams.json.value as { streamType: string; streamText: string }[])
    .filter((s) => s.streamType === 'Output')
    .map((s) => s.streamText);
  return { job, streams: streams.json.value as { streamType: string; streamText: string }[], streamsText: streams.text, output };
}

const expected = (prefix = '') => [
  `${prefix}tenant=contoso.onmicrosoft.com`,
  `${prefix}token=${sha(secrets.token)}`,
  `${prefix}user=svc-user`,
  `${prefix}password=${sha(secrets.password)}`,
  `${prefix}client=c-456/${sha(secrets.clientSecret)}`,
];

describe('runbooks read assets through their helpers', () => {
  it('bash: hookbook-asset', async () => {
    const script = [
      'set -euo pipefail',
      'h() { printf %s "$1" | sha256sum | cut -c1-12; }',
      `echo "tenant=$(hookbook-asset get '${names.tenant}')"`,
      `echo "token=$(h "$(hookbook-asset get '${names.token}')")"`,
      `echo "user=$(hookbook-asset credential '${names.svc}' --user)"`,
      `echo "password=$(h "$(hookbook-asset credential '${names.svc}' --password)")"`,
      `echo "client=$(hookbook-asset connection '${names.graph}' ClientId)/$(h "$(hookbook-asset connection '${names.graph}' ClientSecret)")"`,
      `hookbook-asset set '${names.lastRun}' 2026-02-03T04:05:06Z`,
    ].join('\n');
    const { job, output } = await run('bash', script);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(output).toEqual(expected());
    const v = await a.call('GET', `/api/v1/assets/variables/${encodeURIComponent(names.lastRun)}`);
    expect(v.json.value).toBe('2026-02-03T04:05:06.000Z');
    expect(v.json.lastModifiedBy).toBe(`job:${job.jobId}`);
  });

  it("python3: automationassets (Azure Automation's module)", async () => {
    const script = [
      'import hashlib, automationassets as aa',
      'h = lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()[:12]',
      `print("tenant=" + aa.get_automation_variable("${names.tenant}"))`,
      `print("token=" + h(aa.get_automation_variable("${names.token}")))`,
      `c = aa.get_automation_credential("${names.svc}")`,
      'print("user=" + c["username"])',
      'print("password=" + h(c["password"]))',
      `g = aa.get_automation_connection("${names.graph}")`,
      'print("client=" + g["ClientId"] + "/" + h(g["ClientSecret"]))',
      'import datetime',
      `aa.set_automation_variable("${names.lastRun}", datetime.datetime(2026, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc))`,
    ].join('\n');
    const { job, output } = await run('python3', script);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(output).toEqual(expected());
    const v = await a.call('GET', `/api/v1/assets/variables/${encodeURIComponent(names.lastRun)}`);
    expect(v.json.value).toBe('2026-05-06T07:08:09.000Z');
  });

  it('node: require("hookbook-assets")', async () => {
    const script = `
      const assets = require('hookbook-assets');
      const h = (s) => require('crypto').createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 12);
      module.exports = async (p, ctx) => {
        ctx.output('tenant=' + await assets.getVariable(${JSON.stringify(names.tenant)}));
        ctx.output('token=' + h(await assets.getVariable(${JSON.stringify(names.token)})));
        const c = await assets.getCredential(${JSON.stringify(names.svc)});
        ctx.output('user=' + c.userName);
        ctx.output('password=' + h(c.password));
        const g = await assets.getConnection(${JSON.stringify(names.graph)});
        ctx.output('client=' + g.ClientId + '/' + h(g.ClientSecret));
      };`;
    const { job, output } = await run('node', script);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(output).toEqual(expected());
  });

  it('manifest env: declared assets as environment variables', async () => {
    const script = [
      'h() { printf %s "$1" | sha256sum | cut -c1-12; }',
      'echo "tenant=$TENANT"',
      'echo "password=$(h "$SVC_PASSWORD")"',
    ].join('\n');
    const { job, output } = await run('bash', script, {
      assets: { env: { TENANT: `variable/${names.tenant}`, SVC_PASSWORD: `credential/${names.svc}/password` } },
    });
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(output).toEqual(['tenant=contoso.onmicrosoft.com', `password=${sha(secrets.password)}`]);
  });
});

describe('least privilege', () => {
  it('an undeclared asset is refused with a sentence naming it and the manifest field', async () => {
    const { job } = await run('bash', `set -e\nhookbook-asset credential '${names.other}' --password`);
    expect(job.status).toBe('Failed');
    expect(job.exception).toContain(`does not declare credential '${names.other}'`);
    expect(job.exception).toContain('assets.credentials');
    const py = await run('python3', `import automationassets as aa\naa.set_automation_variable("${names.tenant}", "x")`);
    expect(py.job.status).toBe('Failed');
    expect(py.job.exception).toMatch(/writeVariables/);
  });

  it('a manifest is checked: reserved environment names refused, a missing asset fails the job with its name', async () => {
    const bad = await a.call('POST', '/api/v1/runbooks', {
      name: uniqueName('assets-bad'),
      type: 'bash',
      content: 'true',
      assets: { env: { LD_PRELOAD: `variable/${names.tenant}` } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/assets\.env\.LD_PRELOAD/);
    const badRef = await a.call('POST', '/api/v1/runbooks', {
      name: uniqueName('assets-bad'),
      type: 'bash',
      content: 'true',
      assets: { env: { X: 'secret/whatever' } },
    });
    expect(badRef.status).toBe(400);
    const { job } = await run('bash', 'echo unreachable', { assets: { env: { X: 'credential/Nope-Not-There/password' } } });
    expect(job.status).toBe('Failed');
    expect(job.exception).toBe("The runbook's assets could not be prepared: No credential named 'Nope-Not-There'.");
  });

  it('a job token is refused once its job has ended', async () => {
    const tokenFile = join(shared, `token-${id}`);
    const { job } = await run(
      'bash',
      'umask 000; printf %s "$HOOKBOOK_JOB_TOKEN" > "$TokenFile"\nhookbook-asset get "$Tenant" >/dev/null',
      {},
      { TokenFile: tokenFile, Tenant: names.tenant },
    );
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    const token = readFileSync(tokenFile, 'utf8');
    expect(token.length).toBeGreaterThan(20);
    const r = await http(host.url, `/api/v1/job/variables/${encodeURIComponent(names.tenant)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(401);
    expect(r.json.detail).toMatch(/no longer valid/);
    const forged = await http(host.url, `/api/v1/job/variables/${encodeURIComponent(names.tenant)}`, {
      headers: { Authorization: `Bearer ${token.slice(0, -4)}AAAA` },
    });
    expect(forged.status).toBe(401);
    const none = await http(host.url, `/api/v1/job/variables/${encodeURIComponent(names.tenant)}`);
    expect(none.status).toBe(401);
  });
});

describe('secrets stay secret', () => {
  const leakScript = [
    `pw=$(hookbook-asset credential '${names.svc}' --password)`,
    `cs=$(hookbook-asset connection '${names.graph}' ClientSecret)`,
    `tok=$(hookbook-asset get '${names.token}')`,
    'echo "plain: $pw and $cs and $tok"',
    'python3 -c \'import json,sys; print(json.dumps({"p": sys.argv[1]}))\' "$pw"',
    'python3 -c \'import json,sys; print(json.dumps({"p": sys.argv[1]}, ensure_ascii=False))\' "$pw"',
    'echo "b64: $(printf %s "$cs" | base64 -w0)"',
    'echo "b64 offset: $(printf "xy%s" "$cs" | base64 -w0)"',
    'echo "url: $(python3 -c \'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))\' "$pw")"',
    'printf "two writes: %s" "${tok:0:10}"; printf "%s\\n" "${tok:10}"',
    'echo "split: ${cs:0:8}"; echo "${cs:8} after"',
    'echo "to stderr: $pw" >&2',
    'echo "WARNING: warn $tok"',
    'late="late-$RANDOM-$RANDOM-secret"',
    'echo "::add-mask::$late"',
    'echo "late: $late"',
    'echo "$cs" >&2; exit 3',
  ].join('\n');

  it('a secret printed on purpose is masked in every stream record, the exception and the log', async () => {
    const { job, streams, streamsText } = await run('bash', leakScript);
    expect(job.status).toBe('Failed');
    const texts = streams.map((s) => s.streamText);
    expect(texts).toContain('plain: *** and *** and ***');
    expect(texts).toContain('{"p": "***"}');
    expect(texts.filter((t) => t === '{"p": "***"}')).toHaveLength(2);
    expect(texts).toContain('two writes: ***');
    expect(texts).toContain('split: ***');
    expect(texts).toContain('*** after');
    expect(texts).toContain('late: ***');
    expect(texts.some((t) => t.startsWith('::add-mask::'))).toBe(false);
    expect(texts.find((t) => t.startsWith('b64: '))).toBe('b64: ***');
    expect(texts.find((t) => t.startsWith('b64 offset: '))).toMatch(/^b64 offset: [A-Za-z0-9+/]{0,4}\*\*\*[A-Za-z0-9+/=]{0,4}$/);
    expect(texts).toContain('url: ***');
    expect(streams.find((s) => s.streamType === 'Warning')?.streamText).toBe('warn ***');
    expect(streams.find((s) => s.streamType === 'Error')?.streamText).toBe('to stderr: ***');
    expect(job.exception).toBe('***');

    const forms = leakForms();
    const jobText = JSON.stringify(job);
    for (const f of forms) {
      expect(streamsText).not.toContain(f);
      expect(jobText).not.toContain(f);
      expect(host.output()).not.toContain(f);
    }
  });

  it('node: structured records and the result are masked too', async () => {
    const content = `const assets = require('hookbook-assets');
      module.exports = async (p, ctx) => {
        const { password } = await assets.getCredential(${JSON.stringify(names.svc)});
        ctx.output({ password, n: 1 });
        process.stdout.write(password.slice(0, 6));
        process.stdout.write(password.slice(6) + '\\n');
        return { p: password };
      };`;
    const { job, streams, streamsText } = await run('node', content);
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(job.result).toEqual({ p: '***' });
    // fd 3 (ctx.output) and stdout are two pipes: their records may interleave either way.
    expect(streams.map((s) => s.streamText).sort()).toEqual(['***', '{"password":"***","n":1}']);
    for (const f of leakForms()) expect(streamsText + JSON.stringify(job)).not.toContain(f);
  });

  it('the management API never returns an encrypted value; updates record who made them', async () => {
    const answers = await Promise.all([
      a.call('GET', '/api/v1/assets/variables'),
      a.call('GET', `/api/v1/assets/variables/${encodeURIComponent(names.token)}`),
      a.call('GET', '/api/v1/assets/credentials'),
      a.call('GET', `/api/v1/assets/credentials/${encodeURIComponent(names.svc)}`),
      a.call('GET', '/api/v1/assets/connections'),
      a.call('GET', `/api/v1/assets/connections/${encodeURIComponent(names.graph)}`),
      a.call('PATCH', `/api/v1/assets/credentials/${encodeURIComponent(names.other)}`, { description: 'rotated soon' }),
      a.call('GET', '/api/v1/assets/audit'),
      http(host.url, '/api/openapi.json'),
    ]);
    for (const r of answers) {
      expect(r.status, r.text).toBe(200);
      for (const f of leakForms()) expect(r.text).not.toContain(f);
    }
    expect(answers[1]!.json).toMatchObject({ name: names.token, encrypted: true, type: 'string' });
    expect(answers[1]!.json.value).toBeUndefined();
    expect(answers[3]!.json).toMatchObject({ userName: 'svc-user' });
    expect(answers[5]!.json).toMatchObject({
      connectionType: 'EntraApp',
      fields: { TenantId: 't-123', ClientId: 'c-456' },
      secretFields: ['ClientSecret'],
    });
    const keyId = host.adminKey.split(':')[0];
    expect(answers[6]!.json.lastModifiedBy).toBe(keyId);
    const audit = await a.call('GET', `/api/v1/assets/audit?kind=credential&name=${encodeURIComponent(names.other)}`);
    expect(audit.json.value[0]).toMatchObject({ action: 'update', by: keyId, kind: 'credential', name: names.other });

    // Bad input: a clear 4xx naming what is wrong.
    const bad = await a.call('POST', '/api/v1/assets/variables', { name: `n-${id}`, type: 'int', value: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.json.detail).toMatch(/type int.*integer/);
    const dup = await a.call('POST', '/api/v1/assets/credentials', { name: names.svc.toUpperCase(), userName: 'u', password: 'p' });
    expect(dup.status).toBe(409);
    const missing = await a.call('GET', '/api/v1/assets/connections/nope-nope');
    expect(missing.status).toBe(404);
    const badConn = await a.call('POST', '/api/v1/assets/connections', {
      name: `c-${id}`,
      connectionType: 'EntraApp',
      fields: { Tenant: 'x' },
    });
    expect(badConn.status).toBe(400);
    expect(badConn.json.detail).toMatch(/no field 'Tenant'/);
  });

  it('every read of an encrypted asset by a job is in the audit', async () => {
    const { job } = await run(
      'bash',
      `hookbook-asset get '${names.token}' >/dev/null; hookbook-asset get '${names.tenant}' >/dev/null; hookbook-asset credential '${names.svc}' --password >/dev/null`,
    );
    expect(job.status).toBe('Completed');
    const r = await a.call('GET', `/api/v1/assets/audit?jobId=${job.jobId}`);
    expect(r.status).toBe(200);
    const rows = (r.json.value as { kind: string; name: string; action: string; by: string; jobId: string }[]).map(
      (x) => `${x.action} ${x.kind} ${x.name} ${x.by}`,
    );
    expect(rows.sort()).toEqual([`read credential ${names.svc} job:${job.jobId}`, `read variable ${names.token} job:${job.jobId}`].sort());
  });

  it('no table row holds a secret in plain text (read with the Tables SDK)', async () => {
    const svc = TableServiceClient.fromConnectionString(storage.connectionString, { allowInsecureConnection: true });
    let rows = 0;
    for await (const t of svc.listTables()) {
      const client = TableClient.fromConnectionString(storage.connectionString, t.name!, { allowInsecureConnection: true });
      for await (const e of client.listEntities()) {
        rows++;
        const text = JSON.stringify(e);
        for (const f of leakForms()) expect(text, `table ${t.name}`).not.toContain(f);
      }
    }
    expect(rows).toBeGreaterThan(10);
  });
});

/**
 * @azure/identity as one world-readable file: the job runs as another user (docs/security.md), who
 * may not reach the repository's node_modules (a clone under /root), as a user's own modules would be.
 */
function identityBundle(): string {
  const fromRoot = createRequire(join(repoRoot, 'package.json'));
  const dir = mkdtempSync(join(tmpdir(), 'hookbook-identity-'));
  chmodSync(dir, 0o755);
  const outfile = join(dir, 'identity.cjs');
  const esbuild = fromRoot('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: [fromRoot.resolve('@azure/identity')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
  });
  chmodSync(outfile, 0o644);
  return outfile;
}

describe('managed identity', () => {
  const script = 'echo "endpoint=${IDENTITY_ENDPOINT:-absent}"; echo "header=${IDENTITY_HEADER:+present}"; echo "$IDENTITY_HEADER"';
  it('identity: true passes the Function App identity environment (its header masked)', async () => {
    const { job, output } = await run('bash', script, { identity: true });
    expect(job.status).toBe('Completed');
    expect(output).toEqual([`endpoint=${identityUrl}`, 'header=present', '***']);
  });
  it("@azure/identity's DefaultAzureCredential gets a token from the identity endpoint inside the job", async () => {
    const identityModule = identityBundle();
    const content = `module.exports = async (p, ctx) => {
      const { DefaultAzureCredential } = require(p.IdentityModule);
      const t = await new DefaultAzureCredential().getToken('https://management.azure.com/.default');
      ctx.output('token=' + t.token);
    };`;
    const { job, output } = await run('node', content, { identity: true }, { IdentityModule: identityModule });
    expect(job.status, JSON.stringify(job)).toBe('Completed');
    expect(output).toEqual(['token=fake-access-token-for-test']);
    expect(identityCalls).toContain('/msi/token https://management.azure.com true');
  });
  it('without it the environment stays clean', async () => {
    const { output } = await run('bash', script);
    expect(output).toEqual(['endpoint=absent', 'header=', '']);
  });
});

/** Every form of every secret that must never be stored or shown. */
function leakForms(): string[] {
  const out: string[] = [];
  for (const s of [secrets.token, secrets.password, secrets.clientSecret, secrets.other, secrets.identityHeader]) {
    out.push(s, JSON.stringify(s).slice(1, -1), Buffer.from(s).toString('base64').slice(0, 16), encodeURIComponent(s));
  }
  return out;
}
