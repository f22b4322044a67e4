// Packed stream rows (issue 28) against real Azurite: a job's records are stored many to a row,
// read back exactly (order, ids, types, resume points), rows of the older one-record layout still
// read, and a record written twice (a batch that landed, then retried one by one) is read once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type RunningAzurite } from '../support/host';

let s: RunningAzurite;
beforeAll(async () => {
  s = await startAzurite();
  process.env.AzureWebJobsStorage = s.connectionString;
});
afterAll(async () => {
  await s?.stop();
});

const rawRows = async (jobId: string) => {
  const t = TableClient.fromConnectionString(s.connectionString, 'streams', { allowInsecureConnection: true });
  const keys: string[] = [];
  for await (const e of t.listEntities({ queryOptions: { filter: `PartitionKey eq '${jobId}'`, select: ['RowKey'] } }))
    keys.push(e.rowKey!);
  return { table: t, keys };
};

describe('packed stream rows', () => {
  it('a job of 30,000 lines (1 MiB) takes a handful of rows and reads back record for record', async () => {
    const { StreamWriter } = await import('../../shared/jobs/streamWriter');
    const { streamStore } = await import('../../shared/store/streamStore');
    const { newJobId } = await import('../../shared/jobs/ids');
    const jobId = newJobId();
    const w = new StreamWriter({ jobId, attempt: 1, capBytes: 64 * 1024 * 1024, flushMs: 50 });
    const lines: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const line = `line ${String(i).padStart(5, '0')} ${'x'.repeat(24)}`;
      lines.push(line);
      w.write(i % 1000 === 999 ? 'Warning' : 'Output', line, i === 7 ? { n: i, s: 'é"\n' } : undefined);
    }
    await w.close();
    expect(w.lost).toBe(0);

    const { keys } = await rawRows(jobId);
    // 30,000 records of ~70 characters of JSON: 30 writes of 1,000, ~2 packs each; far below one row a record.
    expect(keys.length).toBeLessThan(100);
    expect(keys.length).toBeGreaterThan(1);

    const all = await streamStore.list(jobId);
    expect(all.map((r) => r.streamText)).toEqual(lines);
    expect(all.map((r) => r.jobStreamId)).toEqual(lines.map((_, i) => `${jobId}:01${String(i).padStart(8, '0')}`));
    expect(all[7]!.value).toEqual({ n: 7, s: 'é"\n' });
    expect(all[8]!.value).toBeUndefined();
    expect(all[0]!.summary).toBe(lines[0]);
    const warnings = await streamStore.list(jobId, { types: ['Warning'] });
    expect(warnings).toHaveLength(30);
    expect(warnings[0]!.streamText).toBe(lines[999]);

    // Resuming after a record in the middle of a pack gives exactly the records after it.
    const after = all[12_345]!.jobStreamId.split(':')[1]!;
    const rest = await streamStore.list(jobId, { after });
    expect(rest.map((r) => r.streamText)).toEqual(lines.slice(12_346));
  });

  it('long lines, unescapable characters and own summaries survive a pack', async () => {
    const { streamStore } = await import('../../shared/store/streamStore');
    const { newJobId } = await import('../../shared/jobs/ids');
    const jobId = newJobId();
    const t = new Date().toISOString();
    // 32,000 control characters: ~192,000 characters of JSON in one record, over a pack's usual size.
    const nasty = '\u0001'.repeat(32_000);
    const wide = '😀'.repeat(16_000);
    await streamStore.append(jobId, [
      { seq: 0, attempt: 2, time: t, streamType: 'Output', summary: 'own summary', streamText: 'a' },
      { seq: 1, attempt: 2, time: t, streamType: 'Error', summary: nasty.slice(0, 256), streamText: nasty, value: JSON.stringify(nasty) },
      { seq: 2, attempt: 2, time: t, streamType: 'Output', summary: wide.slice(0, 256), streamText: wide, continued: true },
      { seq: 3, attempt: 2, time: t, streamType: 'Output', summary: 'z', streamText: 'z' },
    ]);
    const got = await streamStore.list(jobId);
    expect(got.map((r) => r.streamText)).toEqual(['a', nasty, wide, 'z']);
    expect(got[0]!.summary).toBe('own summary');
    expect(got[1]!.value).toBe(nasty);
    expect(got[2]!.continued).toBe(true);
    expect(got.map((r) => r.jobStreamId.split(':')[1])).toEqual(['0200000000', '0200000001', '0200000002', '0200000003']);
  });

  it('rows of the one-record layout still read, between packs, and a record written twice reads once', async () => {
    const { streamStore } = await import('../../shared/store/streamStore');
    const { newJobId } = await import('../../shared/jobs/ids');
    const jobId = newJobId();
    const t = new Date().toISOString();
    const { table } = await rawRows(jobId);
    // As Hookbook wrote them before packing (attempt 1), then a pack (attempt 2).
    await table.createEntity({
      partitionKey: jobId,
      rowKey: '0100000000',
      time: t,
      streamType: 'Output',
      summary: 'old-0',
      streamText: 'old-0',
    });
    await table.createEntity({
      partitionKey: jobId,
      rowKey: '0100000001',
      time: t,
      streamType: 'Output',
      summary: 'old-1',
      streamText_n: 2,
      streamText_0: 'old-',
      streamText_1: '1',
      value: '{"k":1}',
      continued: true,
    });
    const row = (seq: number) => ({
      seq,
      attempt: 2,
      time: t,
      streamType: 'Output' as const,
      summary: `new-${seq}`,
      streamText: `new-${seq}`,
    });
    await streamStore.append(jobId, [row(0), row(1), row(2)]);
    // The same batch retried record by record (the writer's fallback after a batch that did land).
    for (const seq of [0, 1, 2]) await streamStore.appendOne(jobId, row(seq));

    const got = await streamStore.list(jobId);
    expect(got.map((r) => r.streamText)).toEqual(['old-0', 'old-1', 'new-0', 'new-1', 'new-2']);
    expect(got[1]).toMatchObject({ jobStreamId: `${jobId}:0100000001`, value: { k: 1 }, continued: true });
    expect((await streamStore.list(jobId, { after: '0100000001' })).map((r) => r.streamText)).toEqual(['new-0', 'new-1', 'new-2']);
    expect((await streamStore.list(jobId, { after: '0200000000' })).map((r) => r.streamText)).toEqual(['new-1', 'new-2']);

    // Retention and job deletion remove both layouts.
    expect(await streamStore.deleteAll(jobId)).toBeGreaterThan(0);
    expect(await streamStore.list(jobId)).toEqual([]);
  });
});
