import { settings } from '../config';
import { jobStore } from '../store/jobStore';
import { dedupeStore } from '../store/dedupeStore';
import { statsStore } from '../store/statsStore';

/**
 * Deletes finished jobs older than HOOKBOOK_RETENTION_DAYS (default 30), each with everything it
 * owns (streams and spilled parameters first, the job entity last, so a half-done cleanup is
 * finished by the next run). At most HOOKBOOK_RETENTION_BATCH jobs a run. Jobs that have not ended
 * are never deleted. Webhook de-duplication claims older than two days go too, and the dashboard's
 * hourly rollups (table "jobstats") older than the retention or the 31 days the charts can show,
 * whichever is longer.
 */
/** The longest span GET /api/v1/stats answers for (days=1..31). */
const STATS_DAYS = 31;

export async function deleteExpiredJobs(nowMs = Date.now()): Promise<{ deleted: number; dedupe: number; stats: number }> {
  const s = settings();
  const ids = await jobStore.endedIdsBefore(nowMs - s.retentionDays * 86_400_000, s.retentionBatch);
  for (const jobId of ids) await jobStore.deleteWithAll(jobId);
  // De-duplication claims only matter for 24 h.
  const dedupe = await dedupeStore.purge(nowMs - 2 * 86_400_000);
  // Hour keys are 'yyyy-mm-ddThh' (UTC) and sort as text.
  const statsCutoff = new Date(nowMs - Math.max(s.retentionDays, STATS_DAYS) * 86_400_000).toISOString().slice(0, 13);
  const stats = await statsStore.purgeHoursBefore(statsCutoff);
  return { deleted: ids.length, dedupe, stats };
}
