// Cost of the sweeper's status query, a point read and a merge on Azurite's one-partition jobs table, by
// the number of entities: `npx tsx bench/table-depth.ts` (docs/performance.md, "Bursts").
import { TableClient, odata } from '@azure/data-tables';
import { startAzurite } from '../local/azurite';
async function main() {
  const az = await startAzurite({ inMemory: true });
  try {
    const t = TableClient.fromConnectionString(az.connectionString, 'jobs', { allowInsecureConnection: true });
    await t.createTable();
    for (const n of [1000, 3000, 6000]) {
      let have = 0;
      for await (const _ of t.listEntities({ queryOptions: { select: ['RowKey'] } })) have++;
      for (let i = have; i < n; i += 100) {
        await t.submitTransaction(
          Array.from(
            { length: Math.min(100, n - i) },
            (_, k) =>
              [
                'create',
                {
                  partitionKey: 'job',
                  rowKey: `r${String(i + k).padStart(8, '0')}`,
                  jobId: `id${i + k}`,
                  status: 'Queued',
                  createdTime: new Date().toISOString(),
                  parameters: 'x'.repeat(200),
                },
              ] as never,
          ),
        );
      }
      let t0 = performance.now();
      let c = 0;
      for await (const _ of t.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${'job'} and RowKey lt ${'s'} and status eq ${'Queued'}`,
          select: ['jobId', 'createdTime'],
        },
      }))
        c++;
      const q = performance.now() - t0;
      t0 = performance.now();
      for (let i = 0; i < 20; i++) await t.getEntity('job', `r${String(i * 7).padStart(8, '0')}`);
      const g = (performance.now() - t0) / 20;
      t0 = performance.now();
      for (let i = 0; i < 20; i++)
        await t.updateEntity({ partitionKey: 'job', rowKey: `r${String(i * 7).padStart(8, '0')}`, status: 'Queued' }, 'Merge');
      const u = (performance.now() - t0) / 20;
      console.log(`${n} entities: status query ${q.toFixed(0)} ms (${c} rows), point read ${g.toFixed(2)} ms, merge ${u.toFixed(2)} ms`);
    }
  } finally {
    await az.stop();
  }
}
void main();
