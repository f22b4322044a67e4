import { isJobId, newJobId } from '../jobs/ids';
import { badRequest } from '../errors';
import { jobAliasStore } from '../store/jobAliasStore';
import { v7Time } from '../store/keys';

/**
 * Azure clients choose a job's name, a random GUID. A time-ordered (v7) GUID is used as the job id
 * itself; any other becomes an alias of a new Hookbook id (shared/store/jobAliasStore.ts), so the
 * job still lists in time order, and the client's GUID reads it back.
 */
export async function jobIdForName(name: string): Promise<string> {
  if (!isJobId(name) || v7Time(name) !== undefined) return name.toLowerCase();
  return (await jobAliasStore.resolve(name)) ?? name.toLowerCase();
}

/** The job id to start a job named `name` with, and how to undo the alias when the start fails. */
export async function claimJobName(name: string): Promise<{ jobId: string; release: () => Promise<void> }> {
  if (!isJobId(name)) throw badRequest(`The job name '${name.slice(0, 64)}' is not a GUID; the client chooses a new GUID per job.`);
  if (v7Time(name) !== undefined) return { jobId: name.toLowerCase(), release: async () => undefined };
  const mine = newJobId();
  const jobId = await jobAliasStore.claim(name, mine);
  return { jobId, release: async () => (jobId === mine ? jobAliasStore.forget(name) : undefined) };
}
