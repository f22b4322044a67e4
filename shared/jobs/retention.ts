import { settings } from '../config';
import { jobStore } from '../store/jobStore';
import { dedupeStore } from '../store/dedupeStore';
import { jobAliasStore } from '../store/jobAliasStore';
import { statsStore } from '../store/statsStore';
import { streamStore } from '../store/streamStore';

/**
 * Deletes finished jobs older than HOOKBOOK_RETENTION_DAYS (default 30) and, when
 * HOOKBOOK_RETENTION_MAX_JOBS is set, the oldest finished jobs beyond that many; each with
 * everything it owns (streams and spilled parameters first, the job entities last, so a half-done
 * cleanup is finished by the next run). Jobs that have not ended are never deleted.
 *
 * A run works in rounds of HOOKBOOK_RETENTION_BATCH jobs: the stream rows of a round's jobs are found
 * with one range query (streamStore.deleteAllOf) and deleted PARALLEL jobs at a time (a job's stream
 * partition in transactions of 100), then the job entities in one transaction per job partition and
 * 100 jobs. Rounds go on until nothing is due or the run
 * has used RUN_BUDGET_MS, so one run deletes what an hour of any sustained job rate the host can
 * run has made expire (its capacity: docs/performance.md, "Retained history").
 *
 * Webhook de-duplication claims older than two days go too, the dashboard's hourly rollups
 * (table "jobstats") older than the retention or the 31 days the charts can show, whichever is longer,
 * and the Azure API's client-chosen job ids (table "jobaliases") older than the retention whose job is gone.
 */
/** The longest span GET /api/v1/stats answers for (days=1..31). */
const STATS_DAYS = 31;
/** A run stops starting rounds after this long: within the hourly schedule, the next run goes on. */
export const RUN_BUDGET_MS = 50 * 60_000;
/** Jobs whose rows are deleted at the same time. */
const PARALLEL = 8;

export interface RetentionRun {
  /** Jobs deleted (by age and by count). */
  deleted: number;
  /** Of those, deleted because more than HOOKBOOK_RETENTION_MAX_JOBS jobs were kept. */
  byCount: number;
  /** The run stopped at its time budget with jobs still due. */
  more: boolean;
  dedupe: number;
  stats: number;
  /** Client-chosen job ids (the Azure API's) whose job is gone. */
  aliases: number;
}

/** Delete the jobs with everything they own: streams and spills first, the entities last. */
async function deleteJobs(ids: string[]): Promise<void> {
  await streamStore.deleteAllOf(ids, PARALLEL);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, ids.length) }, async () => {
      while (next < ids.length) await jobStore.deleteSpill(ids[next++]!);
    }),
  );
  await jobStore.deleteEntities(ids);
}

export async function deleteExpiredJobs(nowMs = Date.now(), budgetMs = RUN_BUDGET_MS): Promise<RetentionRun> {
  const s = settings();
  const deadline = Date.now() + budgetMs;
  const cutoff = nowMs - s.retentionDays * 86_400_000;
  let deleted = 0;
  let byCount = 0;
  let more = false;
  for (;;) {
    const ids = await jobStore.endedIdsBefore(cutoff, s.retentionBatch);
    if (ids.length === 0) break;
    await deleteJobs(ids);
    deleted += ids.length;
    if (Date.now() >= deadline) {
      more = true;
      break;
    }
  }
  while (!more && s.retentionMaxJobs > 0) {
    const ids = await jobStore.endedIdsBeyondNewest(s.retentionMaxJobs, s.retentionBatch);
    if (ids.length === 0) break;
    await deleteJobs(ids);
    deleted += ids.length;
    byCount += ids.length;
    if (Date.now() >= deadline) more = true;
  }
  // De-duplication claims only matter for 24 h.
  const dedupe = await dedupeStore.purge(nowMs - 2 * 86_400_000);
  // Hour keys are 'yyyy-mm-ddThh' (UTC) and sort as text.
  const statsCutoff = new Date(nowMs - Math.max(s.retentionDays, STATS_DAYS) * 86_400_000).toISOString().slice(0, 13);
  const stats = await statsStore.purgeHoursBefore(statsCutoff);
  // A client's job GUID (PUT jobs/{guid}, the Azure API) names its job until the job is deleted.
  const aliases = await jobAliasStore.purge(cutoff, async (jobId) => (await jobStore.get(jobId)) !== undefined);
  return { deleted, byCount, more, dedupe, stats, aliases };
}
