import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The runbook processes this worker started, kept in a small file of its state directory (one per
 * group and worker name), so that a worker restarted after SIGKILL, a crash or a power cut ends
 * the process groups of jobs it no longer owns (the service has retried them elsewhere by then).
 *
 * A process is identified by its pid and its start time (Linux: /proc/<pid>/stat), so a pid reused
 * by another program since is never signalled. Where the start time cannot be read (macOS,
 * Windows) the worker does not guess: it names the leftover pids in its log and leaves them.
 */
interface Entry {
  jobId: string;
  /** The runbook's pid, which is also its process group's id (it runs detached, in a session of its own). */
  pid: number;
  start?: string;
}

interface Ledger {
  /** The worker process that wrote the file. */
  worker?: { pid: number; start?: string };
  processes?: Entry[];
}

export const defaultStateDir = (env: NodeJS.ProcessEnv): string =>
  env.STATE_DIRECTORY?.split(':')[0] || join(homedir(), '.hookbook', 'worker'); // STATE_DIRECTORY: systemd's StateDirectory=

/** Field 22 of /proc/<pid>/stat: when the process started (clock ticks after boot). */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export class ProcessLedger {
  private readonly file: string;
  private readonly entries = new Map<string, Entry>();

  constructor(
    dir: string,
    group: string,
    name: string,
    private readonly log: (m: string) => void,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = join(dir, `${group}--${name}.processes.json`);
  }

  /** End what a previous run of this worker left running; call before the first poll. */
  endLeftovers(): void {
    let left: Ledger;
    try {
      left = JSON.parse(readFileSync(this.file, 'utf8')) as Ledger;
    } catch {
      return; // none recorded (or unreadable: nothing to go on)
    }
    const owner = left.worker;
    if (owner && owner.pid !== process.pid && owner.start !== undefined && startTime(owner.pid) === owner.start) {
      // The worker that wrote it still runs (two workers with one name on one machine): its processes are its own.
      this.log(`another worker process (${owner.pid}) with this name and group runs here; its runbooks are left alone.`);
      return;
    }
    for (const e of left.processes ?? []) {
      const now = startTime(e.pid);
      if (e.start !== undefined && now === e.start) {
        try {
          process.kill(-e.pid, 'SIGKILL');
          this.log(
            `ended process group ${e.pid} of job ${e.jobId}, left running by this worker's previous run (the service retries such a job).`,
          );
        } catch (error) {
          this.log(`could not end process group ${e.pid} of job ${e.jobId}: ${(error as Error).message}`);
        }
      } else if (e.start === undefined) {
        this.log(
          `job ${e.jobId} of a previous run had pid ${e.pid}; its start time cannot be read here, so it is not signalled: check it by hand.`,
        );
      }
    }
    this.save();
  }

  add(jobId: string, pid: number | undefined): void {
    if (!pid) return;
    this.entries.set(jobId, { jobId, pid, start: startTime(pid) });
    this.save();
  }

  remove(jobId: string): void {
    if (this.entries.delete(jobId)) this.save();
  }

  private save(): void {
    try {
      if (this.entries.size === 0) return void rmSync(this.file, { force: true });
      const tmp = `${this.file}.tmp`;
      const ledger: Ledger = { worker: { pid: process.pid, start: startTime(process.pid) }, processes: [...this.entries.values()] };
      writeFileSync(tmp, JSON.stringify(ledger), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (error) {
      this.log(`could not record the running processes in ${this.file}: ${(error as Error).message}`);
    }
  }
}
