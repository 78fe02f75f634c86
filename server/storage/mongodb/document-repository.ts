/**
 * The MongoDB engine's resource repository, on the driver's collection API (document-collection.ts): one
 * collection of current versions per resource type, one history collection, the search index stored beside
 * each resource, `Where` compiled to one filter document (to-mongo.ts). Version conflicts are decided by
 * compare-and-set on the version number inside a transaction (R4 http.html#concurrency), never by timing.
 */
import type { Filter } from 'mongodb';
import type { Resource } from 'fhir/r4.js';
import {
  isDuplicateKeyError,
  type DocumentCollection,
  type DocumentStore,
  type Projection,
  type StorageSession,
  type StoredDocument,
} from '../document-collection.js';
import {
  StaleVersion,
  VersionConflict,
  type Fields,
  type FindOptions,
  type HistoryDoc,
  type HistoryQuery,
  type PutOptions,
  type QueryPlan,
  type RepositoryDeps,
  type ResourceDoc,
  type ResourceRepository,
  type Tx,
  type Where,
  type WriteResult,
} from '../repository.js';
import { whereToMongo } from './to-mongo.js';

type CurrentDoc = ResourceDoc & StoredDocument;
type HistoryEntry = HistoryDoc & StoredDocument;

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

/** Versioned FHIR resources on a document store. */
export class DocumentRepository implements ResourceRepository {
  private readonly ready = new Map<string, Promise<void>>();
  private readonly knownTypes = new Set<string>();

  constructor(
    private readonly store: DocumentStore,
    private readonly deps: RepositoryDeps,
  ) {}

  /** The current-version collection of a type, with its indexes declared on first use. */
  async current(type: string): Promise<DocumentCollection<CurrentDoc>> {
    await this.ensureIndexes(type);
    return this.store.collection<CurrentDoc>(type);
  }

  /** The history collection, with its indexes declared on first use. */
  async historyCollection(): Promise<DocumentCollection<HistoryEntry>> {
    await this.ensureIndexes(HISTORY_COLLECTION);
    return this.store.collection<HistoryEntry>(HISTORY_COLLECTION);
  }

  private ensureIndexes(name: string): Promise<void> {
    let p = this.ready.get(name);
    if (!p) {
      p = this.createIndexes(name);
      p.catch(() => this.ready.delete(name));
      this.ready.set(name, p);
    }
    return p;
  }

  private async createIndexes(name: string): Promise<void> {
    const coll = this.store.collection(name);
    if (name === HISTORY_COLLECTION) {
      await coll.createIndex({ t: 1, rid: 1, vid: -1 }, { name: 't_rid_vid' });
      await coll.createIndex({ lu: 1, _id: 1 }, { name: 'lu_id' });
      await coll.createIndex({ t: 1, lu: 1, _id: 1 }, { name: 't_lu_id' });
      return;
    }
    await coll.createIndex({ lu: 1 }, { name: 'lu' });
    for (const keys of this.deps.indexKeys(name)) await coll.createIndex(keys);
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
        const docs = await coll
          .find({ _id: { $in: ids } }, { projection: PROJECTIONS.resource, session: tx })
          .toArray();
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
        const fresh = await (
          await this.historyCollection()
        )
          .find({ _id: { $in: ids } }, { session: tx })
          .toArray();
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

  private async putIn(
    tx: StorageSession,
    type: string,
    id: string,
    resource: Resource,
    opts: PutOptions,
  ): Promise<WriteResult> {
    const coll = await this.current(type);
    // A create that must not exist needs no read: its insert fails on an existing `_id` (a VersionConflict).
    const skipRead = opts.mustNotExist === true && opts.ifMatch === undefined;
    const cur = skipRead ? null : await coll.findOne({ _id: id }, { session: tx });
    if (opts.ifMatch !== undefined && (!cur || cur.deleted || cur.vid !== opts.ifMatch)) {
      throw new StaleVersion(type, id, cur && !cur.deleted ? cur.vid : null, opts.ifMatch);
    }
    if (opts.mustNotExist && cur) throw new VersionConflict(type, id);
    const vid = (cur?.vid ?? 0) + 1;
    const lu = this.nextInstant(cur?.lu);
    const stored: Resource = {
      ...resource,
      id,
      meta: { ...resource.meta, versionId: String(vid), lastUpdated: lu },
    };
    const index = this.deps.extract(stored);
    const doc: CurrentDoc = { _id: id, vid, lu, resource: stored, sp: index.sp, comp: index.comp };
    await this.swap(coll, cur, doc, tx);
    await this.supersede(tx, type, cur);
    await this.appendHistory(tx, type, doc, cur ? opts.method : 'POST');
    return { doc, created: !cur || cur.deleted === true };
  }

  private async deleteIn(
    tx: StorageSession,
    type: string,
    id: string,
    ifMatch?: number,
  ): Promise<ResourceDoc | null> {
    const coll = await this.current(type);
    const cur = await coll.findOne({ _id: id }, { session: tx });
    if (ifMatch !== undefined && (!cur || cur.deleted || cur.vid !== ifMatch)) {
      throw new StaleVersion(type, id, cur && !cur.deleted ? cur.vid : null, ifMatch);
    }
    if (!cur || cur.deleted) return null;
    const doc: CurrentDoc = { _id: id, vid: cur.vid + 1, lu: this.nextInstant(cur.lu), deleted: true };
    await this.swap(coll, cur, doc, tx);
    await this.supersede(tx, type, cur);
    await this.appendHistory(tx, type, doc, 'DELETE');
    return doc;
  }

  /** Compare-and-set of the current version: replaces `cur` only if it is still the stored version. */
  private async swap(
    coll: DocumentCollection<CurrentDoc>,
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

  /** Copies the body of the version being superseded into its history entry (which held none). */
  private async supersede(tx: StorageSession, type: string, cur: CurrentDoc | null): Promise<void> {
    if (!cur || cur.deleted || !cur.resource) return;
    const history = await this.historyCollection();
    const entry = await history.findOne({ _id: `${type}/${cur._id}/${cur.vid}` }, { session: tx });
    if (!entry || entry.deleted || entry.resource) return;
    await history.replaceOne({ _id: entry._id }, { ...entry, resource: cur.resource }, { session: tx });
  }

  private async appendHistory(
    tx: StorageSession,
    type: string,
    doc: CurrentDoc,
    method: HistoryDoc['method'],
  ) {
    const entry: HistoryEntry = {
      _id: `${type}/${doc._id}/${doc.vid}`,
      t: type,
      rid: doc._id,
      vid: doc.vid,
      lu: doc.lu,
      method,
    };
    if (doc.deleted) entry.deleted = true;
    try {
      await (await this.historyCollection()).insertOne(entry, { session: tx });
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new VersionConflict(type, doc._id);
      throw err;
    }
  }

  /** The clock's instant, kept strictly after the previous version's so that history order is total. */
  private nextInstant(previous: string | undefined): string {
    const now = this.deps.clock().toISOString();
    if (previous && now <= previous) return new Date(Date.parse(previous) + 1).toISOString();
    return now;
  }

  async find(type: string, where: Where, opts: FindOptions = {}): Promise<ResourceDoc[]> {
    const coll = await this.current(type);
    const filter = whereToMongo(where) as Filter<CurrentDoc>;
    const sort = opts.order ? { _id: opts.order === 'id' ? (1 as const) : (-1 as const) } : undefined;
    return coll
      .find(opts.includeDeleted ? filter : live(filter), {
        sort,
        limit: opts.limit,
        projection: PROJECTIONS[opts.fields ?? 'all'],
        session: opts.tx,
      })
      .toArray();
  }

  async count(type: string, where: Where, opts: { limit?: number; tx?: Tx } = {}): Promise<number> {
    const filter = live(whereToMongo(where) as Filter<CurrentDoc>);
    return (await this.current(type)).countDocuments(filter, { session: opts.tx, limit: opts.limit });
  }

  private historyFilter(q: HistoryQuery, withCursor: boolean): Filter<HistoryEntry> {
    const parts: Filter<HistoryEntry>[] = [];
    if (q.type !== undefined) parts.push({ t: q.type });
    else if (q.types) parts.push({ t: { $in: q.types } });
    if (q.id !== undefined) parts.push({ rid: q.id });
    const lu: Record<string, string> = {};
    if (q.since !== undefined) lu[q.sinceInclusive ? '$gte' : '$gt'] = q.since;
    if (q.until !== undefined) lu.$lte = q.until;
    if (Object.keys(lu).length > 0) parts.push({ lu });
    if (withCursor && q.after) {
      const op = (q.order ?? 'newest') === 'newest' ? '$lt' : '$gt';
      parts.push({ $or: [{ lu: { [op]: q.after.lu } }, { lu: q.after.lu, _id: { [op]: q.after.key } }] });
    }
    if (parts.length === 0) return {};
    return parts.length === 1 ? parts[0] : { $and: parts };
  }

  async history(q: HistoryQuery, opts: { tx?: Tx } = {}): Promise<HistoryDoc[]> {
    const dir = (q.order ?? 'newest') === 'newest' ? -1 : 1;
    const coll = await this.historyCollection();
    const entries = await coll
      .find(this.historyFilter(q, true), {
        sort: q.type !== undefined ? { t: dir, lu: dir, _id: dir } : { lu: dir, _id: dir },
        limit: q.limit,
        session: opts.tx,
      })
      .toArray();
    if (q.withResource === false) return entries;
    return this.hydrate(entries, opts.tx);
  }

  async historyCount(q: HistoryQuery, opts: { tx?: Tx } = {}): Promise<number> {
    return (await this.historyCollection()).countDocuments(this.historyFilter(q, false), {
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
