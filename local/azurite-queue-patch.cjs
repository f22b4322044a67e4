// Preloaded (node --require) into the Azurite queue child only: makes every message operation cost
// the same whatever the queue's depth. See docs/performance.md ("Bursts").
//
// Azurite 3.35's LokiQueueMetadataStore keeps all messages in one LokiJS collection with binary
// indices on accountName, queueName, messageId and visibleTime. Every receive, delete and update
// first runs clearExpiredMessages (a LokiJS $and query over every message of the account, since the
// accountName index matches them all), then another such query, and a receive sorts every visible
// message (compoundsort) to return the first 32. Each insert, update and remove also keeps the four
// binary indices up to date, which for LokiJS's adaptive indices is a linear indexOf plus a pass over
// the whole index per index. Measured with bench/queue-depth.ts: a delete costs ~0 ms on an empty
// queue and tens to hundreds of ms with a few thousand messages waiting, so a burst drains slowest
// exactly when the queue is deepest.
//
// In memory mode (MemoryExtentStore) every message body is an extent of its own, with a document in
// the extent metadata collection, which has a binary index on `id`. The queue's garbage collector
// deletes unreferenced extents one by one (deleteExtents -> deleteExtent -> findAndRemove), and each
// removal rebuilds that index with a full sort: after a burst of thousands of messages the collector
// held the queue process at 100 % CPU for ~25 s, and no receive or delete was answered meanwhile
// (the drain stopped). The patch removes a collector run's extents in one pass.
//
// The patch keeps Azurite's data model, persistence and answers and replaces only the hot methods:
// plain loops over the collection (microseconds for thousands of messages), a bounded top-k instead
// of a full sort, and no binary indices on the messages collection (nothing else queries them by
// index; LokiJS falls back to a scan for the rare other queries). Offered upstream as a note in
// docs/performance.md; remove this file when Azurite indexes its messages itself.
'use strict';

let Store;
try {
  Store = require('azurite/dist/src/queue/persistence/LokiQueueMetadataStore.js').default;
} catch {
  Store = undefined; // Azurite's layout changed: run it unpatched rather than not at all.
}

const PATCHED_FOR = /^3\./;
const version = (() => {
  try {
    return require('azurite/package.json').version;
  } catch {
    return '';
  }
})();

function ms(v) {
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  return new Date(v).getTime();
}

function messages(store) {
  const coll = store.db.getCollection(store.MESSAGES_COLLECTION);
  if (!coll.__hookbookUnindexed) {
    // Dropping the indices makes insert/update/remove O(1) in LokiJS's bookkeeping (a data array
    // splice remains on remove). Done on first use, after init() has loaded or created the collection.
    coll.binaryIndices = {};
    coll.adaptiveBinaryIndices = false;
    coll.__hookbookUnindexed = true;
  }
  return coll;
}

function notFound(context) {
  const Errors = require('azurite/dist/src/queue/errors/StorageErrorFactory.js').default;
  return Errors.getMessageNotFound(context ? context.contextID : undefined);
}

function popMismatch(context) {
  const Errors = require('azurite/dist/src/queue/errors/StorageErrorFactory.js').default;
  return Errors.getPopReceiptMismatch(context ? context.contextID : undefined);
}

/** The first `count` visible messages of the queue, ordered as Azurite orders them (timeNextVisible, $loki). */
function firstVisible(coll, account, queue, queryTime, count) {
  const best = [];
  for (const doc of coll.data) {
    if (doc.queueName !== queue || doc.accountName !== account) continue;
    const t = ms(doc.timeNextVisible);
    if (t > queryTime) continue;
    // coll.data is in $loki order, so among equal times the earlier document is already ahead.
    if (best.length === count && t >= ms(best[best.length - 1].timeNextVisible)) continue;
    let i = best.length;
    while (i > 0 && ms(best[i - 1].timeNextVisible) > t) i--;
    best.splice(i, 0, doc);
    if (best.length > count) best.pop();
  }
  return best;
}

function findMessage(coll, account, queue, messageId) {
  for (const doc of coll.data) {
    if (doc.messageId === messageId && doc.queueName === queue && doc.accountName === account) return doc;
  }
  return undefined;
}

// HOOKBOOK_AZURITE_QUEUE_PATCH=0 runs Azurite as shipped (for comparing, in bench/queue-depth.ts).
if (Store && PATCHED_FOR.test(version) && process.env.HOOKBOOK_AZURITE_QUEUE_PATCH !== '0') {
  const proto = Store.prototype;

  proto.clearExpiredMessages = async function (account, queue, context) {
    this.checkQueueExist(account, queue, context);
    const coll = messages(this);
    const now = Date.now();
    const expired = [];
    for (const doc of coll.data) {
      if (doc.queueName === queue && doc.accountName === account && ms(doc.expirationTime) <= now) expired.push(doc);
    }
    if (expired.length > 0) coll.remove(expired);
  };

  proto.insertMessage = async function (message, context) {
    this.checkQueueExist(message.accountName, message.queueName, context);
    const saveMessage = this.messageCopy(message);
    saveMessage.timeNextVisible = saveMessage.timeNextVisible.getTime();
    messages(this).insert(saveMessage);
  };

  proto.peekMessages = async function (account, queue, numOfMessages, queryDate, context) {
    this.checkQueueExist(account, queue, context);
    await this.clearExpiredMessages(account, queue, context);
    const queryTime = queryDate ? queryDate.getTime() : Date.now();
    const docs = firstVisible(messages(this), account, queue, queryTime, numOfMessages === undefined ? 1 : numOfMessages);
    return docs.map((doc) => this.messageCopy(doc));
  };

  proto.getMessages = async function (account, queue, timeNextVisible, popReceipt, numOfMessages, queryDate, context) {
    this.checkQueueExist(account, queue, context);
    await this.clearExpiredMessages(account, queue, context);
    const coll = messages(this);
    const queryTime = queryDate ? queryDate.getTime() : Date.now();
    const count = numOfMessages === undefined || numOfMessages < 1 ? 1 : numOfMessages;
    const docs = firstVisible(coll, account, queue, queryTime, count);
    const visible = timeNextVisible.getTime();
    for (const doc of docs) {
      doc.timeNextVisible = visible;
      doc.popReceipt = popReceipt;
      doc.dequeueCount = Number(doc.dequeueCount) + 1;
    }
    if (docs.length > 0) coll.update(docs);
    return docs.map((doc) => this.messageCopy(doc));
  };

  proto.deleteMessage = async function (account, queue, messageId, validatingPopReceipt, context) {
    this.checkQueueExist(account, queue, context);
    await this.clearExpiredMessages(account, queue, context);
    const coll = messages(this);
    const doc = findMessage(coll, account, queue, messageId);
    if (!doc) throw notFound(context);
    if (doc.popReceipt !== validatingPopReceipt) throw popMismatch(context);
    coll.remove(doc);
  };

  proto.updateMessage = async function (message, validatingPopReceipt, context) {
    this.checkQueueExist(message.accountName, message.queueName, context);
    await this.clearExpiredMessages(message.accountName, message.queueName, context);
    const coll = messages(this);
    const doc = findMessage(coll, message.accountName, message.queueName, message.messageId);
    if (!doc) throw notFound(context);
    if (doc.popReceipt !== validatingPopReceipt) throw popMismatch(context);
    doc.popReceipt = message.popReceipt;
    doc.timeNextVisible = message.timeNextVisible.getTime();
    if (message.persistency !== undefined) doc.persistency = message.persistency;
    coll.update(doc);
  };
}

let MemoryExtentStore;
try {
  MemoryExtentStore = require('azurite/dist/src/common/persistence/MemoryExtentStore.js').default;
} catch {
  MemoryExtentStore = undefined;
}

if (MemoryExtentStore && PATCHED_FOR.test(version) && process.env.HOOKBOOK_AZURITE_QUEUE_PATCH !== '0') {
  const original = MemoryExtentStore.prototype.deleteExtents;
  MemoryExtentStore.prototype.deleteExtents = async function (extents) {
    const meta = this.metadataStore;
    const coll = meta && meta.db && meta.EXTENTS_COLLECTION ? meta.db.getCollection(meta.EXTENTS_COLLECTION) : null;
    if (!coll) return original.call(this, extents); // not the Loki metadata store this patch knows
    const ids = new Set(extents);
    for (const id of ids) this.chunks.delete(this.categoryName, id);
    // One pass and one index rebuild for all of them, instead of one rebuild per extent.
    if (ids.size > 0) coll.removeWhere((doc) => ids.has(doc.id));
    return ids.size;
  };
}
