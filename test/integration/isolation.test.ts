// Issue 18: a runbook must not read the service's secrets, nor another job's files. Runs the local
// host the way CI does (as root), with its data on disk, and lets runbooks go looking: the host's
// /proc environ, every /proc/*/environ and cmdline, the host's memory, local.settings.json, the data
// directory, Azurite with the public development key, and a concurrent job's directory, parameters
// and environment. A second host runs as "nobody" to show the non-root fallback and its warning.
// Both need root to set up (switching users); elsewhere the decision itself is unit-tested
// (test/unit/sandbox.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QueueServiceClient } from '@azure/storage-queue';
import { startHost, repoRoot, type RunningHost } from '../support/host';
import { api, uniqueName, type Api } from '../support/api';
import { waitFor } from '../support/http';
import { developmentStorage } from '../../local/settings';
import { isDumpable } from '../../shared/runners/harden';

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
const addonBuilt = isDumpable() !== undefined;

// Looks everywhere a runbook could find the service's secrets; prints whatever it finds.
const SNOOP = String.raw`
echo "uid=$(id -u)"
echo "hostenv: $(cat /proc/$HostPid/environ 2>&1 | tr '\0' '\n' | grep -E 'HOOKBOOK_|AzureWebJobsStorage|denied' | tr '\n' ' ')"
for p in $(pgrep -f local/start.ts); do echo "host-environ $p: $(cat /proc/$p/environ 2>&1 | tr '\0' '\n' | grep -E 'HOOKBOOK_|AzureWebJobsStorage|denied' | tr '\n' ' ')"; done
for f in /proc/[0-9]*/environ; do d=$(dirname "$f"); tr '\0' '\n' < "$f" 2>/dev/null | sed "s|^|environ $d: |"; done
for f in /proc/[0-9]*/cmdline; do echo "cmdline: $(tr '\0' ' ' < "$f" 2>/dev/null)"; done
python3 - "$HostPid" <<'PY'
import sys, re
pid = sys.argv[1]
try:
    maps = open('/proc/%s/maps' % pid).read().splitlines()
    mem = open('/proc/%s/mem' % pid, 'rb')
except Exception as e:
    print('mem: ' + str(e)); sys.exit(0)
found = 0
for line in maps:
    addr, perms = line.split()[:2]
    if 'r' not in perms: continue
    lo, hi = [int(x, 16) for x in addr.split('-')]
    if hi - lo > 64 * 1024 * 1024: continue
    try:
        mem.seek(lo); chunk = mem.read(hi - lo)
    except Exception:
        continue
    for m in re.finditer(rb'(HOOKBOOK_[A-Z_]+|AccountKey)=[^\x00\s;]{1,200}', chunk):
        print('mem: ' + m.group(0).decode('latin-1')); found += 1
        if found > 200: sys.exit(0)
print('mem: read, %d hits' % found)
PY
echo "settings: $(head -c 2000 "$RepoRoot/local.settings.json" 2>&1)"
echo "data-ls: $(ls -la "$DataDir" 2>&1)"
echo "data-key: $(cat "$DataDir/azurite-key" 2>&1)"
find "$DataDir" -type f 2>&1 | head -50 | while read -r f; do echo "data-file: $f: $(head -c 500 "$f" 2>&1)"; done
echo "jobs-ls: $(ls -la /tmp/hookbook-jobs 2>&1)"
echo "other-ls: $(ls -la "$OtherDir" 2>&1)"
echo "other-params: $(cat "$OtherDir/parameters.json" 2>&1)"
echo "other-marker: $(cat "$OtherDir/marker" 2>&1)"
for p in $(pgrep -f holder-marker); do echo "other-environ $p: $(cat /proc/$p/environ 2>&1 | tr '\0' '\n' | grep -E 'Token|denied')"; done
`;

// Sits in its directory with a secret parameter (in its environment and parameters file) until stopped.
const HOLDER = String.raw`
echo "uid=$(id -u)"
echo "groups=$(id -G)"
echo "$Token" > "$TMPDIR/marker"
echo "DIR=$TMPDIR"
exec -a holder-marker sleep 600
`;

const SNOOP_PARAMETERS = ['HostPid', 'RepoRoot', 'DataDir', 'OtherDir'].map((name) => ({ name, type: 'string' }));

async function outputOf(a: Api, jobId: string): Promise<string> {
  const r = await a.call('GET', `/api/v1/jobs/${jobId}/streams`);
  return ((r.json?.value ?? []) as Array<{ streamText: string }>).map((s) => s.streamText).join('\n');
}

describe.skipIf(!isRoot)('jobs isolated from the host and from each other (host as root)', () => {
  let host: RunningHost;
  let a: Api;
  let dataDir: string;
  const encryptionKey = `enc-${randomBytes(24).toString('hex')}`;
  const token = `tok-${randomBytes(24).toString('hex')}`;
  let holderDir: string | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'hookbook-isolation-'));
    chmodSync(dataDir, 0o755); // as a careless operator might leave it: the host tightens it
    host = await startHost({
      storage: 'disk',
      dataDir,
      env: { HOOKBOOK_ENCRYPTION_KEY: encryptionKey, HOOKBOOK_RUN_WAIT_SECONDS: '2', HOOKBOOK_STOP_GRACE_SECONDS: '2' },
    });
    a = api(host.url, host.adminKey);
  });
  afterAll(async () => {
    await host?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('says at start-up that jobs run under uids of their own', () => {
    expect(host.output()).toMatch(/Job isolation: each job runs under a uid of its own/);
    if (addonBuilt) expect(host.output()).not.toMatch(/stays dumpable/);
  });

  it('a runbook looking through /proc, the settings, the data directory and a concurrent job finds no secret', async () => {
    const holder = await a.createRunbook({
      name: uniqueName('holder'),
      type: 'bash',
      parameters: [{ name: 'Token', type: 'string' }],
      content: HOLDER,
    });
    const snoop = await a.createRunbook({ name: uniqueName('snoop'), type: 'bash', parameters: SNOOP_PARAMETERS, content: SNOOP });

    const h = await a.call('POST', '/api/v1/jobs', { runbook: holder, parameters: { Token: token } });
    expect(h.status, h.text).toBe(202);
    const holderId = h.json.jobId as string;
    const otherDir = await waitFor(
      async () => /DIR=(\S+)/.exec(await outputOf(a, holderId))?.[1],
      'the holder job to report its directory',
      60_000,
      200,
    );
    holderDir = otherDir;
    expect(path.dirname(otherDir)).toBe(path.join(tmpdir(), 'hookbook-jobs'));

    const s = await a.call('POST', '/api/v1/jobs', {
      runbook: snoop,
      parameters: { HostPid: String(host.pid), RepoRoot: repoRoot, DataDir: dataDir, OtherDir: otherDir },
    });
    expect(s.status, s.text).toBe(202);
    const done = await a.waitForStatus(s.json.jobId, ['Completed', 'Failed', 'Stopped'], 120_000);
    const out = await outputOf(a, done.jobId);
    expect((await a.call('POST', `/api/v1/jobs/${holderId}/stop`)).status).toBe(202);
    await a.waitForStatus(holderId, ['Stopped', 'Completed', 'Failed'], 60_000);

    const azuriteKey = readFileSync(path.join(dataDir, 'azurite-key'), 'utf8').trim();
    const adminSecret = host.adminKey.split(':')[1]!;
    for (const [what, secret] of Object.entries({ adminSecret, encryptionKey, azuriteKey, otherJobsToken: token })) {
      const lines = out.split('\n').filter((l) => l.includes(secret));
      expect(lines, `the runbook found ${what}`).toEqual([]);
    }
    // ...and it did look: every door was there, and closed.
    const jobUid = Number(/uid=(\d+)/.exec(out)?.[1]);
    expect(jobUid).toBeGreaterThan(0);
    expect(out).toMatch(/hostenv: .*Permission denied/);
    expect(out).toMatch(/mem: .*(Permission denied|Errno 13)/);
    expect(out).toMatch(/data-ls: .*Permission denied/);
    expect(out).toMatch(/other-ls: .*Permission denied/);
    expect(out).toMatch(/other-params: .*Permission denied/);
    expect(out).toMatch(/other-environ \d+: .*Permission denied/);
    expect(out).toMatch(/jobs-ls: .*Permission denied/);
    if (existsSync(path.join(repoRoot, 'local.settings.json'))) expect(out).toMatch(/settings: .*Permission denied/);
    // The two jobs ran at the same time under different uids.
    const holderOut = await outputOf(a, holderId);
    const holderUid = Number(/uid=(\d+)/.exec(holderOut)?.[1]);
    expect(holderUid).toBeGreaterThan(0);
    expect(holderUid).not.toBe(jobUid);
    // One group, the job user's: no supplementary groups inherited from the host.
    expect(/groups=(.*)/.exec(holderOut)?.[1]?.trim().split(/\s+/)).toHaveLength(1);
  });

  it('Azurite does not accept the public development key', async () => {
    const m = /Azurite: queue 127\.0\.0\.1:(\d+), table 127\.0\.0\.1:(\d+)/.exec(host.output());
    expect(m).toBeTruthy();
    const client = QueueServiceClient.fromConnectionString(developmentStorage(Number(m![1]), Number(m![2])), {
      retryOptions: { maxTries: 1 },
    });
    const err = await client
      .listQueues()
      .next()
      .then(
        () => undefined,
        (e: { statusCode?: number }) => e,
      );
    expect(err?.statusCode).toBe(403);
  });

  it("a result file that links to the service's files is not read", async () => {
    const keyFile = path.join(dataDir, 'azurite-key');
    const name = await a.createRunbook({ name: uniqueName('link'), type: 'bash', content: `ln -s '${keyFile}' "$HOOKBOOK_RESULT_FILE"` });
    const r = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: {} });
    const job = await a.waitForStatus(r.json.jobId, ['Completed', 'Failed'], 60_000);
    expect(job.status).toBe('Completed');
    expect(JSON.stringify(job)).not.toContain(readFileSync(keyFile, 'utf8').trim());
  });

  it("a job's processes that left its process group end with it, and only the job's", async () => {
    // setsid puts the sleepers in sessions of their own: the process-group kill at the job's end
    // does not reach them; the uid sweep does. Two jobs end at once (one /proc pass for both).
    const name = await a.createRunbook({
      name: uniqueName('escape'),
      type: 'bash',
      content: 'setsid sleep 300 < /dev/null > /dev/null 2>&1 &\necho "pid=$!"',
    });
    const started = await Promise.all([0, 1].map(() => a.call('POST', '/api/v1/jobs', { runbook: name, parameters: {} })));
    const pids: number[] = [];
    for (const r of started) {
      const job = await a.waitForStatus(r.json.jobId, ['Completed', 'Failed'], 60_000);
      expect(job.status).toBe('Completed');
      pids.push(Number(/pid=(\d+)/.exec(await outputOf(a, job.jobId))?.[1]));
    }
    const bystander = spawnSync('sh', ['-c', 'setsid sleep 300 < /dev/null > /dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
    const mine = Number(bystander.stdout.trim());
    const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    try {
      for (const pid of pids) {
        expect(pid).toBeGreaterThan(0);
        await waitFor(() => !alive(pid), `the escaped sleeper ${pid} to be gone`, 10_000, 50);
      }
      expect(alive(mine)).toBe(true); // the host's own user's processes are not touched
    } finally {
      process.kill(mine, 'SIGKILL');
    }
  });

  it('the host made the data directory private, and the job directories are gone', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'azurite-key')).mode & 0o777).toBe(0o600);
    const root = path.join(tmpdir(), 'hookbook-jobs');
    expect(statSync(root).mode & 0o777).toBe(0o711);
    expect(statSync(root).uid).toBe(0);
    expect(holderDir).toBeTruthy();
    expect(existsSync(holderDir!)).toBe(false);
  });
});

// The host can run as "nobody" only where that user reaches the code (not a clone under /root): say so plainly otherwise.
const nobodyReachesRepo =
  isRoot &&
  spawnSync(
    process.execPath,
    ['-e', 'require("fs").accessSync(process.argv[1], require("fs").constants.R_OK)', path.join(repoRoot, 'local', 'start.ts')],
    {
      uid: 65534,
      gid: 65534,
    },
  ).status === 0;
if (isRoot && !nobodyReachesRepo)
  console.warn(
    `[isolation tests] NOT RUN: the non-root fallback, because user "nobody" cannot reach ${repoRoot} (a folder on the way is closed to other users).`,
  );

// Where the host cannot switch users: the same runbook under a host run as "nobody".
describe.skipIf(!nobodyReachesRepo)('fallback where the host is not root', () => {
  let host: RunningHost;
  let a: Api;
  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'hookbook-nonroot-'));
    chmodSync(home, 0o777);
    host = await startHost({ uid: 65534, gid: 65534, env: { HOME: home, TMPDIR: home, HOOKBOOK_RUN_WAIT_SECONDS: '2' } });
    a = api(host.url, host.adminKey);
  });
  afterAll(async () => {
    await host?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('logs once that jobs are not isolated, and names the alternative', () => {
    const out = host.output();
    expect(out.match(/Job isolation is off: the worker runs as uid 65534, not root/g)?.length).toBe(1);
    expect(out).toMatch(/hybrid workers on separate machines/);
  });

  it('jobs run as the host user; the host process itself is non-dumpable, so its environment and memory stay closed', async () => {
    const name = await a.createRunbook({ name: uniqueName('snoop'), type: 'bash', parameters: SNOOP_PARAMETERS, content: SNOOP });
    const r = await a.call('POST', '/api/v1/jobs', {
      runbook: name,
      parameters: { HostPid: String(host.pid), RepoRoot: repoRoot, DataDir: home, OtherDir: home },
    });
    const job = await a.waitForStatus(r.json.jobId, ['Completed', 'Failed'], 120_000);
    const out = await outputOf(a, job.jobId);
    expect(out).toMatch(/uid=65534/);
    // Only the host process is protected here (docs/security.md, "Where jobs cannot be isolated"):
    // files and other processes of the same user (tsx's esbuild helper, for one) are not.
    if (addonBuilt) {
      const hostLines = out
        .split('\n')
        .filter((l) => /^(hostenv|mem):/.test(l))
        .join('\n');
      expect(hostLines).toMatch(/hostenv: .*Permission denied/);
      expect(hostLines).toMatch(/mem: .*(Permission denied|Errno 13)/);
      expect(hostLines).not.toContain(host.adminKey.split(':')[1]!);
    }
  });
});

// HOOKBOOK_JOB_UIDS=off (or a system that refuses the uid range): every job as the job user.
describe.skipIf(!isRoot)('one job user for every job (HOOKBOOK_JOB_UIDS=off)', () => {
  let host: RunningHost;
  let a: Api;

  beforeAll(async () => {
    host = await startHost({ env: { HOOKBOOK_JOB_UIDS: 'off', HOOKBOOK_RUN_WAIT_SECONDS: '2' } });
    a = api(host.url, host.adminKey);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('warns that jobs share a user; jobs run as it, cannot read the host, and return results', async () => {
    // "nobody" where the job user could not be created (no useradd).
    const user = /Job isolation \(partial\): jobs run as "(hookbook-job|nobody)".*could read each other's files/.exec(host.output())?.[1];
    expect(user, host.output()).toBeTruthy();
    const name = await a.createRunbook({
      name: uniqueName('jobuser'),
      type: 'bash',
      parameters: [{ name: 'HostPid', type: 'string' }],
      content: String.raw`echo "user=$(id -un)"; echo "hostenv: $(cat /proc/$HostPid/environ 2>&1 | tr '\0' '\n' | grep -E 'HOOKBOOK_|denied')"; echo '{"ok":true}' > "$HOOKBOOK_RESULT_FILE"`,
    });
    const r = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { HostPid: String(host.pid) } });
    const job = await a.waitForStatus(r.json.jobId, ['Completed', 'Failed'], 60_000);
    expect(job.status).toBe('Completed');
    expect(job.result).toEqual({ ok: true });
    const out = await outputOf(a, job.jobId);
    expect(out).toContain(`user=${user}`);
    expect(out).toMatch(/hostenv: .*Permission denied/);
    expect(out).not.toContain(host.adminKey.split(':')[1]!);
  });
});
