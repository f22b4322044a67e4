import { isTerminal, type JobStatus } from '../model/job';
import type { JobRecord } from '../model/jobRecord';
import { jobStore } from '../store/jobStore';
import { jobEvents } from './events';

/**
 * Wait until a job is terminal or `timeoutMs` passes. Hears same-instance workers at once and
 * polls storage with a growing interval (100 ms → 1 s) for workers elsewhere.
 *
 * `signal`: the caller stops waiting (it was answered another way); the result is then undefined.
 * `justStarted`: the caller created the job a moment ago, so a read now would find it queued; the
 * first read waits for the first status event or interval instead (one round trip less per `run`
 * through the queue). An event missed in between only costs the interval: the reads still decide.
 */
export async function waitForJob(
  jobId: string,
  timeoutMs: number,
  opts: { justStarted?: boolean; signal?: AbortSignal } = {},
): Promise<JobRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  let interval = 100;
  let read = !opts.justStarted;
  const signal = opts.signal;
  for (;;) {
    if (signal?.aborted) return undefined;
    const found = read ? await jobStore.get(jobId) : undefined;
    if (found && isTerminal(found.value.status)) return found.value;
    const left = deadline - Date.now();
    if (left <= 0) return read ? found?.value : (await jobStore.get(jobId))?.value;
    read = true;
    await new Promise<void>((resolve) => {
      const event = `status:${jobId}`;
      const done = () => {
        clearTimeout(timer);
        jobEvents.off(event, onStatus);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const onStatus = (s: JobStatus) => {
        if (isTerminal(s)) done();
      };
      const timer = setTimeout(done, Math.min(interval, left));
      jobEvents.on(event, onStatus);
      signal?.addEventListener('abort', done);
    });
    // A caller that may be answered another way (runHere.ts) aborts in the same turn as the status
    // event: a turn later, so that no read is sent for nothing.
    if (signal) await new Promise((r) => setImmediate(r));
    interval = Math.min(interval * 1.5, 1000);
  }
}
