/** The embedded engine's `DocumentCollection`: MongoDB semantics over the in-memory state and journal. */
import type { Filter, UpdateFilter } from 'mongodb';
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
import type { PlainObject } from './json.js';
import { finishFind, matchesNeeded } from './query.js';
import type { CollectionView } from './view.js';
import { deleteDocs, insertDoc, insertDocs, replaceDoc, updateDoc } from './writes.js';

/** What a collection handle needs from its store. */
export interface CollectionHost {
  /** A view for one operation (throws when the store is closed or the session is not usable). */
  view(name: string, session: StorageSession | undefined, writing: boolean): CollectionView;
  /** Declares an index and journals it; resolves with its name. */
  createIndex(name: string, keys: IndexKeys, options: IndexOptions | undefined): Promise<string>;
}

function asFilter(filter: unknown): PlainObject {
  return (filter ?? {}) as PlainObject;
}

/** A handle on one collection of an embedded store. */
export class EmbeddedCollection<T extends StoredDocument> implements DocumentCollection<T> {
  constructor(
    private readonly host: CollectionHost,
    readonly collectionName: string,
  ) {}

  private run(filter: Filter<T>, options: FindOptions | undefined): { docs: T[]; plan: QueryPlan } {
    const view = this.host.view(this.collectionName, options?.session, false);
    const found = view.match(asFilter(filter), matchesNeeded(options));
    const docs = finishFind(found.docs, options) as T[];
    return {
      docs,
      plan: { indexName: found.indexName, docsExamined: found.examined, nReturned: docs.length },
    };
  }

  find(filter: Filter<T>, options?: FindOptions): DocumentCursor<T> {
    return {
      toArray: async () => this.run(filter, options).docs,
    };
  }

  async findOne(filter: Filter<T>, options?: FindOptions): Promise<T | null> {
    return this.run(filter, { ...options, limit: 1 }).docs[0] ?? null;
  }

  async countDocuments(
    filter: Filter<T>,
    options?: { session?: StorageSession; limit?: number },
  ): Promise<number> {
    const view = this.host.view(this.collectionName, options?.session, false);
    const limit = options?.limit && options.limit > 0 ? options.limit : Infinity;
    return view.match(asFilter(filter), limit).docs.length;
  }

  async insertOne(doc: T, options?: WriteOptions): Promise<{ insertedId: string }> {
    const view = this.host.view(this.collectionName, options?.session, true);
    const insertedId = insertDoc(view, doc);
    await view.flush();
    return { insertedId };
  }

  async insertMany(docs: T[], options?: WriteOptions): Promise<{ insertedCount: number }> {
    const view = this.host.view(this.collectionName, options?.session, true);
    const { inserted, error } = insertDocs(view, docs);
    await view.flush();
    if (error) throw error;
    return { insertedCount: inserted };
  }

  async replaceOne(filter: Filter<T>, doc: T, options?: UpsertOptions): Promise<UpdateResult> {
    const view = this.host.view(this.collectionName, options?.session, true);
    const result = replaceDoc(view, asFilter(filter), doc, options?.upsert === true);
    await view.flush();
    return result;
  }

  async updateOne(
    filter: Filter<T>,
    update: UpdateFilter<T>,
    options?: UpsertOptions,
  ): Promise<UpdateResult> {
    const view = this.host.view(this.collectionName, options?.session, true);
    const result = updateDoc(view, asFilter(filter), update as PlainObject, options?.upsert === true);
    await view.flush();
    return result;
  }

  async deleteOne(filter: Filter<T>, options?: WriteOptions): Promise<{ deletedCount: number }> {
    const view = this.host.view(this.collectionName, options?.session, true);
    const deletedCount = deleteDocs(view, asFilter(filter), false);
    await view.flush();
    return { deletedCount };
  }

  async deleteMany(filter: Filter<T>, options?: WriteOptions): Promise<{ deletedCount: number }> {
    const view = this.host.view(this.collectionName, options?.session, true);
    const deletedCount = deleteDocs(view, asFilter(filter), true);
    await view.flush();
    return { deletedCount };
  }

  createIndex(keys: IndexKeys, options?: IndexOptions): Promise<string> {
    return this.host.createIndex(this.collectionName, keys, options);
  }

  async explain(filter: Filter<T>, options?: FindOptions): Promise<QueryPlan> {
    return this.run(filter, options).plan;
  }
}
