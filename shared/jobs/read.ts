import type { Job, StreamRecord, StreamType } from '../model/job';
import { notFound } from '../errors';
import type { JobRecord } from '../model/jobRecord';
import { jobStore } from '../store/jobStore';
import { streamStore } from '../store/streamStore';
import { isJobId } from './ids';
import { visibleParameters } from './parameters';
import { mayUseRunbook, type Principal } from '../model/apiKey';

/** The job as callers see it: secret parameters masked, result parsed. */
export function jobView(r: JobRecord): Job {
  let result: unknown;
  if (r.result !== undefined) {
    try {
      result = JSON.parse(r.result);
    } catch {
      result = r.result;
    }
  }
  return {
    jobId: r.jobId,
    runbook: r.runbook,
    runbookVersion: r.runbookVersion,
    ...(r.runbookCommit ? { runbookCommit: r.runbookCommit } : {}),
    parameters: visibleParameters(r.parameters),
    status: r.status,
    ...(r.statusDetails ? { statusDetails: r.statusDetails } : {}),
    ...(r.exception ? { exception: r.exception } : {}),
    ...(result !== undefined ? { result } : {}),
    startedBy: r.startedBy,
    createdTime: r.createdTime,
    ...(r.startTime ? { startTime: r.startTime } : {}),
    ...(r.endTime ? { endTime: r.endTime } : {}),
    lastModifiedTime: r.lastModifiedTime,
    attempt: r.attempt,
    ...(r.runOn ? { runOn: r.runOn } : {}),
    ...(r.streamsLost ? { streamsLost: r.streamsLost } : {}),
  };
}

/** A job by id, or 404 (also for ids that are not GUIDs, and for runbooks the key may not see). */
export async function readJob(jobId: string, principal?: Principal): Promise<JobRecord> {
  const found = isJobId(jobId) ? await jobStore.get(jobId) : undefined;
  if (!found || (principal && !mayUseRunbook(principal, found.value.runbook))) throw notFound(`Job '${jobId}' not found.`);
  return found.value;
}

export async function readStreams(jobId: string, types?: StreamType[]): Promise<StreamRecord[]> {
  return streamStore.list(jobId, { types });
}

/** The Output stream as text, one record a line (the parts of a split line joined again). */
export async function readOutputText(jobId: string): Promise<string> {
  const records = await streamStore.list(jobId, { types: ['Output'] });
  return records.map((r, i) => r.streamText + (r.continued || i === records.length - 1 ? '' : '\n')).join('');
}
