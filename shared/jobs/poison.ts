import { finishJob } from './finish';
import { JobMissingError } from './transition';

/** The worker could not handle the job's message (maxDequeueCount times): fail it with that reason. */
export async function failPoisonedJob(jobId: string, _dequeueCount: number): Promise<void> {
  const reason = 'The worker failed to process this job repeatedly; its message was moved to the poison queue.';
  try {
    await finishJob(jobId, { status: 'Failed', exception: reason, statusDetails: reason });
  } catch (error) {
    if (error instanceof JobMissingError) return;
    throw error;
  }
}
