import { EventEmitter } from 'node:events';
import type { JobStatus } from '../model/job';

/**
 * In-process notifications: a `run` request waiting on a job that this same instance's worker
 * runs hears about it at once instead of at the next poll. Purely an optimisation: callers poll
 * storage as well, because the worker may be another instance.
 */
export const jobEvents = new EventEmitter();
jobEvents.setMaxListeners(0);

export const emitStatus = (jobId: string, status: JobStatus): void => {
  jobEvents.emit(`status:${jobId}`, status);
};
export const emitStopRequest = (jobId: string): void => {
  jobEvents.emit(`stop:${jobId}`);
};
export const emitStreams = (jobId: string): void => {
  jobEvents.emit(`streams:${jobId}`);
};
