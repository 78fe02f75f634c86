/**
 * A small store of expiring values for the authorization server's state: authorization codes, launch
 * contexts, pending authorizations, refresh tokens, the client-assertion `jti` replay cache and
 * revocations. Two backends: memory (one process) and a collection on the DocumentCollection seam, which
 * works on both storage engines (durable in the SQLite file; shared by every server process with
 * MongoDB, so the resource servers stay stateless).
 */
import type { Storage } from '../storage/repository.js';
import {
  isDuplicateKeyError,
  type DocumentCollection,
  type StoredDocument,
} from '../storage/document-collection.js';

/** Expiring key/value state, namespaced by kind. Values must be plain JSON. */
export interface TtlStore {
  /** Stores `value` for `ttlSeconds`, replacing what was there. */
  set<T>(kind: string, key: string, value: T, ttlSeconds: number): Promise<void>;
  /** Stores only when nothing live is there; true when stored (a replay cache). */
  add<T>(kind: string, key: string, value: T, ttlSeconds: number): Promise<boolean>;
  /** The live value, or null. */
  get<T>(kind: string, key: string): Promise<T | null>;
  /** True when any of the `[kind, key]` entries is live (one lookup). */
  anyLive(entries: ReadonlyArray<readonly [string, string]>): Promise<boolean>;
  /** Removes and returns the live value; of concurrent takers exactly one gets it (single use). */
  take<T>(kind: string, key: string): Promise<T | null>;
  delete(kind: string, key: string): Promise<void>;
}

/** The memory backend. */
export class MemoryTtlStore implements TtlStore {
  private readonly items = new Map<string, { v: unknown; exp: number }>();
  private writes = 0;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  private live(id: string): { v: unknown; exp: number } | undefined {
    const item = this.items.get(id);
    if (item && item.exp <= this.clock().getTime()) {
      this.items.delete(id);
      return undefined;
    }
    return item;
  }

  private sweep(): void {
    if (++this.writes % 256 !== 0) return;
    const now = this.clock().getTime();
    for (const [id, item] of this.items) if (item.exp <= now) this.items.delete(id);
  }

  /** @inheritdoc */
  async set<T>(kind: string, key: string, value: T, ttlSeconds: number): Promise<void> {
    this.sweep();
    this.items.set(`${kind}:${key}`, {
      v: structuredClone(value),
      exp: this.clock().getTime() + ttlSeconds * 1000,
    });
  }

  /** @inheritdoc */
  async add<T>(kind: string, key: string, value: T, ttlSeconds: number): Promise<boolean> {
    if (this.live(`${kind}:${key}`)) return false;
    await this.set(kind, key, value, ttlSeconds);
    return true;
  }

  /** @inheritdoc */
  async get<T>(kind: string, key: string): Promise<T | null> {
    const item = this.live(`${kind}:${key}`);
    return item ? (structuredClone(item.v) as T) : null;
  }

  /** @inheritdoc */
  async anyLive(entries: ReadonlyArray<readonly [string, string]>): Promise<boolean> {
    return entries.some(([kind, key]) => this.live(`${kind}:${key}`) !== undefined);
  }

  /** @inheritdoc */
  async take<T>(kind: string, key: string): Promise<T | null> {
    const item = this.live(`${kind}:${key}`);
    if (!item) return null;
    this.items.delete(`${kind}:${key}`);
    return item.v as T;
  }

  /** @inheritdoc */
  async delete(kind: string, key: string): Promise<void> {
    this.items.delete(`${kind}:${key}`);
  }
}

interface StateDoc extends StoredDocument {
  v: unknown;
  /** Expiry, epoch ms. */
  exp: number;
}

/** The collection backend (`auth_state`), for either storage engine. */
export class CollectionTtlStore implements TtlStore {
  private readonly coll: DocumentCollection<StateDoc>;
  private ready: Promise<string> | undefined;
  private writes = 0;

  constructor(
    store: Storage,
    private readonly clock: () => Date = () => new Date(),
    name = 'auth_state',
  ) {
    this.coll = store.aux<StateDoc>(name);
  }

  private async init(): Promise<void> {
    this.ready ??= this.coll.createIndex({ exp: 1 }, { name: 'exp' });
    await this.ready;
  }

  /** Deletes expired entries now and then (MongoDB TTL indexes are not part of the seam). */
  private async sweep(): Promise<void> {
    if (++this.writes % 256 !== 0) return;
    await this.coll.deleteMany({ exp: { $lte: this.clock().getTime() } });
  }

  /** @inheritdoc */
  async set<T>(kind: string, key: string, value: T, ttlSeconds: number): Promise<void> {
    await this.init();
    const doc: StateDoc = {
      _id: `${kind}:${key}`,
      v: value,
      exp: this.clock().getTime() + ttlSeconds * 1000,
    };
    await this.coll.replaceOne({ _id: doc._id }, doc, { upsert: true });
    await this.sweep();
  }

  /** @inheritdoc */
  async add<T>(kind: string, key: string, value: T, ttlSeconds: number): Promise<boolean> {
    await this.init();
    const now = this.clock().getTime();
    const doc: StateDoc = { _id: `${kind}:${key}`, v: value, exp: now + ttlSeconds * 1000 };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.coll.insertOne(doc);
        await this.sweep();
        return true;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Taken: free the key only if what holds it has expired, then try once more.
        const freed = await this.coll.deleteOne({ _id: doc._id, exp: { $lte: now } });
        if (freed.deletedCount === 0) return false;
      }
    }
    return false;
  }

  /** @inheritdoc */
  async get<T>(kind: string, key: string): Promise<T | null> {
    await this.init();
    const doc = await this.coll.findOne({ _id: `${kind}:${key}`, exp: { $gt: this.clock().getTime() } });
    return doc ? (doc.v as T) : null;
  }

  /** @inheritdoc */
  async anyLive(entries: ReadonlyArray<readonly [string, string]>): Promise<boolean> {
    await this.init();
    const ids = entries.map(([kind, key]) => `${kind}:${key}`);
    const doc = await this.coll.findOne({ _id: { $in: ids }, exp: { $gt: this.clock().getTime() } });
    return doc !== null;
  }

  /** @inheritdoc */
  async take<T>(kind: string, key: string): Promise<T | null> {
    await this.init();
    const doc = await this.coll.findOne({ _id: `${kind}:${key}`, exp: { $gt: this.clock().getTime() } });
    if (!doc) return null;
    // The delete decides between concurrent takers: only one of them removes the document.
    const r = await this.coll.deleteOne({ _id: doc._id, exp: doc.exp });
    return r.deletedCount === 1 ? (doc.v as T) : null;
  }

  /** @inheritdoc */
  async delete(kind: string, key: string): Promise<void> {
    await this.init();
    await this.coll.deleteOne({ _id: `${kind}:${key}` });
  }
}
