/**
 * Versioned resource storage above the DocumentCollection seam, written once for both engines:
 * one collection of current versions per resource type, one history collection, search index entries
 * stored beside each resource. Version conflicts are decided here by compare-and-set on the version
 * number inside a storage transaction (R4 http.html#concurrency), never by timing.
 */
import type { Filter } from 'mongodb';
import type { Resource } from 'fhir/r4.js';
import {
  isDuplicateKeyError,
  type DocumentCollection,
  type DocumentStore,
  type IndexKeys,
  type SortSpec,
  type StorageSession,
  type StoredDocument,
} from '../storage/document-collection.js';

/** The search index stored beside a resource (see fhir/search/). */
export interface SearchIndex {
  sp: Record<string, unknown[]>;
  comp: string[];
}

/** The current version of a resource as stored; deleted resources keep a tombstone. */
export interface ResourceDoc extends StoredDocument {
  vid: number;
  /** meta.lastUpdated as an ISO instant (UTC, milliseconds). */
  lu: string;
  deleted?: boolean;
  resource?: Resource;
  sp?: Record<string, unknown[]>;
  comp?: string[];
}

/**
 * One version in the history collection; `_id` is `Type/id/vid`. The entry of the current version holds no
 * `resource`: its body is the current document's (stored once), and the write that supersedes it copies that
 * body into this entry in the same transaction. So an entry that is neither deleted nor holding a resource is
 * the current version's; `hydrate` fills it in. (Entries written before this held the body; they are read
 * as they are.)
 */
export interface HistoryDoc extends StoredDocument {
  t: string;
  rid: string;
  vid: number;
  lu: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  deleted?: boolean;
  resource?: Resource;
}

/** Attempts to read a current version's body before giving up (each miss means a concurrent write won). */
const HYDRATE_ATTEMPTS = 5;

/** What a write produced. */
export interface WriteResult {
  doc: ResourceDoc;
  /** True when the write created the resource (or brought a deleted one back). */
  created: boolean;
}

/** Thrown when a concurrent write changed the version this write was based on. */
export class VersionConflict extends Error {
  constructor(
    readonly type: string,
    readonly id: string,
  ) {
    super(`Concurrent write to ${type}/${id}`);
  }
}

/** Thrown when If-Match names a version other than the current one. */
export class StaleVersion extends Error {
  constructor(
    readonly type: string,
    readonly id: string,
    readonly current: number | null,
    readonly expected: number,
  ) {
    super(`${type}/${id} is at version ${current ?? 'none'}, not ${expected}`);
  }
}

/** Dependencies of the resource store. */
export interface ResourceStoreDeps {
  store: DocumentStore;
  /** Extracts the search index of a resource (runs on every write). */
  extract: (resource: Resource) => SearchIndex;
  /** Index keys to declare on the current-version collection of a type. */
  indexKeys: (type: string) => IndexKeys[];
  clock: () => Date;
}

export const HISTORY_COLLECTION = 'history';

/** The fields of a current version that reads of the resource use: everything but its search index. */
export const RESOURCE_FIELDS = { _id: 1, vid: 1, lu: 1, deleted: 1, resource: 1 } as const;

/** What `read` returns: the resource and its version (default), or the whole document with its index. */
export interface ReadOptions {
  /** Also return the search index (`sp`, `comp`). */
  index?: boolean;
}

/** Versioned storage of FHIR resources. */
export class ResourceStore {
  private readonly ready = new Map<string, Promise<void>>();

  constructor(private readonly deps: ResourceStoreDeps) {}

  /** The current-version collection of a type, with its indexes declared on first use. */
  async current(type: string): Promise<DocumentCollection<ResourceDoc>> {
    await this.ensureIndexes(type);
    return this.deps.store.collection<ResourceDoc>(type);
  }

  /** The history collection, with its indexes declared on first use. */
  async history(): Promise<DocumentCollection<HistoryDoc>> {
    await this.ensureIndexes(HISTORY_COLLECTION);
    return this.deps.store.collection<HistoryDoc>(HISTORY_COLLECTION);
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
    const coll = this.deps.store.collection(name);
    if (name === HISTORY_COLLECTION) {
      await coll.createIndex({ t: 1, rid: 1, vid: -1 }, { name: 't_rid_vid' });
      await coll.createIndex({ lu: 1 }, { name: 'lu' });
      await coll.createIndex({ t: 1, lu: 1 }, { name: 't_lu' });
      return;
    }
    await coll.createIndex({ lu: 1 }, { name: 'lu' });
    for (const keys of this.deps.indexKeys(name)) await coll.createIndex(keys);
  }

  /**
   * The current version (possibly a tombstone) of `type/id`, or null when it never existed; without its
   * search index unless `opts.index`, so that the engine copies only what the caller reads.
   */
  async read(
    type: string,
    id: string,
    session?: StorageSession,
    opts: ReadOptions = {},
  ): Promise<ResourceDoc | null> {
    const projection = opts.index ? undefined : RESOURCE_FIELDS;
    return (await this.current(type)).findOne({ _id: id }, { session, projection });
  }

  /** One historic version (with its resource unless it is a deletion), or null. */
  async vread(type: string, id: string, vid: number): Promise<HistoryDoc | null> {
    const h = await (await this.history()).findOne({ _id: `${type}/${id}/${vid}` });
    return h ? (await this.hydrate([h]))[0] : null;
  }

  /**
   * History entries with their resources: the current version's entry takes the body of the current
   * document. When a write superseded that version between the two reads, the entry holds the body by then
   * (the superseding write copied it in the same transaction), so it is read again.
   */
  async hydrate(entries: HistoryDoc[]): Promise<HistoryDoc[]> {
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
      const current = new Map<string, ResourceDoc>();
      for (const [type, ids] of byType) {
        const coll = await this.current(type);
        const docs = await coll.find({ _id: { $in: ids } }, { projection: RESOURCE_FIELDS }).toArray();
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
        const fresh = await (await this.history()).find({ _id: { $in: ids } }).toArray();
        const byId = new Map(fresh.map((h) => [h._id, h]));
        for (const i of again) out[i] = byId.get(out[i]._id) ?? out[i];
      }
      missing = again.filter((i) => !out[i].deleted && !out[i].resource);
    }
    return out;
  }

  /**
   * Writes a new version of `type/id` (create, update, update-as-create or resurrection after delete).
   * `ifMatch` makes it conditional on the current version (412 semantics via StaleVersion).
   */
  async put(
    type: string,
    id: string,
    resource: Resource,
    opts: {
      ifMatch?: number;
      method: HistoryDoc['method'];
      mustNotExist?: boolean;
      session?: StorageSession;
    },
  ): Promise<WriteResult> {
    const run = (session: StorageSession) => this.putIn(session, type, id, resource, opts);
    return opts.session ? run(opts.session) : this.withRetry(type, id, opts.ifMatch, run);
  }

  /** Marks `type/id` deleted (a new version with no content); null when there was nothing to delete. */
  async delete(
    type: string,
    id: string,
    opts: { ifMatch?: number; session?: StorageSession } = {},
  ): Promise<ResourceDoc | null> {
    const run = (session: StorageSession) => this.deleteIn(session, type, id, opts.ifMatch);
    return opts.session ? run(opts.session) : this.withRetry(type, id, opts.ifMatch, run);
  }

  /** Runs a write in a transaction; without If-Match a lost compare-and-set is simply retried. */
  private async withRetry<R>(
    type: string,
    id: string,
    ifMatch: number | undefined,
    fn: (session: StorageSession) => Promise<R>,
  ): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.store.withTransaction(fn);
      } catch (err) {
        if (!(err instanceof VersionConflict) || attempt >= 50) throw err;
        if (ifMatch !== undefined) {
          const cur = await this.read(type, id);
          throw new StaleVersion(type, id, cur?.vid ?? null, ifMatch);
        }
      }
    }
  }

  private async putIn(
    session: StorageSession,
    type: string,
    id: string,
    resource: Resource,
    opts: { ifMatch?: number; method: HistoryDoc['method']; mustNotExist?: boolean },
  ): Promise<WriteResult> {
    const coll = await this.current(type);
    // A create that must not exist needs no read: its insert fails on an existing `_id` (a VersionConflict).
    const skipRead = opts.mustNotExist === true && opts.ifMatch === undefined;
    const cur = skipRead ? null : await coll.findOne({ _id: id }, { session });
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
    const doc: ResourceDoc = { _id: id, vid, lu, resource: stored, sp: index.sp, comp: index.comp };
    await this.swap(coll, cur, doc, session);
    await this.supersede(session, type, cur);
    await this.appendHistory(session, type, doc, cur ? opts.method : 'POST');
    return { doc, created: !cur || cur.deleted === true };
  }

  private async deleteIn(
    session: StorageSession,
    type: string,
    id: string,
    ifMatch?: number,
  ): Promise<ResourceDoc | null> {
    const coll = await this.current(type);
    const cur = await coll.findOne({ _id: id }, { session });
    if (ifMatch !== undefined && (!cur || cur.deleted || cur.vid !== ifMatch)) {
      throw new StaleVersion(type, id, cur && !cur.deleted ? cur.vid : null, ifMatch);
    }
    if (!cur || cur.deleted) return null;
    const doc: ResourceDoc = { _id: id, vid: cur.vid + 1, lu: this.nextInstant(cur.lu), deleted: true };
    await this.swap(coll, cur, doc, session);
    await this.supersede(session, type, cur);
    await this.appendHistory(session, type, doc, 'DELETE');
    return doc;
  }

  /** Compare-and-set of the current version: replaces `cur` only if it is still the stored version. */
  private async swap(
    coll: DocumentCollection<ResourceDoc>,
    cur: ResourceDoc | null,
    doc: ResourceDoc,
    session: StorageSession,
  ): Promise<void> {
    try {
      if (cur) {
        const r = await coll.replaceOne({ _id: cur._id, vid: cur.vid }, doc, { session });
        if (r.matchedCount !== 1) throw new VersionConflict(coll.collectionName, doc._id);
      } else {
        await coll.insertOne(doc, { session });
      }
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new VersionConflict(coll.collectionName, doc._id);
      throw err;
    }
  }

  /**
   * Copies the body of the version being superseded into its history entry (which, as the current version's,
   * held none); entries that already hold it (written before bodies were stored once) are left alone.
   */
  private async supersede(session: StorageSession, type: string, cur: ResourceDoc | null): Promise<void> {
    if (!cur || cur.deleted || !cur.resource) return;
    const history = await this.history();
    // Read and replace by `_id` (no update operators): the engine decides both without a query compiler.
    const entry = await history.findOne({ _id: `${type}/${cur._id}/${cur.vid}` }, { session });
    if (!entry || entry.deleted || entry.resource) return;
    await history.replaceOne({ _id: entry._id }, { ...entry, resource: cur.resource }, { session });
  }

  private async appendHistory(
    session: StorageSession,
    type: string,
    doc: ResourceDoc,
    method: HistoryDoc['method'],
  ) {
    const entry: HistoryDoc = {
      _id: `${type}/${doc._id}/${doc.vid}`,
      t: type,
      rid: doc._id,
      vid: doc.vid,
      lu: doc.lu,
      method,
    };
    // The current version's body lives in the current document only (see HistoryDoc).
    if (doc.deleted) entry.deleted = true;
    try {
      await (await this.history()).insertOne(entry, { session });
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

  /** Current (not deleted) resources of a type matching a filter. */
  async find(
    type: string,
    filter: Filter<ResourceDoc>,
    opts: { sort?: SortSpec; skip?: number; limit?: number; session?: StorageSession } = {},
  ): Promise<ResourceDoc[]> {
    const coll = await this.current(type);
    return coll.find(live(filter), opts).toArray();
  }

  /** How many current resources of a type match a filter. */
  async count(type: string, filter: Filter<ResourceDoc>, session?: StorageSession): Promise<number> {
    return (await this.current(type)).countDocuments(live(filter), { session });
  }
}

/** Restricts a filter to resources that are not deleted. */
function live(filter: Filter<ResourceDoc>): Filter<ResourceDoc> {
  const notDeleted: Filter<ResourceDoc> = { deleted: { $ne: true } };
  return Object.keys(filter).length === 0 ? notDeleted : { $and: [filter, notDeleted] };
}
