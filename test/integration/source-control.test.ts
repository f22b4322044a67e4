// Source controls against a real git server (Debian's git http-backend behind a token-checking
// front, test/support/gitServer.ts) and a real host: manual, push-triggered and failing syncs, the
// read-only rule, jobs recording their commit, and a draft proposed back as a branch.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Api } from '../support/api';
import { startHost, waitFor, type RunningHost } from '../support/host';
import { startGitServer, type GitRepo, type GitServer } from '../support/gitServer';
import { testPwsh } from '../support/pwsh';

// GitHub's own signing code (ESM only, which this project's module resolution cannot type: typed here).
const sign = async (secret: string, payload: string): Promise<string> =>
  ((await import('@octokit/webhooks-methods' as string)) as { sign: (s: string, p: string) => Promise<string> }).sign(secret, payload);

let host: RunningHost;
let a: Api;
let server: GitServer;
let repo: GitRepo;
let pushSecret: string;
const SOURCE = 'team-runbooks';
const commits: string[] = [];
const cacheDir = mkdtempSync(path.join(tmpdir(), 'hookbook-gitcache-'));

const HELLO = `param(\n  [Parameter(Mandatory = $true)][string]$Name,\n  [int]$Count = 2\n)\nWrite-Output "hello $Name"\n`;
const DISK = (text: string) =>
  `#!/usr/bin/env bash\n# hookbook-manifest\n# { "description": "disk report", "parameters": [ { "name": "Label", "type": "string", "default": "x" } ] }\n# end-hookbook-manifest\necho "${text} $Label"\n`;

async function sync(name = SOURCE, query = ''): Promise<any> {
  const r = await a.call('POST', `/api/v1/source-controls/${name}/sync${query}`);
  expect(r.status, r.text).toBe(202);
  return waitForRun(name, r.json.runId);
}

async function waitForRun(name: string, runId: string): Promise<any> {
  return waitFor(
    async () => {
      const r = await a.call('GET', `/api/v1/source-controls/${name}/syncs/${runId}`);
      return r.json?.status === 'Succeeded' || r.json?.status === 'Failed' ? r.json : undefined;
    },
    `sync ${runId} to end`,
    60_000,
    150,
  );
}

async function runJob(runbook: string, parameters: Record<string, unknown> = {}): Promise<any> {
  const r = await a.call('POST', '/api/v1/jobs', { runbook, parameters });
  expect(r.status, r.text).toBe(202);
  const job = await a.waitForStatus(r.json.jobId, ['Completed', 'Failed', 'Stopped']);
  const streams = await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`);
  return { ...job, output: streams.json.value.map((s: any) => s.summary).join('\n') };
}

async function pushEvent(body: object, headers: Record<string, string>) {
  const text = JSON.stringify(body);
  const res = await fetch(`${host.url}/api/v1/source-controls/${SOURCE}/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: text,
  });
  return { status: res.status, json: (await res.json()) as any };
}

const githubPush = async (ref: string, after: string, secret = pushSecret) => {
  const body = { ref, after, repository: { full_name: 'team/runbooks' } };
  return pushEvent(body, { 'x-github-event': 'push', 'x-hub-signature-256': await sign(secret, JSON.stringify(body)) });
};

beforeAll(async () => {
  server = await startGitServer();
  repo = server.repo('runbooks');
  commits.push(
    repo.commit(
      {
        'hb/user/hello.ps1': HELLO,
        'hb/user/info.py': 'import json, sys\nprint("info", json.load(sys.stdin))\n',
        'hb/ops/disk.sh': DISK('disk v1'),
        'hb/ops/node-ok.js': 'module.exports = async () => "node ok";\n',
        'hb/README.md': '# our runbooks\n',
        'elsewhere/outside.sh': 'echo outside\n',
      },
      'first runbooks',
    ),
  );
  commits.push(repo.commit({ 'hb/user/hello.ps1': HELLO.replace('hello', 'hello there') }, 'friendlier'));
  const pwsh = testPwsh();
  host = await startHost({
    env: {
      ...(pwsh ? { HOOKBOOK_PWSH_PATH: pwsh } : {}),
      HOOKBOOK_GIT_ALLOW_HTTP: 'true',
      HOOKBOOK_GIT_CACHE_DIR: cacheDir,
      // The scheduled sync every 3 s; only sources with syncOnSchedule take part (the last test's).
      HOOKBOOK_SOURCE_SYNC_CRON: '*/3 * * * * *',
      HOOKBOOK_GIT_MAX_FILE_BYTES: String(64 * 1024),
    },
  });
  a = api(host.url, host.adminKey);
  const cred = await a.call('POST', '/api/v1/assets/credentials', {
    name: 'git-token',
    userName: 'x-access-token',
    password: server.token,
  });
  expect(cred.status, cred.text).toBe(201);
  const created = await a.call('POST', '/api/v1/source-controls', {
    name: SOURCE,
    repoUrl: repo.url,
    branch: 'main',
    folder: 'hb',
    credential: 'git-token',
    runbookPrefix: 'gs-',
    unpublishOnDelete: true,
    syncOnSchedule: false,
  });
  expect(created.status, created.text).toBe(201);
  expect(created.json.pushSecret).toMatch(/.{16,}/);
  expect(created.json.pushUrl).toBe(`${host.url}/api/v1/source-controls/${SOURCE}/push`);
  pushSecret = created.json.pushSecret;
}, 180_000);

afterAll(async () => {
  await host?.stop();
  await server?.close();
});

describe('source control', () => {
  it('refuses bad definitions with 400 naming the field, and never shows the push secret again', async () => {
    for (const [body, field] of [
      [{ name: 'x1', repoUrl: 'ftp://example.com/r.git' }, 'repoUrl'],
      [{ name: 'x2', repoUrl: 'https://user:pw@example.com/r.git' }, 'repoUrl'],
      [{ name: 'x3', repoUrl: 'https://example.com/r.git', folder: 'a/../b' }, 'folder'],
      [{ name: 'x4', repoUrl: 'https://example.com/r.git', branch: 'a..b' }, 'branch'],
    ] as const) {
      const r = await a.call('POST', '/api/v1/source-controls', body);
      expect(r.status, r.text).toBe(400);
      expect(r.json.detail).toContain(field);
    }
    const got = await a.call('GET', `/api/v1/source-controls/${SOURCE}`);
    expect(got.status).toBe(200);
    expect(JSON.stringify(got.json)).not.toContain(pushSecret);
  });

  it('a manual sync publishes every runbook type of the folder with its commit; jobs record it', async () => {
    const run = await sync();
    expect(run.status, JSON.stringify(run)).toBe('Succeeded');
    expect(run.commit).toBe(commits[1]);
    expect(run.added.map((x: any) => x.runbook).sort()).toEqual(['gs-ops_disk', 'gs-ops_node-ok', 'gs-user_hello', 'gs-user_info']);
    expect(run.skipped).toContainEqual({ path: 'hb/README.md', reason: "unknown extension '.md'" });
    expect(JSON.stringify(run)).not.toContain('outside');

    const hello = (await a.call('GET', '/api/v1/runbooks/gs-user_hello')).json;
    expect(hello).toMatchObject({
      source: 'git',
      sourceControl: SOURCE,
      sourceFile: 'hb/user/hello.ps1',
      commit: commits[1],
      type: 'pwsh',
      version: 1,
    });
    expect(hello.parameters.map((p: any) => [p.name, p.mandatory])).toEqual([
      ['Name', true],
      ['Count', false],
    ]);
    expect((await a.call('GET', '/api/v1/runbooks/gs-user_info')).json.type).toBe('python3');

    const job = await runJob('gs-ops_disk', { Label: 'L' });
    expect(job.status, job.exception).toBe('Completed');
    expect(job.output).toContain('disk v1 L');
    expect(job).toMatchObject({ runbookVersion: 1, runbookCommit: commits[1] });
    const node = await runJob('gs-ops_node-ok');
    expect(node.result).toBe('node ok');
    if (testPwsh()) {
      const ps = await runJob('gs-user_hello', { Name: 'Ann' });
      expect(ps.status, ps.exception).toBe('Completed');
      expect(ps.output).toContain('hello there Ann');
    }

    const source = (await a.call('GET', `/api/v1/source-controls/${SOURCE}`)).json;
    expect(source).toMatchObject({ syncedCommit: commits[1], lastSync: { runId: run.runId, status: 'Succeeded', commit: commits[1] } });
  });

  it('git runbooks are read-only through the other doors: 409 naming the source', async () => {
    for (const [method, p, body] of [
      ['POST', '/api/v1/runbooks/gs-ops_disk/publish', undefined],
      ['DELETE', '/api/v1/runbooks/gs-ops_disk', undefined],
      ['POST', '/api/v1/runbooks', { name: 'gs-ops_disk', type: 'bash', content: 'echo' }],
    ] as const) {
      const r = await a.call(method, p, body);
      expect(r.status, r.text).toBe(409);
      expect(r.json.detail).toContain(`source control '${SOURCE}'`);
      expect(r.json.detail).toContain('hb/ops/disk.sh');
    }
  });

  it('a GitHub-signed push to the branch syncs the change; a push elsewhere, or unsigned, does nothing', async () => {
    commits.push(repo.commit({ 'hb/ops/disk.sh': DISK('disk v2') }, 'disk v2'));
    const before = (await a.call('GET', `/api/v1/source-controls/${SOURCE}/syncs`)).json.value.length;

    const feature = repo.commit({ 'hb/ops/disk.sh': DISK('feature') }, 'on a feature branch', 'feature');
    repo.git(['checkout', '-q', 'main']);
    const other = await githubPush('refs/heads/feature', feature);
    expect(other.status).toBe(200);
    expect(other.json.ignored).toMatch(/refs\/heads\/feature.*refs\/heads\/main/);
    const forged = await githubPush('refs/heads/main', commits[2]!, 'not-the-secret-at-all');
    expect(forged.status).toBe(401);
    const unsigned = await pushEvent({ ref: 'refs/heads/main' }, { 'x-github-event': 'push' });
    expect(unsigned.status).toBe(401);
    const ping = await pushEvent(
      { zen: 'hi' },
      { 'x-github-event': 'ping', 'x-hub-signature-256': await sign(pushSecret, '{"zen":"hi"}') },
    );
    expect(ping.json.ignored).toMatch(/ping/);
    expect((await a.call('GET', `/api/v1/source-controls/${SOURCE}/syncs`)).json.value.length).toBe(before);

    const pushed = await githubPush('refs/heads/main', commits[2]!);
    expect(pushed.status, JSON.stringify(pushed.json)).toBe(202);
    expect(pushed.json).toMatchObject({ trigger: 'push', requestedBy: 'push:github' });
    const run = await waitForRun(SOURCE, pushed.json.runId);
    expect(run.status, JSON.stringify(run)).toBe('Succeeded');
    expect(run).toMatchObject({
      commit: commits[2],
      previousCommit: commits[1],
      updated: [{ runbook: 'gs-ops_disk', version: 2 }],
      unchanged: 3,
    });
    const job = await runJob('gs-ops_disk');
    expect(job.output).toContain('disk v2 x');
    expect(job).toMatchObject({ runbookVersion: 2, runbookCommit: commits[2] });
  });

  it('GitLab and Azure DevOps push events are checked with the secret', async () => {
    const gl = await pushEvent({ ref: 'refs/heads/main' }, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': pushSecret });
    expect(gl.status, JSON.stringify(gl.json)).toBe(202);
    const glBad = await pushEvent({ ref: 'refs/heads/main' }, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong' });
    expect(glBad.status).toBe(401);
    const adoBody = { eventType: 'git.push', resource: { refUpdates: [{ name: 'refs/heads/main' }] } };
    const ado = await pushEvent(adoBody, { authorization: 'Basic ' + Buffer.from(`ado:${pushSecret}`).toString('base64') });
    expect(ado.status, JSON.stringify(ado.json)).toBe(202);
    const adoBad = await pushEvent(adoBody, { authorization: 'Basic ' + Buffer.from('ado:wrong').toString('base64') });
    expect(adoBad.status).toBe(401);
    // Both queued syncs run one after the other (one lease per source), and find nothing new.
    const runs = [await waitForRun(SOURCE, gl.json.runId), await waitForRun(SOURCE, ado.json.runId)];
    for (const run of runs) {
      expect(run.status, JSON.stringify(run)).toBe('Succeeded');
      expect(run.updated).toEqual([]);
    }
    const [first, second] = [...runs].sort((x, y) => (x.startTime < y.startTime ? -1 : 1));
    expect(second.startTime >= first.endTime, JSON.stringify(runs)).toBe(true);
  });

  it('a broken manifest or a workflow construct skips that file; the others update and the old version keeps running', async () => {
    commits.push(
      repo.commit(
        {
          'hb/ops/disk.sh':
            '#!/usr/bin/env bash\n# hookbook-manifest\n# { "parameters": [ {"name": } ] }\n# end-hookbook-manifest\necho broken\n',
          'hb/user/info.py': 'print("info v2")\n',
          'hb/user/flow.ps1': 'workflow Flow {\n  parallel {\n    Write-Output a\n  }\n}\n',
          'hb/user/clash.sh': '# hookbook-manifest\n# { "name": "root_restart_process" }\n# end-hookbook-manifest\necho clash\n',
        },
        'one broken file',
      ),
    );
    const run = await sync();
    expect(run.status, JSON.stringify(run)).toBe('Succeeded');
    expect(run.updated.map((u: any) => u.runbook)).toEqual(['gs-user_info']);
    const reasons = Object.fromEntries(run.skipped.map((s: any) => [s.path, s.reason]));
    expect(reasons['hb/ops/disk.sh']).toMatch(/manifest.*runbook 'gs-ops_disk' keeps version 2/);
    expect(reasons['hb/user/flow.ps1']).toMatch(/workflow construct 'parallel'/);
    expect(reasons['hb/user/clash.sh']).toMatch(/'root_restart_process'.*collides with repository runbook 'root_restart_process'/);
    const job = await runJob('gs-ops_disk');
    expect(job.output).toContain('disk v2');
    expect(job.runbookCommit).toBe(commits[2]);
  });

  it('a wrong token fails the sync with a clear message and changes nothing', async () => {
    expect((await a.call('PATCH', '/api/v1/assets/credentials/git-token', { password: 'wrong-token' })).status).toBe(200);
    commits.push(repo.commit({ 'hb/user/info.py': 'print("info v3")\n' }, 'info v3'));
    const run = await sync();
    expect(run.status).toBe('Failed');
    expect(run.error).toMatch(/refused the credential/);
    expect(run.error).not.toContain('wrong-token');
    expect((await a.call('GET', '/api/v1/runbooks/gs-user_info')).json).toMatchObject({ version: 2, commit: commits[3] });
    expect((await a.call('PATCH', '/api/v1/assets/credentials/git-token', { password: server.token })).status).toBe(200);
  });

  it('a dry run shows the change and makes none; a force-push syncs to the new head; a removed file unpublishes', async () => {
    const dry = await sync(SOURCE, '?dryRun=true');
    expect(dry).toMatchObject({
      status: 'Succeeded',
      dryRun: true,
      commit: commits[4],
      updated: [{ runbook: 'gs-user_info', version: 3 }],
    });
    expect((await a.call('GET', '/api/v1/runbooks/gs-user_info')).json.version).toBe(2);

    // Rewrite history: main goes back to the first commit, then takes another path without node-ok.js.
    repo.git(['reset', '-q', '--hard', commits[0]!]);
    const rewritten = repo.commit({ 'hb/ops/node-ok.js': null, 'hb/user/info.py': 'print("rewritten")\n' }, 'rewritten history');
    const run = await sync();
    expect(run.status, JSON.stringify(run)).toBe('Succeeded');
    expect(run.commit).toBe(rewritten);
    expect(run.unpublished).toEqual([{ runbook: 'gs-ops_node-ok', file: 'hb/ops/node-ok.js' }]);
    expect((await a.call('GET', '/api/v1/runbooks/gs-ops_node-ok')).status).toBe(404);
    const job = await runJob('gs-user_info');
    expect(job.output).toContain('rewritten');
    expect(job.runbookCommit).toBe(rewritten);
    commits.push(rewritten);
  });

  it('a draft is proposed back as a commit on a new branch that git log shows', async () => {
    const content = HELLO.replace('hello', 'proposed hello');
    const draft = await a.call('PUT', '/api/v1/runbooks/gs-user_hello/draft', { content });
    expect(draft.status, draft.text).toBe(200);
    const r = await a.call('POST', '/api/v1/runbooks/gs-user_hello/propose', {
      branch: 'hookbook/friendlier',
      message: 'Friendlier greeting',
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({
      sourceControl: SOURCE,
      branch: 'hookbook/friendlier',
      parent: commits.at(-1),
      file: 'hb/user/hello.ps1',
    });
    const log = repo.git(['log', '--format=%H %s', 'hookbook/friendlier'], { bare: true });
    expect(log.split('\n')[0]).toBe(`${r.json.commit} Friendlier greeting`);
    expect(log).toContain(commits.at(-1));
    expect(repo.git(['show', 'hookbook/friendlier:hb/user/hello.ps1'], { bare: true })).toBe(content);
    // The synced branch is untouched, and the runbook still runs its published version (version 2:
    // the force-push brought the first commit's text back).
    expect(repo.git(['rev-parse', 'main'], { bare: true }).trim()).toBe(commits.at(-1));
    expect((await a.call('GET', '/api/v1/runbooks/gs-user_hello')).json).toMatchObject({
      version: 2,
      state: 'Edit',
      commit: commits.at(-1),
    });
  });

  it('a damaged cache is fetched afresh', async () => {
    const [folder] = readdirSync(cacheDir).filter((f) => f.startsWith(`${SOURCE}-`));
    // A shallow list that names no commit the cache has (a write cut short): reading fails until refetched.
    writeFileSync(path.join(cacheDir, folder!, 'shallow'), 'garbage\n');
    const head = repo.commit({ 'hb/user/info.py': 'print("after the damage")\n' }, 'after the damage');
    const run = await sync();
    expect(run.status, JSON.stringify(run)).toBe('Succeeded');
    expect(run).toMatchObject({ commit: head, updated: [{ runbook: 'gs-user_info', file: 'hb/user/info.py' }] });
  });

  it('a hostile repository: a 50 MB file and symlinks are skipped with the reason, a `..` entry fails the sync', async () => {
    const hostile = server.repo('hostile');
    const big = Buffer.alloc(50 * 1024 * 1024, 'a');
    const stream = Buffer.concat([
      Buffer.from(
        `commit refs/heads/main\ncommitter T <t@example.com> 0 +0000\ndata 4\ntest\nM 100644 inline hb/user/big.ps1\ndata ${big.length}\n`,
      ),
      big,
      Buffer.from(
        '\n' +
          [
            ['100644', 'hb/user/fine.sh', 'echo fine\n'],
            ['120000', 'hb/user/evil.sh', '../../secret.sh'],
            ['120000', 'hb/tools', '../elsewhere'],
            ['100644', 'elsewhere/secret.sh', 'echo secret\n'],
          ]
            .map(([mode, file, data]) => `M ${mode} inline ${file}\ndata ${Buffer.byteLength(data!)}\n${data}\n`)
            .join(''),
      ),
    ]);
    hostile.git(['fast-import', '--quiet'], { bare: true, input: stream });
    const c = await a.call('POST', '/api/v1/source-controls', {
      name: 'hostile',
      repoUrl: hostile.url,
      folder: 'hb',
      credential: 'git-token',
      runbookPrefix: 'hostile-',
      syncOnSchedule: false,
    });
    expect(c.status, c.text).toBe(201);
    const run = await sync('hostile');
    expect(run.status, JSON.stringify(run)).toBe('Succeeded');
    expect(run.added.map((x: any) => x.runbook)).toEqual(['hostile-user_fine']);
    const reasons = Object.fromEntries(run.skipped.map((s: any) => [s.path, s.reason]));
    expect(reasons['hb/user/big.ps1']).toBe(`${big.length} bytes, over the limit of ${64 * 1024} bytes`);
    expect(reasons['hb/user/evil.sh']).toMatch(/symlink/);
    expect(reasons['hb/tools']).toMatch(/symlink/);
    expect(JSON.stringify(run)).not.toContain('secret');

    // A tree entry named `..` (git refuses to make one; a hostile server can send it): the sync fails, nothing changes.
    const head = hostile.git(['rev-parse', 'main'], { bare: true }).trim();
    const blob = hostile.git(['hash-object', '-w', '--stdin'], { bare: true, input: 'echo escaped\n' }).trim();
    const up = hostile.git(['mktree'], { bare: true, input: `100644 blob ${blob}\tescaped.sh\n` }).trim();
    const hb = hostile
      .git(['mktree'], { bare: true, input: `${hostile.git(['ls-tree', `${head}:hb`], { bare: true })}040000 tree ${up}\t..\n` })
      .trim();
    const rootTree = hostile
      .git(['mktree'], {
        bare: true,
        input: hostile.git(['ls-tree', head], { bare: true }).replace(/^040000 tree \w+\thb$/m, `040000 tree ${hb}\thb`),
      })
      .trim();
    const evil = hostile.git(['commit-tree', rootTree, '-p', head, '-m', 'dotdot'], { bare: true, input: '' }).trim();
    hostile.git(['update-ref', 'refs/heads/main', evil], { bare: true });
    const failed = await sync('hostile');
    expect(failed.status).toBe('Failed');
    expect(failed.error).toMatch(/holds an entry named like '\.\.'/);
    expect((await a.call('GET', '/api/v1/runbooks/hostile-user_fine')).json).toMatchObject({ version: 1, commit: head });
  });

  it("a repository shaped like RealmJoin's runbooks: <scope>/<category>/<name>.ps1 at the root, rjgit- names", async () => {
    const rj = server.repo('realmjoin-runbooks');
    const script = (what: string) =>
      [
        '<#',
        '  .SYNOPSIS',
        `  ${what}`,
        '#>',
        '#Requires -Modules @{ModuleName = "RealmJoin.RunbookHelper"; ModuleVersion = "0.8.3" }',
        'param(',
        '    [Parameter(Mandatory = $true)]',
        '    [ValidateScript( { Use-RJInterface -Type Graph -Entity User -DisplayName "User" } )]',
        '    [String] $UserName,',
        '    [bool] $IncludeDetails = $false,',
        '    [string] $CallerName',
        ')',
        `Write-Output "${what}: $UserName"`,
        '',
      ].join('\n');
    const head = rj.commit(
      {
        'user/general/list-manager.ps1': script('List the manager'),
        'user/general/list-manager.permissions.json': '{ "Permissions": [] }',
        'user/general/list-manager.md': '# List the manager\n',
        'org/general/add-user.ps1': script('Add a user'),
        'device/general/rename-device.ps1': script('Rename a device'),
        'user/security/revoke-or-restore-access.ps1': script('Revoke'),
        'README.md': '# runbooks\n',
        '.github/workflows/lint.yml': 'on: push\n',
      },
      'realmjoin layout',
    );
    const c = await a.call('POST', '/api/v1/source-controls', {
      name: 'realmjoin',
      repoUrl: rj.url,
      credential: 'git-token',
      syncOnSchedule: false,
    });
    expect(c.status, c.text).toBe(201);
    expect(c.json).toMatchObject({ folder: '', branch: 'main', runbookPrefix: 'rjgit-', unpublishOnDelete: false });
    const run = await sync('realmjoin');
    expect(run.status, JSON.stringify(run)).toBe('Succeeded');
    expect(run.commit).toBe(head);
    expect(run.added.map((x: any) => x.runbook).sort()).toEqual([
      'rjgit-device_general_rename-device',
      'rjgit-org_general_add-user',
      'rjgit-user_general_list-manager',
    ]);
    const reasons = Object.fromEntries(run.skipped.map((s: any) => [s.path, s.reason]));
    expect(reasons['user/security/revoke-or-restore-access.ps1']).toMatch(
      /collides with repository runbook 'rjgit-user_security_revoke-or-restore-access' \(the deployment's runbooks\/ folder\)/,
    );
    expect(reasons['user/general/list-manager.permissions.json']).toMatch(/permissions/);
    expect(reasons['user/general/list-manager.md']).toBe("unknown extension '.md'");
    const rb = (await a.call('GET', '/api/v1/runbooks/rjgit-user_general_list-manager')).json;
    expect(rb).toMatchObject({
      path: '/user/general/list-manager',
      type: 'pwsh',
      sourceFile: 'user/general/list-manager.ps1',
      commit: head,
    });
    expect(rb.parameters.map((p: any) => [p.name, p.type, p.mandatory])).toEqual([
      ['UserName', 'string', true],
      ['IncludeDetails', 'bool', false],
      ['CallerName', 'string', false],
    ]);

    // unpublishOnDelete is off here: a removed file leaves its runbook running its last version, and the run says so.
    const removed = rj.commit({ 'device/general/rename-device.ps1': null }, 'remove rename-device');
    const after = await sync('realmjoin');
    expect(after).toMatchObject({ status: 'Succeeded', commit: removed, unpublished: [] });
    expect(after.skipped).toContainEqual({
      path: 'device/general/rename-device.ps1',
      reason: "removed from the repository; runbook 'rjgit-device_general_rename-device' keeps version 1 (unpublishOnDelete is off)",
    });
    expect((await a.call('GET', '/api/v1/runbooks/rjgit-device_general_rename-device')).json).toMatchObject({ version: 1, commit: head });
  });

  it('bad sources fail their sync clearly: unreachable, missing branch, missing credential', async () => {
    const cases = [
      ['unreach', { repoUrl: 'https://127.0.0.1:1/none.git' }, /could not be reached/],
      ['nobranch', { repoUrl: repo.url, branch: 'does-not-exist', credential: 'git-token' }, /no branch 'does-not-exist'/],
      ['nocred', { repoUrl: repo.url, credential: 'no-such-asset' }, /credential asset 'no-such-asset' does not exist/],
      ['anon', { repoUrl: repo.url }, /asks for a credential/],
      ['nofolder', { repoUrl: repo.url, credential: 'git-token', folder: 'nope' }, /folder 'nope' does not exist/],
    ] as const;
    for (const [name, fields, error] of cases) {
      const c = await a.call('POST', '/api/v1/source-controls', { name, syncOnSchedule: false, ...fields });
      expect(c.status, c.text).toBe(201);
      const run = await sync(name);
      expect(run.status, name).toBe('Failed');
      expect(run.error).toMatch(error);
    }
  });
  it('the timer syncs sources that ask for it, and only those', async () => {
    const sched = server.repo('scheduled');
    const head = sched.commit({ 'ops/tick.sh': 'echo tick\n' }, 'scheduled');
    const c = await a.call('POST', '/api/v1/source-controls', {
      name: 'scheduled',
      repoUrl: sched.url,
      credential: 'git-token',
      runbookPrefix: 'sched-',
    });
    expect(c.status, c.text).toBe(201);
    expect(c.json.syncOnSchedule).toBe(true);
    const run = await waitFor(
      async () => {
        const runs = (await a.call('GET', '/api/v1/source-controls/scheduled/syncs')).json.value as any[];
        return runs.find((r) => r.trigger === 'schedule' && r.status === 'Succeeded');
      },
      'a scheduled sync',
      60_000,
      300,
    );
    expect(run).toMatchObject({ requestedBy: 'schedule', commit: head, added: [{ runbook: 'sched-ops_tick' }] });
    expect((await a.call('PATCH', '/api/v1/source-controls/scheduled', { syncOnSchedule: false })).status).toBe(200);
    // The other sources have syncOnSchedule false: the timer never queued a sync of theirs.
    const mine = (await a.call('GET', `/api/v1/source-controls/${SOURCE}/syncs?top=100`)).json.value as any[];
    expect(mine.filter((r) => r.trigger === 'schedule')).toEqual([]);
  });
});
