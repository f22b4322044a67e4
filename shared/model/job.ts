import { z } from 'zod';

export const JobStatus = z.enum(['New', 'Queued', 'Running', 'Completed', 'Failed', 'Stopping', 'Stopped']);
export type JobStatus = z.infer<typeof JobStatus>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['Completed', 'Failed', 'Stopped'];
export const isTerminal = (s: JobStatus): boolean => TERMINAL_STATUSES.includes(s);

export const StreamType = z.enum(['Output', 'Error', 'Warning', 'Verbose', 'Debug', 'Progress']);
export type StreamType = z.infer<typeof StreamType>;

/** The job as callers see it (Azure Automation property names where Azure has one). */
export const Job = z.object({
  jobId: z.string(),
  runbook: z.string(),
  runbookVersion: z.number().int(),
  /** Runbooks from git: the commit of the version the job runs (docs/source-control.md). */
  runbookCommit: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()),
  status: JobStatus,
  statusDetails: z.string().optional(),
  exception: z.string().optional(),
  result: z.unknown().optional(),
  startedBy: z.string(),
  createdTime: z.string(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  lastModifiedTime: z.string(),
  attempt: z.number().int(),
  /** The hybrid worker group the job runs on (absent: the cloud worker). */
  runOn: z.string().optional(),
  /** Stream records that could not be saved; present only when some were lost (see statusDetails). */
  streamsLost: z.number().int().optional(),
});
export type Job = z.infer<typeof Job>;

export const StreamRecord = z.object({
  jobStreamId: z.string(),
  time: z.string(),
  streamType: StreamType,
  summary: z.string(),
  streamText: z.string(),
  value: z.unknown().optional(),
  /** Set when a line longer than a Table property was split: its text goes on in the next record. */
  continued: z.boolean().optional(),
});
export type StreamRecord = z.infer<typeof StreamRecord>;

/**
 * The queue message. `jobId` is all a worker needs: everything else is read from the job entity.
 * When the job is small, the message also carries the entity as it was created, with its ETag, so
 * that the worker can claim it without reading it first (the claim's If-Match proves the entity is
 * still exactly that; otherwise the worker reads it as usual).
 */
export const JobClaim = z.object({
  etag: z.string(),
  runbook: z.string(),
  runbookVersion: z.number().int(),
  parameters: z.string(),
  startedBy: z.string(),
  createdTime: z.string(),
  /** The notification targets the job names (JobRecord.notify). */
  notify: z.string().optional(),
});
export type JobClaim = z.infer<typeof JobClaim>;
export const JobMessage = z.object({ jobId: z.string().uuid(), claim: JobClaim.optional() });
export type JobMessage = z.infer<typeof JobMessage>;
