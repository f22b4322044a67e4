// The decision of who jobs run as, for every kind of system (the integration suite can only show
// the kinds the test machine is), and the guarded read of a job's result file.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decidePolicy, parseUidRange, readJobFile } from '../../shared/runners/sandbox';

const probe = (
  opts: { accounts?: Record<string, { uid: number; gid: number }>; creatable?: boolean; runnable?: (uid: number) => boolean } = {},
) => ({
  created: [] as string[],
  canRunAs(uid: number) {
    return (opts.runnable ?? (() => true))(uid);
  },
  account(name: string, create: boolean) {
    const found = opts.accounts?.[name];
    if (found) return found;
    if (create && opts.creatable) {
      this.created.push(name);
      return { uid: 998, gid: 998 };
    }
    return undefined;
  },
});

const root = { euid: 0, platform: 'linux', jobUser: 'hookbook-job', jobUids: undefined };

describe('job sandbox policy', () => {
  it('not root: no isolation, one warning that names the alternative', () => {
    const p = decidePolicy({ ...root, euid: 1000 }, probe());
    expect(p.mode).toBe('none');
    expect(p.warning).toBe(true);
    expect(p.message).toMatch(/runs as uid 1000, not root/);
    expect(p.message).toMatch(/hybrid workers on separate machines/);
  });

  it('not Linux: no isolation, said so', () => {
    const p = decidePolicy({ ...root, platform: 'win32', euid: undefined }, probe());
    expect(p).toMatchObject({ mode: 'none', warning: true });
    expect(p.message).toMatch(/not available on win32/);
  });

  it('root: creates the job user when missing and gives each job a uid of its own', () => {
    const pr = probe({ creatable: true });
    const p = decidePolicy(root, pr);
    expect(pr.created).toEqual(['hookbook-job']);
    expect(p).toMatchObject({ mode: 'isolated', user: 'hookbook-job', gid: 998, uids: [200000, 299999], warning: false });
  });

  it('root, user cannot be created: falls back to nobody', () => {
    const p = decidePolicy(root, probe({ accounts: { nobody: { uid: 65534, gid: 65534 } } }));
    expect(p).toMatchObject({ mode: 'isolated', user: 'nobody', gid: 65534 });
    expect(p.message).toMatch(/could not be created/);
  });

  it('root, the system refuses the uid range (user namespace): every job as the job user, with a warning', () => {
    const p = decidePolicy(root, probe({ accounts: { 'hookbook-job': { uid: 998, gid: 998 } }, runnable: (uid) => uid === 998 }));
    expect(p).toMatchObject({ mode: 'job-user', uid: 998, warning: true });
    expect(p.message).toMatch(/could read each other's files/);
  });

  it('root, HOOKBOOK_JOB_UIDS=off: the job user for every job', () => {
    const p = decidePolicy({ ...root, jobUids: 'off' }, probe({ accounts: { 'hookbook-job': { uid: 998, gid: 998 } } }));
    expect(p.mode).toBe('job-user');
  });

  it('root, HOOKBOOK_JOB_USER=root: isolation turned off, with a warning', () => {
    expect(decidePolicy({ ...root, jobUser: 'root' }, probe())).toMatchObject({ mode: 'none', warning: true });
  });

  it('root, nothing can be switched to: no isolation, said so', () => {
    const p = decidePolicy(root, probe({ accounts: { 'hookbook-job': { uid: 998, gid: 998 } }, runnable: () => false }));
    expect(p).toMatchObject({ mode: 'none', warning: true });
  });

  it('parses uid ranges and refuses privileged ones', () => {
    expect(parseUidRange('300000-300099')).toEqual([300000, 300099]);
    expect(parseUidRange(' off ')).toBe('off');
    expect(() => parseUidRange('0-100')).toThrow(/unprivileged/);
    expect(() => parseUidRange('many')).toThrow(/HOOKBOOK_JOB_UIDS/);
  });
});

describe('readJobFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hookbook-readjob-'));
  const secret = path.join(dir, 'secret');
  writeFileSync(secret, 'do not read');

  it('reads a plain file of the job', () => {
    writeFileSync(path.join(dir, 'result.json'), '{"a":1}');
    expect(readJobFile(path.join(dir, 'result.json'), process.getuid?.())).toBe('{"a":1}');
  });

  it('does not follow a link the job planted', () => {
    symlinkSync(secret, path.join(dir, 'link.json'));
    expect(readJobFile(path.join(dir, 'link.json'), undefined)).toBeUndefined();
  });

  it("refuses a file that belongs to someone else than the job's uid", () => {
    expect(readJobFile(secret, 4242)).toBeUndefined();
  });

  it('missing file: undefined', () => {
    expect(readJobFile(path.join(dir, 'nope.json'), undefined)).toBeUndefined();
  });
});
