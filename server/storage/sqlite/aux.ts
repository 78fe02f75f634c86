/**
 * Auxiliary collections (auth state, signing keys, bulk jobs, conditional keys...) on one table
 * `aux(coll, id, doc)`: a filter on a plain `_id` (a string or `$in`) reads by key, any other filter reads
 * the collection's rows in key order (chunked) and is evaluated with mingo, with MongoDB's semantics.
 * Writes with a `session` run in that transaction; without one, each is its own transaction on the writer
 * queue (so it joins a group commit).
 */
import type { Filter, UpdateFilter } from 'mongodb';
import { update as mingoUpdate } from 'mingo';
import { Query } from 'mingo/query';
import type { Modifier } from 'mingo/updater';
import type {
  DocumentCollection,
  DocumentCursor,
  FindOptions,
  IndexKeys,
  IndexOptions,
  QueryPlan,
  StorageSession,
  StoredDocument,
  UpdateResult,
  UpsertOptions,
  WriteOptions,
} from '../document-collection.js';
import { duplicateKeyError, SqliteStoreError, sqliteCode } from './errors.js';
import { MINGO_OPTIONS } from './mingo-context.js';
import type { SqliteStorage } from './storage.js';

const CHUNK = 1000;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ids a filter names by a plain `_id` condition, or null when it does not. */
function idsOf(filter: Plain): string[] | null {
  const id = filter._id;
  if (typeof id === 'string') return [id];
  if (isPlain(id)) {
    const keys = Object.keys(id);
    if (
      keys.length === 1 &&
      keys[0] === '$in' &&
      Array.isArray(id.$in) &&
      id.$in.every((v) => typeof v === 'string')
    )
      return [...new Set(id.$in as string[])].sort();
    if (keys.length === 1 && keys[0] === '$eq' && typeof id.$eq === 'string') return [id.$eq];
  }
  return null;
}

function setPath(target: Plain, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]];
    if (isPlain(next)) cur = next;
    else {
      const created: Plain = {};
      cur[parts[i]] = created;
      cur = created;
    }
  }
  cur[parts[parts.length - 1]] = value;
}

/** The equality conditions of a filter as a new document (MongoDB's upsert seed). */
function seedFromFilter(filter: Plain, seed: Plain = {}): Plain {
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    if (key === '$and' && Array.isArray(value)) {
      for (const member of value) if (isPlain(member)) seedFromFilter(member, seed);
      continue;
    }
    if (key.startsWith('$') || value instanceof RegExp) continue;
    if (isPlain(value)) {
      const ops = Object.keys(value);
      if (ops.length > 0 && ops.every((op) => op.startsWith('$'))) {
        if (ops.length === 1 && ops[0] === '$eq') setPath(seed, key, structuredClone(value.$eq));
        continue;
      }
    }
    setPath(seed, key, structuredClone(value));
  }
  return seed;
}

const copy = <V>(v: V): V => JSON.parse(JSON.stringify(v)) as V;

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  $gt: (a, b) => a > b,
  $gte: (a, b) => a >= b,
  $lt: (a, b) => a < b,
  $lte: (a, b) => a <= b,
};

/**
 * The test of a filter made only of a plain `_id` condition and number comparisons on top-level fields
 * (what the auth state's look-ups send on every request: `{ _id: { $in: [...] }, exp: { $gt: now } }`),
 * written out; null for any other filter. A document whose compared field is not a number is left to mingo.
 */
function simpleMatcher(filter: Plain): ((doc: Plain, mingo: () => Query) => boolean) | null {
  const tests: Array<(doc: Plain) => boolean | undefined> = [];
  for (const [field, cond] of Object.entries(filter)) {
    if (field === '_id') {
      const ids = idsOf({ _id: cond });
      if (!ids) return null;
      const wanted = new Set(ids);
      tests.push((doc) => typeof doc._id === 'string' && wanted.has(doc._id));
      continue;
    }
    if (field.startsWith('$') || field.includes('.') || !isPlain(cond)) return null;
    const ops = Object.entries(cond);
    if (ops.length === 0) return null;
    for (const [op, bound] of ops) {
      const cmp = COMPARISONS[op];
      if (!cmp || typeof bound !== 'number' || !Number.isFinite(bound)) return null;
    }
    tests.push((doc) => {
      const v = doc[field];
      if (typeof v !== 'number') return undefined;
      return ops.every(([op, bound]) => COMPARISONS[op](v, bound as number));
    });
  }
  return (doc, mingo) => {
    for (const t of tests) {
      const r = t(doc);
      if (r === undefined) return mingo().test(doc);
      if (!r) return false;
    }
    return true;
  };
}

/** The test of a filter with MongoDB's semantics (mingo; a simple filter written out, see above). */
function matcherOf(filter: Plain): (doc: Plain) => boolean {
  const simple = simpleMatcher(filter);
  if (!simple) {
    const query = new Query(filter, MINGO_OPTIONS);
    return (doc) => query.test(doc);
  }
  let query: Query | undefined;
  const mingo = () => (query ??= new Query(filter, MINGO_OPTIONS));
  return (doc) => simple(doc, mingo);
}

/** One auxiliary collection. */
export class SqliteAuxCollection<T extends StoredDocument> implements DocumentCollection<T> {
  constructor(
    private readonly store: SqliteStorage,
    readonly collectionName: string,
  ) {}

  /** The candidate documents of `filter` (by key, or every document of the collection), then mingo. */
  private async select(filter: Plain, session: StorageSession | undefined, stopAfter?: number): Promise<T[]> {
    const s = this.store.statements(session);
    const ids = idsOf(filter);
    const test = matcherOf(filter);
    const out: T[] = [];
    if (ids) {
      const get = s.get('SELECT doc FROM aux WHERE coll = ? AND id = ?');
      for (const id of ids) {
        const row = get.get(this.collectionName, id) as { doc: string } | undefined;
        if (!row) continue;
        const doc = JSON.parse(row.doc) as T;
        if (test(doc)) out.push(doc);
        if (stopAfter !== undefined && out.length >= stopAfter) break;
      }
      return out;
    }
    const first = s.get('SELECT id, doc FROM aux WHERE coll = ? ORDER BY id LIMIT ?');
    const next = s.get('SELECT id, doc FROM aux WHERE coll = ? AND id > ? ORDER BY id LIMIT ?');
    let after: string | undefined;
    for (;;) {
      const rows = (
        after === undefined
          ? first.all(this.collectionName, CHUNK)
          : next.all(this.collectionName, after, CHUNK)
      ) as Array<{
        id: string;
        doc: string;
      }>;
      for (const row of rows) {
        const doc = JSON.parse(row.doc) as T;
        if (test(doc)) out.push(doc);
        if (stopAfter !== undefined && out.length >= stopAfter) return out;
      }
      if (rows.length < CHUNK) return out;
      after = rows[rows.length - 1].id;
      await yieldToEventLoop();
    }
  }

  /** Runs a write in `session`, or as its own transaction. */
  private write<R>(
    session: StorageSession | undefined,
    fn: (session: StorageSession) => R | Promise<R>,
  ): Promise<R> {
    if (session) {
      this.store.txState(session);
      return Promise.resolve().then(() => fn(session));
    }
    return this.store.transaction(async (tx) => fn(tx));
  }

  find(filter: Filter<T>, options: FindOptions = {}): DocumentCursor<T> {
    return {
      toArray: async () => {
        const simple = !options.sort && !options.skip && options.limit !== undefined && options.limit > 0;
        const docs = await this.select(filter as Plain, options.session, simple ? options.limit : undefined);
        // nothing to sort, skip or project: the matches as they are (what the cursor below would return)
        const plain = !options.sort && !options.skip && !options.projection;
        if (plain) return options.limit ? docs.slice(0, options.limit) : docs;
        let cursor = new Query({}, MINGO_OPTIONS).find<T>(docs, options.projection as never);
        if (options.sort) cursor = cursor.sort(options.sort);
        if (options.skip) cursor = cursor.skip(options.skip);
        if (options.limit) cursor = cursor.limit(options.limit);
        return cursor.all() as T[];
      },
    };
  }

  async findOne(filter: Filter<T>, options: FindOptions = {}): Promise<T | null> {
    const docs = await this.find(filter, { ...options, limit: 1 }).toArray();
    return docs[0] ?? null;
  }

  async countDocuments(
    filter: Filter<T>,
    options: { session?: StorageSession; limit?: number } = {},
  ): Promise<number> {
    const docs = await this.select(filter as Plain, options.session, options.limit);
    return options.limit !== undefined ? Math.min(docs.length, options.limit) : docs.length;
  }

  private insertRow(session: StorageSession, doc: T): void {
    if (typeof doc._id !== 'string') throw new SqliteStoreError('Documents need a string _id', 'BadValue', 2);
    try {
      this.store
        .statements(session)
        .get('INSERT INTO aux (coll, id, doc) VALUES (?, ?, ?)')
        .run(this.collectionName, doc._id, JSON.stringify(doc));
    } catch (err) {
      if (sqliteCode(err)?.startsWith('SQLITE_CONSTRAINT'))
        throw duplicateKeyError(this.collectionName, doc._id);
      throw err;
    }
  }

  private replaceRow(session: StorageSession, doc: T): void {
    this.store
      .statements(session)
      .get('UPDATE aux SET doc = ? WHERE coll = ? AND id = ?')
      .run(JSON.stringify(doc), this.collectionName, doc._id);
  }

  async insertOne(doc: T, options: WriteOptions = {}): Promise<{ insertedId: string }> {
    const stored = copy(doc);
    await this.write(options.session, (s) => this.insertRow(s, stored));
    return { insertedId: stored._id };
  }

  async insertMany(docs: T[], options: WriteOptions = {}): Promise<{ insertedCount: number }> {
    const stored = docs.map(copy);
    await this.write(options.session, (s) => {
      for (const d of stored) this.insertRow(s, d);
    });
    return { insertedCount: stored.length };
  }

  async replaceOne(filter: Filter<T>, doc: T, options: UpsertOptions = {}): Promise<UpdateResult> {
    return this.write(options.session, async (s) => {
      const [cur] = await this.select(filter as Plain, s, 1);
      if (cur) {
        const next = { ...copy(doc), _id: cur._id } as T;
        if (doc._id !== undefined && doc._id !== cur._id) {
          throw new SqliteStoreError(
            "Performing an update on the path '_id' would modify the immutable field '_id'",
            'ImmutableField',
            66,
          );
        }
        this.replaceRow(s, next);
        return { matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null };
      }
      if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
      const seed = seedFromFilter(filter as Plain);
      const created = { ...copy(doc) } as T;
      if (created._id === undefined) (created as Plain)._id = seed._id;
      this.insertRow(s, created);
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: created._id };
    });
  }

  async updateOne(
    filter: Filter<T>,
    update: UpdateFilter<T>,
    options: UpsertOptions = {},
  ): Promise<UpdateResult> {
    const ops = update as Plain;
    if (Object.keys(ops).length === 0 || Object.keys(ops).some((k) => !k.startsWith('$'))) {
      throw new SqliteStoreError('Update document requires atomic operators', 'FailedToParse', 9);
    }
    return this.write(options.session, async (s) => {
      const [cur] = await this.select(filter as Plain, s, 1);
      if (cur) {
        const next = applyUpdate(cur, ops, false);
        if (next === null) return { matchedCount: 1, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
        this.replaceRow(s, next);
        return { matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null };
      }
      if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
      const seed = seedFromFilter(filter as Plain) as T;
      const created = applyUpdate(seed, ops, true) as T;
      this.insertRow(s, created);
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: created._id };
    });
  }

  private async remove(filter: Filter<T>, session: StorageSession | undefined, one: boolean) {
    return this.write(session, async (s) => {
      const docs = await this.select(filter as Plain, s, one ? 1 : undefined);
      const del = this.store.statements(s).get('DELETE FROM aux WHERE coll = ? AND id = ?');
      for (const d of docs) del.run(this.collectionName, d._id);
      return { deletedCount: docs.length };
    });
  }

  deleteOne(filter: Filter<T>, options: WriteOptions = {}): Promise<{ deletedCount: number }> {
    return this.remove(filter, options.session, true);
  }

  deleteMany(filter: Filter<T>, options: WriteOptions = {}): Promise<{ deletedCount: number }> {
    return this.remove(filter, options.session, false);
  }

  /** Indexes are not declared on SQLite (reads are by `_id` or scan a small collection). */
  async createIndex(keys: IndexKeys, options: IndexOptions = {}): Promise<string> {
    return (
      options.name ??
      Object.entries(keys)
        .map(([k, v]) => `${k}_${v}`)
        .join('_')
    );
  }

  async explain(filter: Filter<T>, options: FindOptions = {}): Promise<QueryPlan> {
    const docs = await this.find(filter, options).toArray();
    const byId = idsOf(filter as Plain) !== null;
    const total = byId
      ? (idsOf(filter as Plain) as string[]).length
      : (
          this.store
            .statements(options.session)
            .get('SELECT count(*) AS n FROM aux WHERE coll = ?')
            .get(this.collectionName) as {
            n: number;
          }
        ).n;
    return { indexName: byId ? '_id_' : null, docsExamined: total, nReturned: docs.length };
  }
}

/** Applies update operators to a copy of `current`; null when nothing changed. */
function applyUpdate<T extends StoredDocument>(current: T, update: Plain, inserting: boolean): T | null {
  const { $setOnInsert, ...rest } = update;
  const modifier: Plain = { ...rest };
  if (inserting && isPlain($setOnInsert))
    modifier.$set = { ...(isPlain(rest.$set) ? rest.$set : {}), ...$setOnInsert };
  const next = copy(current) as Plain;
  if (Object.keys(modifier).length > 0) {
    mingoUpdate(next, modifier as Modifier<Plain>, undefined, undefined, { cloneMode: 'deep' });
  }
  const normalised = copy(next) as T;
  if (normalised._id !== current._id) {
    throw new SqliteStoreError(
      "Performing an update on the path '_id' would modify the immutable field '_id'",
      'ImmutableField',
      66,
    );
  }
  if (!inserting && JSON.stringify(normalised) === JSON.stringify(current)) return null;
  return normalised;
}
