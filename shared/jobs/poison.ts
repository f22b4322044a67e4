import { isTerminal } from '../model/job';
import { jobStore } from '../store/jobStore';
import { finishStatus } from './finish';

/** The worker could not handle the job's message (maxDequeueCount times): fail it with that reason. */
export async function failPoisonedJob(jobId: string, _dequeueCount: number): Promise<void> {
  const found = await jobStore.get(jobId);
  if (!found || isTerminal(found.value.status)) return;
  const reason = 'The worker failed to process this job repeatedly; its message was moved to the poison queue.';
  await finishStatus(found.value, found.etag, { status: 'Failed', exception: reason, statusDetails: reason });
}
