// How a job's process is started: through the spawner (spawner.cjs, a small long-lived process that
// forks cheaply because it is small) or, with HOOKBOOK_SPAWNER=false, by this process itself. Both
// give process.ts the same handle (`Launched`), so streams, stop, time limit and clean-up are one code.
// See docs/performance.md ("Spawning from a small process") and docs/job-lifecycle.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { hostPath, settings } from '../config';
import { nativeAddonFile } from './harden';
import { sourceRuntimeFile } from './runtime';

/** What the worker decides about a job's process; the spawner only carries it out. */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Written to stdin at once, then stdin closes; undefined keeps stdin open for `writeStdin`. */
  stdin?: string;
  /** Open fd 3 for control messages (node runbooks). */
  control?: boolean;
  /** Run as this user and group (sandbox.ts); supplementary groups are cleared by libuv. */
  uid?: number;
  gid?: number;
  /** Waiting for a job (warmPool.ts): does not keep the worker's event loop alive until `foreground()`. */
  background?: boolean;
}

/**
 * A started process, wherever it was spawned. Events: 'spawn' (pid), 'error' (Error: it never
 * started), 'exit' (code, signal), 'lost' (reason: the spawner died while it ran; its group is killed).
 */
export interface Launched extends EventEmitter {
  pid?: number;
  stdout: Readable;
  stderr: Readable;
  /** fd 3, when asked for. */
  control?: Readable;
  writeStdin(text: string, end: boolean): void;
  /** A background process now runs a job: it keeps the worker alive like any job. */
  foreground(): void;
}

/** Whether launch() goes through the spawner (a cheap fork), not this process. */
export function viaSpawnerNow(): boolean {
  return settings().spawner && !spawnerBroken;
}

export function launch(spec: LaunchSpec): Launched {
  return settings().spawner && !spawnerBroken ? viaSpawner(spec) : direct(spec);
}

export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function direct(spec: LaunchSpec): Launched {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
    stdio: ['pipe', 'pipe', 'pipe', ...(spec.control ? (['pipe'] as const) : [])],
  });
  const handle = Object.assign(new EventEmitter(), {
    pid: child.pid,
    stdout: child.stdout!,
    stderr: child.stderr!,
    control: child.stdio[3] as Readable | undefined,
    writeStdin(text: string, end: boolean) {
      if (end) child.stdin?.end(text);
      else child.stdin?.write(text);
    },
    foreground() {},
  });
  child.stdin?.on('error', () => undefined); // the runbook may not read its stdin
  if (spec.stdin !== undefined) child.stdin?.end(spec.stdin);
  child.on('spawn', () => handle.emit('spawn', child.pid));
  child.on('error', (error) => handle.emit('error', error));
  child.on('exit', (code, signal) => {
    // The runbook is over; background processes it left behind are not part of the job.
    killGroup(child.pid, 'SIGKILL');
    handle.emit('exit', code, signal);
  });
  return handle;
}

interface Remote {
  handle: Launched;
  streams: Map<number, PassThrough>;
  exited: boolean;
  background: boolean;
}

interface Spawner {
  child: ChildProcess;
  remotes: Map<number, Remote>;
  /** Heard from at least once: a spawner that dies before that cannot start at all. */
  alive: boolean;
}

let current: Spawner | undefined;
let nextId = 1;
let failedStarts = 0;
let spawnerBroken = false;

/** For tests and the bench: the spawner's pid, starting it when none runs. */
export function spawnerPid(): number | undefined {
  return settings().spawner && !spawnerBroken ? ensureSpawner().child.pid : undefined;
}

function ensureSpawner(): Spawner {
  // One whose channel is closed is dying: what is sent to it would never arrive, so a new one is used.
  if (current?.child.connected) return current;
  const addon = nativeAddonFile();
  // A near-empty environment: the worker's settings (storage keys) have no business there; every
  // job gets the environment the worker decided for it.
  const child = spawn(process.execPath, [sourceRuntimeFile('spawner.cjs'), ...(addon ? [addon] : [])], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: { PATH: hostPath() },
    cwd: '/',
  });
  const s: Spawner = { child, remotes: new Map(), alive: false };
  current = s;
  child.on('message', (m: unknown[]) => onMessage(s, m));
  let gone = false;
  const onGone = (code: number | null, signal: NodeJS.Signals | null) => {
    if (gone) return;
    gone = true;
    onSpawnerGone(s, code, signal);
  };
  // A failed send to a spawner that just died also lands here; its 'close' says the rest.
  child.on('error', () => {
    if (child.pid === undefined) onGone(null, null);
  });
  child.on('close', onGone);
  idle(s);
  return s;
}

/** The spawner keeps the worker alive only while it runs jobs. */
function idle(s: Spawner): void {
  const channel = s.child.channel as { ref?(): void; unref?(): void } | undefined | null;
  if ([...s.remotes.values()].every((r) => r.background)) {
    s.child.unref();
    channel?.unref?.();
  } else {
    s.child.ref();
    channel?.ref?.();
  }
}

function viaSpawner({ background, ...spec }: LaunchSpec): Launched {
  const s = ensureSpawner();
  const id = nextId++;
  const streams = new Map<number, PassThrough>([
    [1, new PassThrough()],
    [2, new PassThrough()],
  ]);
  if (spec.control) streams.set(3, new PassThrough());
  const handle: Launched = Object.assign(new EventEmitter(), {
    pid: undefined as number | undefined,
    stdout: streams.get(1)!,
    stderr: streams.get(2)!,
    control: streams.get(3),
    writeStdin(text: string, end: boolean) {
      if (s.child.connected) s.child.send(['stdin', id, text, end]);
    },
    foreground() {
      const remote = s.remotes.get(id);
      if (remote) remote.background = false;
      idle(s);
    },
  });
  s.remotes.set(id, { handle, streams, exited: false, background: background === true });
  idle(s);
  s.child.send(['start', id, spec]);
  return handle;
}

function onMessage(s: Spawner, m: unknown[]): void {
  s.alive = true;
  failedStarts = 0;
  const [op, id] = m as [string, number];
  const remote = s.remotes.get(id);
  if (!remote) return;
  const { handle, streams } = remote;
  switch (op) {
    case 'spawned':
      handle.pid = m[2] as number;
      handle.emit('spawn', handle.pid);
      break;
    case 'data':
      streams.get(m[2] as number)?.write(m[3] as Buffer);
      break;
    case 'close':
      streams.get(m[2] as number)?.end();
      if (remote.exited && allEnded(remote)) forget(s, id);
      break;
    case 'error':
      forget(s, id);
      endStreams(remote);
      handle.emit('error', new Error(m[2] as string));
      break;
    case 'exit':
      // Output may still be on its way (a pipe closes after the exit): kept until every pipe closed.
      remote.exited = true;
      if (allEnded(remote)) forget(s, id);
      handle.emit('exit', m[2] as number | null, m[3] as NodeJS.Signals | null);
      break;
  }
}

function forget(s: Spawner, id: number): void {
  s.remotes.delete(id);
  idle(s);
}

function allEnded(remote: Remote): boolean {
  return [...remote.streams.values()].every((stream) => stream.writableEnded);
}

function endStreams(remote: Remote): void {
  for (const stream of remote.streams.values()) if (!stream.writableEnded) stream.end();
}

/**
 * The spawner died (killed, out of memory). Its children lost the other end of their pipes, so no
 * more of their output can be read: each job whose process was running ends now, its process group
 * killed, and fails with the reason (it is not run again: it may have done part of its work; see
 * docs/job-lifecycle.md). A job whose start was sent but not confirmed fails as never started. The
 * next job starts a new spawner.
 */
function onSpawnerGone(s: Spawner, code: number | null, signal: NodeJS.Signals | null): void {
  if (current === s) current = undefined;
  if (!s.alive && ++failedStarts >= 3) {
    spawnerBroken = true;
    console.warn(`The job spawner (${sourceRuntimeFile('spawner.cjs')}) cannot start; jobs are spawned by the worker itself from now on.`);
  }
  const how = signal ? `was ended by ${signal}` : `exited with code ${code}`;
  for (const [id, remote] of s.remotes) {
    s.remotes.delete(id);
    endStreams(remote);
    const { handle } = remote;
    if (remote.exited) continue; // its end is known; only output still on its way is cut short
    if (handle.pid === undefined) {
      handle.emit('error', new Error(`the worker's spawner process ${how} before the process started`));
    } else {
      killGroup(handle.pid, 'SIGKILL');
      handle.emit(
        'lost',
        `The worker's spawner process ${how} while the job ran, so its output could no longer be read; the job's processes were ended. It was not run again.`,
      );
    }
  }
}

/** For tests: stop the spawner (the next job starts a new one). */
export function stopSpawner(): void {
  current?.child.kill('SIGKILL');
  current = undefined;
}
