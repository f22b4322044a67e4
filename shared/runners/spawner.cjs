'use strict';
// Hookbook's spawner: a small, long-lived process that starts every job's process for the worker
// (a fork server, like Python's forkserver or Chromium's zygote). Why: fork() copies the parent's
// page tables, so a spawn costs with the size of the process that makes it; from the 200–300 MB
// worker a trivial job's spawn cost ~21 ms (11 ms of it kernel), from this ~40 MB process a third of
// that. See docs/performance.md ("Spawning from a small process") and shared/runners/spawnerClient.ts.
//
// It is started by the worker (shared/runners/spawnerClient.ts) with node's IPC channel
// (serialization 'advanced', so bytes travel as Buffers) and a near-empty environment, and imports
// nothing but node's own modules, so its memory does not grow with the worker's. It holds no state a
// job needs beyond its child: the worker decides everything (command, arguments, uid/gid, directory,
// environment) and this process only spawns it exactly as the worker would have (detached: its own
// process group) and relays the pipes' bytes and the exit. Stopping is the worker's: it signals the
// process group itself, so a stop works even while this process is being restarted.
//
// Messages from the worker:  ['start', id, spec] | ['stdin', id, text, end]
// Messages to the worker:    ['spawned', id, pid] | ['error', id, message] | ['data', id, fd, Buffer]
//                            | ['close', id, fd] | ['exit', id, code, signal]
const { spawn } = require('node:child_process');

// Made non-dumpable like the worker (shared/runners/harden.ts): job environments (their tokens)
// pass through this process's memory.
if (process.argv[2]) {
  try {
    require(process.argv[2]).setNonDumpable();
  } catch {
    /* the worker said so once already */
  }
}

const children = new Map();

function send(message) {
  if (process.connected) process.send(message);
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function start(id, spec) {
  let child;
  try {
    child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
      stdio: ['pipe', 'pipe', 'pipe', ...(spec.control ? ['pipe'] : [])],
    });
  } catch (error) {
    send(['error', id, error.message]);
    return;
  }
  children.set(id, child);
  let failed = false;
  child.on('error', (error) => {
    failed = true;
    children.delete(id);
    send(['error', id, error.message]);
  });
  if (child.pid === undefined) return; // 'error' follows
  send(['spawned', id, child.pid]);
  child.stdin.on('error', () => undefined); // the runbook may not read its stdin
  if (typeof spec.stdin === 'string') child.stdin.end(spec.stdin);
  child.stdio.forEach((stream, fd) => {
    if (fd === 0 || !stream) return;
    stream.on('data', (chunk) => send(['data', id, fd, chunk]));
    stream.on('close', () => send(['close', id, fd]));
    stream.on('error', () => undefined);
  });
  child.on('exit', (code, signal) => {
    children.delete(id);
    if (failed) return;
    // The runbook is over; what it left behind in its group is not part of the job.
    killGroup(child.pid, 'SIGKILL');
    send(['exit', id, code, signal]);
  });
}

process.on('message', (m) => {
  const [op, id] = m;
  if (op === 'start') start(id, m[2]);
  else if (op === 'stdin') {
    const stdin = children.get(id)?.stdin;
    if (!stdin) return;
    if (m[3]) stdin.end(m[2]);
    else stdin.write(m[2]);
  }
});

// Stop signals are the worker's to act on, not this process's: a service manager or a console that
// signals every process of the worker's group or cgroup at once (systemd's KillMode=control-group,
// Ctrl+C) must not take the jobs' pipes away while the worker drains; the runbooks get their own
// copy of the signal and their exits are reported as usual. This process ends when the worker does
// (below). SIGKILL still ends it (spawnerClient.ts then fails its running jobs).
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => undefined);

// The worker is gone (crashed, killed): nobody will read these jobs' output or record their end, and
// the attempt that takes them over must not race a leftover, so their process groups end now.
process.on('disconnect', () => {
  for (const child of children.values()) if (child.pid) killGroup(child.pid, 'SIGKILL');
  process.exit(0);
});
