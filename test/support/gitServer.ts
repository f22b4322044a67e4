// A real git server on a local socket for the source-control tests: Debian's `git http-backend`
// (the smart-HTTP CGI every git host speaks) behind a small node HTTP front that, like GitHub and
// Azure DevOps, takes an access token as the password of HTTP basic auth.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const HTTP_BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The token the front accepts (any user name). */
  token: string;
  /** Folder holding the bare repositories (`<name>.git`). */
  root: string;
  /** A bare repository `<name>.git` with a work tree clone to commit from; returns helpers. */
  repo(name: string): GitRepo;
  close(): Promise<void>;
}

export interface GitRepo {
  /** The repository's URL on the server, e.g. `http://127.0.0.1:1234/runbooks.git`. */
  url: string;
  bare: string;
  work: string;
  /** Run git in the work tree (or in the bare repository with `{ bare: true }`), `input` on stdin. */
  git(args: string[], opts?: { bare?: boolean; input?: string | Buffer }): string;
  /** Write files (relative path → content; `null` deletes), commit them on `branch` and push it. */
  commit(files: Record<string, string | null>, message: string, branch?: string): string;
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir(),
};

export async function startGitServer(token = 'test-token-' + Math.random().toString(36).slice(2)): Promise<GitServer> {
  const root = mkdtempSync(path.join(tmpdir(), 'hookbook-gitsrv-'));
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const password = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    if (password !== token) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('token required');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn(HTTP_BACKEND, [], {
      env: {
        ...gitEnv,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        // receive-pack (push) is served only to an authenticated user.
        REMOTE_USER: 'test',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.stdout.on('end', () => res.end());
    cgi.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    token,
    root,
    repo(name) {
      const bare = path.join(root, `${name}.git`);
      const work = path.join(root, `${name}-work`);
      const run = (args: string[], cwd: string, input?: string | Buffer) =>
        execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', maxBuffer: 1 << 28, ...(input !== undefined ? { input } : {}) });
      run(['init', '--bare', '-q', '-b', 'main', bare], root);
      run(['init', '-q', '-b', 'main', work], root);
      run(['remote', 'add', 'origin', bare], work);
      const git = (args: string[], opts: { bare?: boolean; input?: string | Buffer } = {}) =>
        run(args, opts.bare ? bare : work, opts.input);
      return {
        url: `${base}/${name}.git`,
        bare,
        work,
        git,
        commit(files, message, branch = 'main') {
          const current = run(['symbolic-ref', '--short', 'HEAD'], work).trim();
          if (current !== branch) {
            const exists = run(['branch', '--list', branch], work).trim() !== '';
            run(['checkout', '-q', ...(exists ? [] : ['-b']), branch], work);
          }
          for (const [file, content] of Object.entries(files)) {
            const full = path.join(work, file);
            if (content === null) rmSync(full, { force: true });
            else {
              mkdirSync(path.dirname(full), { recursive: true });
              writeFileSync(full, content);
            }
          }
          run(['add', '-A'], work);
          run(['commit', '-q', '--allow-empty', '-m', message], work);
          run(['push', '-q', '-f', 'origin', branch], work);
          return run(['rev-parse', 'HEAD'], work).trim();
        },
      };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
