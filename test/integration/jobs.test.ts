// Jobs end to end on a private host (short run wait, short time limits): every runbook type, every
// stream type, status transitions, stop, time limit, shell metacharacters, drafts vs queued jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { jobSharedDir, startHost, type RunningHost } from '../support/host';
import { api, uniqueName, type Api } from '../support/api';
import { waitFor } from '../support/http';
import { findPwsh } from '../../shared/runners/pwsh';

let host: RunningHost;
let a: Api;

beforeAll(async () => {
  host = await startHost({ env: { HOOKBOOK_RUN_WAIT_SECONDS: '2', HOOKBOOK_STOP_GRACE_SECONDS: '2' } });
  a = api(host.url, host.adminKey);
});
afterAll(async () => {
  await host?.stop();
});

async function runToEnd(runbook: string, parameters: Record<string, unknown> = {}) {
  const s = await a.call('POST', '/api/v1/jobs', { runbook, parameters });
  expect(s.status, s.text).toBe(202);
  expect(s.json.status).toBe('Queued');
  const job = await a.waitForStatus(s.json.jobId, ['Completed', 'Failed', 'Stopped']);
  const streams = (await a.call('GET', `/api/v1/jobs/${job.jobId}/streams`)).json.value as any[];
  return { job, streams };
}

const byType = (streams: any[], t: string) => streams.filter((s) => s.streamType === t).map((s) => s.streamText);

describe('runbook types and streams', () => {
  it('bash: stdout prefixes become streams, stderr is Error, exit code is the result', async () => {
    const name = await a.createRunbook({
      name: uniqueName('bash'),
      type: 'bash',
      parameters: [
        { name: 'Who', type: 'string', mandatory: true },
        { name: 'N', type: 'int', default: 2 },
      ],
      content: [
        'echo "hello $Who"',
        'echo "VERBOSE: verbose line"',
        'echo "WARNING: warning line"',
        'echo "DEBUG: debug line"',
        'echo "PROGRESS: 50%"',
        'echo "error line" >&2',
        'echo "n=$N"',
      ].join('\n'),
    });
    const { job, streams } = await runToEnd(name, { Who: 'world' });
    expect(job.status).toBe('Completed');
    expect(job.result).toBe(0);
    expect(job.attempt).toBe(1);
    expect(job.startTime && job.endTime).toBeTruthy();
    expect(byType(streams, 'Output')).toEqual(['hello world', 'n=2']);
    expect(byType(streams, 'Verbose')).toEqual(['verbose line']);
    expect(byType(streams, 'Warning')).toEqual(['warning line']);
    expect(byType(streams, 'Debug')).toEqual(['debug line']);
    expect(byType(streams, 'Progress')).toEqual(['50%']);
    expect(byType(streams, 'Error')).toEqual(['error line']);
    for (const s of streams) expect(s.jobStreamId).toContain(job.jobId);
  });

  it('bash: a non-zero exit fails the job with the last error line as exception', async () => {
    const name = await a.createRunbook({ name: uniqueName('bashfail'), type: 'bash', content: 'echo "disk full" >&2\nexit 3' });
    const { job } = await runToEnd(name);
    expect(job.status).toBe('Failed');
    expect(job.exception).toBe('disk full');
    expect(job.result).toBe(3);
  });

  it('python3: parameters arrive as data, streams classified, result file read', async () => {
    const name = await a.createRunbook({
      name: uniqueName('py'),
      type: 'python3',
      parameters: [
        { name: 'Items', type: 'array' },
        { name: 'Flag', type: 'bool' },
      ],
      content: [
        'import json, os, sys',
        'p = json.load(sys.stdin)',
        'print("items=%d flag=%s" % (len(p["Items"]), p["Flag"]))',
        'print("WARNING: careful")',
        'print("oops", file=sys.stderr)',
        'json.dump({"sum": sum(p["Items"])}, open(os.environ["HOOKBOOK_RESULT_FILE"], "w"))',
      ].join('\n'),
    });
    const { job, streams } = await runToEnd(name, { Items: [1, 2, 3], Flag: true });
    expect(job.status).toBe('Completed');
    expect(job.result).toEqual({ sum: 6 });
    expect(byType(streams, 'Output')).toEqual(['items=3 flag=True']);
    expect(byType(streams, 'Warning')).toEqual(['careful']);
    expect(byType(streams, 'Error')).toEqual(['oops']);
  });

  it('node: ctx streams, return value, and a thrown error as exception', async () => {
    const name = await a.createRunbook({
      name: uniqueName('node'),
      type: 'node',
      parameters: [{ name: 'Fail', type: 'bool', default: false }],
      content: [
        'module.exports = async ({ Fail }, ctx) => {',
        '  ctx.output("out"); ctx.verbose("verb"); ctx.warning("warn"); ctx.error("err"); ctx.debug("dbg"); ctx.progress("prog");',
        '  ctx.output({ structured: true });',
        '  console.log("from console");',
        '  if (Fail) throw new Error("it broke");',
        '  return { ok: true };',
        '};',
      ].join('\n'),
    });
    const ok = await runToEnd(name);
    expect(ok.job.status).toBe('Completed');
    expect(ok.job.result).toEqual({ ok: true });
    expect(byType(ok.streams, 'Output')).toEqual(expect.arrayContaining(['out', '{"structured":true}', 'from console']));
    expect(ok.streams.find((s) => s.streamText === '{"structured":true}').value).toEqual({ structured: true });
    for (const t of ['Verbose', 'Warning', 'Error', 'Debug', 'Progress']) expect(byType(ok.streams, t).length).toBe(1);
    const bad = await runToEnd(name, { Fail: true });
    expect(bad.job.status).toBe('Failed');
    expect(bad.job.exception).toBe('it broke');
  });

  it('node ESM modules (export default) run too', async () => {
    const name = await a.createRunbook({
      name: uniqueName('esm'),
      type: 'node',
      content: 'export default async (p, ctx) => { ctx.output("esm ok"); return 7; };',
    });
    const { job, streams } = await runToEnd(name);
    expect(job.status).toBe('Completed');
    expect(job.result).toBe(7);
    expect(byType(streams, 'Output')).toEqual(['esm ok']);
  });

  it('pwsh runs where the worker finds PowerShell (PATH, .tools/pwsh, ~/.dotnet/tools)', async () => {
    const hasPwsh = findPwsh() !== undefined;
    const name = await a.createRunbook({
      name: uniqueName('pwsh'),
      type: 'pwsh',
      parameters: [{ name: 'Name', type: 'string' }],
      content: 'param($Name)\nWrite-Output "hi $Name"',
    });
    const { job, streams } = await runToEnd(name, { Name: 'x' });
    if (hasPwsh) {
      expect(job.status).toBe('Completed');
      expect(byType(streams, 'Output')).toEqual(['hi x']);
    } else {
      // Without PowerShell the job fails with a reason instead of hanging or crashing the worker.
      expect(job.status).toBe('Failed');
      expect(job.exception).toMatch(/pwsh runbooks cannot run on this worker/);
    }
  });
});

describe('parameters are data, never code', () => {
  it('shell metacharacters in a parameter are printed, not executed', async () => {
    const marker = join(jobSharedDir('hb-meta-'), 'pwned');
    const name = await a.createRunbook({
      name: uniqueName('meta'),
      type: 'bash',
      parameters: [{ name: 'Text', type: 'string' }],
      content: 'printf "%s\\n" "$Text"',
    });
    const evil = `$(touch ${marker}); \`touch ${marker}\` && touch ${marker} | ; "' \n`;
    const { job, streams } = await runToEnd(name, { Text: evil });
    expect(job.status).toBe('Completed');
    expect(byType(streams, 'Output').join('\n')).toContain(`$(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
  });

  it('the runbook environment holds no storage credentials', async () => {
    const name = await a.createRunbook({ name: uniqueName('env'), type: 'bash', content: 'env | cut -d= -f1 | sort' });
    const { streams } = await runToEnd(name);
    const names = byType(streams, 'Output');
    expect(names).toContain('HOOKBOOK_JOB_ID');
    expect(names.some((n) => /AzureWebJobs|ACCOUNT|HOOKBOOK_BOOTSTRAP/i.test(n))).toBe(false);
  });

  it('secret parameters are masked in job records', async () => {
    const name = await a.createRunbook({
      name: uniqueName('secret'),
      type: 'bash',
      parameters: [{ name: 'Password', type: 'string', secret: true }],
      content: '[ "$Password" = "hunter2-very-secret" ] && echo "got it"',
    });
    const { job, streams } = await runToEnd(name, { Password: 'hunter2-very-secret' });
    expect(job.status).toBe('Completed');
    expect(byType(streams, 'Output')).toEqual(['got it']);
    expect(job.parameters.Password).toBe('***');
    const list = await a.call('GET', `/api/v1/jobs?runbook=${name}`);
    expect(list.text).not.toContain('hunter2-very-secret');
    expect(host.output()).not.toContain('hunter2-very-secret');
  });
});

describe('life cycle', () => {
  it('run answers 202 with Location when the job outlasts the wait, then the job can be followed', async () => {
    const dir = jobSharedDir('hb-go-');
    const name = await a.createRunbook({
      name: uniqueName('waiter'),
      type: 'bash',
      parameters: [{ name: 'Go', type: 'string' }],
      content: 'echo started; while [ ! -f "$Go" ]; do sleep 0.1; done; echo done',
    });
    const r = await a.call('POST', `/api/external/runbook/${name}/run`, { Go: join(dir, 'go') });
    expect(r.status).toBe(202);
    expect(r.headers.get('location')).toBe(`/api/external/runbook/jobs/${r.json.jobID}/status`);
    expect(['Queued', 'Running']).toContain(r.json.status);
    await a.waitForStatus(r.json.jobID, ['Running']);
    execFileSync('touch', [join(dir, 'go')]);
    const job = await a.waitForStatus(r.json.jobID, ['Completed']);
    expect(job.status).toBe('Completed');
  });

  it('stop kills the whole process tree: the job ends Stopped and the grandchild is gone', async () => {
    const dir = jobSharedDir('hb-stop-');
    const pidFile = join(dir, 'grandchild.pid');
    const name = await a.createRunbook({
      name: uniqueName('tree'),
      type: 'bash',
      parameters: [{ name: 'PidFile', type: 'string' }],
      content: 'bash -c \'sleep 300 & echo $! > "$PidFile"; wait\' &\nwait',
    });
    const s = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { PidFile: pidFile } });
    await a.waitForStatus(s.json.jobId, ['Running']);
    const pid = await waitFor(() => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()) || undefined, 'grandchild pid');
    const stop = await a.call('POST', `/api/v1/jobs/${s.json.jobId}/stop`);
    expect(stop.status).toBe(202);
    const job = await a.waitForStatus(s.json.jobId, ['Stopped', 'Failed', 'Completed']);
    expect(job.status).toBe('Stopped');
    expect(job.statusDetails).toMatch(/Stopped/);
    await waitFor(
      () => {
        try {
          process.kill(Number(pid), 0);
          return false;
        } catch {
          return true;
        }
      },
      'grandchild to be gone',
      15_000,
    );
    const again = await a.call('POST', `/api/v1/jobs/${s.json.jobId}/stop`);
    expect(again.status).toBe(409);
  });

  it('the time limit stops a job with a reason', async () => {
    const name = await a.createRunbook({ name: uniqueName('slow'), type: 'bash', timeoutSeconds: 1, content: 'echo begin; sleep 60' });
    const { job, streams } = await runToEnd(name);
    expect(job.status).toBe('Stopped');
    expect(job.statusDetails).toContain('time limit of 1 s');
    expect(byType(streams, 'Output')).toEqual(['begin']);
    const ex = await a.call('GET', `/api/external/runbook/jobs/${job.jobId}/exception/text`);
    expect(ex.text).toContain('time limit');
  });

  it('publishing a new draft never changes a job already queued', async () => {
    const name = uniqueName('versions');
    await a.createRunbook({ name, type: 'bash', content: 'echo version-1' });
    const draft = await a.call('PUT', `/api/v1/runbooks/${name}/draft`, { content: 'echo version-2' });
    expect(draft.status).toBe(200);
    expect(draft.json.state).toBe('Edit');
    const first = await runToEnd(name);
    expect(byType(first.streams, 'Output')).toEqual(['version-1']);
    expect(first.job.runbookVersion).toBe(1);
    const pub = await a.call('POST', `/api/v1/runbooks/${name}/publish`);
    expect(pub.json.version).toBe(2);
    const second = await runToEnd(name);
    expect(byType(second.streams, 'Output')).toEqual(['version-2']);
  });

  it('an unpublished runbook cannot start jobs (409)', async () => {
    const name = await a.createRunbook({ name: uniqueName('draft'), type: 'bash', content: 'echo x' }, false);
    const r = await a.call('POST', '/api/v1/jobs', { runbook: name });
    expect(r.status).toBe(409);
    expect(r.json.detail).toMatch(/not published/);
  });
});

describe('stopping a job that has not started', () => {
  it('a Queued job that is stopped never runs', async () => {
    const dir = jobSharedDir('hb-q-');
    const marker = join(dir, 'ran');
    const name = await a.createRunbook({
      name: uniqueName('blocker'),
      type: 'bash',
      maxConcurrency: 1,
      parameters: [
        { name: 'Marker', type: 'string' },
        { name: 'Go', type: 'string' },
      ],
      content: 'touch "$Marker"; while [ ! -f "$Go" ]; do sleep 0.1; done',
    });
    const go = join(dir, 'go');
    const first = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { Marker: join(dir, 'first'), Go: go } });
    await a.waitForStatus(first.json.jobId, ['Running']);
    // The second waits for the only slot, so it is still Queued when we stop it.
    const second = await a.call('POST', '/api/v1/jobs', { runbook: name, parameters: { Marker: marker, Go: go } });
    const stop = await a.call('POST', `/api/v1/jobs/${second.json.jobId}/stop`);
    expect(stop.status).toBe(202);
    expect(stop.json.status).toBe('Stopped');
    execFileSync('touch', [go]);
    await a.waitForStatus(first.json.jobId, ['Completed']);
    const stopped = await a.waitForStatus(second.json.jobId, ['Stopped']);
    expect(stopped.statusDetails).toMatch(/before it ran/);
    expect(stopped.startTime).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
  });
});
