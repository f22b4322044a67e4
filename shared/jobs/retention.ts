import { odata } from '@azure/data-tables';
import { settings } from '../config';
import { isTerminal } from '../model/job';
import { table } from '../store/clients';
import { JOB_PARTITION, jobStore } from '../store/jobStore';
import { streamStore } from '../store/streamStore';
import { dedupeStore } from '../store/dedupeStore';
import { rowKeyAtTime } from './ids';

/**
 * Deletes finished jobs older than HOOKBOOK_RETENTION_DAYS (default 30), streams and spilled
 * parameters first, the job entity last (so a half-done cleanup is finished by the next run).
 * At most HOOKBOOK_RETENTION_BATCH jobs a run. Jobs that have not ended are never deleted.
 * Webhook de-duplication claims older than two days go too.
 */
export async function deleteExpiredJobs(nowMs = Date.now()): Promise<{ deleted: number; dedupe: number }> {
  const s = settings();
  const cutoff = nowMs - s.retentionDays * 86_400_000;
  const jobs = await table('jobs');
  // Older jobs have larger (inverted) row keys: "created before cutoff" is RowKey > key(cutoff).
  const filter = odata`PartitionKey eq ${JOB_PARTITION} and RowKey gt ${rowKeyAtTime(cutoff)}`;
  const ids: string[] = [];
  for await (const e of jobs.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ['jobId', 'status', 'parametersSpilled'] } })) {
    if (isTerminal(e.status as never)) ids.push(String(e.jobId));
    if (ids.length >= s.retentionBatch) break;
  }
  for (const jobId of ids) {
    await streamStore.deleteAll(jobId);
    const spill = await table('jobparams');
    for await (const p of spill.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${jobId}`, select: ['RowKey'] } })) {
      await spill.deleteEntity(jobId, p.rowKey!).catch(() => undefined);
    }
    await jobStore.delete(jobId);
  }
  // De-duplication claims only matter for 24 h.
  const dedupe = await dedupeStore.purge(nowMs - 2 * 86_400_000);
  return { deleted: ids.length, dedupe };
}
