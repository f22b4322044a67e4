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

/** The small queue message: everything else is read from the job entity. */
export const JobMessage = z.object({ jobId: z.string().uuid() });
export type JobMessage = z.infer<typeof JobMessage>;
