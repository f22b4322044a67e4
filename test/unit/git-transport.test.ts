// The git module's folder reader on repositories built by Debian's git: only the folder's subtree
// is read, within bounds, and nothing outside the folder (symlinks, `..` entries) is ever followed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFolder, type FolderLimits } from '../../shared/git/transport';
import { isRunbookFolderFile, scanFiles } from '../../shared/runbooks/repository';
import { checkRepoUrl } from '../../shared/sourceControl/manage';

const root = mkdtempSync(path.join(tmpdir(), 'hookbook-gitread-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const env = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: root,
  GIT_AUTHOR_NAME: 'T',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 'T',
  GIT_COMMITTER_EMAIL: 't@example.com',
};
const git = (dir: string, args: string[], input?: string | Buffer) =>
  execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 26, ...(input !== undefined ? { input } : {}) }).trim();

function bareRepo(name: string): string {
  const dir = path.join(root, name);
  execFileSync('git', ['init', '-q', '--bare', dir], { env });
  return dir;
}

/** A commit from a git fast-import stream (`before` it: blobs; `body`: its `M` lines), returned by id. */
function fastImport(dir: string, body: string | Buffer, before = ''): string {
  const head = before + 'commit refs/heads/main\ncommitter T <t@example.com> 0 +0000\ndata 4\ntest\n';
  git(dir, ['fast-import', '--quiet'], Buffer.concat([Buffer.from(head), Buffer.isBuffer(body) ? body : Buffer.from(body)]));
  return git(dir, ['rev-parse', 'main']);
}

const limits = (over: Partial<FolderLimits> = {}): FolderLimits => ({
  maxEntries: 5000,
  maxFileBytes: 256 * 1024,
  maxDepth: 2,
  wanted: isRunbookFolderFile,
  ...over,
});

describe('readFolder', () => {
  it('reads only the folder of a repository of 100,000 files, and refuses a folder past its entry bound', async () => {
    const dir = bareRepo('big');
    // One blob (mark :1) under 100,000 names in 100 folders, and a small runbook folder beside them.
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`M 100644 :1 bulk/d${i % 100}/f${i}.txt`);
    lines.push('M 100644 inline rb/user/a.sh', 'data 7', 'echo a', '');
    const commit = fastImport(dir, lines.join('\n'), 'blob\nmark :1\ndata 5\nbulk\n\n');

    const { files, skipped } = await readFolder({ gitdir: dir, commit, folder: 'rb', limits: limits() });
    expect(files).toEqual([{ path: 'user/a.sh', content: 'echo a\n' }]);
    expect(skipped).toEqual([]);
    await expect(readFolder({ gitdir: dir, commit, folder: '', limits: limits() })).rejects.toThrow(
      /more than 5000 entries .*choose a smaller folder/,
    );
    await expect(readFolder({ gitdir: dir, commit, folder: 'nope', limits: limits() })).rejects.toThrow(/folder 'nope' does not exist/);
    await expect(readFolder({ gitdir: dir, commit, folder: 'rb/user/a.sh', limits: limits() })).rejects.toThrow(/is a file/);
  });

  it('skips a file over the size bound and symlinks; a tree with a `..` entry fails the read', async () => {
    const dir = bareRepo('hostile');
    const big = Buffer.alloc(50 * 1024 * 1024, 'a');
    const stream = Buffer.concat([
      Buffer.from(`M 100644 inline hb/user/big.ps1\ndata ${big.length}\n`),
      big,
      Buffer.from(
        [
          '',
          'M 100644 inline hb/user/ok.sh',
          'data 8',
          'echo ok',
          'M 120000 inline hb/user/evil.ps1',
          'data 16',
          '../../secret.ps1',
          'M 120000 inline hb/elsewhere',
          'data 8',
          '../other',
          'M 100644 inline other/secret.sh',
          'data 12',
          'echo secret',
          'M 120000 inline link',
          'data 2',
          'hb',
          '',
        ].join('\n'),
      ),
    ]);
    const commit = fastImport(dir, stream);
    const { files, skipped } = await readFolder({ gitdir: dir, commit, folder: 'hb', limits: limits() });
    expect(files).toEqual([{ path: 'user/ok.sh', content: 'echo ok\n' }]);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
    expect(reasons).toEqual({
      elsewhere: 'a symlink; symlinks are not followed',
      'user/big.ps1': `${big.length} bytes, over the limit of ${256 * 1024} bytes`,
      'user/evil.ps1': 'a symlink; symlinks are not followed',
    });

    // git's own commands refuse a `..` entry; a hostile server can still send one: build it by hand.
    const evil = git(dir, ['hash-object', '-w', '--stdin'], 'echo evil\n');
    const dotdot = git(dir, ['mktree'], `100644 blob ${evil}\tescape.sh\n`);
    const hbEntries = git(dir, ['ls-tree', `${commit}:hb`]);
    const newHb = git(dir, ['mktree'], `${hbEntries}\n040000 tree ${dotdot}\t..\n`);
    const rootEntries = git(dir, ['ls-tree', commit])
      .split('\n')
      .filter((l) => !l.endsWith('\thb'));
    const newRoot = git(dir, ['mktree'], `${rootEntries.join('\n')}\n040000 tree ${newHb}\thb\n`);
    const hostile = git(dir, ['commit-tree', newRoot, '-m', 'hostile'], '');
    await expect(readFolder({ gitdir: dir, commit: hostile, folder: 'hb', limits: limits() })).rejects.toThrow(
      /folder 'hb' holds an entry named like '\.\.'.*nothing is read from it/,
    );
    await expect(readFolder({ gitdir: dir, commit, folder: 'link', limits: limits() })).rejects.toThrow(/'link' is a symlink/);
    await expect(readFolder({ gitdir: dir, commit, folder: 'hb/..', limits: limits() })).rejects.toThrow(/not a plain path/);
  });
});

describe('scanFiles (the layout rules of runbooks/, wherever the files come from)', () => {
  it('names runbooks as the deployment folder does and says why other files are not runbooks', () => {
    const scan = scanFiles(
      [
        { path: 'user/security/revoke.js', content: 'module.exports = async () => 1;' },
        { path: 'user/security/revoke.json', content: '{ "description": "revoke" }' },
        { path: 'root/restart.sh', content: 'echo' },
        { path: 'top.sh', content: 'echo' },
        { path: 'a/b/c/deep.sh', content: 'echo' },
        { path: 'notes/readme.md', content: '#' },
        { path: 'x/orphan.json', content: '{}' },
        { path: 'x/broken.py', content: '# hookbook-manifest\n# { nope\n# end-hookbook-manifest\n' },
      ],
      'rjgit-',
    );
    expect(scan.runbooks.map((r) => [r.runbook.name, r.runbook.path, r.runbook.type, r.relativePath, r.runbook.description])).toEqual([
      ['rjgit-root_restart', '/root/restart', 'bash', 'root/restart.sh', ''],
      ['rjgit-user_security_revoke', '/user/security/revoke', 'node', 'user/security/revoke.js', 'revoke'],
    ]);
    expect(scan.ignored).toEqual([
      { path: 'a/b/c/deep.sh', reason: 'not in a <scope>/ or <scope>/<category>/ folder' },
      { path: 'notes/readme.md', reason: "unknown extension '.md'" },
      { path: 'top.sh', reason: 'not in a <scope>/ or <scope>/<category>/ folder' },
      { path: 'x/orphan.json', reason: 'a manifest without a script beside it' },
    ]);
    expect(scan.problems).toHaveLength(1);
    expect(scan.problems[0]).toMatch(/^x\/broken\.py: manifest: /);
  });
});

describe('repository URLs', () => {
  it('are https only unless HOOKBOOK_GIT_ALLOW_HTTP says otherwise', () => {
    expect(process.env.HOOKBOOK_GIT_ALLOW_HTTP).toBeUndefined();
    expect(() => checkRepoUrl('https://github.com/team/runbooks.git')).not.toThrow();
    expect(() => checkRepoUrl('http://github.com/team/runbooks.git')).toThrow(/not an https:\/\/ URL/);
  });
});
