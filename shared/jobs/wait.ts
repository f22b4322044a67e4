import { isTerminal, type JobStatus } from '../model/job';
import type { JobRecord } from '../model/jobRecord';
import { jobStore } from '../store/jobStore';
import { jobEvents } from './events';

/**
 * Wait until a job is terminal or `timeoutMs` passes. Hears same-instance workers at once and
 * polls storage with a growing interval (100 ms → 1 s) for workers elsewhere.
 */
export async function waitForJob(jobId: string, timeoutMs: number): Promise<JobRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  let interval = 100;
  for (;;) {
    const found = await jobStore.get(jobId);
    if (found && isTerminal(found.value.status)) return found.value;
    const left = deadline - Date.now();
    if (left <= 0) return found?.value;
    await new Promise<void>((resolve) => {
      const event = `status:${jobId}`;
      const done = () => {
        clearTimeout(timer);
        jobEvents.off(event, onStatus);
        resolve();
      };
      const onStatus = (s: JobStatus) => {
        if (isTerminal(s)) done();
      };
      const timer = setTimeout(done, Math.min(interval, left));
      jobEvents.on(event, onStatus);
    });
    interval = Math.min(interval * 1.5, 1000);
  }
}
