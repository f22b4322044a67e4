import { describe, expect, it } from 'vitest';
import { canMove } from '../../shared/jobs/state';
import { decide, outcomeToFinal } from '../../shared/jobs/run';
import { JobStatus } from '../../shared/model/job';
import type { JobRecord } from '../../shared/model/jobRecord';
import { deterministicJobId, isJobId, jobIdTime, newJobId } from '../../shared/jobs/ids';
import { jobRowKey, rowKeyAtTime } from '../../shared/store/keys';

describe('job state machine', () => {
  it('never leaves a terminal status', () => {
    for (const from of ['Completed', 'Failed', 'Stopped'] as const) {
      for (const to of JobStatus.options) expect(canMove(from, to)).toBe(false);
    }
  });
  it('allows the normal life cycle and stop paths', () => {
    expect(canMove('Queued', 'Running')).toBe(true);
    expect(canMove('Running', 'Completed')).toBe(true);
    expect(canMove('Running', 'Stopping')).toBe(true);
    expect(canMove('Stopping', 'Stopped')).toBe(true);
    expect(canMove('Queued', 'Stopped')).toBe(true);
    expect(canMove('Queued', 'Completed')).toBe(false);
    expect(canMove('Running', 'Running')).toBe(true); // a new attempt after the worker was lost
    expect(canMove('Stopping', 'Running')).toBe(false);
    expect(canMove('Running', 'Queued')).toBe(true); // handed back by a hybrid worker shutting down
    expect(canMove('Stopping', 'Queued')).toBe(false);
  });
});

const job = (over: Partial<JobRecord>): JobRecord => ({
  jobId: newJobId(),
  runbook: 'r',
  runbookVersion: 1,
  parameters: '{}',
  status: 'Queued',
  startedBy: 'k',
  createdTime: '',
  lastModifiedTime: '',
  attempt: 0,
  ...over,
});

describe('worker decision', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  it('runs a queued job, stops a queued job whose stop was requested', () => {
    expect(decide(job({}), 60_000, now).kind).toBe('run');
    expect(decide(job({ stopRequestedBy: 'k' }), 60_000, now).kind).toBe('stop-before-run');
  });
  it('leaves a running job with a fresh heartbeat alone', () => {
    expect(decide(job({ status: 'Running', attempt: 1, heartbeat: '2026-01-01T00:09:30Z' }), 60_000, now).kind).toBe('busy');
  });
  it('retries a job whose worker was lost, then fails it when retries run out', () => {
    expect(decide(job({ status: 'Running', attempt: 1, heartbeat: '2026-01-01T00:00:00Z' }), 60_000, now).kind).toBe('lost-retry');
    const d = decide(job({ status: 'Running', attempt: 3, heartbeat: '2026-01-01T00:00:00Z' }), 60_000, now, 2);
    expect(d.kind).toBe('lost-fail');
    expect(d.kind === 'lost-fail' && d.reason).toContain('worker lost');
  });
  it('does not count hand-backs (a hybrid worker shutting down) as lost attempts', () => {
    const lost = { status: 'Running' as const, heartbeat: '2026-01-01T00:00:00Z' };
    expect(decide(job({ ...lost, attempt: 3, handBacks: 2 }), 60_000, now, 1).kind).toBe('lost-retry');
    expect(decide(job({ ...lost, attempt: 3, handBacks: 1 }), 60_000, now, 1).kind).toBe('lost-fail');
  });
});

describe('process outcome → final status', () => {
  const base = { exitCode: 0, signal: null, hasResult: false };
  it('Completed with the node result or the exit code', () => {
    expect(outcomeToFinal({ ...base, hasResult: true, result: { a: 1 } }, 'node', 10)).toMatchObject({
      status: 'Completed',
      result: '{"a":1}',
    });
    expect(outcomeToFinal({ ...base }, 'bash', 10)).toMatchObject({ status: 'Completed', result: '0' });
  });
  it('Failed with the thrown message, else the last error line, else the exit code', () => {
    expect(outcomeToFinal({ ...base, exitCode: 1, exception: 'boom' }, 'node', 10)).toMatchObject({ status: 'Failed', exception: 'boom' });
    expect(outcomeToFinal({ ...base, exitCode: 2, lastError: 'no such file' }, 'bash', 10)).toMatchObject({
      status: 'Failed',
      exception: 'no such file',
    });
    expect(outcomeToFinal({ ...base, exitCode: 3 }, 'bash', 10).exception).toContain('code 3');
  });
  it('Failed with a sentence that says what to do when pwsh is not installed', () => {
    const f = outcomeToFinal({ ...base, exitCode: null, spawnError: 'spawn pwsh ENOENT' }, 'pwsh', 10);
    expect(f.status).toBe('Failed');
    expect(f.exception).toContain('PowerShell (pwsh) is not installed on this worker');
    expect(f.exception).toContain('HOOKBOOK_PWSH_PATH');
    expect(outcomeToFinal({ ...base, exitCode: null, spawnError: 'spawn bash EACCES' }, 'bash', 10).exception).toContain('EACCES');
  });
  it('Stopped with a reason after a timeout or a stop request', () => {
    const t = outcomeToFinal({ ...base, exitCode: null, signal: 'SIGTERM', killedBecause: 'timeout' }, 'bash', 5);
    expect(t.status).toBe('Stopped');
    expect(t.statusDetails).toContain('time limit of 5 s');
    expect(outcomeToFinal({ ...base, exitCode: null, signal: 'SIGTERM', killedBecause: 'stop' }, 'bash', 5, 'k1').statusDetails).toContain(
      'k1',
    );
  });
});

describe('job ids', () => {
  it('are v7 GUIDs that sort by time, newest first once inverted', () => {
    const a = newJobId(1_000_000);
    const b = newJobId(2_000_000);
    expect(isJobId(a)).toBe(true);
    expect(jobIdTime(a)).toBe(1_000_000);
    expect(jobRowKey(b) < jobRowKey(a)).toBe(true);
    expect(jobRowKey(a) < rowKeyAtTime(1_000_000 - 1)).toBe(true);
    expect(jobRowKey(a) > rowKeyAtTime(1_000_000)).toBe(true);
    // The same 2^16 ms (the ids' first 8 digits are equal): the bound still falls between.
    expect(jobRowKey(newJobId(1_000_001)) < rowKeyAtTime(1_000_000)).toBe(true);
    expect(jobRowKey(newJobId(999_999)) > rowKeyAtTime(1_000_000)).toBe(true);
  });
  it('are deterministic for a seed and time', () => {
    expect(deterministicJobId('s', 5)).toBe(deterministicJobId('s', 5));
    expect(deterministicJobId('s', 5)).not.toBe(deterministicJobId('t', 5));
  });
});
