import { settings } from '../config';
import { jobStore } from '../store/jobStore';
import { dedupeStore } from '../store/dedupeStore';

/**
 * Deletes finished jobs older than HOOKBOOK_RETENTION_DAYS (default 30), each with everything it
 * owns (streams and spilled parameters first, the job entity last, so a half-done cleanup is
 * finished by the next run). At most HOOKBOOK_RETENTION_BATCH jobs a run. Jobs that have not ended
 * are never deleted. Webhook de-duplication claims older than two days go too.
 */
export async function deleteExpiredJobs(nowMs = Date.now()): Promise<{ deleted: number; dedupe: number }> {
  const s = settings();
  const ids = await jobStore.endedIdsBefore(nowMs - s.retentionDays * 86_400_000, s.retentionBatch);
  for (const jobId of ids) await jobStore.deleteWithAll(jobId);
  // De-duplication claims only matter for 24 h.
  const dedupe = await dedupeStore.purge(nowMs - 2 * 86_400_000);
  return { deleted: ids.length, dedupe };
}
