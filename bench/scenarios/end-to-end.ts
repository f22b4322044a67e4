/** 4b. End to end under load: webhook jobs submitted at concurrency 16, completed jobs per second. */
import { postHook, type BenchHost } from '../host';
import { sleep } from '../measure';

export interface EndToEnd {
  jobs: number;
  concurrency: number;
  submitPerSecond: number;
  completedPerSecond: number;
  seconds: number;
  failed: number;
}

export async function endToEnd(c: BenchHost, uri: string, runbook: string, jobs: number): Promise<EndToEnd> {
  const concurrency = 16;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs) {
        next++;
        if (!(await postHook(uri)())) throw new Error('webhook did not answer 202');
      }
    }),
  );
  const submitted = performance.now();
  let done = 0;
  let failed = 0;
  for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
    const [ok, bad] = await Promise.all([
      c.api.jobs.list({ runbook, status: 'Completed', top: 500 }),
      c.api.jobs.list({ runbook, status: 'Failed', top: 500 }),
    ]);
    done = ok.value.length;
    failed = bad.value.length;
    if (done + failed >= jobs) break;
    await sleep(250);
  }
  const all = (await c.api.jobs.list({ runbook, top: 500 })).value;
  const first = Math.min(...all.map((j) => Date.parse(j.createdTime)));
  const last = Math.max(...all.map((j) => Date.parse(j.endTime ?? j.createdTime)));
  const seconds = (last - first) / 1000;
  return { jobs, concurrency, submitPerSecond: jobs / ((submitted - t0) / 1000), completedPerSecond: done / seconds, seconds, failed };
}
