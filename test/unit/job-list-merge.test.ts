// The job listing's merge over partitions when storage returns short pages, as Azure may (a query
// stops after 5 s or at a partition boundary and returns fewer rows, even none, with a
// continuation token): paging by our token must still give every job once, newest first.
// Azurite always fills a page, so this runs against a fake table that cuts pages at random
// (vi.mock is hoisted above the imports).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { jobPartition, jobRowKey } from '../../shared/store/keys';
import { jobStore } from '../../shared/store/jobStore';
import { newJobId } from '../../shared/jobs/ids';

interface Row {
  partitionKey: string;
  rowKey: string;
  jobId: string;
  status: string;
}

const state = { rows: [] as Row[], random: () => Math.random(), pagesRead: 0 };

/** Understands the filters jobStore.list builds without other conditions: partition, and `RowKey gt`. */
const fakeTable = {
  tableName: 'fakejobs',
  async getEntity(pk: string, rk: string) {
    if (pk === 'layout' && rk === 'jobs') return { shardedSince: 0 };
    throw Object.assign(new Error('not found'), { statusCode: 404 });
  },
  listEntities(options: { queryOptions: { filter: string } }) {
    const filter = options.queryOptions.filter;
    const pk = /PartitionKey eq '([^']*)'/.exec(filter)![1];
    const after = /RowKey gt '([^']*)'/.exec(filter)?.[1];
    const status = /status eq '([^']*)'/.exec(filter)?.[1];
    const rows = state.rows
      .filter((r) => r.partitionKey === pk && (after === undefined || r.rowKey > after) && (status === undefined || r.status === status))
      .sort((a, b) => (a.rowKey < b.rowKey ? -1 : 1));
    return {
      byPage({ maxPageSize, continuationToken }: { maxPageSize: number; continuationToken?: string }) {
        return {
          async next() {
            state.pagesRead++;
            const start = continuationToken ? Number(continuationToken) : 0;
            // None, one or two rows: a page cut short by the server (five rounds seldom fill one).
            const n = Math.min(maxPageSize, Math.floor(state.random() * 3));
            const value = rows.slice(start, start + n) as Row[] & { continuationToken?: string };
            if (start + n < rows.length) value.continuationToken = String(start + n);
            return { done: false, value };
          },
        };
      },
    };
  },
};

vi.mock('../../shared/store/clients', () => ({ table: async () => fakeTable }));

async function pageThrough(top: number, status?: string): Promise<string[]> {
  const seen: string[] = [];
  let token: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await jobStore.list({ top, status: status as never, continuationToken: token });
    expect(page.value.length).toBeLessThanOrEqual(top);
    seen.push(...page.value.map((j) => j.jobId));
    token = page.continuationToken;
    if (!token) return seen;
  }
  throw new Error('the listing did not end');
}

describe('job listing over partitions with short pages', () => {
  beforeEach(() => {
    state.rows = [];
    state.pagesRead = 0;
  });

  it('gives every job once, newest first, whatever the page sizes', async () => {
    // A seeded generator: the same cuts on every run.
    let seed = 12345;
    state.random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push(newJobId(Date.parse('2026-11-01T00:00:00Z') + i * 7));
    state.rows = ids.map((jobId, i) => ({
      partitionKey: jobPartition(jobId, 0),
      rowKey: jobRowKey(jobId),
      jobId,
      status: i % 4 === 0 ? 'Failed' : 'Completed',
    }));
    const newestFirst = [...ids].reverse();
    for (const top of [1, 3, 5, 50, 500]) expect(await pageThrough(top), `top ${top}`).toEqual(newestFirst);
    const failed = newestFirst.filter((id) => state.rows.find((r) => r.jobId === id)!.status === 'Failed');
    for (const top of [1, 4, 7]) expect(await pageThrough(top, 'Failed'), `Failed, top ${top}`).toEqual(failed);
  });

  it('ends with an empty store and with pages that come back empty', async () => {
    state.random = () => 0.99;
    expect(await jobStore.list({ top: 5 })).toEqual({ value: [] });
    // Every page empty until the last possible moment: a partition reads on until it has a row.
    let calls = 0;
    state.random = () => (++calls % 4 === 0 ? 0.99 : 0);
    const ids = Array.from({ length: 9 }, (_, i) => newJobId(Date.parse('2026-11-01T00:00:00Z') + i));
    state.rows = ids.map((jobId) => ({ partitionKey: jobPartition(jobId, 0), rowKey: jobRowKey(jobId), jobId, status: 'Completed' }));
    expect(await pageThrough(2)).toEqual([...ids].reverse());
  });
});
