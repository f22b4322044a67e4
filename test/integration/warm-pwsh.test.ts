// PowerShell started ahead of demand (shared/runners/warmPool.ts): a warm pwsh serves exactly one job,
// already in the directory and as the uid that job gets, with the job's own environment, parameters and
// stdin; nothing passes between jobs; HOOKBOOK_PWSH_WARM=0 turns it off; other runbook types never use
// it. Real pwsh, real processes (the runner in this process, as the worker calls it).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { RunbookVersion } from '../../shared/model/runbook';
import { startProcess, type ProcessRecord } from '../../shared/runners/process';
import { prepareRun } from '../../shared/runners/runner';
import { readResultFile } from '../../shared/runners/sandbox';
import { drainWarmPool, warmCount } from '../../shared/runners/warmPool';
import { repoRoot } from '../support/host';
import { testPwsh } from '../support/pwsh';

const pwsh = testPwsh();

const version = (type: 'pwsh' | 'bash', content: string): RunbookVersion =>
  ({ name: `warm-${type}`, version: 1, content, definition: { type } }) as unknown as RunbookVersion;

// What a job sees: its id, uid, directory, whether the warm marker leaked, a parameter, its stdin.
const REPORT = `param([string]$Name)
$stdin = [Console]::In.ReadToEnd()
[pscustomobject]@{
  job = $env:HOOKBOOK_JOB_ID; warmVar = "$env:HOOKBOOK_WARM"; dir = "$PWD"; home = $env:HOME
  uid = (Get-Content /proc/self/status | Where-Object { $_ -like 'Uid:*' }) -replace '\\s+', ' '
  pid = $PID; started = [DateTimeOffset]::new([Diagnostics.Process]::GetCurrentProcess().StartTime).ToUnixTimeMilliseconds()
  name = $Name; stdin = $stdin; leftover = (Test-Path (Join-Path $HOME 'left-by-previous.txt')); modulePath = $env:PSModulePath
  readyMark = (Test-Path (Join-Path $HOME '.hookbook-warm-ready'))
} | ConvertTo-Json -Compress | Set-Content $env:HOOKBOOK_RESULT_FILE
Set-Content (Join-Path $HOME 'left-by-previous.txt') 'x'
Write-Output done`;

interface Seen {
  job: string;
  warmVar: string;
  dir: string;
  home: string;
  uid: string;
  pid: number;
  started: number;
  name: string;
  stdin: string;
  leftover: boolean;
  modulePath: string;
  readyMark: boolean;
}

// As the asset helpers are handed to a job (shared/assets/jobEnv.ts): a module folder of its own.
const HELPERS = { set: {}, prepend: { PSModulePath: '/opt/hookbook-helpers/pwsh' }, unset: [] };

async function run(jobId: string, type: 'pwsh' | 'bash' = 'pwsh', content = REPORT) {
  const preparedAt = Date.now();
  const prepared = prepareRun(version(type, content), { Name: `n-${jobId}` }, { jobId, attempt: 1 }, HELPERS);
  const records: ProcessRecord[] = [];
  const proc = startProcess(prepared.spec, (r) => records.push(r));
  const outcome = await proc.done;
  readResultFile(prepared.resultFile, prepared.uid, outcome);
  const dir = prepared.spec.cwd;
  await prepared.cleanup();
  return { prepared, preparedAt, outcome, records, dir, warm: prepared.spec.warm !== undefined, seen: outcome.result as Seen };
}

async function untilWarm(n: number): Promise<void> {
  for (let i = 0; i < 2400 && warmCount() < n; i++) await new Promise((r) => setTimeout(r, 25));
  expect(warmCount()).toBe(n);
}

describe.skipIf(!pwsh)('PowerShell started warm', () => {
  beforeAll(() => {
    process.env.HOOKBOOK_PWSH_PATH = pwsh;
  });
  afterEach(async () => {
    delete process.env.HOOKBOOK_PWSH_WARM;
    await drainWarmPool();
  });
  afterAll(() => {
    delete process.env.HOOKBOOK_PWSH_PATH;
  });

  it('a warm process serves one job: started before it, in its directory, as its uid, with its environment, parameters and stdin', async () => {
    process.env.HOOKBOOK_PWSH_WARM = '1';
    const cold = await run('job-cold');
    expect(cold.warm).toBe(false); // the first pwsh job of a process starts the pool
    await untilWarm(1);
    // Until it says it is warmed up (pwsh-host.ps1 writes this into its directory; the job's hand-over removes it).
    const jobsRoot = join(tmpdir(), 'hookbook-jobs');
    const readyFile = () => readdirSync(jobsRoot).some((d) => existsSync(join(jobsRoot, d, '.hookbook-warm-ready')));
    if (process.geteuid?.() === 0) for (let i = 0; i < 2400 && !readyFile(); i++) await new Promise((r) => setTimeout(r, 25));

    const first = await run('job-warm-1');
    expect(first.warm).toBe(true);
    expect(first.outcome.exitCode).toBe(0);
    expect(first.records.map((r) => r.text)).toEqual(['done']);
    const s1 = first.seen;
    expect(s1.started).toBeLessThan(first.preparedAt);
    expect(s1).toMatchObject({
      job: 'job-warm-1',
      warmVar: '',
      dir: first.dir,
      home: first.dir,
      name: 'n-job-warm-1',
      leftover: false,
      readyMark: false,
    });
    expect(JSON.parse(s1.stdin)).toEqual({ Name: 'n-job-warm-1' });
    // What pwsh makes of the environment at start-up is what a cold job sees: its own module folders, then the job's.
    expect(s1.modulePath.replaceAll(first.dir, '~')).toBe(cold.seen.modulePath.replaceAll(cold.dir, '~'));
    expect(s1.modulePath).toMatch(/\/Modules:\/opt\/hookbook-helpers\/pwsh$/);
    if (first.prepared.uid !== undefined) {
      expect(s1.uid.split(' ').slice(1, 4)).toEqual([String(first.prepared.uid), String(first.prepared.uid), String(first.prepared.uid)]);
    }
    // Exactly one job: the process is gone with it, and its directory with the clean-up.
    expect(() => statSync(`/proc/${s1.pid}`)).toThrow();
    expect(() => statSync(first.dir)).toThrow();

    await untilWarm(1);
    const second = await run('job-warm-2');
    expect(second.warm).toBe(true);
    expect(second.seen).toMatchObject({ job: 'job-warm-2', name: 'n-job-warm-2', leftover: false });
    expect(second.seen.pid).not.toBe(s1.pid);
    expect(second.dir).not.toBe(first.dir);
  }, 120_000);

  it('stop ends a warm-started job and everything it started', async () => {
    process.env.HOOKBOOK_PWSH_WARM = '1';
    await run('job-prime', 'pwsh', 'Write-Output ok');
    await untilWarm(1);
    const prepared = prepareRun(
      version('pwsh', '$p = Start-Process sleep 300 -PassThru; Write-Output $p.Id; Wait-Process -Id $p.Id'),
      {},
      {
        jobId: 'job-stop',
        attempt: 1,
      },
    );
    expect(prepared.spec.warm).toBeDefined();
    const records: ProcessRecord[] = [];
    const proc = startProcess(prepared.spec, (r) => records.push(r));
    let child = 0;
    for (let i = 0; i < 2400 && !child; i++) {
      child = Number(records.find((r) => /^\d+$/.test(r.text))?.text ?? 0);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(child).toBeGreaterThan(0);
    proc.kill('stop', 2000);
    const outcome = await proc.done;
    expect(outcome.killedBecause).toBe('stop');
    for (let i = 0; i < 400 && existsProc(child); i++) await new Promise((r) => setTimeout(r, 25));
    expect(existsProc(child)).toBe(false);
    await prepared.cleanup();
  }, 120_000);

  it('HOOKBOOK_PWSH_WARM=0: no process is started ahead; jobs start cold and still run', async () => {
    process.env.HOOKBOOK_PWSH_WARM = '0';
    const a = await run('job-off-1', 'pwsh', 'Write-Output ok');
    const b = await run('job-off-2', 'pwsh', 'Write-Output ok');
    expect([a.warm, b.warm]).toEqual([false, false]);
    expect(b.records.map((r) => r.text)).toEqual(['ok']);
    await new Promise((r) => setImmediate(r));
    expect(warmCount()).toBe(0);
  }, 120_000);

  it('a waiting warm process does not keep the worker alive: a worker whose jobs are done exits, and its warm pwsh with it', async () => {
    const script = join(mkdtempSync(join(tmpdir(), 'warm-exit-')), 'worker.ts');
    const runners = join(repoRoot, 'shared', 'runners');
    writeFileSync(
      script,
      `import { prepareRun } from ${JSON.stringify(join(runners, 'runner'))};
import { startProcess } from ${JSON.stringify(join(runners, 'process'))};
import { warmCount } from ${JSON.stringify(join(runners, 'warmPool'))};
(async () => {
  const v = { name: 'w', version: 1, content: 'Write-Output ok', definition: { type: 'pwsh' } } as never;
  const p = prepareRun(v, {}, { jobId: 'job-exit', attempt: 1 });
  await startProcess(p.spec, () => undefined).done;
  await p.cleanup();
  while (warmCount() < 1) await new Promise((r) => setTimeout(r, 25));
  console.log('warm ' + warmCount());
})();
`,
    );
    const child = spawn(process.execPath, [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script], {
      env: { ...process.env, HOOKBOOK_PWSH_WARM: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    onTestFinished(() => void child.kill('SIGKILL')); // a worker that hangs (the failure) must not outlive the test
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('warm 1');
    expect(code).toBe(0);
  }, 120_000);

  it('other runbook types neither take nor start warm PowerShell', async () => {
    process.env.HOOKBOOK_PWSH_WARM = '2';
    const job = await run('job-bash', 'bash', 'echo "$HOOKBOOK_JOB_ID"');
    expect(job.warm).toBe(false);
    expect(job.records.map((r) => r.text)).toEqual(['job-bash']);
    await new Promise((r) => setImmediate(r));
    expect(warmCount()).toBe(0);
  });
});

function existsProc(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
