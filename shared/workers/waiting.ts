import type { JobRecord, Versioned } from '../model/jobRecord';
import { catalog } from '../runbooks/catalog';
import { jobStore } from '../store/jobStore';
import { whyNotRunnable } from './groups';

/**
 * The sweeper's refresh of a Queued hybrid job's statusDetails: the reason it waits (no live
 * worker, none that runs its type) as it is now, or nothing once a worker could take it.
 * `reasons` caches one answer per group and type for one sweep.
 */
export async function refreshWaitingReason(found: Versioned<JobRecord>, reasons: Map<string, Promise<string | undefined>>): Promise<void> {
  const job = found.value;
  if (!job.runOn) return;
  const version = await catalog.version(job.runbook, job.runbookVersion);
  if (!version) return;
  const key = `${job.runOn}\n${version.definition.type}`;
  if (!reasons.has(key)) reasons.set(key, whyNotRunnable(job.runOn, version.definition.type));
  const reason = (await reasons.get(key)) ?? '';
  // Only the sweeper's own "Waiting: ..." sentences are replaced; a hand-back note stays.
  if ((job.statusDetails ?? '') === reason || (job.statusDetails && !job.statusDetails.startsWith('Waiting:'))) return;
  const etag = await jobStore.update(job.jobId, { statusDetails: reason }, found.etag).catch(() => undefined);
  if (etag) found.etag = etag;
}
