// The spawner (shared/runners/spawner.cjs): jobs' processes are started by a small long-lived process
// rather than by the worker, with the same process group, streams, exit and stop; a spawner that dies
// ends the jobs it was watching with a clear reason (never running them again) and is replaced for the
// next job. Real processes throughout.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startProcess, type ProcessRecord } from '../../shared/runners/process';
import { spawnerPid, stopSpawner } from '../../shared/runners/spawnerClient';
import { outcomeToFinal } from '../../shared/jobs/run';

const sh = (script: string) => ({
  command: '/bin/sh',
  args: ['-c', script],
  cwd: '/tmp',
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
});

function stat(pid: number): { ppid: number; pgrp: number } | undefined {
  try {
    // pid (comm) state ppid pgrp ...; comm may hold spaces, so split after the last ')'.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    if (fields[0] === 'Z') return undefined;
    return { ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

async function until<T>(what: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = what();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

afterEach(() => {
  delete process.env.HOOKBOOK_SPAWNER;
});

describe('job processes are started by the spawner', () => {
  it('the spawner is their parent; stdout, stderr, stdin, the exit code and the process group arrive as from a direct spawn', async () => {
    const records: ProcessRecord[] = [];
    const proc = startProcess({ ...sh('read line; echo "got $line"; echo oops >&2; echo $$ $PPID; exit 3'), stdin: 'hello\n' }, (r) =>
      records.push(r),
    );
    const outcome = await proc.done;
    expect(outcome.exitCode).toBe(3);
    expect(records.map((r) => [r.streamType, r.text])).toContainEqual(['Output', 'got hello']);
    expect(records.find((r) => r.streamType === 'Error')?.text).toBe('oops');
    const [pid, ppid] = records
      .find((r) => /^\d+ \d+$/.test(r.text))!
      .text.split(' ')
      .map(Number);
    expect(ppid).toBe(spawnerPid());
    expect(ppid).not.toBe(process.pid);
    expect(proc.pid).toBe(pid);
  });

  it('fd 3 carries control messages (node and pwsh runbooks)', async () => {
    const records: ProcessRecord[] = [];
    const proc = startProcess(
      {
        ...sh(`echo '{"kind":"record","streamType":"Warning","text":"w"}' >&3; echo '{"kind":"result","value":{"a":1}}' >&3`),
        control: true,
      },
      (r) => records.push(r),
    );
    const outcome = await proc.done;
    expect(records).toEqual([{ streamType: 'Warning', text: 'w', value: undefined }]);
    expect(outcome).toMatchObject({ exitCode: 0, hasResult: true, result: { a: 1 } });
  });

  it("a host's 'end' message ends the job with its code, without waiting for the process's own shutdown", async () => {
    const records: ProcessRecord[] = [];
    const proc = startProcess({ ...sh(`sleep 300 & echo $!; echo '{"kind":"end","exitCode":4}' >&3; wait`), control: true }, (r) =>
      records.push(r),
    );
    const outcome = await proc.done;
    expect(outcome).toMatchObject({ exitCode: 4, signal: null });
    const sleeper = Number(records[0]!.text);
    await until(() => stat(sleeper) === undefined);
  });

  it('stop reaches the whole process group, grandchildren included', async () => {
    const records: ProcessRecord[] = [];
    const proc = startProcess(sh('sleep 300 & echo $!; wait'), (r) => records.push(r));
    const grandchild = await until(() => Number(records[0]?.text) || undefined);
    expect(stat(grandchild)?.pgrp).toBe(proc.pid);
    proc.kill('stop', 5000);
    const outcome = await proc.done;
    expect(outcome.killedBecause).toBe('stop');
    await until(() => stat(grandchild) === undefined);
  });

  it('a command that does not exist is a spawn error, as before', async () => {
    const outcome = await startProcess({ ...sh(''), command: '/nonexistent/tool' }, () => undefined).done;
    expect(outcome.spawnError).toMatch(/ENOENT/);
  });

  it('HOOKBOOK_SPAWNER=false: the worker spawns the process itself', async () => {
    process.env.HOOKBOOK_SPAWNER = 'false';
    const records: ProcessRecord[] = [];
    await startProcess(sh('echo $PPID'), (r) => records.push(r)).done;
    expect(Number(records[0]!.text)).toBe(process.pid);
  });

  it('a spawner that dies: the running job fails with the reason and its processes end; the next job gets a new spawner', async () => {
    const before = spawnerPid()!;
    const records: ProcessRecord[] = [];
    const proc = startProcess(sh('sleep 300 & echo $!; wait'), (r) => records.push(r));
    const grandchild = await until(() => Number(records[0]?.text) || undefined);
    const leader = proc.pid!;
    process.kill(before, 'SIGKILL');
    const outcome = await proc.done;
    expect(outcome.lost).toMatch(/spawner process was ended by SIGKILL while the job ran.*not run again/);
    expect(outcomeToFinal(outcome, 'bash', 60)).toMatchObject({ status: 'Failed', exception: outcome.lost });
    await until(() => stat(grandchild) === undefined && stat(leader) === undefined);

    const again: ProcessRecord[] = [];
    const next = await startProcess(sh('echo $PPID'), (r) => again.push(r)).done;
    expect(next.exitCode).toBe(0);
    const after = spawnerPid()!;
    expect(after).not.toBe(before);
    expect(Number(again[0]!.text)).toBe(after);
  });

  it('the spawner is small: it does not hold the worker’s memory', async () => {
    await startProcess(sh('exit 0'), () => undefined).done;
    const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
    expect(rssKb(spawnerPid()!)).toBeLessThan(rssKb(process.pid));
  });

  it('stopSpawner (tests) ends it without harm to the next job', async () => {
    stopSpawner();
    const outcome = await startProcess(sh('exit 0'), () => undefined).done;
    expect(outcome.exitCode).toBe(0);
  });
});
