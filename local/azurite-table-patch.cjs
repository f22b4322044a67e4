// Preloaded (node --require) into the Azurite table child in disk mode only: each save writes what
// changed since the last one instead of the whole database; point operations and single-partition
// queries touch what they need instead of the whole table (see "Point operations" below). See docs/performance.md ("Retained
// history") and docs/job-lifecycle.md ("Durability of the local host").
//
// Azurite 3.35's LokiTableMetadataStore keeps every table in one LokiJS database and persists it
// with LokiJS's fs adapter: every autosave (every HOOKBOOK_AZURITE_SAVE_MS while anything changed)
// serializes the whole database to one JSON string and rewrites the file. The cost grows with what
// is retained: ~1.3 s at 16,000 small jobs, during which the table service answers nothing, so one
// request in ten waited for it.
//
// This file gives LokiJS a persistence adapter of its "incremental" kind (LokiJS then records the
// $loki id of every inserted, updated or removed document in its collection's dirtyIds):
//
// - a save appends ONE line to a journal file, `<db>.journal.<generation>`: the documents changed
//   since the last save (whole documents, so applying a line twice gives the same result), the ids
//   removed, and collections created or dropped. A line that was cut short by a kill (it does not
//   end in a newline or is not JSON) is ignored on load: a save is kept whole or not at all, as the
//   fs adapter's write-then-rename kept it.
// - when the journal has grown past the snapshot (and past COMPACT_MIN_BYTES), the snapshot is
//   rewritten in the background, a slice of SLICE_DOCS documents per turn of the event loop, and the
//   journal starts a new generation at that moment. The snapshot is "fuzzy" (documents changed while
//   it is written may appear in their old or new state), which is harmless: every change made after
//   the new generation started is also in that generation's journal, applied on top of it on load.
//   The snapshot is written to a temporary file and renamed; it names the first generation to apply
//   (`hookbookJournalFrom`), and older journal files are deleted after the rename.
// - load: the snapshot (LokiJS's own JSON format, so Azurite as shipped reads it too), then every
//   journal of a generation at or after its `hookbookJournalFrom`, in order. New saves go to a new
//   generation, so nothing is ever appended after a torn line.
//
// What it relies on (checked by test/local/azurite-table-patch.test.ts on Azurite's own
// LokiTableMetadataStore): Azurite changes table documents only through insert/update/remove (which
// record dirty ids), never `clear()`, and a collection's data stays in $loki order (LokiJS only
// appends). HOOKBOOK_AZURITE_TABLE_PATCH=0 runs Azurite's table persistence as shipped (the bench
// compares the two); a database written by this adapter stays readable by Azurite as shipped, except
// for the journal since the last snapshot.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The journal is compacted into the snapshot when it is larger than both this and the snapshot. */
const COMPACT_MIN_BYTES = Number(process.env.HOOKBOOK_AZURITE_COMPACT_BYTES) || 32 * 1024 * 1024;
/** Documents serialized per turn of the event loop while the snapshot is rewritten. */
const SLICE_DOCS = 500;
const FROM = 'hookbookJournalFrom';

const journalName = (dbname, gen) => `${dbname}.journal.${gen}`;

/** Generations of the journal files next to `dbname`, ascending. */
function journalGenerations(dbname) {
  const dir = path.dirname(dbname);
  const prefix = `${path.basename(dbname)}.journal.`;
  let names = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/** What LokiJS's loadJSONObject needs of a collection besides its data. */
function collectionHeader(coll) {
  return {
    name: coll.name,
    disableChangesApi: coll.disableChangesApi,
    disableDeltaChangesApi: coll.disableDeltaChangesApi,
    disableMeta: coll.disableMeta,
    disableFreeze: coll.disableFreeze,
    // An entity collection's adaptive upkeep is off only while the point index runs (it turns it off
    // again on load); Azurite as shipped, reading this, needs it on (else it re-sorts per lookup).
    adaptiveBinaryIndices: isEntityCollection(coll) ? true : coll.adaptiveBinaryIndices,
    transactional: coll.transactional,
    asyncListeners: coll.asyncListeners,
    cloneObjects: coll.cloneObjects,
    cloneMethod: coll.cloneMethod,
    autoupdate: coll.autoupdate,
    changes: [],
    dirtyIds: [],
    maxId: coll.maxId,
    // Rebuilt after load (ensureAllIndexes): only the indexed property names matter.
    binaryIndices: Object.fromEntries(Object.keys(coll.binaryIndices || {}).map((k) => [k, { name: k, dirty: true, values: [] }])),
    transforms: coll.transforms || {},
    uniqueNames: coll.uniqueNames || [],
    DynamicViews: [],
  };
}

/** Position of the first document of `data` whose $loki is greater than `id` (data is in $loki order). */
function firstAfter(data, id) {
  let lo = 0;
  let hi = data.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (data[mid].$loki <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Apply one journal line's operations to a database object in LokiJS's JSON form. */
function applyOps(obj, ops, cache) {
  const find = (name) => obj.collections.find((c) => c.name === name);
  const byId = (coll) => {
    let m = cache.get(coll);
    if (!m) {
      m = new Map(coll.data.map((d) => [d.$loki, d]));
      cache.set(coll, m);
    }
    return m;
  };
  for (const op of ops) {
    if (op.drop !== undefined) {
      obj.collections = obj.collections.filter((c) => c.name !== op.drop);
    } else if (op.create !== undefined) {
      obj.collections = obj.collections.filter((c) => c.name !== op.create.name);
      obj.collections.push({ ...op.create, data: op.docs });
    } else if (op.c !== undefined) {
      const coll = find(op.c);
      if (!coll) continue; // dropped later in the same line's order: nothing to apply to
      const m = byId(coll);
      for (const doc of op.put) m.set(doc.$loki, doc);
      for (const id of op.del) m.delete(id);
      if (op.maxId > (coll.maxId || 0)) coll.maxId = op.maxId;
    }
  }
}

class JournalAdapter {
  constructor() {
    /** LokiJS tracks dirty ids for adapters of this mode. */
    this.mode = 'incremental';
    /** The Loki instance (set when LokiJS is configured with this adapter). */
    this.db = null;
    /** Generation the next save appends to; 0 until the database was loaded or first saved. */
    this.gen = 0;
    /** Collections as last written, by name: a different object under a name was dropped and re-created. */
    this.known = new Map();
    this.journalBytes = 0;
    this.snapshotBytes = 0;
    this.compaction = null;
    this.handle = null;
    this.handleGen = 0;
  }

  loadDatabase(dbname, callback) {
    let obj;
    try {
      obj = this.readDatabase(dbname);
    } catch (error) {
      callback(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (!obj) {
      callback(null);
      return;
    }
    callback(obj); // LokiJS's loadJSONObject, synchronously
    if (!this.db) return;
    for (const coll of this.db.collections) {
      // Indices were saved as names only; the documents may have changed since. An entity
      // collection's are left dirty (rebuilt by LokiJS if a query ever uses them; see pointIndex).
      if (!(pointIndex.enabled && isEntityCollection(coll))) coll.ensureAllIndexes(true);
      this.known.set(coll.name, coll);
    }
  }

  /** The snapshot with every journal after it applied, or null for a new database. */
  readDatabase(dbname) {
    try {
      fs.rmSync(`${dbname}~hookbook`, { force: true }); // a compaction cut short
    } catch {
      // not ours to fail on
    }
    if (!fs.existsSync(dbname)) {
      this.gen = 0;
      return null;
    }
    const text = fs.readFileSync(dbname, 'utf8');
    this.snapshotBytes = Buffer.byteLength(text);
    const obj = JSON.parse(text);
    obj.collections = obj.collections || [];
    const gens = journalGenerations(dbname);
    let from = obj[FROM];
    if (typeof from !== 'number') {
      // Written by Azurite's own adapter (first start with this patch, or a run without it): any
      // journal is older than it. Mark it, so that the journals that follow are applied.
      for (const g of gens) fs.rmSync(journalName(dbname, g), { force: true });
      from = 1;
      obj[FROM] = from;
      const marked = JSON.stringify(obj);
      fs.writeFileSync(`${dbname}~hookbook`, marked);
      fs.renameSync(`${dbname}~hookbook`, dbname);
      this.snapshotBytes = Buffer.byteLength(marked);
      this.gen = from;
      return obj;
    }
    const cache = new Map();
    this.journalBytes = 0;
    for (const g of gens) {
      const file = journalName(dbname, g);
      if (g < from) {
        fs.rmSync(file, { force: true }); // already in the snapshot (a kill between rename and delete)
        continue;
      }
      const journal = fs.readFileSync(file, 'utf8');
      this.journalBytes += Buffer.byteLength(journal);
      let start = 0;
      for (;;) {
        const end = journal.indexOf('\n', start);
        if (end < 0) break; // a torn last line (killed while writing): that save never completed
        let line;
        try {
          line = JSON.parse(journal.slice(start, end));
        } catch {
          break;
        }
        applyOps(obj, line.ops, cache);
        start = end + 1;
      }
    }
    for (const [coll, m] of cache) coll.data = [...m.values()].sort((a, b) => a.$loki - b.$loki);
    // A fresh generation: never append after a torn line.
    this.gen = Math.max(from, gens.length ? gens[gens.length - 1] + 1 : from);
    return obj;
  }

  /** LokiJS's incremental save: (dbname, getLokiCopy, callback). The copy is never taken (it copies everything). */
  saveDatabase(dbname, _getLokiCopy, callback) {
    const db = this.db;
    if (!db) {
      callback(new Error('azurite-table-patch: adapter has no database'));
      return;
    }
    const before = new Map(this.known);
    const taken = [];
    let line;
    try {
      line = this.takeChanges(db, taken);
    } catch (error) {
      this.giveBack(before, taken);
      callback(error);
      return;
    }
    this.append(dbname, line).then(
      () => {
        if (!this.compaction && this.journalBytes > Math.max(COMPACT_MIN_BYTES, this.snapshotBytes)) this.startCompaction(dbname);
        callback(null);
      },
      (error) => {
        this.giveBack(before, taken);
        callback(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  /** The journal line for everything changed since the last save (undefined: nothing), clearing the dirty ids. */
  takeChanges(db, taken) {
    const ops = [];
    const current = new Set(db.collections);
    for (const [name, coll] of this.known) {
      if (!current.has(coll)) {
        ops.push({ drop: name });
        this.known.delete(name);
      }
    }
    for (const coll of db.collections) {
      const ids = coll.dirtyIds;
      taken.push([coll, ids]);
      coll.dirtyIds = [];
      coll.dirty = false;
      if (this.known.get(coll.name) !== coll) {
        ops.push({ create: collectionHeader(coll), docs: coll.data });
        this.known.set(coll.name, coll);
        continue;
      }
      if (ids.length === 0) continue;
      const put = [];
      const del = [];
      for (const id of new Set(ids)) {
        const doc = coll.get(id);
        if (doc) put.push(doc);
        else del.push(id);
      }
      ops.push({ c: coll.name, put, del, maxId: coll.maxId });
    }
    // Serialized now: the documents change after this turn.
    return ops.length ? `${JSON.stringify({ ops })}\n` : undefined;
  }

  /** A save that failed: its changes go into the next one. */
  giveBack(before, taken) {
    this.known = before;
    for (const [coll, ids] of taken) {
      coll.dirtyIds = ids.concat(coll.dirtyIds);
      if (ids.length) coll.dirty = true;
    }
  }

  async append(dbname, line) {
    if (this.gen === 0) {
      // A new database: an empty snapshot that points at the first journal (Azurite loads only when
      // the snapshot file exists).
      const empty = JSON.stringify({ filename: dbname, collections: [], databaseVersion: 1.5, engineVersion: 1.5, [FROM]: 1 });
      await fs.promises.writeFile(`${dbname}~hookbook`, empty);
      await fs.promises.rename(`${dbname}~hookbook`, dbname);
      this.snapshotBytes = empty.length;
      this.gen = 1;
    }
    if (line === undefined) return;
    if (!this.handle || this.handleGen !== this.gen) {
      const old = this.handle;
      this.handle = await fs.promises.open(journalName(dbname, this.gen), 'a');
      this.handleGen = this.gen;
      if (old) await old.close().catch(() => undefined);
    }
    await this.handle.appendFile(line);
    this.journalBytes += Buffer.byteLength(line);
  }

  /**
   * Rewrite the snapshot in slices. Called right after a save's line was appended and before the next
   * save can start (LokiJS runs one save at a time), so every change from here on goes into the new
   * generation.
   */
  startCompaction(dbname) {
    const from = this.gen + 1;
    this.gen = from;
    this.journalBytes = 0;
    this.compaction = this.writeSnapshot(dbname, from)
      .catch(() => {
        // The old snapshot and every journal since are still there: nothing lost. Try again later.
        this.journalBytes += this.snapshotBytes;
      })
      .finally(() => {
        this.compaction = null;
      });
  }

  async writeSnapshot(dbname, from) {
    const db = this.db;
    const tmp = `${dbname}~hookbook`;
    const out = await fs.promises.open(tmp, 'w');
    let bytes = 0;
    const write = async (s) => {
      await out.write(s);
      bytes += Buffer.byteLength(s);
    };
    try {
      await write(`{"filename":${JSON.stringify(dbname)},"databaseVersion":1.5,"engineVersion":1.5,"${FROM}":${from},"collections":[`);
      const colls = [...db.collections];
      for (let i = 0; i < colls.length; i++) {
        const coll = colls[i];
        const header = JSON.stringify(collectionHeader(coll));
        await write(`${i ? ',' : ''}${header.slice(0, -1)},"data":[`);
        let last = 0;
        let first = true;
        for (;;) {
          const data = coll.data;
          let pos = firstAfter(data, last);
          if (pos >= data.length) break;
          const parts = [];
          for (let n = 0; n < SLICE_DOCS && pos < data.length; n++, pos++) parts.push(JSON.stringify(data[pos]));
          last = data[pos - 1].$loki;
          await write(`${first ? '' : ','}${parts.join(',')}`);
          first = false;
          await nextTurn();
        }
        await write(`]}`);
      }
      await write(']}');
    } finally {
      await out.close();
    }
    await fs.promises.rename(tmp, dbname);
    this.snapshotBytes = bytes;
    for (const g of journalGenerations(dbname)) if (g < from) await fs.promises.rm(journalName(dbname, g), { force: true });
  }

  /**
   * On a graceful close: one last snapshot, so that a cleanly stopped store is whole in its snapshot
   * (quick to load, and readable by Azurite as shipped). A kill during it loses nothing: the old
   * snapshot and the journals stay until the new snapshot is in place.
   */
  async compactOnClose(dbname) {
    if (this.compaction) await this.compaction;
    if (this.gen === 0 || this.journalBytes === 0) return;
    this.startCompaction(dbname);
    await this.compaction;
  }

  deleteDatabase(dbname, callback) {
    try {
      for (const g of journalGenerations(dbname)) fs.rmSync(journalName(dbname, g), { force: true });
      fs.rmSync(dbname, { force: true });
      callback();
    } catch (error) {
      callback(error);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Point operations independent of the table's size.
//
// Azurite finds the entity of every point read, insert, update, merge, delete and batch rollback with
// `findOne({ PartitionKey, RowKey })`. LokiJS answers it from the PartitionKey binary index and then
// compares RowKey over the whole partition (for a job partition, ~1/8 of all jobs). And Azurite
// creates its table collections with adaptive binary indices on PartitionKey and RowKey, so every
// insert splices both sorted index arrays and every update or remove searches them linearly for the
// document's position: O(rows) per write. Its queries never use these indices (they filter with a
// function and sort explicitly), only that findOne does.
//
// So, for entity collections (those with binary indices on both PartitionKey and RowKey):
// - a Map PartitionKey -> Map RowKey -> document, built from the collection's data on first use and
//   kept in step by add (every insert), update and remove of one document; a batch remove, clear or
//   rollback, or anything that fails midway, drops it (rebuilt on next use). findOne with exactly string PartitionKey and RowKey
//   answers from it: the same document LokiJS would return (Azurite keeps (PartitionKey, RowKey)
//   unique, and LokiJS compares both with ===);
// - adaptiveBinaryIndices off: a write only flags the indices dirty (O(1)); LokiJS rebuilds them if
//   a query ever uses them (any other findOne/find), so such a query still gets the same answer.
// The indices stay defined (and saved by name, adaptive), so a database written here loads in Azurite
// as shipped with its indices working as it made them.

/** Maps of entity collections, by collection (a WeakMap: nothing added to what LokiJS serializes). */
const keyMaps = new WeakMap();
/** Switched off by tests to compare with LokiJS's own behaviour on the same process. */
const pointIndex = { enabled: true };

const isEntityCollection = (coll) => {
  const bi = coll.binaryIndices;
  return !!bi && Object.prototype.hasOwnProperty.call(bi, 'PartitionKey') && Object.prototype.hasOwnProperty.call(bi, 'RowKey');
};

function buildKeyMap(coll) {
  const m = new Map();
  for (const doc of coll.data) {
    let part = m.get(doc.PartitionKey);
    if (!part) m.set(doc.PartitionKey, (part = new Map()));
    if (!part.has(doc.RowKey)) part.set(doc.RowKey, doc); // LokiJS's first; Azurite never keeps two
  }
  return m;
}

function mapSet(m, doc) {
  let part = m.get(doc.PartitionKey);
  if (!part) m.set(doc.PartitionKey, (part = new Map()));
  if (!part.has(doc.RowKey)) part.set(doc.RowKey, doc);
}

function mapDelete(m, doc) {
  const part = m.get(doc.PartitionKey);
  if (!part || part.get(doc.RowKey) !== doc) return;
  part.delete(doc.RowKey);
  if (part.size === 0) m.delete(doc.PartitionKey);
}

function installPointIndex(Loki) {
  const Collection = Loki.Collection;
  const proto = Collection.prototype;
  if (proto.__hookbookPointIndex) return;
  proto.__hookbookPointIndex = true;

  const addCollection = Loki.prototype.addCollection;
  Loki.prototype.addCollection = function (name, options) {
    const coll = addCollection.call(this, name, options);
    if (pointIndex.enabled && isEntityCollection(coll)) coll.adaptiveBinaryIndices = false;
    return coll;
  };
  const loadJSONObject = Loki.prototype.loadJSONObject;
  Loki.prototype.loadJSONObject = function (...args) {
    const result = loadJSONObject.apply(this, args);
    if (pointIndex.enabled) {
      for (const coll of this.collections) {
        if (!isEntityCollection(coll)) continue;
        coll.adaptiveBinaryIndices = false;
        for (const k of Object.keys(coll.binaryIndices)) coll.binaryIndices[k].dirty = true;
      }
    }
    return result;
  };

  const findOne = proto.findOne;
  proto.findOne = function (query) {
    if (
      pointIndex.enabled &&
      query &&
      !this.cloneObjects &&
      typeof query.PartitionKey === 'string' &&
      typeof query.RowKey === 'string' &&
      Object.keys(query).length === 2 &&
      isEntityCollection(this)
    ) {
      let m = keyMaps.get(this);
      if (!m) keyMaps.set(this, (m = buildKeyMap(this)));
      const part = m.get(query.PartitionKey);
      const doc = part && part.get(query.RowKey);
      return doc === undefined ? null : doc;
    }
    return findOne.call(this, query);
  };

  const add = proto.add;
  proto.add = function (obj) {
    const m = keyMaps.get(this);
    if (!m) return add.call(this, obj);
    keyMaps.delete(this);
    const result = add.call(this, obj);
    if (result) {
      mapSet(m, this.data[this.data.length - 1]);
      keyMaps.set(this, m);
    }
    return result;
  };

  const update = proto.update;
  proto.update = function (doc) {
    const m = keyMaps.get(this);
    if (!m || Array.isArray(doc)) {
      keyMaps.delete(this); // an array update goes through update() per document; rebuilt on next use
      return update.call(this, doc);
    }
    const old = doc && doc.$loki !== undefined ? this.get(doc.$loki) : null;
    keyMaps.delete(this);
    const result = update.call(this, doc); // throws on failure: the map stays dropped
    const now = this.get(doc.$loki);
    if (old) mapDelete(m, old);
    if (now) mapSet(m, now);
    keyMaps.set(this, m);
    return result;
  };

  const remove = proto.remove;
  proto.remove = function (doc) {
    const m = keyMaps.get(this);
    if (!m || Array.isArray(doc) || (typeof doc !== 'object' && typeof doc !== 'number') || doc === null) {
      keyMaps.delete(this);
      return remove.call(this, doc);
    }
    const id = typeof doc === 'number' ? doc : doc.$loki;
    const old = id !== undefined ? this.get(id) : null;
    keyMaps.delete(this);
    const result = remove.call(this, doc);
    if (old && this.get(id) == null) {
      mapDelete(m, old);
      keyMaps.set(this, m);
    } else if (!old) {
      keyMaps.set(this, m); // nothing was removed
    }
    return result;
  };

  for (const name of ['removeBatchByPositions', 'clear', 'rollback']) {
    const orig = proto[name];
    proto[name] = function (...args) {
      keyMaps.delete(this);
      return orig.apply(this, args);
    };
  }
}

// Queries within one partition. Azurite runs every entity query as `collection.chain().where(filter)
// .where(continuation).sort(PartitionKey, RowKey).limit(top + 1)`, so `PartitionKey eq 'x'` reads
// every row of the table. When the filter's top-level conjunction holds `PartitionKey eq '<string>'`
// (Azurite's EqualsNode compares an identifier and a string constant with ===, so no row of another
// partition can match), the chain starts from that partition's rows (from the map above) instead of
// all rows; Azurite's own filter, continuation, sort and limit then run unchanged on them.

/** The partition a parsed filter confines its matches to, or undefined. */
function confinedPartition(node, nodes) {
  if (node instanceof nodes.And) return confinedPartition(node.left, nodes) ?? confinedPartition(node.right, nodes);
  if (!(node instanceof nodes.Equals)) return undefined;
  const pk = (id, c) =>
    id instanceof nodes.Identifier && id.identifier === 'PartitionKey' && c instanceof nodes.Constant && typeof c.value === 'string'
      ? c.value
      : undefined;
  return pk(node.left, node.right) ?? pk(node.right, node.left);
}

function installPartitionQueries(azuriteDir, Loki) {
  const dist = (rel) => require(require.resolve(`azurite/dist/src/table/persistence/${rel}`, { paths: [azuriteDir] }));
  const Store = dist('LokiTableMetadataStore.js').default;
  const parse = dist('QueryInterpreter/QueryParser.js').default;
  const nodes = {
    And: dist('QueryInterpreter/QueryNodes/AndNode.js').default,
    Equals: dist('QueryInterpreter/QueryNodes/EqualsNode.js').default,
    Identifier: dist('QueryInterpreter/QueryNodes/IdentifierNode.js').default,
    Constant: dist('QueryInterpreter/QueryNodes/ConstantNode.js').default,
  };
  if (Store.prototype.__hookbookPartitionQueries) return;
  Store.prototype.__hookbookPartitionQueries = true;
  const chain = Loki.Collection.prototype.chain;
  const query = Store.prototype.queryTableEntities;
  Store.prototype.queryTableEntities = function (context, account, table, queryOptions, ...rest) {
    const args = [context, account, table, queryOptions, ...rest];
    if (!pointIndex.enabled) return query.apply(this, args);
    let coll;
    let partition;
    try {
      coll = this.getEntityCollection(account, table, context);
      const filter = queryOptions && queryOptions.filter;
      if (typeof filter === 'string' && filter !== '' && filter !== 'true' && filter !== 'false')
        partition = confinedPartition(parse(filter), nodes);
    } catch {
      partition = undefined; // Azurite's own code gives the error
    }
    if (partition === undefined || !isEntityCollection(coll) || coll.cloneObjects) return query.apply(this, args);
    let m = keyMaps.get(coll);
    if (!m) keyMaps.set(coll, (m = buildKeyMap(coll)));
    const part = m.get(partition);
    const positions = [];
    for (const doc of part ? part.values() : []) {
      const at = coll.get(doc.$loki, true);
      if (!at) return query.apply(this, args); // never expected: the map is kept in step
      positions.push(at[1]);
    }
    positions.sort((a, b) => a - b);
    // Azurite's method runs synchronously up to its result (no await before it), so the override
    // is in place for exactly its own chain() call.
    coll.chain = function (...a) {
      const rs = chain.apply(this, a);
      rs.filteredrows = positions;
      rs.filterInitialized = true;
      return rs;
    };
    try {
      return query.apply(this, args);
    } finally {
      delete coll.chain;
    }
  };
}

/** Use the journal adapter wherever LokiJS would persist to a file with autosave (the table service's store). */
function install(Loki) {
  if (Loki.prototype.__hookbookJournal) return;
  Loki.prototype.__hookbookJournal = true;
  const configure = Loki.prototype.configureOptions;
  Loki.prototype.configureOptions = function (options, initialConfig) {
    if (options && options.persistenceMethod === 'fs' && options.autosave) {
      const adapter = new JournalAdapter();
      adapter.db = this;
      const { persistenceMethod: _fs, ...rest } = options;
      const saveMs = Number(process.env.HOOKBOOK_AZURITE_SAVE_MS);
      options = { ...rest, adapter, ...(Number.isInteger(saveMs) && saveMs > 0 ? { autosaveInterval: saveMs } : {}) };
    }
    return configure.call(this, options, initialConfig);
  };
  const close = Loki.prototype.close;
  Loki.prototype.close = function (callback) {
    const adapter = this.persistenceAdapter;
    if (!(adapter instanceof JournalAdapter)) return close.call(this, callback);
    // LokiJS's close saves what is dirty (into the journal), then calls back; the snapshot follows.
    const dbname = this.filename;
    let called = false;
    const done = (err) => {
      if (called) return;
      called = true;
      if (err) return callback && callback(err);
      adapter.compactOnClose(dbname).then(
        () => callback && callback(),
        () => callback && callback(), // the journal still holds everything
      );
    };
    return close.call(this, done);
  };
}

let Loki;
try {
  // The LokiJS that Azurite loads (resolved from Azurite's package, wherever the entry script is).
  const azuriteDir = path.dirname(require.resolve('azurite/package.json'));
  Loki = require(require.resolve('lokijs', { paths: [azuriteDir] }));
} catch {
  Loki = undefined; // Azurite's layout changed: run it as shipped rather than not at all.
}
const version = (() => {
  try {
    return require('azurite/package.json').version;
  } catch {
    return '';
  }
})();

if (Loki && /^3\./.test(version) && process.env.HOOKBOOK_AZURITE_TABLE_PATCH !== '0') {
  install(Loki);
  installPointIndex(Loki);
  try {
    installPartitionQueries(path.dirname(require.resolve('azurite/package.json')), Loki);
  } catch {
    // Azurite's layout changed: its queries as shipped.
  }
}

module.exports = { JournalAdapter, COMPACT_MIN_BYTES, pointIndex };
