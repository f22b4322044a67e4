import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { classifyLine, LineSplitter } from './classify';
import type { StreamType } from '../model/job';

export interface ProcessRecord {
  streamType: StreamType;
  text: string;
  value?: unknown;
}

/** Records a node runbook writes on fd 3 (one JSON object a line), besides plain stdout/stderr. */
export type ControlMessage =
  | { kind: 'record'; streamType: StreamType; text: string; value?: unknown }
  | { kind: 'result'; value: unknown }
  | { kind: 'exception'; message: string };

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  /** Open fd 3 for control messages (node runbooks). */
  control?: boolean;
  /** Run as this user and group (sandbox.ts); supplementary groups are cleared by libuv. */
  uid?: number;
  gid?: number;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  result?: unknown;
  hasResult: boolean;
  exception?: string;
  lastError?: string;
  killedBecause?: 'stop' | 'timeout' | 'lease';
  spawnError?: string;
}

export interface RunningProcess {
  pid?: number;
  done: Promise<ProcessOutcome>;
  /** SIGTERM the whole process group, SIGKILL after `graceMs`. */
  kill(reason: 'stop' | 'timeout' | 'lease', graceMs: number): void;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Runs a runbook as its own process group (detached), so that stopping it reaches every
 * grandchild too. Arguments are passed as an array and parameters as data (stdin, environment,
 * file): nothing a caller sends is ever interpolated into a command line.
 */
export function startProcess(spec: ProcessSpec, onRecord: (r: ProcessRecord) => void): RunningProcess {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    ...(spec.uid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
    stdio: ['pipe', 'pipe', 'pipe', ...(spec.control ? (['pipe'] as const) : [])],
  });
  const outcome: ProcessOutcome = { exitCode: null, signal: null, hasResult: false };
  let killTimer: NodeJS.Timeout | undefined;

  const pipeLines = (stream: Readable | null, source: 'stdout' | 'stderr') => {
    if (!stream) return Promise.resolve();
    const splitter = new LineSplitter();
    const emit = (line: string) => {
      const r = classifyLine(line, source);
      if (r.streamType === 'Error') outcome.lastError = r.text;
      onRecord(r);
    };
    stream.on('data', (chunk: Buffer) => splitter.push(chunk).forEach(emit));
    return new Promise<void>((resolve) => {
      stream.on('close', () => {
        splitter.end().forEach(emit);
        resolve();
      });
      stream.on('error', () => resolve());
    });
  };

  const control = child.stdio[3] as Readable | undefined;
  const controlDone = new Promise<void>((resolve) => {
    if (!control) return resolve();
    const splitter = new LineSplitter();
    const handle = (line: string) => {
      if (!line) return;
      let m: ControlMessage;
      try {
        m = JSON.parse(line) as ControlMessage;
      } catch {
        return;
      }
      if (m.kind === 'record') onRecord({ streamType: m.streamType, text: String(m.text), value: m.value });
      else if (m.kind === 'result') {
        outcome.result = m.value;
        outcome.hasResult = true;
      } else if (m.kind === 'exception') outcome.exception = String(m.message);
    };
    control.on('data', (c: Buffer) => splitter.push(c).forEach(handle));
    control.on('close', () => {
      splitter.end().forEach(handle);
      resolve();
    });
    control.on('error', () => resolve());
  });

  const stdin = child.stdin as Writable | null;
  stdin?.on('error', () => undefined); // the runbook may not read its stdin
  stdin?.end(spec.stdin ?? '');

  const streamsDone = Promise.all([pipeLines(child.stdout, 'stdout'), pipeLines(child.stderr, 'stderr'), controlDone]);

  const done = new Promise<ProcessOutcome>((resolve) => {
    child.on('error', (error) => {
      outcome.spawnError = error.message;
      resolve(outcome);
    });
    child.on('exit', (code, signal) => {
      outcome.exitCode = code;
      outcome.signal = signal;
      // The runbook is over; background processes it left behind are not part of the job.
      killGroup(child.pid, 'SIGKILL');
      if (killTimer) clearTimeout(killTimer);
      const settle = setTimeout(() => resolve(outcome), 2000);
      void streamsDone.then(() => {
        clearTimeout(settle);
        resolve(outcome);
      });
    });
  });

  return {
    pid: child.pid,
    done,
    kill(reason, graceMs) {
      if (outcome.killedBecause) return;
      outcome.killedBecause = reason;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
    },
  };
}
