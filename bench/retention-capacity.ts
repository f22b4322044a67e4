// Child process of bench/scenarios/retained-history.ts: runs the retention cleaner against
// AzureWebJobsStorage with a clock a year ahead (every finished job is due) for about argv[2]
// seconds, and prints how many jobs it deleted per second, as JSON.
import { deleteExpiredJobs } from '../shared/jobs/retention';

void (async () => {
  const seconds = Number(process.argv[2] ?? 5);
  const t0 = performance.now();
  const r = await deleteExpiredJobs(Date.now() + 365 * 86_400_000, seconds * 1000);
  const took = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ deleted: r.deleted, seconds: took, perSecond: r.deleted / took })}\n`);
  process.exit(0);
})().catch((error: unknown) => {
  process.stderr.write(`retention-capacity: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
