/**
 * The MongoDB engine's resource repository, on the driver's collection API (mongo-store.ts): one
 * collection of current versions per resource type, one history collection, the search index stored beside
 * each resource, `Where` compiled to one filter document (to-mongo.ts). Version conflicts are decided by
 * compare-and-set on the version number inside a transaction (R4 http.html#concurrency), never by timing.
 * Indexes are reconciled with the declared ones at the first use of each collection (indexes.ts); stored
 * documents are kept under MongoDB's 16 MiB limit (doc-size.ts); reads that may cover a whole type are
 * read batch by batch (batches.ts).
 */
import type { Filter } from 'mongodb';
import type { Resource } from 'fhir/r4.js';
import { isDuplicateKeyError, type Projection, type StorageSession } from '../document-collection.js';
import {
  StaleVersion,
  VersionConflict,
  checkVersion,
  nextInstant,
  nextVersion,
  unchangedUpdate,
  type Fields,
  type FindOptions,
  type HistoryDoc,
  type HistoryQuery,
  type PutOptions,
  type QueryPlan,
  type ReindexChunk,
  type ReindexOptions,
  type RepositoryDeps,
  type ResourceDoc,
  type ResourceRepository,
  type Tx,
  type Where,
  type WriteResult,
} from '../repository.js';
import { oversizeError } from './doc-size.js';
import {
  HISTORY_INDEXES,
  historyEntry,
  historyFilter,
  historyWrites,
  type CurrentDoc,
  type HistoryEntry,
} from './history.js';
import { reconcileIndexes, typeIndexes } from './indexes.js';
import type { MongoCollection, MongoStore } from './mongo-store.js';
import { whereToMongo } from './to-mongo.js';

export const HISTORY_COLLECTION = 'history';
/** The types that ever held a version (one document per type). */
export const TYPES_COLLECTION = 'resource_types';

/** Attempts to read a current version's body before giving up (each miss means a concurrent write won). */
const HYDRATE_ATTEMPTS = 5;

/** The projection of each `Fields` value. */
export const PROJECTIONS: Record<Fields, Projection | undefined> = {
  id: { _id: 1, vid: 1, lu: 1, deleted: 1 },
  index: { _id: 1, vid: 1, lu: 1, deleted: 1, sp: 1 },
  resource: { _id: 1, vid: 1, lu: 1, deleted: 1, resource: 1 },
  indexed: { _id: 1, vid: 1, lu: 1, deleted: 1, resource: 1, sp: 1 },
  all: undefined,
};

/** Restricts a filter to resources that are not deleted. */
function live(filter: Filter<CurrentDoc>): Filter<CurrentDoc> {
  const notDeleted: Filter<CurrentDoc> = { deleted: { $ne: true } };
  return Object.keys(filter).length === 0 ? notDeleted : { $and: [filter, notDeleted] };
}

/** Versioned FHIR resources on MongoDB. */
export class DocumentRepository implements ResourceRepository {
  private readonly ready = new Map<string, Promise<void>>();
  private readonly knownTypes = new Set<string>();

  constructor(
    private readonly store: MongoStore,
    private readonly deps: RepositoryDeps,
  ) {}

  /** The current-version collection of a type, with its indexes reconciled on first use. */
  async current(type: string): Promise<MongoCollection<CurrentDoc>> {
    await this.ensureIndexes(type);
    return this.store.collection<CurrentDoc>(type);
  }

  /** The history collection, with its indexes reconciled on first use. */
  async historyCollection(): Promise<MongoCollection<HistoryEntry>> {
    await this.ensureIndexes(HISTORY_COLLECTION);
    return this.store.collection<HistoryEntry>(HISTORY_COLLECTION);
  }

  /** Reconciles a collection's indexes once per process (again after a failure). */
  private ensureIndexes(name: string): Promise<void> {
    let p = this.ready.get(name);
    if (!p) {
      p = this.reconcile(name);
      p.catch(() => this.ready.delete(name));
      this.ready.set(name, p);
    }
    return p;
  }

  /**
   * Creates the declared indexes that are missing and drops the obsolete ones this engine created
   * (indexes.ts); outside any transaction, before the collection's first read or write in this process.
   */
  private async reconcile(name: string): Promise<void> {
    const coll = this.store.collection(name);
    const desired = name === HISTORY_COLLECTION ? HISTORY_INDEXES : typeIndexes(this.deps.indexKeys(name));
    const plan = reconcileIndexes(await coll.listIndexes(), desired);
    for (const obsolete of plan.drop) await coll.dropIndex(obsolete);
    for (const ix of plan.create) {
      const options: { name: string; unique?: boolean; sparse?: boolean } = { name: ix.name };
      if (ix.unique) options.unique = true;
      if (ix.sparse) options.sparse = true;
      await coll.createIndex(ix.key as Record<string, 1 | -1>, options);
    }
  }

  async read(type: string, id: string, opts: { fields?: Fields; tx?: Tx } = {}): Promise<ResourceDoc | null> {
    const projection = PROJECTIONS[opts.fields ?? 'resource'];
    return (await this.current(type)).findOne({ _id: id }, { session: opts.tx, projection });
  }

  async vread(type: string, id: string, vid: number, opts: { tx?: Tx } = {}): Promise<HistoryDoc | null> {
    const h = await (
      await this.historyCollection()
    ).findOne({ _id: `${type}/${id}/${vid}` }, { session: opts.tx });
    return h ? (await this.hydrate([h], opts.tx))[0] : null;
  }

  /**
   * History entries with their resources: the current version's entry holds no body (it is the current
   * document's, stored once); when a write superseded that version between the two reads, the entry holds
   * the body by then (the superseding write copied it in the same transaction), so it is read again.
   */
  private async hydrate(entries: HistoryEntry[], tx?: Tx): Promise<HistoryDoc[]> {
    const out = [...entries];
    let missing = out.flatMap((h, i) => (h.deleted || h.resource ? [] : [i]));
    for (let attempt = 0; missing.length > 0; attempt++) {
      if (attempt === HYDRATE_ATTEMPTS) {
        const h = out[missing[0]];
        throw new Error(`History entry ${h._id} has no resource and is not the current version`);
      }
      const byType = new Map<string, string[]>();
      for (const i of missing) {
        const ids = byType.get(out[i].t);
        if (ids) ids.push(out[i].rid);
        else byType.set(out[i].t, [out[i].rid]);
      }
      const current = new Map<string, CurrentDoc>();
      for (const [type, ids] of byType) {
        const coll = await this.current(type);
        const docs = await coll.findAll(
          { _id: { $in: ids } },
          { projection: PROJECTIONS.resource, session: tx },
        );
        for (const d of docs) current.set(`${type}/${d._id}`, d);
      }
      const again: number[] = [];
      for (const i of missing) {
        const h = out[i];
        const cur = current.get(`${h.t}/${h.rid}`);
        if (cur && cur.vid === h.vid && cur.resource) out[i] = { ...h, resource: cur.resource };
        else again.push(i);
      }
      if (again.length > 0) {
        const ids = again.map((i) => out[i]._id);
        const history = await this.historyCollection();
        const fresh = await history.findAll({ _id: { $in: ids } }, { session: tx });
        const byId = new Map(fresh.map((h) => [h._id, h]));
        for (const i of again) out[i] = byId.get(out[i]._id) ?? out[i];
      }
      missing = again.filter((i) => !out[i].deleted && !out[i].resource);
    }
    return out;
  }

  async put(type: string, id: string, resource: Resource, opts: PutOptions): Promise<WriteResult> {
    const run = (tx: Tx) => this.putIn(tx, type, id, resource, opts);
    const result = await (opts.tx ? run(opts.tx) : this.withRetry(type, id, opts.ifMatch, run));
    await this.noteType(type);
    return result;
  }

  async delete(
    type: string,
    id: string,
    opts: { ifMatch?: number; tx?: Tx } = {},
  ): Promise<ResourceDoc | null> {
    const run = (tx: Tx) => this.deleteIn(tx, type, id, opts.ifMatch);
    return opts.tx ? run(opts.tx) : this.withRetry(type, id, opts.ifMatch, run);
  }

  /** Records that `type` holds versions (once per type and process). */
  private async noteType(type: string): Promise<void> {
    if (this.knownTypes.has(type)) return;
    await this.store.collection(TYPES_COLLECTION).replaceOne({ _id: type }, { _id: type }, { upsert: true });
    this.knownTypes.add(type);
  }

  /** Runs a write in a transaction; without If-Match a lost compare-and-set is simply retried. */
  private async withRetry<R>(
    type: string,
    id: string,
    ifMatch: number | undefined,
    fn: (tx: Tx) => Promise<R>,
  ): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.store.withTransaction(fn);
      } catch (err) {
        if (!(err instanceof VersionConflict) || attempt >= 50) throw err;
        if (ifMatch !== undefined) {
          const cur = await this.read(type, id, { fields: 'id' });
          throw new StaleVersion(type, id, cur && !cur.deleted ? cur.vid : null, ifMatch);
        }
      }
    }
  }

  /*
   * Round trips of one write (put or delete) inside its transaction:
   *   1. `findOne` of the current version (skipped for a create that must not exist);
   *   2. the compare-and-set of the current version (`replaceOne` on `vid`, or `insertOne`);
   *   3. ONE `update` command on history carrying two statements: the copy of the superseded version's body
   *      into its entry (when there is one) and the upsert of the new entry (historyWrites).
   * So 3 round trips per write (2 for a create that must not exist), where reading the superseded entry, replacing it and
   * inserting the new one used to cost 5. Entries of a Bundle still run one after another: batching across
   * entries needs the bundle layer to hand the engine all the writes of a transaction at once.
   */
  private async putIn(
    tx: StorageSession,
    type: string,
    id: string,
    resource: Resource,
    opts: PutOptions,
  ): Promise<WriteResult> {
    const coll = await this.current(type);
    const history = await this.historyCollection();
    // A create that must not exist needs no read: its insert fails on an existing `_id` (a VersionConflict).
    const skipRead = opts.mustNotExist === true && opts.ifMatch === undefined;
    const cur = skipRead ? null : await coll.findOne({ _id: id }, { session: tx });
    checkVersion(type, id, cur, opts);
    const same = cur?.resource ? unchangedUpdate(resource, id, cur, JSON.stringify(cur.resource)) : null;
    if (same && cur) {
      return { doc: { _id: id, vid: cur.vid, lu: cur.lu, resource: same }, created: false, unchanged: true };
    }
    const { vid, lu, stored } = nextVersion(resource, id, cur, this.deps.clock());
    const index = this.deps.extract(stored);
    const doc: CurrentDoc = { _id: id, vid, lu, resource: stored, sp: index.sp, comp: index.comp };
    const entry = historyEntry(type, doc, cur ? opts.method : 'POST');
    // The entry holds the body once a later version supersedes this one: both must fit.
    const tooLarge = oversizeError(type, id, [doc, { ...entry, resource: stored }]);
    if (tooLarge) throw tooLarge;
    await this.swap(coll, cur, doc, tx);
    await this.writeHistory(history, tx, type, cur, entry);
    return { doc, created: !cur || cur.deleted === true };
  }

  private async deleteIn(
    tx: StorageSession,
    type: string,
    id: string,
    ifMatch?: number,
  ): Promise<ResourceDoc | null> {
    const coll = await this.current(type);
    const history = await this.historyCollection();
    const cur = await coll.findOne({ _id: id }, { session: tx });
    checkVersion(type, id, cur, { ifMatch });
    if (!cur || cur.deleted) return null;
    const doc: CurrentDoc = {
      _id: id,
      vid: cur.vid + 1,
      lu: nextInstant(this.deps.clock(), cur.lu),
      deleted: true,
    };
    await this.swap(coll, cur, doc, tx);
    await this.writeHistory(history, tx, type, cur, historyEntry(type, doc, 'DELETE'));
    return doc;
  }

  async reindex(type: string, opts: ReindexOptions): Promise<ReindexChunk> {
    const run = (tx: Tx) => this.reindexIn(tx, type, opts);
    return opts.tx ? run(opts.tx) : this.store.withTransaction(run);
  }

  /**
   * One chunk of `reindex` inside `tx`: the next current versions by `_id`, their index rewritten with one
   * bulk write, each update conditional on the version read (a concurrent write makes the transaction
   * conflict and run again, reading that write).
   */
  private async reindexIn(tx: StorageSession, type: string, opts: ReindexOptions): Promise<ReindexChunk> {
    const coll = await this.current(type);
    const limit = Math.max(1, opts.limit);
    const filter: Filter<CurrentDoc> =
      opts.after === undefined
        ? { deleted: { $ne: true } }
        : { _id: { $gt: opts.after }, deleted: { $ne: true } };
    const docs = await coll
      .find(filter, { sort: { _id: 1 }, limit, projection: { _id: 1, vid: 1, resource: 1 }, session: tx })
      .toArray();
    const started = performance.now();
    const ops: Array<{ updateOne: { filter: Filter<CurrentDoc>; update: { $set: Partial<CurrentDoc> } } }> =
      [];
    let last = opts.after;
    let read = 0;
    for (const d of docs) {
      read++;
      last = d._id;
      if (d.resource) {
        const index = this.deps.extract(d.resource);
        const update = { $set: { sp: index.sp, comp: index.comp } };
        ops.push({ updateOne: { filter: { _id: d._id, vid: d.vid }, update } });
      }
      if (opts.budgetMs !== undefined && performance.now() - started >= opts.budgetMs) break;
    }
    if (ops.length > 0) {
      const r = await coll.bulkWrite(ops, { session: tx });
      if (r.matchedCount !== ops.length) throw new VersionConflict(type, String(last));
    }
    return { count: ops.length, last, done: read === docs.length && docs.length < limit };
  }

  /** Compare-and-set of the current version: replaces `cur` only if it is still the stored version. */
  private async swap(
    coll: MongoCollection<CurrentDoc>,
    cur: CurrentDoc | null,
    doc: CurrentDoc,
    tx: StorageSession,
  ): Promise<void> {
    try {
      if (cur) {
        const r = await coll.replaceOne({ _id: cur._id, vid: cur.vid }, doc, { session: tx });
        if (r.matchedCount !== 1) throw new VersionConflict(coll.collectionName, doc._id);
      } else {
        await coll.insertOne(doc, { session: tx });
      }
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new VersionConflict(coll.collectionName, doc._id);
      throw err;
    }
  }

  /** Writes the history of one version in one command (historyWrites); a present entry is a conflict. */
  private async writeHistory(
    history: MongoCollection<HistoryEntry>,
    tx: StorageSession,
    type: string,
    cur: CurrentDoc | null,
    entry: HistoryEntry,
  ): Promise<void> {
    try {
      const r = await history.bulkWrite(historyWrites(type, cur, entry), { session: tx });
      if (r.upsertedCount !== 1) throw new VersionConflict(type, entry.rid);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new VersionConflict(type, entry.rid);
      throw err;
    }
  }

  /**
   * Matches are read from the cursor one server batch at a time, with a turn of the event loop between
   * batches (`findAll`), not with one `toArray`: a search without `limit` (export, warm-up) still returns
   * the whole array the seam promises, but the driver never buffers more than a batch and other requests
   * are served while a whole type is read. Paged searches pass `limit` and read a page.
   */
  async find(type: string, where: Where, opts: FindOptions = {}): Promise<ResourceDoc[]> {
    const coll = await this.current(type);
    const filter = whereToMongo(where) as Filter<CurrentDoc>;
    const sort = opts.order ? { _id: opts.order === 'id' ? (1 as const) : (-1 as const) } : undefined;
    return coll.findAll(opts.includeDeleted ? filter : live(filter), {
      sort,
      limit: opts.limit,
      projection: PROJECTIONS[opts.fields ?? 'all'],
      session: opts.tx,
    });
  }

  async count(type: string, where: Where, opts: { limit?: number; tx?: Tx } = {}): Promise<number> {
    const filter = live(whereToMongo(where) as Filter<CurrentDoc>);
    return (await this.current(type)).countDocuments(filter, { session: opts.tx, limit: opts.limit });
  }

  async history(q: HistoryQuery, opts: { tx?: Tx } = {}): Promise<HistoryDoc[]> {
    const dir = (q.order ?? 'newest') === 'newest' ? -1 : 1;
    const coll = await this.historyCollection();
    const entries = await coll.findAll(historyFilter(q, true), {
      sort: q.type !== undefined ? { t: dir, lu: dir, _id: dir } : { lu: dir, _id: dir },
      limit: q.limit,
      session: opts.tx,
    });
    if (q.withResource === false) return entries;
    return this.hydrate(entries, opts.tx);
  }

  async historyCount(q: HistoryQuery, opts: { tx?: Tx } = {}): Promise<number> {
    return (await this.historyCollection()).countDocuments(historyFilter(q, false), {
      session: opts.tx,
    });
  }

  async types(): Promise<string[]> {
    const docs = await this.store.collection(TYPES_COLLECTION).find({}).toArray();
    return docs.map((d) => d._id).sort();
  }

  async explain(type: string, where: Where, opts: FindOptions = {}): Promise<QueryPlan> {
    const coll = await this.current(type);
    const sort = opts.order ? { _id: opts.order === 'id' ? (1 as const) : (-1 as const) } : undefined;
    const plan = await coll.explain(live(whereToMongo(where) as Filter<CurrentDoc>), {
      sort,
      limit: opts.limit,
    });
    return {
      scansType: plan.indexName === null,
      indexes: plan.indexName ? [plan.indexName] : [],
      detail: [`docsExamined=${plan.docsExamined}`, `nReturned=${plan.nReturned}`],
    };
  }
}
