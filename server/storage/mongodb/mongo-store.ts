/**
 * The MongoDB engine: the official driver behind the seam, with no adapter logic beyond types. Sessions are
 * driver `ClientSession`s carried in `StorageSession.engineSession`; transactions use
 * `ClientSession.withTransaction`, so a replica set or sharded cluster is required and checked at open
 * (deployment.ts). Beyond the shared document API, the engine's own repository uses a few Mongo-specific
 * calls (`MongoCollection`): index listing and dropping, bulk writes, and batched reads.
 */
import {
  ClientSession,
  MongoClient,
  MongoServerError,
  type AnyBulkWriteOperation,
  type Collection,
  type Document,
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
import { collectBatches, STREAM_BATCH_SIZE } from './batches.js';
import { deploymentProblem, NotReplicaSetError } from './deployment.js';
import { queryPlanFromExplain } from './explain.js';
import type { IndexSpec } from './indexes.js';

/** The server error codes this module tells apart. */
const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;
const COMMAND_NOT_FOUND = 59;

/** What a bulk write changed. */
export interface BulkResult {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}

/** A collection of the MongoDB engine: the shared document API plus the calls only this engine needs. */
export interface MongoCollection<T extends StoredDocument = StoredDocument> extends DocumentCollection<T> {
  /** The collection's indexes (none when the collection does not exist yet). */
  listIndexes(): Promise<IndexSpec[]>;
  /** Drops an index by name (nothing happens when it is already gone, e.g. dropped by another process). */
  dropIndex(name: string): Promise<void>;
  /**
   * One ordered bulk write. The driver sends consecutive operations of one kind (all `updateOne`, say) as
   * ONE command, so a run of updates costs one round trip.
   */
  bulkWrite(operations: AnyBulkWriteOperation<T>[], options?: WriteOptions): Promise<BulkResult>;
  /**
   * Every match, read from the cursor one server batch (`STREAM_BATCH_SIZE`) at a time with a turn of the
   * event loop in between (batches.ts), instead of one `toArray`.
   */
  findAll(filter: Filter<T>, options?: FindOptions): Promise<T[]>;
}

/** The MongoDB engine's document store (its collections are `MongoCollection`s). */
export interface MongoStore extends DocumentStore {
  collection<T extends StoredDocument = StoredDocument>(name: string): MongoCollection<T>;
}

/** True for a server error with `code`. */
function hasCode(err: unknown, code: number): boolean {
  return err instanceof MongoServerError && Number(err.code) === code;
}

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
class MongoDocumentCollection<T extends StoredDocument> implements MongoCollection<T> {
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

  async listIndexes(): Promise<IndexSpec[]> {
    let listed: Document[];
    try {
      listed = await this.coll.listIndexes().toArray();
    } catch (err) {
      if (hasCode(err, NAMESPACE_NOT_FOUND)) return [];
      throw err;
    }
    return listed.map((ix) => {
      const spec: IndexSpec = { name: String(ix.name), key: ix.key as Record<string, unknown> };
      if (ix.unique === true) spec.unique = true;
      if (ix.sparse === true) spec.sparse = true;
      return spec;
    });
  }

  async dropIndex(name: string): Promise<void> {
    try {
      await this.coll.dropIndex(name);
    } catch (err) {
      if (hasCode(err, INDEX_NOT_FOUND) || hasCode(err, NAMESPACE_NOT_FOUND)) return;
      throw err;
    }
  }

  async bulkWrite(operations: AnyBulkWriteOperation<T>[], options?: WriteOptions): Promise<BulkResult> {
    const r = await this.coll.bulkWrite(operations, {
      ordered: true,
      session: driverSession(options?.session),
    });
    return {
      insertedCount: r.insertedCount,
      matchedCount: r.matchedCount,
      modifiedCount: r.modifiedCount,
      upsertedCount: r.upsertedCount,
    };
  }

  findAll(filter: Filter<T>, options?: FindOptions): Promise<T[]> {
    const cursor = this.coll.find<T>(filter, { ...findOptions(options), batchSize: STREAM_BATCH_SIZE });
    return collectBatches(cursor);
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
class MongoDocumentStore implements MongoStore {
  readonly engine = 'mongodb' as const;

  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {}

  collection<T extends StoredDocument = StoredDocument>(name: string): MongoCollection<T> {
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

/** The server's `hello` reply (`isMaster` on servers that predate `hello`). */
async function hello(db: Db): Promise<Document> {
  try {
    return await db.command({ hello: 1 });
  } catch (err) {
    if (hasCode(err, COMMAND_NOT_FOUND)) return db.command({ isMaster: 1 });
    throw err;
  }
}

/**
 * Connects to MongoDB at `uri` and returns the store once the connection is checked and the deployment is
 * one that runs transactions (else a `NotReplicaSetError` saying how to start a one-node replica set).
 */
export async function openMongoStore(uri: string, options: MongoStoreOptions = {}): Promise<MongoStore> {
  const client = new MongoClient(uri, options.clientOptions);
  await client.connect();
  try {
    const db = client.db(options.dbName);
    const problem = deploymentProblem(await hello(db));
    if (problem) throw new NotReplicaSetError(problem);
    return new MongoDocumentStore(client, db);
  } catch (err) {
    await client.close();
    throw err;
  }
}
