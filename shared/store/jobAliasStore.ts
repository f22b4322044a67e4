import { odata } from '@azure/data-tables';
import { table } from './clients';
import { jsonRows } from './jsonRows';

/**
 * Table "jobaliases" (partition = the alias, lower case; row "a"): a job id a client chose, mapped
 * to the Hookbook job it started. Azure clients name a new job with a random GUID (PUT jobs/{guid});
 * Hookbook's own ids are time-ordered (UUID v7), which the job table's order and time filters need,
 * so such a job gets a Hookbook id and the client's GUID reads it through this row.
 */
const rows = jsonRows('jobaliases');
const ROW = 'a';

export const jobAliasStore = {
  /** Record alias → jobId; when the alias is taken, the job id it already names. */
  async claim(alias: string, jobId: string): Promise<string> {
    if (await rows.create({ partitionKey: alias.toLowerCase(), rowKey: ROW, json: JSON.stringify({ jobId }) })) return jobId;
    return (await jobAliasStore.resolve(alias)) ?? jobId;
  },

  async resolve(alias: string): Promise<string | undefined> {
    const e = await rows.get(alias.toLowerCase(), ROW);
    return e ? (JSON.parse(e.json) as { jobId: string }).jobId : undefined;
  },

  async forget(alias: string): Promise<void> {
    await rows.delete(alias.toLowerCase(), ROW);
  },

  /**
   * Retention: rows written before `olderThanMs` whose job is gone (`exists` says no) are deleted, at
   * most `max` per call; a row whose job is still kept stays. Returns how many were deleted.
   */
  async purge(olderThanMs: number, exists: (jobId: string) => Promise<boolean>, max = 1000): Promise<number> {
    const t = await table('jobaliases');
    let n = 0;
    for await (const e of t.listEntities<{ json: string }>({
      queryOptions: { filter: odata`Timestamp lt ${new Date(olderThanMs)}`, select: ['PartitionKey', 'RowKey', 'json'] },
    })) {
      const { jobId } = JSON.parse(e.json) as { jobId: string };
      if (await exists(jobId)) continue;
      await t.deleteEntity(e.partitionKey!, e.rowKey!).catch(() => undefined);
      if (++n >= max) break;
    }
    return n;
  },
};
