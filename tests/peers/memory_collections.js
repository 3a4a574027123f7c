// In-memory stand-ins for the MongoDB collections @rocket.chat/federation-sdk's repositories use, evaluated by
// mingo (MongoDB's query and aggregation language in JavaScript). State lives in this process only.
//
// The SDK opens `new MongoClient(uri)` and asks `client.db().collection(name)` for each of its collections, then
// registers them under its `*Collection` tokens (init() in the SDK). `install()` patches the driver's
// MongoClient.prototype.connect (no socket is ever opened) and Db.prototype.collection (returns a MemoryCollection),
// so the SDK's own init() runs unchanged. What is emulated is what its repositories call: find (cursor with sort,
// limit, projection, toArray, async iteration), findOne, findOneAndUpdate (upsert, returnDocument), insertOne,
// insertMany, updateOne, updateMany (upsert, $set/$setOnInsert/$unset/$inc/$push/$addToSet/$pull), deleteOne,
// deleteMany, countDocuments, distinct, createIndex (unique), aggregate (incl. $graphLookup on the same collection).
// A write that breaks `_id` or a unique index throws a MongoServerError with code 11000, as the SDK's lock
// repository relies on.
'use strict';

const crypto = require('node:crypto');
const { Query, aggregate, update } = require('mingo');

const registry = new Map();

function clone(value) {
  return value === undefined ? undefined : structuredClone(value);
}

function getPath(doc, path) {
  return path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), doc);
}

function setPath(doc, path, value) {
  const keys = path.split('.');
  let target = doc;
  for (const key of keys.slice(0, -1)) {
    if (target[key] === null || typeof target[key] !== 'object') target[key] = {};
    target = target[key];
  }
  target[keys[keys.length - 1]] = value;
}

function duplicateKey(collection, key) {
  const err = new Error(`E11000 duplicate key error collection: ${collection} index: ${key}`);
  err.name = 'MongoServerError';
  err.code = 11000;
  return err;
}

class MemoryCursor {
  constructor(producer) {
    this.producer = producer;
    this.sortSpec = null;
    this.limitN = 0;
    this.skipN = 0;
    this.projectionSpec = null;
  }

  sort(spec) { this.sortSpec = spec; return this; }

  limit(n) { this.limitN = n; return this; }

  skip(n) { this.skipN = n; return this; }

  project(spec) { this.projectionSpec = spec; return this; }

  async toArray() {
    return this.producer(this);
  }

  async* [Symbol.asyncIterator]() {
    for (const doc of await this.toArray()) yield doc;
  }

  async close() {}
}

class MemoryCollection {
  constructor(name) {
    this.collectionName = name;
    this.docs = [];
    this.uniqueIndexes = [];
  }

  query(filter, options = {}) {
    const cursor = new Query(filter || {}).find(this.docs, options.projection || undefined);
    if (options.sort) cursor.sort(options.sort);
    if (options.skip) cursor.skip(options.skip);
    if (options.limit) cursor.limit(options.limit);
    return cursor.all().map(clone);
  }

  matching(filter) {
    const query = new Query(filter || {});
    return this.docs.filter((doc) => query.test(doc));
  }

  checkUnique(candidate, except) {
    for (const doc of this.docs) {
      if (doc === except) continue;
      if (doc._id === candidate._id || (doc._id && candidate._id && String(doc._id) === String(candidate._id))) {
        throw duplicateKey(this.collectionName, '_id_');
      }
      for (const fields of this.uniqueIndexes) {
        if (fields.every((f) => getPath(candidate, f) !== undefined && getPath(doc, f) === getPath(candidate, f))) {
          throw duplicateKey(this.collectionName, fields.join('_'));
        }
      }
    }
  }

  find(filter, options = {}) {
    return new MemoryCursor((cursor) => this.query(filter, {
      projection: cursor.projectionSpec || options.projection,
      sort: cursor.sortSpec || options.sort,
      limit: cursor.limitN || options.limit,
      skip: cursor.skipN || options.skip,
    }));
  }

  async findOne(filter, options = {}) {
    return this.query(filter, { ...options, limit: 1 })[0] || null;
  }

  async countDocuments(filter) {
    return this.matching(filter).length;
  }

  async estimatedDocumentCount() {
    return this.docs.length;
  }

  async distinct(field, filter) {
    const values = new Map();
    for (const doc of this.matching(filter)) {
      const value = getPath(doc, field);
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined) values.set(JSON.stringify(item), item);
      }
    }
    return [...values.values()].map(clone);
  }

  async insertOne(doc) {
    const stored = clone(doc);
    if (stored._id === undefined) stored._id = crypto.randomBytes(12).toString('hex');
    this.checkUnique(stored);
    this.docs.push(stored);
    return { acknowledged: true, insertedId: stored._id };
  }

  async insertMany(docs) {
    const insertedIds = {};
    for (const [index, doc] of docs.entries()) insertedIds[index] = (await this.insertOne(doc)).insertedId;
    return { acknowledged: true, insertedCount: docs.length, insertedIds };
  }

  // The document an upsert inserts: the filter's equality fields, then the update (with $setOnInsert).
  seed(filter) {
    const doc = {};
    for (const [key, value] of Object.entries(filter || {})) {
      if (key.startsWith('$')) continue;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)
          && Object.keys(value).some((k) => k.startsWith('$'))) {
        if ('$eq' in value) setPath(doc, key, clone(value.$eq));
        continue;
      }
      setPath(doc, key, clone(value));
    }
    return doc;
  }

  applyUpdate(doc, spec, inserting) {
    if (Array.isArray(spec)) throw new Error('pipeline updates are not emulated');
    const { $setOnInsert: insertOnly, ...rest } = spec;
    // mingo refuses to write _id; an insert takes it from $setOnInsert / $set, as MongoDB does
    let onInsert = insertOnly;
    for (const source of [insertOnly, rest.$set]) {
      if (inserting && source && source._id !== undefined && doc._id === undefined) {
        doc = { ...doc, _id: clone(source._id) };
      }
    }
    if (onInsert && onInsert._id !== undefined) {
      const { _id: ignored, ...insertFields } = onInsert;
      onInsert = insertFields;
    }
    if (rest.$set && rest.$set._id !== undefined) {
      const { _id: ignored, ...set } = rest.$set;
      rest.$set = set;
    }
    const operators = Object.keys(rest).some((k) => k.startsWith('$'));
    let next = clone(doc);
    if (!operators) {
      next = { _id: doc._id, ...clone(rest) };
    } else if (Object.keys(rest).length) {
      update(next, rest);
    }
    if (inserting && onInsert) update(next, { $set: onInsert });
    if (next._id === undefined) next._id = crypto.randomBytes(12).toString('hex');
    return next;
  }

  writeOne(filter, spec, options = {}) {
    const [current] = this.matching(filter);
    if (current) {
      const next = this.applyUpdate(current, spec, false);
      this.checkUnique(next, current);
      const modified = JSON.stringify(next) !== JSON.stringify(current);
      this.docs[this.docs.indexOf(current)] = next;
      return { before: clone(current), after: clone(next), matched: 1, modified: modified ? 1 : 0 };
    }
    if (!options.upsert) return { before: null, after: null, matched: 0, modified: 0 };
    const next = this.applyUpdate(this.seed(filter), spec, true);
    this.checkUnique(next);
    this.docs.push(next);
    return { before: null, after: clone(next), matched: 0, modified: 0, upsertedId: next._id };
  }

  async updateOne(filter, spec, options = {}) {
    const result = this.writeOne(filter, spec, options);
    return {
      acknowledged: true, matchedCount: result.matched, modifiedCount: result.modified,
      upsertedCount: result.upsertedId !== undefined ? 1 : 0, upsertedId: result.upsertedId ?? null,
    };
  }

  async replaceOne(filter, doc, options = {}) {
    return this.updateOne(filter, doc, options);
  }

  async updateMany(filter, spec, options = {}) {
    const targets = this.matching(filter);
    if (!targets.length) return this.updateOne(filter, spec, options);
    let modified = 0;
    for (const current of targets) {
      const next = this.applyUpdate(current, spec, false);
      this.checkUnique(next, current);
      if (JSON.stringify(next) !== JSON.stringify(current)) modified += 1;
      this.docs[this.docs.indexOf(current)] = next;
    }
    return { acknowledged: true, matchedCount: targets.length, modifiedCount: modified, upsertedCount: 0 };
  }

  async findOneAndUpdate(filter, spec, options = {}) {
    const result = this.writeOne(filter, spec, options);
    return options.returnDocument === 'after' ? result.after : result.before;
  }

  async findOneAndDelete(filter) {
    const [current] = this.matching(filter);
    if (!current) return null;
    this.docs.splice(this.docs.indexOf(current), 1);
    return clone(current);
  }

  async deleteOne(filter) {
    const [current] = this.matching(filter);
    if (current) this.docs.splice(this.docs.indexOf(current), 1);
    return { acknowledged: true, deletedCount: current ? 1 : 0 };
  }

  async deleteMany(filter) {
    const gone = new Set(this.matching(filter));
    this.docs = this.docs.filter((doc) => !gone.has(doc));
    return { acknowledged: true, deletedCount: gone.size };
  }

  async createIndex(spec, options = {}) {
    const fields = Object.keys(spec);
    if (options.unique && !this.uniqueIndexes.some((f) => f.join() === fields.join())) this.uniqueIndexes.push(fields);
    return fields.map((f) => `${f}_${spec[f]}`).join('_');
  }

  async createIndexes(specs) {
    return Promise.all(specs.map((s) => this.createIndex(s.key, s)));
  }

  aggregate(pipeline) {
    const run = () => aggregate(this.docs, pipeline, {
      collectionResolver: (name) => (registry.get(name) || this).docs,
    }).map(clone);
    return new MemoryCursor(async () => run());
  }
}

function collection(name) {
  if (!registry.has(name)) registry.set(name, new MemoryCollection(name));
  return registry.get(name);
}

// Patch the mongodb driver the SDK loads (the same module instance: tests/peers/node_modules/mongodb).
function install() {
  const mongodb = require('mongodb');
  mongodb.MongoClient.prototype.connect = async function connect() { return this; };
  mongodb.MongoClient.prototype.close = async function close() {};
  mongodb.Db.prototype.collection = function memoryCollection(name) { return collection(name); };
  return { collection, registry };
}

module.exports = { install, collection, MemoryCollection };
