/**
 * The MongoDB engine: the official driver behind the seam, with no adapter logic beyond types. Sessions are
 * driver `ClientSession`s carried in `StorageSession.engineSession`; transactions use
 * `ClientSession.withTransaction` (a replica set or sharded cluster is required for them).
 */
import {
  ClientSession,
  MongoClient,
  type Collection,
  type CountDocumentsOptions,
  type CreateIndexesOptions,
  type Db,
  type FindOptions as DriverFindOptions,
  type Filter,
  type MongoClientOptions,
  type OptionalUnlessRequiredId,
  type UpdateFilter,
  type WithoutId,
} from 'mongodb';
import type {
  DocumentCollection,
  DocumentCursor,
  DocumentStore,
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
import { queryPlanFromExplain } from './explain.js';

/** Options of `openMongoStore`. */
export interface MongoStoreOptions {
  /** Database name (default: the one in the URI, else the driver's default `test`). */
  dbName?: string;
  /** Extra driver options. */
  clientOptions?: MongoClientOptions;
}

/** The driver session carried by a StorageSession (undefined outside a transaction). */
function driverSession(session: StorageSession | undefined): ClientSession | undefined {
  if (!session) return undefined;
  if (session.engineSession instanceof ClientSession) return session.engineSession;
  throw new TypeError('The session does not come from the MongoDB store');
}

function findOptions(options: FindOptions | undefined): DriverFindOptions {
  const out: DriverFindOptions = {};
  if (!options) return out;
  if (options.sort) out.sort = options.sort;
  if (options.skip !== undefined) out.skip = options.skip;
  if (options.limit !== undefined) out.limit = options.limit;
  if (options.projection) out.projection = options.projection;
  const session = driverSession(options.session);
  if (session) out.session = session;
  return out;
}

/** A driver collection behind the seam. */
class MongoDocumentCollection<T extends StoredDocument> implements DocumentCollection<T> {
  constructor(private readonly coll: Collection<T>) {}

  get collectionName(): string {
    return this.coll.collectionName;
  }

  find(filter: Filter<T>, options?: FindOptions): DocumentCursor<T> {
    const cursor = this.coll.find<T>(filter, findOptions(options));
    return { toArray: () => cursor.toArray() };
  }

  findOne(filter: Filter<T>, options?: FindOptions): Promise<T | null> {
    return this.coll.findOne<T>(filter, findOptions(options));
  }

  countDocuments(filter: Filter<T>, options?: { session?: StorageSession; limit?: number }): Promise<number> {
    const opts: CountDocumentsOptions = { session: driverSession(options?.session) };
    if (options?.limit !== undefined) opts.limit = options.limit;
    return this.coll.countDocuments(filter, opts);
  }

  async insertOne(doc: T, options?: WriteOptions): Promise<{ insertedId: string }> {
    const result = await this.coll.insertOne(doc as OptionalUnlessRequiredId<T>, {
      session: driverSession(options?.session),
    });
    return { insertedId: result.insertedId };
  }

  async insertMany(docs: T[], options?: WriteOptions): Promise<{ insertedCount: number }> {
    const result = await this.coll.insertMany(docs as OptionalUnlessRequiredId<T>[], {
      session: driverSession(options?.session),
    });
    return { insertedCount: result.insertedCount };
  }

  async replaceOne(filter: Filter<T>, doc: T, options?: UpsertOptions): Promise<UpdateResult> {
    const result = await this.coll.replaceOne(filter, doc as WithoutId<T>, {
      upsert: options?.upsert,
      session: driverSession(options?.session),
    });
    return toUpdateResult(result);
  }

  async updateOne(
    filter: Filter<T>,
    update: UpdateFilter<T>,
    options?: UpsertOptions,
  ): Promise<UpdateResult> {
    const result = await this.coll.updateOne(filter, update, {
      upsert: options?.upsert,
      session: driverSession(options?.session),
    });
    return toUpdateResult(result);
  }

  async deleteOne(filter: Filter<T>, options?: WriteOptions): Promise<{ deletedCount: number }> {
    const result = await this.coll.deleteOne(filter, { session: driverSession(options?.session) });
    return { deletedCount: result.deletedCount };
  }

  async deleteMany(filter: Filter<T>, options?: WriteOptions): Promise<{ deletedCount: number }> {
    const result = await this.coll.deleteMany(filter, { session: driverSession(options?.session) });
    return { deletedCount: result.deletedCount };
  }

  createIndex(keys: IndexKeys, options?: IndexOptions): Promise<string> {
    const opts: CreateIndexesOptions = {};
    if (options?.unique !== undefined) opts.unique = options.unique;
    if (options?.name !== undefined) opts.name = options.name;
    if (options?.sparse !== undefined) opts.sparse = options.sparse;
    return this.coll.createIndex(keys, opts);
  }

  async explain(filter: Filter<T>, options?: FindOptions): Promise<QueryPlan> {
    const explained = await this.coll.find(filter, findOptions(options)).explain('executionStats');
    return queryPlanFromExplain(explained);
  }
}

function toUpdateResult(result: {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: unknown;
}): UpdateResult {
  return {
    matchedCount: result.matchedCount,
    modifiedCount: result.modifiedCount,
    upsertedCount: result.upsertedCount,
    upsertedId: result.upsertedId == null ? null : String(result.upsertedId),
  };
}

/** A MongoDB database behind the seam. */
class MongoDocumentStore implements DocumentStore {
  readonly engine = 'mongodb' as const;

  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  collection<T extends StoredDocument = StoredDocument>(name: string): DocumentCollection<T> {
    return new MongoDocumentCollection<T>(this.db.collection<T>(name));
  }

  async withTransaction<R>(fn: (session: StorageSession) => Promise<R>): Promise<R> {
    const session = this.client.startSession();
    try {
      const wrapper: StorageSession = { engineSession: session };
      return await session.withTransaction(() => fn(wrapper));
    } finally {
      await session.endSession();
    }
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Connects to MongoDB at `uri` and returns the store (the connection is checked before returning). */
export async function openMongoStore(uri: string, options: MongoStoreOptions = {}): Promise<DocumentStore> {
  const client = new MongoClient(uri, options.clientOptions);
  await client.connect();
  try {
    const db = client.db(options.dbName);
    await db.command({ ping: 1 });
    return new MongoDocumentStore(client, db);
  } catch (err) {
    await client.close();
    throw err;
  }
}
