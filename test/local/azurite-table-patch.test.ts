// local/azurite-table-patch.cjs gives Azurite's table store (LokiJS) a journal: each save appends
// what changed, and the snapshot is rewritten in slices now and then. What must hold: whatever was
// saved comes back exactly as Azurite held it (documents, $loki ids, indices that answer queries),
// across drops and re-creations of tables, a compaction racing with changes, a torn last line, and a
// file written by Azurite as shipped. Azurite's own LokiTableMetadataStore, on real files.
import { createRequire } from 'node:module';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const req = createRequire(__filename);
const { JournalAdapter, pointIndex } = req('../../local/azurite-table-patch.cjs') as {
  JournalAdapter: new () => Adapter;
  pointIndex: { enabled: boolean };
};
const { default: LokiTableMetadataStore } = req('azurite/dist/src/table/persistence/LokiTableMetadataStore.js');
const Loki = req(req.resolve('lokijs', { paths: [path.dirname(req.resolve('azurite/package.json'))] }));

interface Adapter {
  gen: number;
  compaction: Promise<void> | null;
  startCompaction(dbname: string): void;
}
interface Coll {
  data: Record<string, unknown>[];
  findOne(q: Record<string, unknown>): Record<string, unknown> | null;
}
interface Store {
  db: { persistenceAdapter: Adapter; autosaveDisable(): void; getCollection(name: string): Coll | null; collections: { name: string }[] };
  init(): Promise<void>;
  saveDBState(): Promise<void>;
  createTable(ctx: unknown, t: { account: string; table: string }): Promise<void>;
  deleteTable(ctx: unknown, table: string, account: string): Promise<void>;
  insertTableEntity(ctx: unknown, table: string, account: string, e: unknown, batchId: string): Promise<unknown>;
  mergeTableEntity(
    ctx: unknown,
    table: string,
    account: string,
    e: unknown,
    ifMatch: string | undefined,
    batchId: string,
  ): Promise<unknown>;
  deleteTableEntity(ctx: unknown, table: string, account: string, pk: string, rk: string, etag: string, batchId: string): Promise<void>;
}

const ACCOUNT = 'devstoreaccount1';
const ctx = { contextID: 'test' };
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookbook-table-patch-'));
  dirs.push(dir);
  return path.join(dir, '__azurite_db_table__.json');
}

/** Azurite's table store on `file`, loaded; autosave off so that the test decides when it saves. */
async function open(file: string): Promise<Store> {
  const store = new LokiTableMetadataStore(file, false) as Store;
  expect(store.db.persistenceAdapter).toBeInstanceOf(JournalAdapter);
  await store.init();
  store.db.autosaveDisable();
  return store;
}

const entity = (pk: string, rk: string, props: Record<string, unknown>) => ({
  PartitionKey: pk,
  RowKey: rk,
  properties: { PartitionKey: pk, RowKey: rk, ...props },
  lastModifiedTime: new Date().toISOString(),
  eTag: `W/"${Math.random()}"`,
});

const collName = (table: string) => `${ACCOUNT}$${table}`;

/** Every table collection's documents as Azurite holds them ($loki and meta included). */
function contents(store: Store): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { name } of store.db.collections) out[name] = JSON.stringify(store.db.getCollection(name)!.data);
  return out;
}

const journals = (file: string) => readdirSync(path.dirname(file)).filter((n) => n.includes('.journal.'));
const journalBytes = (file: string) => journals(file).reduce((n, j) => n + statSync(path.join(path.dirname(file), j)).size, 0);

describe('Azurite table store with the journal adapter', () => {
  it('a save appends only what changed, and a reload gives back exactly what Azurite held', async () => {
    const file = dbFile();
    const store = await open(file);
    await store.createTable(ctx, { account: ACCOUNT, table: 'jobs' });
    await store.createTable(ctx, { account: ACCOUNT, table: 'gone' });
    for (let i = 0; i < 3000; i++)
      await store.insertTableEntity(ctx, 'jobs', ACCOUNT, entity(`p${i % 8}`, `r${i}`, { n: i, text: 'x'.repeat(200) }), '');
    await store.insertTableEntity(ctx, 'gone', ACCOUNT, entity('a', 'b', { old: true }), '');
    await store.saveDBState();
    const snapshot = statSync(file).size;

    // One changed entity: the save appends a line of about its size; the snapshot is not rewritten.
    const before = journalBytes(file);
    await store.mergeTableEntity(ctx, 'jobs', ACCOUNT, entity('p1', 'r1', { status: 'Completed' }), undefined, '');
    await store.saveDBState();
    expect(journalBytes(file) - before).toBeLessThan(2000);
    expect(statSync(file).size).toBe(snapshot);

    // Removals, a dropped table, a table dropped and created again under the same name.
    for (let i = 0; i < 3000; i += 3) await store.deleteTableEntity(ctx, 'jobs', ACCOUNT, `p${i % 8}`, `r${i}`, '*', '');
    await store.deleteTable(ctx, 'gone', ACCOUNT);
    await store.saveDBState();
    await store.createTable(ctx, { account: ACCOUNT, table: 'gone' });
    await store.insertTableEntity(ctx, 'gone', ACCOUNT, entity('a', 'c', { fresh: true }), '');
    await store.saveDBState();

    const reloaded = await open(file);
    expect(contents(reloaded)).toEqual(contents(store));
    expect(reloaded.db.getCollection(collName('gone'))!.data.map((d) => d.RowKey)).toEqual(['c']);
    // Indices were rebuilt: point lookups find what is there, and nothing that was removed.
    const jobs = reloaded.db.getCollection(collName('jobs'))!;
    expect(jobs.findOne({ PartitionKey: 'p1', RowKey: 'r1' })?.properties).toMatchObject({ status: 'Completed', n: 1 });
    expect(jobs.findOne({ PartitionKey: 'p0', RowKey: 'r0' })).toBeNull();
    // New documents continue after the highest $loki, and survive another reload.
    await reloaded.insertTableEntity(ctx, 'jobs', ACCOUNT, entity('p9', 'new', { n: -1 }), '');
    await reloaded.saveDBState();
    const third = await open(file);
    expect(contents(third)).toEqual(contents(reloaded));
    expect(third.db.getCollection(collName('jobs'))!.findOne({ PartitionKey: 'p9', RowKey: 'new' })).not.toBeNull();
  }, 60_000);

  it('a compaction written while entities change loses and duplicates nothing; old journals go', async () => {
    const file = dbFile();
    const store = await open(file);
    await store.createTable(ctx, { account: ACCOUNT, table: 'streams' });
    for (let i = 0; i < 4000; i++) await store.insertTableEntity(ctx, 'streams', ACCOUNT, entity(`j${i % 50}`, `r${i}`, { n: i }), '');
    await store.saveDBState();
    const adapter = store.db.persistenceAdapter;
    const genBefore = adapter.gen;
    adapter.startCompaction(file);
    expect(adapter.gen).toBe(genBefore + 1);
    const compaction = adapter.compaction!;
    // While the snapshot is written slice by slice: inserts after the cursor, removals before and
    // after it, updates, each followed by a save (into the new generation).
    let turn = 0;
    let done = false;
    void compaction.then(() => (done = true));
    while (!done) {
      const i = turn++;
      await store.insertTableEntity(ctx, 'streams', ACCOUNT, entity('late', `l${i}`, { i }), '');
      await store.deleteTableEntity(ctx, 'streams', ACCOUNT, `j${i % 50}`, `r${i * 7}`, '*', '').catch(() => undefined);
      await store.deleteTableEntity(ctx, 'streams', ACCOUNT, `j${(3999 - i) % 50}`, `r${3999 - i}`, '*', '').catch(() => undefined);
      await store
        .mergeTableEntity(ctx, 'streams', ACCOUNT, entity(`j${(i + 1) % 50}`, `r${i + 1}`, { touched: i }), undefined, '')
        .catch(() => undefined);
      await store.saveDBState();
      await new Promise((r) => setImmediate(r));
    }
    await compaction;
    expect(turn).toBeGreaterThan(2); // the changes did race with the slices
    await store.saveDBState();
    expect(journals(file).map((n) => Number(n.split('.').pop()))).toEqual([genBefore + 1]);

    const reloaded = await open(file);
    expect(contents(reloaded)).toEqual(contents(store));
  }, 60_000);

  it('a torn last line (killed while saving) is skipped, and later saves still load', async () => {
    const file = dbFile();
    const store = await open(file);
    await store.createTable(ctx, { account: ACCOUNT, table: 't' });
    await store.insertTableEntity(ctx, 't', ACCOUNT, entity('a', '1', {}), '');
    await store.saveDBState();
    const kept = contents(store);
    const last = journals(file).sort().pop()!;
    appendFileSync(path.join(path.dirname(file), last), '{"ops":[{"c":"devstoreaccount1$t","put":[{"PartitionKey":"a","Row');

    const reloaded = await open(file);
    expect(contents(reloaded)).toEqual(kept);
    await reloaded.insertTableEntity(ctx, 't', ACCOUNT, entity('a', '2', {}), '');
    await reloaded.saveDBState();
    const third = await open(file);
    expect(contents(third)).toEqual(contents(reloaded));
    expect(third.db.getCollection(collName('t'))!.data.map((d) => d.RowKey)).toEqual(['1', '2']);
  }, 60_000);

  it("a graceful close leaves the whole store in the snapshot, as Azurite's own adapter reads it", async () => {
    const file = dbFile();
    const store = await open(file);
    await store.createTable(ctx, { account: ACCOUNT, table: 'jobs' });
    for (let i = 0; i < 500; i++) await store.insertTableEntity(ctx, 'jobs', ACCOUNT, entity('p', `r${i}`, { n: i }), '');
    await store.saveDBState();
    await store.deleteTableEntity(ctx, 'jobs', ACCOUNT, 'p', 'r7', '*', '');
    const live = contents(store);
    await (store as unknown as { close(): Promise<void> }).close();
    expect(journals(file)).toEqual([]);
    // LokiJS's fs adapter: the snapshot alone (with this process's point index off, as Azurite ships).
    const plain = new Loki(file, { persistenceMethod: 'fs' });
    pointIndex.enabled = false;
    try {
      await new Promise<void>((resolve, reject) =>
        plain.loadDatabase({}, (e: unknown) => (e ? reject(e instanceof Error ? e : new Error(String(e))) : resolve())),
      );
    } finally {
      pointIndex.enabled = true;
    }
    const coll = plain.getCollection(collName('jobs')) as Coll & { adaptiveBinaryIndices: boolean };
    expect(JSON.stringify(coll.data)).toBe(live[collName('jobs')]);
    // Its indices as Azurite made them: kept up to date on each write, not re-sorted per lookup.
    expect(coll.adaptiveBinaryIndices).toBe(true);
    expect(coll.findOne({ PartitionKey: 'p', RowKey: 'r8' })).toMatchObject({ RowKey: 'r8' });
  }, 60_000);

  it("reads a database written by Azurite's own adapter, and ignores journals older than it", async () => {
    const file = dbFile();
    // LokiJS's fs adapter, as Azurite uses it when the patch is off (no autosave: the patch leaves it alone).
    const plain = new Loki(file, { persistenceMethod: 'fs' });
    const coll = plain.addCollection(collName('jobs'), { indices: ['PartitionKey', 'RowKey'] });
    plain.addCollection('$TABLES_COLLECTION$', { indices: ['account', 'table'] }).insert({ account: ACCOUNT, table: 'jobs' });
    coll.insert(entity('p', 'r', { v: 1 }));
    await new Promise<void>((resolve, reject) =>
      plain.saveDatabase((e: unknown) => (e ? reject(e instanceof Error ? e : new Error(String(e))) : resolve())),
    );
    // A journal left from an earlier patched run: older than this file, so it must not be applied.
    writeFileSync(`${file}.journal.3`, `${JSON.stringify({ ops: [{ drop: collName('jobs') }] })}\n`);

    const store = await open(file);
    expect(store.db.getCollection(collName('jobs'))!.findOne({ PartitionKey: 'p', RowKey: 'r' })?.properties).toMatchObject({ v: 1 });
    await store.insertTableEntity(ctx, 'jobs', ACCOUNT, entity('p', 'r2', { v: 2 }), '');
    await store.saveDBState();
    const reloaded = await open(file);
    expect(contents(reloaded)).toEqual(contents(store));
  }, 60_000);
});

// The point index: Azurite's findOne({ PartitionKey, RowKey }) answered from a map, and the entity
// collections' binary indices no longer maintained on every write. The same random sequence of
// Azurite operations on two in-memory stores, one as LokiJS does it and one patched, must give the
// same answers, the same errors, the same query pages and the same documents.
describe('Azurite table store with the point index', () => {
  type Any = Record<string, unknown>;
  interface Full {
    db: { getCollection(name: string): (Coll & { adaptiveBinaryIndices: boolean; chain(): unknown }) | null };
    init(): Promise<void>;
    createTable(c: unknown, t: Any): Promise<void>;
    insertTableEntity(c: unknown, t: string, a: string, e: Any, b: string): Promise<Any>;
    insertOrUpdateTableEntity(c: unknown, t: string, a: string, e: Any, m: string | undefined, b: string): Promise<Any>;
    insertOrMergeTableEntity(c: unknown, t: string, a: string, e: Any, m: string | undefined, b: string): Promise<Any>;
    updateTableEntity(c: unknown, t: string, a: string, e: Any, m: string | undefined, b: string): Promise<Any>;
    mergeTableEntity(c: unknown, t: string, a: string, e: Any, m: string | undefined, b: string): Promise<Any>;
    deleteTableEntity(c: unknown, t: string, a: string, pk: string, rk: string, etag: string, b: string): Promise<void>;
    queryTableEntitiesWithPartitionAndRowKey(c: unknown, t: string, a: string, pk: string, rk: string, b: string): Promise<Any | null>;
    queryTableEntities(c: unknown, a: string, t: string, q: Any, npk?: string, nrk?: string): Promise<[Any[], string?, string?]>;
    beginBatchTransaction(id: string): Promise<void>;
    endBatchTransaction(a: string, t: string, id: string, c: unknown, ok: boolean): Promise<void>;
  }

  async function memoryStore(patched: boolean): Promise<Full> {
    pointIndex.enabled = patched;
    try {
      const store = new LokiTableMetadataStore(`mem-${patched}`, true) as Full;
      await store.init();
      await store.createTable(ctx, { account: ACCOUNT, table: 'jobs' });
      return store;
    } finally {
      pointIndex.enabled = true;
    }
  }

  /** What an operation gave back: its value without LokiJS's meta timestamps, or the storage error. */
  const outcome = async (patched: boolean, op: () => Promise<unknown>): Promise<string> => {
    pointIndex.enabled = patched;
    try {
      return JSON.stringify(strip(await op()));
    } catch (e) {
      const err = e as { statusCode?: number; storageErrorCode?: string; message?: string };
      return `error ${err.statusCode} ${err.storageErrorCode ?? err.message}`;
    } finally {
      pointIndex.enabled = true;
    }
  };
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== 'meta')
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;

  it('gives the same results, errors, ETags, query pages and documents as Azurite without it', async () => {
    const plain = await memoryStore(false);
    const fast = await memoryStore(true);
    const table = (s: Full) => s.db.getCollection(collName('jobs'))!;
    expect(table(plain).adaptiveBinaryIndices).toBe(true);
    expect(table(fast).adaptiveBinaryIndices).toBe(false);

    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let stamp = 0;
    // Fresh objects for each store (Azurite keeps and changes what it is given).
    const make = (pk: string, rk: string, props: Any) => () => ({
      PartitionKey: pk,
      RowKey: rk,
      properties: { PartitionKey: pk, RowKey: rk, ...props },
      lastModifiedTime: `2026-12-06T00:00:${String(stamp % 60).padStart(2, '0')}.000Z`,
      eTag: `W/"datetime'e${stamp}'"`,
    });
    const etagOf = async (pk: string, rk: string) =>
      ((await plain.queryTableEntitiesWithPartitionAndRowKey(ctx, 'jobs', ACCOUNT, pk, rk, '')) as Any | null)?.eTag as string | undefined;

    let ops = 0;
    const kinds = new Map<string, number>();
    for (let step = 0; step < 1500; step++) {
      stamp++;
      const pk = `p${rand(6)}`;
      const rk = `r${rand(40)}`;
      const props = { n: step, s: 'x'.repeat(rand(20)) };
      const e = make(pk, rk, props);
      const known = await etagOf(pk, rk);
      const ifMatch = [undefined, '*', known ?? 'W/"nope"', 'W/"stale"'][rand(4)];
      const kind = ['insert', 'upsert', 'upsertMerge', 'update', 'merge', 'delete', 'read', 'query', 'batch'][rand(9)];
      // Drawn once for both stores.
      const upsertMatch = rand(3) ? undefined : ifMatch;
      const other = `p${rand(7)}`;
      const above = rand(1500);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const run = async (s: Full): Promise<unknown> => {
        switch (kind) {
          case 'insert':
            return s.insertTableEntity(ctx, 'jobs', ACCOUNT, e(), '');
          case 'upsert':
            return s.insertOrUpdateTableEntity(ctx, 'jobs', ACCOUNT, e(), upsertMatch, '');
          case 'upsertMerge':
            return s.insertOrMergeTableEntity(ctx, 'jobs', ACCOUNT, e(), upsertMatch, '');
          case 'update':
            return s.updateTableEntity(ctx, 'jobs', ACCOUNT, e(), ifMatch, '');
          case 'merge':
            return s.mergeTableEntity(ctx, 'jobs', ACCOUNT, e(), ifMatch, '');
          case 'delete':
            return s.deleteTableEntity(ctx, 'jobs', ACCOUNT, pk, rk, ifMatch ?? '*', '');
          case 'read':
            return s.queryTableEntitiesWithPartitionAndRowKey(ctx, 'jobs', ACCOUNT, pk, rk, '');
          case 'query': {
            // Every page of a partition, then of the whole table, following continuation tokens.
            const pages: unknown[] = [];
            for (const filter of [
              `PartitionKey eq '${pk}'`,
              `RowKey ge '${rk}'`,
              `PartitionKey eq '${pk}' and RowKey ge '${rk}'`,
              `(RowKey lt '${rk}' and n gt ${above}) and '${pk}' eq PartitionKey`,
              `PartitionKey eq '${pk}' or PartitionKey eq '${other}'`,
              `not (PartitionKey eq '${pk}')`,
              `PartitionKey eq '${pk}' and PartitionKey eq '${other}'`,
              `PartitionKey ge '${pk}' and PartitionKey lt '${other}'`,
              `PartitionKey eq '${pk}' and`, // invalid: the same error
            ]) {
              let next: [string?, string?] = [undefined, undefined];
              do {
                const [rows, npk, nrk] = await s
                  .queryTableEntities(ctx, ACCOUNT, 'jobs', { filter, top: 7 }, ...next)
                  .catch((err: { statusCode?: number }) => [[{ error: err.statusCode }]] as [Any[], string?, string?]);
                pages.push(
                  rows.map((r) => [r.PartitionKey, r.RowKey, r.eTag]),
                  npk,
                  nrk,
                );
                next = [npk, nrk];
              } while (next[0] !== undefined);
            }
            return pages;
          }
          default: {
            // A batch of point operations in one partition; half of them fail at the end and roll back.
            const id = `batch${step}`;
            await s.beginBatchTransaction(id);
            let ok = true;
            const results: unknown[] = [];
            try {
              results.push(await s.insertOrMergeTableEntity(ctx, 'jobs', ACCOUNT, make(pk, `b${step % 7}`, props)(), undefined, id));
              results.push(await s.mergeTableEntity(ctx, 'jobs', ACCOUNT, make(pk, rk, { merged: step })(), '*', id));
              await s.deleteTableEntity(ctx, 'jobs', ACCOUNT, pk, `r${(step * 7) % 40}`, '*', id);
              results.push(await s.insertTableEntity(ctx, 'jobs', ACCOUNT, make(pk, `new${step}`, props)(), id));
            } catch (err) {
              ok = false;
              results.push(String((err as { statusCode?: number }).statusCode));
            }
            await s.endBatchTransaction(ACCOUNT, 'jobs', id, ctx, ok && step % 2 === 0);
            return results;
          }
        }
      };
      const a = await outcome(false, () => run(plain));
      const b = await outcome(true, () => run(fast));
      expect(b, `step ${step}: ${kind} ${pk}/${rk} if-match ${ifMatch}`).toBe(a);
      ops++;
    }
    expect(ops).toBe(1500);
    expect(JSON.stringify(strip(table(fast).data))).toBe(JSON.stringify(strip(table(plain).data)));
    // Both hit and miss, success and failure were exercised.
    expect(table(plain).data.length).toBeGreaterThan(30);
    for (const k of ['insert', 'upsert', 'upsertMerge', 'update', 'merge', 'delete', 'read', 'query', 'batch'])
      expect(kinds.get(k)).toBeGreaterThan(50);
    // A findOne LokiJS would answer from its (now lazily rebuilt) index gives the same answer too.
    for (const q of [{ PartitionKey: 'p1' }, { RowKey: 'r3' }, { PartitionKey: 'p2', RowKey: 'r5', n: 1 }])
      expect(JSON.stringify(strip(table(fast).findOne(q)))).toBe(JSON.stringify(strip(table(plain).findOne(q))));
  }, 60_000);

  it("answers a point lookup without LokiJS's query, whatever the table holds", async () => {
    const store = await memoryStore(true);
    for (let i = 0; i < 2000; i++) await store.insertTableEntity(ctx, 'jobs', ACCOUNT, entity(`p${i % 4}`, `r${i}`, { i }), '');
    const Resultset = (Loki as { Resultset: { prototype: { find: (...a: unknown[]) => unknown } } }).Resultset;
    const find = Resultset.prototype.find;
    let finds = 0;
    Resultset.prototype.find = function (this: unknown, ...a: unknown[]) {
      finds++;
      return find.apply(this, a);
    };
    try {
      await store.mergeTableEntity(ctx, 'jobs', ACCOUNT, entity('p3', 'r1999', { done: true }), '*', '');
      await store.deleteTableEntity(ctx, 'jobs', ACCOUNT, 'p0', 'r0', '*', '');
      expect(await store.queryTableEntitiesWithPartitionAndRowKey(ctx, 'jobs', ACCOUNT, 'p0', 'r0', '')).toBeNull();
      expect((await store.queryTableEntitiesWithPartitionAndRowKey(ctx, 'jobs', ACCOUNT, 'p3', 'r1999', ''))?.properties).toMatchObject({
        done: true,
      });
      // A partition query looks at that partition's rows only, and pages as Azurite does.
      const where = Resultset.prototype as unknown as { where: (this: Any, f: unknown) => unknown };
      const whereOrig = where.where;
      const examined: number[] = [];
      where.where = function (this: Any, f: unknown) {
        examined.push(this.filterInitialized ? (this.filteredrows as unknown[]).length : -1);
        return whereOrig.call(this, f);
      };
      try {
        const [rows, npk, nrk] = await store.queryTableEntities(ctx, ACCOUNT, 'jobs', { filter: "PartitionKey eq 'p1'", top: 100 });
        expect(rows.map((r) => r.RowKey)).toEqual(
          Array.from({ length: 500 }, (_, i) => `r${4 * i + 1}`)
            .sort()
            .slice(0, 100),
        );
        const next = Array.from({ length: 500 }, (_, i) => `r${4 * i + 1}`).sort()[100];
        expect([npk, nrk]).toEqual([Buffer.from('p1').toString('base64'), Buffer.from(next).toString('base64')]);
      } finally {
        where.where = whereOrig;
      }
      expect(examined[0]).toBe(500);
    } finally {
      Resultset.prototype.find = find;
    }
    expect(finds).toBe(0);
  }, 60_000);
});
