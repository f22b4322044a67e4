import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { classifyLine, LineSplitter } from './classify';
import type { StreamType } from '../model/job';
import { killGroup, launch, type LaunchSpec, type Launched } from './spawnerClient';
import type { WarmProcess } from './warmPool';

export interface ProcessRecord {
  streamType: StreamType;
  text: string;
  value?: unknown;
}

/** Records a node runbook writes on fd 3 (one JSON object a line), besides plain stdout/stderr. */
export type ControlMessage =
  | { kind: 'record'; streamType: StreamType; text: string; value?: unknown }
  | { kind: 'result'; value: unknown }
  | { kind: 'exception'; message: string }
  /** The host is done (pwsh-host.ps1): the job ended with this code; the process's own shutdown is not waited for. */
  | { kind: 'end'; exitCode: number };

/** A job's process: what the spawner is asked for (its stdin written and closed at once), or a warm one. */
export interface ProcessSpec extends Omit<LaunchSpec, 'background'> {
  /** Already started ahead of the job, in the job's directory and as its uid (warmPool.ts): handed the job now. */
  warm?: WarmProcess;
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
  /** The process could no longer be watched (its spawner died) and was ended: the job fails with this. */
  lost?: string;
}

/** Where one process's time went (ms, performance.now()), for the bench (`npm run bench`, scenario spawn). */
export interface ProcessTimes {
  /** startProcess called. */
  asked: number;
  /** The process exists (its pid is known here): launching it took spawned − asked. */
  spawned?: number;
  exited?: number;
  /** Every pipe closed after the exit: the last of its output read. */
  streamsClosed?: number;
  /** Served by a warm process (warmPool.ts). */
  warm: boolean;
}

/** Emits 'times' (ProcessTimes) as each process ends, when anyone listens (the bench). */
export const processTimes = new EventEmitter();

export interface RunningProcess {
  pid?: number;
  /** The pid once the process exists (through the spawner it is known a moment later); undefined if it never started. */
  started: Promise<number | undefined>;
  /** Its end is known here (exited, never started, or lost): a kill from now on does nothing. */
  readonly ended: boolean;
  done: Promise<ProcessOutcome>;
  /** SIGTERM the whole process group, SIGKILL after `graceMs`; nothing once the process has ended. */
  kill(reason: 'stop' | 'timeout' | 'lease', graceMs: number): void;
}

/**
 * Runs a runbook as its own process group (detached), so that stopping it reaches every
 * grandchild too. Arguments are passed as an array and parameters as data (stdin, environment,
 * file): nothing a caller sends is ever interpolated into a command line. The process is spawned by
 * the spawner (spawnerClient.ts) or taken warm from the pool (warmPool.ts); stopping it is signalling
 * its group from here either way.
 */
export function startProcess(spec: ProcessSpec, onRecord: (r: ProcessRecord) => void): RunningProcess {
  const { warm, ...rest } = spec;
  const times: ProcessTimes = { asked: performance.now(), warm: warm !== undefined };
  const child: Launched = warm ? warm.handOver(spec) : launch({ ...rest, stdin: spec.stdin ?? '' });
  // Spawned here (synchronously) or warm: the pid is known now.
  if (child.pid !== undefined) times.spawned = performance.now();
  const outcome: ProcessOutcome = { exitCode: null, signal: null, hasResult: false };
  let killTimer: NodeJS.Timeout | undefined;

  const pipeLines = (stream: Readable, source: 'stdout' | 'stderr') => {
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

  const control = child.control;
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
      else if (m.kind === 'end' && Number.isInteger(m.exitCode)) {
        ended = m.exitCode;
        signalGroup('SIGKILL');
      }
    };
    control.on('data', (c: Buffer) => splitter.push(c).forEach(handle));
    control.on('close', () => {
      splitter.end().forEach(handle);
      resolve();
    });
    control.on('error', () => resolve());
  });

  const streamsDone = Promise.all([pipeLines(child.stdout, 'stdout'), pipeLines(child.stderr, 'stderr'), controlDone]);

  // The exit code the host reported with its 'end' message, before its process was ended.
  let ended: number | undefined;
  // A stop asked for before the spawner said which pid the process got is delivered once it has.
  let pendingSignal: NodeJS.Signals | undefined;
  let over = false;
  const started = new Promise<number | undefined>((resolve) => {
    if (child.pid !== undefined) resolve(child.pid);
    child.on('spawn', (pid: number) => resolve(pid));
    for (const event of ['error', 'lost', 'exit']) child.on(event, () => resolve(child.pid));
  });
  child.on('spawn', (pid: number) => {
    times.spawned ??= performance.now();
    if (pendingSignal) killGroup(pid, pendingSignal);
  });
  for (const event of ['error', 'lost', 'exit']) child.on(event, () => (over = true));
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid) killGroup(child.pid, signal);
    else pendingSignal = signal;
  };

  const done = new Promise<ProcessOutcome>((resolve) => {
    child.on('error', (error: Error) => {
      outcome.spawnError = error.message;
      if (killTimer) clearTimeout(killTimer);
      resolve(outcome);
    });
    child.on('lost', (reason: string) => {
      outcome.lost = reason;
      // Said as the exception too: a hybrid worker reports its outcome's fields, and this one it knows.
      outcome.exception ??= reason;
      if (killTimer) clearTimeout(killTimer);
      resolve(outcome);
    });
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      outcome.exitCode = ended ?? code;
      outcome.signal = ended === undefined ? signal : null;
      times.exited = performance.now();
      if (killTimer) clearTimeout(killTimer);
      const settle = setTimeout(() => resolve(outcome), 2000);
      void streamsDone.then(() => {
        clearTimeout(settle);
        times.streamsClosed = performance.now();
        if (processTimes.listenerCount('times') > 0) processTimes.emit('times', times);
        resolve(outcome);
      });
    });
  });

  return {
    get pid() {
      return child.pid;
    },
    started,
    get ended() {
      return over;
    },
    done,
    kill(reason, graceMs) {
      // Over already (its exit may still be settling its output): its outcome is its own, and its
      // pid may belong to another process by now.
      if (outcome.killedBecause || over) return;
      outcome.killedBecause = reason;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
    },
  };
}
