// Job entities as startJob writes them, for tests that put jobs into the store directly (a job
// whose message was lost, one waiting behind a backlog, one poisoned).
import type { JobRecord } from '../../shared/model/jobRecord';

/** A Queued job (attempt 0) created, modified and queued at `at`; `fields` override any of it. */
export function queuedRecord(jobId: string, runbook: string, fields: Partial<JobRecord> = {}, at: Date = new Date()): JobRecord {
  const t = at.toISOString();
  return {
    jobId,
    runbook,
    runbookVersion: 1,
    parameters: '{}',
    status: 'Queued',
    startedBy: 'test',
    createdTime: t,
    lastModifiedTime: t,
    lastQueuedTime: t,
    attempt: 0,
    ...fields,
  };
}
