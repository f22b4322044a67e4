// `npx tsx bench/table-save.ts [jobs...]`: what one save of Azurite's table store costs by retained
// jobs, as shipped (LokiJS's fs adapter serializes the whole database and rewrites the file) and with
// local/azurite-table-patch.cjs (one journal line with what changed). CPU time of the saving
// process, which a loaded machine inflates far less than wall time; the changes of one save interval
// are those of 50 jobs (insert, claim, finish, a 5-row stream batch each). In process, on Azurite's
// own LokiTableMetadataStore. A measurement, no assertion.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const req = createRequire(__filename);
const { pointIndex } = req('../local/azurite-table-patch.cjs') as { pointIndex: { enabled: boolean } };
const { default: LokiTableMetadataStore } = req('azurite/dist/src/table/persistence/LokiTableMetadataStore.js');

const ACCOUNT = 'devstoreaccount1';
const ctx = { contextID: 'bench' };
const params = JSON.stringify({ UserName: 'someone@contoso.com', Note: 'x'.repeat(1000) });
const entity = (pk: string, rk: string, props: Record<string, unknown>) => ({
  PartitionKey: pk,
  RowKey: rk,
  properties: { PartitionKey: pk, RowKey: rk, ...props },
  lastModifiedTime: new Date().toISOString(),
  eTag: `W/"datetime'${new Date().toISOString()}'"`,
});

interface Store {
  db: {
    autosaveDisable(): void;
    serialize(): string;
    persistenceAdapter: { saveDatabase(f: string, g: unknown, cb: (e?: unknown) => void): void };
    filename: string;
  };
  init(): Promise<void>;
  createTable(c: unknown, t: unknown): Promise<void>;
  insertTableEntity(c: unknown, t: string, a: string, e: unknown, b: string): Promise<unknown>;
  mergeTableEntity(c: unknown, t: string, a: string, e: unknown, m: string | undefined, b: string): Promise<unknown>;
  queryTableEntities(c: unknown, a: string, t: string, q: unknown): Promise<unknown>;
  queryTableEntitiesWithPartitionAndRowKey(c: unknown, t: string, a: string, pk: string, rk: string, b: string): Promise<unknown>;
}

let n = 0;
async function addJobs(store: Store, count: number, finish: boolean): Promise<void> {
  for (let i = 0; i < count; i++, n++) {
    const id = `job-${String(n).padStart(9, '0')}`;
    const pk = `j${n % 8}`;
    await store.insertTableEntity(
      ctx,
      'jobs',
      ACCOUNT,
      entity(pk, id, { jobId: id, runbook: 'r', status: 'Queued', parameters: params }),
      '',
    );
    if (!finish) continue;
    await store.mergeTableEntity(ctx, 'jobs', ACCOUNT, entity(pk, id, { status: 'Running' }), undefined, '');
    for (let s = 0; s < 5; s++)
      await store.insertTableEntity(
        ctx,
        'streams',
        ACCOUNT,
        entity(id, `01${String(s).padStart(8, '0')}`, { streamType: 'Output', streamText: `line ${s}` }),
        '',
      );
    await store.mergeTableEntity(ctx, 'jobs', ACCOUNT, entity(pk, id, { status: 'Completed' }), undefined, '');
  }
}

/**
 * CPU per job of the table operations a job costs (insert, claim, 5 stream rows, finish, a point read
 * and a read of its streams by partition), with the point index of the patch and as LokiJS does them
 * (adaptive binary indices kept up to date on every write, findOne through them, queries over all rows).
 */
async function jobOpsMs(store: Store, jobs: number, patched: boolean): Promise<number> {
  const db = store.db as unknown as {
    collections: { binaryIndices: Record<string, unknown>; adaptiveBinaryIndices: boolean; ensureAllIndexes(f: boolean): void }[];
  };
  for (const c of db.collections) {
    if (!('PartitionKey' in c.binaryIndices)) continue;
    c.adaptiveBinaryIndices = !patched;
    if (!patched) c.ensureAllIndexes(true);
  }
  pointIndex.enabled = patched;
  const t = process.cpuUsage();
  for (let i = 0; i < jobs; i++) {
    await addJobs(store, 1, true);
    const id = `job-${String(n - 1).padStart(9, '0')}`;
    await store.queryTableEntitiesWithPartitionAndRowKey(ctx, 'jobs', ACCOUNT, `j${(n - 1) % 8}`, id, '');
    await store.queryTableEntities(ctx, ACCOUNT, 'streams', { filter: `PartitionKey eq '${id}'` });
  }
  const d = process.cpuUsage(t);
  pointIndex.enabled = true;
  return (d.user + d.system) / 1000 / jobs;
}

const cpuMs = (f: () => void): number => {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
};

void (async () => {
  const targets = process.argv
    .slice(2)
    .map(Number)
    .filter((x) => x > 0);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-table-save-'));
  const store = new LokiTableMetadataStore(path.join(dir, '__azurite_db_table__.json'), false) as Store;
  await store.init();
  store.db.autosaveDisable();
  await store.createTable(ctx, { account: ACCOUNT, table: 'jobs' });
  await store.createTable(ctx, { account: ACCOUNT, table: 'streams' });
  const save = () =>
    new Promise<void>((resolve, reject) =>
      store.db.persistenceAdapter.saveDatabase(store.db.filename, null, (e) => (e ? reject(e as Error) : resolve())),
    );
  await save();
  console.log(
    '| retained jobs | one save as shipped (serialize all), CPU | its size | one save patched (50 jobs changed), CPU | its size |',
  );
  console.log('|---:|---:|---:|---:|---:|');
  const opsRows: string[] = [];
  for (const target of targets.length ? targets : [1000, 10000, 50000]) {
    await addJobs(store, Math.max(0, target - n), true);
    await save();
    let full = '';
    const fullMs = cpuMs(() => (full = store.db.serialize()));
    // One interval's changes, then the patched save's synchronous part (collecting and serializing them).
    await addJobs(store, 50, true);
    const adapter = store.db.persistenceAdapter as unknown as { takeChanges(db: unknown, taken: unknown[]): string | undefined };
    let line: string | undefined;
    const lineMs = cpuMs(() => (line = adapter.takeChanges(store.db, [])));
    const retained = n - 50;
    const asShipped = await jobOpsMs(store, 100, false);
    const patched = await jobOpsMs(store, 100, true);
    opsRows.push(`| ${retained} | ${asShipped.toFixed(2)} ms | ${patched.toFixed(2)} ms |`);
    console.log(
      `| ${retained} | ${fullMs.toFixed(0)} ms | ${(full.length / 1024 / 1024).toFixed(1)} MB | ${lineMs.toFixed(1)} ms | ${((line?.length ?? 0) / 1024).toFixed(0)} KB |`,
    );
  }
  console.log('\n| retained jobs | job operations, CPU per job: as LokiJS does them | with the point index |');
  console.log('|---:|---:|---:|');
  for (const row of opsRows) console.log(row);
  rmSync(dir, { recursive: true, force: true });
})();
