/**
 * 1. The ceiling: a bare storage client doing the minimum storage work of one job (1 table insert
 * + 1 queue send) against its own in-memory Azurite.
 */
import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';

/** The bare client's operation: 1 table insert + 1 queue send, what one job needs at least. */
export async function ceilingOp(connectionString: string): Promise<() => Promise<boolean>> {
  const tables = TableClient.fromConnectionString(connectionString, 'ceiling', { allowInsecureConnection: true });
  const q = new QueueClient(connectionString, 'ceiling');
  await tables.createTable();
  await q.createIfNotExists();
  const body = Buffer.from(JSON.stringify({ jobId: '00000000-0000-7000-8000-000000000000' })).toString('base64');
  let n = 0;
  return async () => {
    const id = `${process.pid}-${n++}`;
    await tables.createEntity({
      partitionKey: 'job',
      rowKey: id,
      runbook: 'ceiling',
      status: 'Queued',
      parameters: '{}',
      createdTime: new Date().toISOString(),
    });
    await q.sendMessage(body);
    return true;
  };
}
