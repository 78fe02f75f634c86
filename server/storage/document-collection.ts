/**
 * A document API: a strict subset of the MongoDB driver's `Collection` API. The MongoDB engine's repository
 * (mongodb/document-repository.ts) is written on it, and it is the API of the small auxiliary collections
 * on both engines (repository.ts `AuxCollection`; SQLite evaluates their filters in memory).
 */
import type { Filter, UpdateFilter } from 'mongodb';

/** Any stored document; `_id` is always a string chosen by the caller. */
export interface StoredDocument {
  _id: string;
  [key: string]: unknown;
}

/** An opaque transaction handle returned by the engine (a driver ClientSession on MongoDB). */
export interface StorageSession {
  readonly engineSession: unknown;
}

export type SortSpec = Record<string, 1 | -1>;
export type Projection = Record<string, 0 | 1>;
export type IndexKeys = Record<string, 1 | -1>;

/** Options accepted by find/findOne, mirroring the driver's `FindOptions` subset. */
export interface FindOptions {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
  projection?: Projection;
  session?: StorageSession;
}

/** Options for writes. */
export interface WriteOptions {
  session?: StorageSession;
}

/** Options for replaceOne/updateOne. */
export interface UpsertOptions extends WriteOptions {
  upsert?: boolean;
}

/** Options for createIndex, mirroring the driver's `CreateIndexesOptions` subset. */
export interface IndexOptions {
  unique?: boolean;
  name?: string;
  sparse?: boolean;
}

/** The result of replaceOne/updateOne, as the driver reports it. */
export interface UpdateResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
  upsertedId: string | null;
}

/** A cursor subset: only `toArray` is used above the seam. */
export interface DocumentCursor<T> {
  toArray(): Promise<T[]>;
}

/** How a query was (or would be) executed: used by tests to prove that a query does not scan. */
export interface QueryPlan {
  /** Name of the index used to select candidates, or null for a collection scan. */
  indexName: string | null;
  /** Number of documents the engine examined to answer the query. */
  docsExamined: number;
  /** Number of documents returned. */
  nReturned: number;
}

/** A collection of documents with MongoDB query semantics. */
export interface DocumentCollection<T extends StoredDocument = StoredDocument> {
  readonly collectionName: string;
  find(filter: Filter<T>, options?: FindOptions): DocumentCursor<T>;
  findOne(filter: Filter<T>, options?: FindOptions): Promise<T | null>;
  countDocuments(filter: Filter<T>, options?: { session?: StorageSession; limit?: number }): Promise<number>;
  insertOne(doc: T, options?: WriteOptions): Promise<{ insertedId: string }>;
  insertMany(docs: T[], options?: WriteOptions): Promise<{ insertedCount: number }>;
  replaceOne(filter: Filter<T>, doc: T, options?: UpsertOptions): Promise<UpdateResult>;
  updateOne(filter: Filter<T>, update: UpdateFilter<T>, options?: UpsertOptions): Promise<UpdateResult>;
  deleteOne(filter: Filter<T>, options?: WriteOptions): Promise<{ deletedCount: number }>;
  deleteMany(filter: Filter<T>, options?: WriteOptions): Promise<{ deletedCount: number }>;
  createIndex(keys: IndexKeys, options?: IndexOptions): Promise<string>;
  /** Executes the query and reports its plan (MongoDB: `explain('executionStats')`). */
  explain(filter: Filter<T>, options?: FindOptions): Promise<QueryPlan>;
}

/** A database: named collections plus transactions. */
export interface DocumentStore {
  readonly engine: 'mongodb';
  collection<T extends StoredDocument = StoredDocument>(name: string): DocumentCollection<T>;
  /**
   * Runs `fn` in a transaction: all its writes commit together or not at all. Like the driver's
   * `ClientSession.withTransaction`, `fn` may be called again when a transient write conflict aborts it.
   */
  withTransaction<R>(fn: (session: StorageSession) => Promise<R>): Promise<R>;
  /** Resolves when the engine can serve requests; rejects otherwise. */
  ping(): Promise<void>;
  /** Makes every acknowledged write durable and releases resources. */
  close(): Promise<void>;
}

/** The duplicate-key error code shared by both engines (MongoDB's E11000). */
export const DUPLICATE_KEY_CODE = 11000;

/** True when `err` is a unique-index violation from either engine. */
export function isDuplicateKeyError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === DUPLICATE_KEY_CODE;
}
