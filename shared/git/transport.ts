import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';

/**
 * The one module that speaks git (docs/source-control.md, "How fetching works"). It uses
 * isomorphic-git, a git client in plain JavaScript: the Functions sandbox (the Node image of Flex
 * Consumption) has no `git` binary and no way to install one, and a pure-JS client behaves the same
 * there, on a hybrid worker and on a developer's laptop. It speaks smart HTTP(S), the protocol of
 * GitHub, Azure DevOps, GitLab, Gitea and `git http-backend`, with the token as the password of
 * HTTP basic auth.
 *
 * Fetches are shallow (depth 1, one branch, no tags) into a cache folder per source; the next fetch
 * sends what the cache already has, so the server sends only what changed. A cache that is missing
 * (a fresh Functions instance) is simply fetched again.
 */

export interface GitAuth {
  username: string;
  password: string;
}

export class GitError extends Error {
  constructor(
    message: string,
    /** 'other': not the server's answer (a damaged cache, say): fetching afresh may help. */
    readonly kind: 'server' | 'other' = 'server',
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/** The cache folder of one repository and branch under `cacheRoot`. */
export function cacheFolder(cacheRoot: string, key: string, url: string, branch: string): string {
  const id = createHash('sha256').update(`${url}\n${branch}`).digest('hex').slice(0, 16);
  return path.join(cacheRoot, `${key.replace(/[^A-Za-z0-9_-]/g, '_')}-${id}`);
}

/** A message that names what went wrong, with no credential in it. */
function explain(error: unknown, url: string, branch: string): GitError {
  const e = error as { code?: string; message?: string; data?: { statusCode?: number; statusMessage?: string } };
  const status = e.data?.statusCode;
  if (status === 401 || status === 403)
    return new GitError(
      `The git server refused the credential (HTTP ${status}) for ${url}: check the token in the credential asset and its access to the repository.`,
    );
  if (status === 404) return new GitError(`The git server has no repository at ${url} (HTTP 404).`);
  if (status)
    return new GitError(`The git server answered HTTP ${status}${e.data?.statusMessage ? ` ${e.data.statusMessage}` : ''} for ${url}.`);
  const what = (error as { data?: { what?: string } }).data?.what;
  if (e.code === 'NotFoundError' && (what === branch || what === `refs/heads/${branch}`))
    return new GitError(`The repository ${url} has no branch '${branch}'.`);
  const sys = (error as { cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
  if (sys && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH)$/.test(sys))
    return new GitError(`The git server at ${url} could not be reached (${sys}).`);
  return new GitError(`Fetching ${url} failed: ${e.message ?? String(error)}`, 'other');
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new GitError(`${what} took longer than ${Math.round(ms / 1000)} s.`)), ms);
    t.unref?.();
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });

/**
 * Fetch `branch` of `url` into `gitdir` (a bare repository, created when missing), shallow. Returns
 * the commit at the branch's head.
 */
export async function fetchBranch(opts: {
  gitdir: string;
  url: string;
  branch: string;
  auth?: GitAuth;
  timeoutMs: number;
}): Promise<string> {
  const { gitdir, url, branch } = opts;
  if (!url.startsWith('https://') && !url.startsWith('http://')) throw new GitError(`Only http(s) git URLs are supported, not ${url}.`);
  const fresh = !fs.existsSync(path.join(gitdir, 'HEAD'));
  if (fresh) {
    fs.mkdirSync(gitdir, { recursive: true });
    await git.init({ fs, gitdir, bare: true });
  }
  // The remote's URL is set on each fetch: the source's URL may have been changed since.
  await git.addRemote({ fs, gitdir, remote: 'origin', url, force: true });
  let refused = false;
  try {
    const r = await withTimeout(
      git.fetch({
        fs,
        http,
        gitdir,
        ref: branch,
        remoteRef: branch,
        remote: 'origin',
        singleBranch: true,
        depth: 1,
        tags: false,
        onAuth: () => (opts.auth ? { username: opts.auth.username, password: opts.auth.password } : { cancel: true }),
        onAuthFailure: () => {
          refused = true;
          return { cancel: true };
        },
      }),
      opts.timeoutMs,
      `Fetching ${url}`,
    );
    if (!r.fetchHead) throw new GitError(`The repository ${url} has no branch '${branch}'.`);
    return r.fetchHead;
  } catch (error) {
    if (error instanceof GitError) throw error;
    if (refused || (error as { code?: string }).code === 'UserCanceledError')
      throw new GitError(
        opts.auth
          ? `The git server refused the credential for ${url}: check the token in the credential asset and its access to the repository.`
          : `The git server at ${url} asks for a credential: set the source's credential asset.`,
      );
    throw explain(error, url, branch);
  }
}

export interface FolderLimits {
  /** Tree entries read at most (all levels together); past it the read fails. */
  maxEntries: number;
  /** Files larger than this are skipped. */
  maxFileBytes: number;
  /** Levels of folders below the folder that are read (the runbook layout has two). */
  maxDepth: number;
  /** File names worth reading (by extension, e.g. `.ps1`); others are listed as skipped. */
  wanted: (name: string) => boolean;
}

export interface FolderFile {
  /** Relative to the folder, `/`-separated. */
  path: string;
  content: string;
}

export interface Skipped {
  path: string;
  reason: string;
}

const SAFE_NAME = /^(?!\.\.?$)[^/\\\0]+$/;

/** A tree; isomorphic-git refuses one holding an entry such as `..`, which is then the sync's error. */
async function treeAt(gitdir: string, oid: string, cache: object, where: string) {
  try {
    return (await git.readTree({ fs, gitdir, oid, cache })).tree;
  } catch (error) {
    if ((error as { code?: string }).code === 'UnsafeFilepathError')
      throw new GitError(
        `The folder '${where || '/'}' holds an entry named like '..' or with a path separator: refused, nothing is read from it.`,
      );
    throw error;
  }
}

/**
 * The files of `folder` at `commit`: only that folder's subtree is read (a repository of 100,000
 * files costs what its folder holds), at most `maxDepth` levels down and `maxEntries` entries.
 * Symlinks and submodules are never followed, names such as `..` are refused: nothing outside the
 * folder is ever read.
 */
export async function readFolder(opts: {
  gitdir: string;
  commit: string;
  folder: string;
  limits: FolderLimits;
}): Promise<{ files: FolderFile[]; skipped: Skipped[] }> {
  const { gitdir, commit, limits } = opts;
  const cache = {};
  const segments = opts.folder.split('/').filter(Boolean);
  let treeOid = (await git.readCommit({ fs, gitdir, oid: commit, cache })).commit.tree;
  for (const [i, seg] of segments.entries()) {
    if (!SAFE_NAME.test(seg)) throw new GitError(`The folder '${opts.folder}' is not a plain path inside the repository.`);
    const tree = await treeAt(gitdir, treeOid, cache, segments.slice(0, i).join('/'));
    const entry = tree.find((e) => e.path === seg);
    const where = segments.slice(0, i + 1).join('/');
    if (!entry) throw new GitError(`The folder '${where}' does not exist at commit ${commit.slice(0, 12)}.`);
    if (entry.mode === '120000') throw new GitError(`The folder '${where}' is a symlink; symlinks are not followed.`);
    if (entry.type !== 'tree') throw new GitError(`'${where}' is a file, not a folder.`);
    treeOid = entry.oid;
  }
  const files: FolderFile[] = [];
  const skipped: Skipped[] = [];
  let entries = 0;
  const walk = async (oid: string, prefix: string, depth: number): Promise<void> => {
    const tree = await treeAt(gitdir, oid, cache, [opts.folder, prefix.replace(/\/$/, '')].filter(Boolean).join('/'));
    entries += tree.length;
    if (entries > limits.maxEntries)
      throw new GitError(`The folder holds more than ${limits.maxEntries} entries (files and folders); choose a smaller folder.`);
    for (const e of tree) {
      const rel = prefix + e.path;
      if (!SAFE_NAME.test(e.path)) skipped.push({ path: rel, reason: 'not a plain file name; never read' });
      else if (e.mode === '120000') skipped.push({ path: rel, reason: 'a symlink; symlinks are not followed' });
      else if (e.type === 'commit') skipped.push({ path: rel, reason: 'a submodule; submodules are not fetched' });
      else if (e.type === 'tree') {
        if (depth < limits.maxDepth) await walk(e.oid, rel + '/', depth + 1);
        else skipped.push({ path: rel + '/', reason: `deeper than the runbook layout (<scope>/<category>/<name>); not read` });
      } else if (!limits.wanted(e.path)) skipped.push({ path: rel, reason: `unknown extension '${path.extname(e.path) || '(none)'}'` });
      else {
        const { blob } = await git.readBlob({ fs, gitdir, oid: e.oid, cache });
        if (blob.length > limits.maxFileBytes)
          skipped.push({ path: rel, reason: `${blob.length} bytes, over the limit of ${limits.maxFileBytes} bytes` });
        else files.push({ path: rel, content: Buffer.from(blob).toString('utf8') });
      }
    }
  };
  await walk(treeOid, '', 0);
  return { files, skipped };
}

/**
 * Commit `files` (relative to the repository root → new content) on top of `parent` as a new
 * branch `branch`, and push that branch. Returns the new commit.
 */
export async function pushCommit(opts: {
  gitdir: string;
  url: string;
  parent: string;
  branch: string;
  files: Record<string, string>;
  message: string;
  author: { name: string; email: string };
  auth?: GitAuth;
  timeoutMs: number;
}): Promise<string> {
  const { gitdir } = opts;
  const rootTree = (await git.readCommit({ fs, gitdir, oid: opts.parent })).commit.tree;
  // Rewrite the trees on each file's path, bottom up.
  const put = async (treeOid: string | undefined, segments: string[], content: string): Promise<string> => {
    const tree = treeOid ? (await git.readTree({ fs, gitdir, oid: treeOid })).tree : [];
    const [head, ...rest] = segments;
    if (!head || !SAFE_NAME.test(head)) throw new GitError(`'${segments.join('/')}' is not a plain path.`);
    const existing = tree.find((e) => e.path === head);
    let entry;
    if (rest.length === 0) {
      const oid = await git.writeBlob({ fs, gitdir, blob: Buffer.from(content, 'utf8') });
      entry = { mode: existing?.mode === '100755' ? '100755' : '100644', path: head, oid, type: 'blob' as const };
    } else {
      const oid = await put(existing?.type === 'tree' ? existing.oid : undefined, rest, content);
      entry = { mode: '040000', path: head, oid, type: 'tree' as const };
    }
    return git.writeTree({ fs, gitdir, tree: [...tree.filter((e) => e.path !== head), entry] });
  };
  let tree = rootTree;
  for (const [file, content] of Object.entries(opts.files)) tree = await put(tree, file.split('/'), content);
  const when = { timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 };
  const commit = await git.writeCommit({
    fs,
    gitdir,
    commit: {
      message: opts.message.endsWith('\n') ? opts.message : opts.message + '\n',
      tree,
      parent: [opts.parent],
      author: { ...opts.author, ...when },
      committer: { ...opts.author, ...when },
    },
  });
  await git.writeRef({ fs, gitdir, ref: `refs/heads/${opts.branch}`, value: commit, force: true });
  try {
    const r = await withTimeout(
      git.push({
        fs,
        http,
        gitdir,
        url: opts.url,
        ref: opts.branch,
        remoteRef: `refs/heads/${opts.branch}`,
        onAuth: () => (opts.auth ? { ...opts.auth } : { cancel: true }),
        onAuthFailure: () => ({ cancel: true }),
      }),
      opts.timeoutMs,
      `Pushing to ${opts.url}`,
    );
    if (!r.ok) throw new GitError(`The git server refused the push of branch '${opts.branch}': ${r.error ?? JSON.stringify(r.refs)}`);
  } catch (error) {
    if (error instanceof GitError) throw error;
    if ((error as { code?: string }).code === 'UserCanceledError')
      throw new GitError(`The git server refused the credential for pushing to ${opts.url}.`);
    throw explain(error, opts.url, opts.branch);
  } finally {
    await git.deleteRef({ fs, gitdir, ref: `refs/heads/${opts.branch}` }).catch(() => undefined);
  }
  return commit;
}
