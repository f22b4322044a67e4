// `hookbook source-controls ...` (cli/commands/sourceControls.ts) through the CLI's main() against
// the shared host and a real git server on a local socket.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { main } from '../../cli/hookbook';
import { api, uniqueName } from '../support/api';
import { startGitServer, type GitServer } from '../support/gitServer';

const url = inject('hookbookUrl');
const key = inject('hookbookAdminKey');
let server: GitServer;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        add(chunk.toString());
        done();
      },
    });
  const io = { out: sink((s) => (out += s)), err: sink((s) => (err += s)), env: { HOOKBOOK_URL: url, HOOKBOOK_KEY: key } };
  const code = await main(args, io as never);
  return { code, out, err };
}

beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => server?.close());

describe('hookbook source-controls', () => {
  it('create, dry-run, sync --follow, list and syncs', async () => {
    const repo = server.repo('cli');
    repo.commit({ 'rb/ops/hello.sh': 'echo hello\n', 'rb/ops/notes.txt': 'x\n' }, 'one');
    const cred = uniqueName('cli-git');
    expect(
      (await api(url, key).call('POST', '/api/v1/assets/credentials', { name: cred, userName: 'x', password: server.token })).status,
    ).toBe(201);
    const name = uniqueName('clisrc');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'hookbook-cli-')), 'source.json');
    writeFileSync(
      file,
      JSON.stringify({ repoUrl: repo.url, folder: 'rb', credential: cred, runbookPrefix: `${name}-`, syncOnSchedule: false }),
    );

    const created = await cli('source-controls', 'create', name, '--file', file);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/Push secret \(shown only now, keep it secret\): \S{16,}/);

    const dry = await cli('source-controls', 'dry-run', name);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('(dry run: nothing changed): Succeeded');
    expect(dry.out).toMatch(new RegExp(`added +${name}-ops_hello \\(rb/ops/hello.sh, version 1\\)`));
    expect(dry.out).toContain("skipped      rb/ops/notes.txt: unknown extension '.txt'");
    expect((await api(url, key).call('GET', `/api/v1/runbooks/${name}-ops_hello`)).status).toBe(404);

    const synced = await cli('source-controls', 'sync', name, '--follow', '--json');
    expect(synced.code, synced.err).toBe(0);
    expect(JSON.parse(synced.out)).toMatchObject({ status: 'Succeeded', added: [{ runbook: `${name}-ops_hello` }] });

    const list = await cli('source-controls', 'list');
    expect(list.out).toMatch(new RegExp(`${name} +${repo.url.replace(/[.]/g, '\\.')} +main +rb +Succeeded`));
    const syncs = await cli('source-controls', 'syncs', name);
    expect(syncs.out.trim().split('\n')).toHaveLength(3); // header, the sync, the dry run

    const missing = await cli('source-controls', 'sync', `${name}-none`);
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(/404.*No source control named/);
  });
});
