import type { JobRecord, Versioned } from '../../shared/model/jobRecord';
import type { JobReadWrite } from '../../shared/store/jobStore';
import { ConcurrencyError } from '../../shared/store/errors';

/**
 * An in-memory stand-in for the job table's get/update (ETag semantics as Table storage's: every
 * write gets a new ETag, a write with an old one fails), for unit tests of pure state logic.
 * `beforeUpdate` lets a test change the job "from elsewhere" just before a write lands.
 */
export class FakeJobStore implements JobReadWrite {
  private rows = new Map<string, Versioned<JobRecord>>();
  private n = 0;
  writes = 0;
  beforeUpdate?: (jobId: string) => void;

  put(job: JobRecord): Versioned<JobRecord> {
    const v = { value: { ...job }, etag: `W/"${++this.n}"` };
    this.rows.set(job.jobId, v);
    return { value: { ...v.value }, etag: v.etag };
  }

  /** A change made by someone else (a new ETag). */
  change(jobId: string, patch: Partial<JobRecord>): void {
    const row = this.rows.get(jobId);
    if (!row) throw new Error('no such job');
    this.put({ ...row.value, ...patch });
  }

  peek(jobId: string): JobRecord | undefined {
    return this.rows.get(jobId)?.value;
  }

  get(jobId: string): Promise<Versioned<JobRecord> | undefined> {
    const row = this.rows.get(jobId);
    return Promise.resolve(row ? { value: { ...row.value }, etag: row.etag } : undefined);
  }

  update(jobId: string, patch: Partial<JobRecord>, etag: string): Promise<string> {
    this.beforeUpdate?.(jobId);
    const row = this.rows.get(jobId);
    if (!row || row.etag !== etag) return Promise.reject(new ConcurrencyError(`job ${jobId}`));
    this.writes++;
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    return Promise.resolve(this.put({ ...row.value, ...defined }).etag);
  }
}

export const aJob = (over: Partial<JobRecord> = {}): JobRecord => ({
  jobId: '0190a000-0000-7000-8000-000000000001',
  runbook: 'r',
  runbookVersion: 1,
  parameters: '{}',
  status: 'Queued',
  startedBy: 'k',
  createdTime: '2026-01-01T00:00:00.000Z',
  lastModifiedTime: '2026-01-01T00:00:00.000Z',
  attempt: 0,
  ...over,
});
