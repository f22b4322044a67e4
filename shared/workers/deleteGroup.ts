import { settings } from '../config';
import { isTerminal } from '../model/job';
import { jobStore } from '../store/jobStore';
import { workerStore } from '../store/workerStore';
import { catalog } from '../runbooks/catalog';
import { releaseSlot } from '../jobs/concurrency';
import { finishJob } from '../jobs/finish';
import { revokeRegistrationKey } from '../auth/workerKeys';
import { requireGroup } from './groups';

/**
 * Delete a group: its registration keys first (its workers are locked out at once), then its
 * worker rows and the group, and last its jobs that have not ended: each is failed with the reason
 * (a claim racing the delete sees the group gone and fails its job too, shared/workers/claim.ts).
 * Its queue is left; the messages still in it are dropped when read (their jobs have ended).
 */
export async function deleteGroup(name: string): Promise<{ failed: string[] }> {
  await requireGroup(name);
  for (const k of await workerStore.listKeys(name)) await revokeRegistrationKey(k.keyId);
  for (const w of await workerStore.listWorkers(name)) await workerStore.deleteWorker(name, w.name);
  await workerStore.deleteGroup(name);
  const failed: string[] = [];
  const since = Date.now() - settings().sweepDays * 86_400_000;
  const reason = `The worker group '${name}' was deleted.`;
  for (const status of ['Queued', 'Running', 'Stopping'] as const) {
    for (const listed of await jobStore.withStatus(status, since)) {
      if (listed.runOn !== name) continue;
      const found = await jobStore.get(listed.jobId);
      if (!found || found.value.runOn !== name || isTerminal(found.value.status)) continue;
      const final = (job: { status: string; stopRequestedBy?: string }) =>
        job.status === 'Queued' || job.status === 'Running'
          ? { status: 'Failed' as const, exception: reason, statusDetails: reason }
          : { status: 'Stopped' as const, statusDetails: `Stopped${job.stopRequestedBy ? ` by ${job.stopRequestedBy}` : ''}; ${reason}` };
      if (await finishJob(listed.jobId, final, { from: found })) failed.push(listed.jobId);
      const version = await catalog.version(found.value.runbook, found.value.runbookVersion);
      if (version?.definition.maxConcurrency) await releaseSlot(found.value.runbook, version.definition.maxConcurrency, listed.jobId);
    }
  }
  return { failed };
}
