/** The embedded engine: in-memory collections with MongoDB query semantics, journaled to a data directory. */
import { setImmediate as nextTick } from 'node:timers/promises';
import type {
  DocumentCollection,
  DocumentStore,
  IndexKeys,
  IndexOptions,
  StorageSession,
  StoredDocument,
} from '../document-collection.js';
import { EmbeddedCollection, type CollectionHost } from './collection.js';
import { CollectionState, indexDefinition } from './collection-state.js';
import { hasErrorLabel, sessionError, storeClosedError, TRANSIENT_TRANSACTION_ERROR } from './errors.js';
import { serializeOp } from './journal-format.js';
import { Persistence, type CompactionStep, type PersistenceStats } from './persistence.js';
import type { RecoveredCollection, SnapshotCollection } from './snapshot.js';
import { nodeStorageFs, type StorageFs } from './storage-fs.js';
import { commitTransaction, EmbeddedSession, Transaction } from './transaction.js';
import { CommittedView, TxView, type CollectionView, type Journal } from './view.js';
import { ID_INDEX_NAME } from './planner.js';

/** Options of `openEmbeddedStore`. */
export interface EmbeddedStoreOptions {
  /** Directory of the journal and snapshots; null keeps everything in memory (tests). */
  dataDir: string | null;
  /** Compact once the journal exceeds this many bytes (default 64 MiB). */
  compactAfterBytes?: number;
  /** How many times `withTransaction` runs `fn` when commits hit write conflicts (default 10). */
  maxTransactionAttempts?: number;
  /** Test hook: called at each step of a compaction (e.g. to copy the files as a crash would leave them). */
  onCompactionStep?: (step: CompactionStep) => void | Promise<void>;
  /** The file system (default node:fs; tests inject faults such as a full disk). */
  fs?: StorageFs;
  /** Where warnings go (a stale lock taken over); default: standard error. */
  onWarning?: (message: string) => void;
}

function warnOnStderr(message: string): void {
  process.stderr.write(`ccm-fhir: warning: ${message}\n`);
}

/** Counters of the embedded store (journal counters are zero in memory-only mode). */
export interface EmbeddedStoreStats extends Omit<PersistenceStats, 'recovery'> {
  collections: number;
  documents: number;
  transactionsCommitted: number;
  transactionConflicts: number;
  recovery: PersistenceStats['recovery'] | null;
}

const DEFAULT_COMPACT_AFTER = 64 * 1024 * 1024;
const DEFAULT_TX_ATTEMPTS = 10;
/** Documents indexed per slice of the background index build. */
const INDEX_SLICE = 2000;

/** A single-process document store; see DESIGN.md "Storage: one seam, two engines". */
export class EmbeddedStore implements DocumentStore, CollectionHost {
  readonly engine = 'embedded' as const;
  private readonly states = new Map<string, CollectionState>();
  private closed = false;
  private closing: Promise<void> | null = null;
  private committed = 0;
  private conflicts = 0;
  private readonly journalFn: Journal;
  private background: Promise<void> | undefined;

  /** Use `openEmbeddedStore`. */
  constructor(
    private readonly persistence: Persistence | null,
    private readonly maxAttempts: number,
  ) {
    persistence?.attach(() => this.capture());
    this.journalFn = persistence ? (serialized, undo) => persistence.append(serialized, undo) : null;
  }

  /** Loads recovered collections and builds their indexes. */
  load(collections: Map<string, RecoveredCollection>): void {
    for (const [name, recovered] of collections) {
      const state = this.state(name);
      state.deferDocs(recovered.docs, recovered.pending?.records ?? [], recovered.pending?.journal ?? []);
      state.deferIndexes(recovered.indexes.values());
    }
  }

  /**
   * Parses the recovered collections' documents and builds their indexes in slices, yielding to the event
   * loop between them, so the server can serve meanwhile; an operation on a collection not ready yet
   * finishes that collection's work first.
   */
  buildIndexes(): Promise<void> {
    this.background ??= this.runBackground();
    return this.background;
  }

  /** Resolves once the recovered documents are parsed and indexed (at once for a store that recovered nothing). */
  whenLoaded(): Promise<void> {
    return this.background ?? Promise.resolve();
  }

  private async runBackground(): Promise<void> {
    for (const state of this.states.values()) {
      while (state.building && !this.closed) {
        state.step(INDEX_SLICE);
        await nextTick();
      }
    }
  }

  /** The committed state of `name`, created on first use. */
  private state(name: string): CollectionState {
    let state = this.states.get(name);
    if (!state) {
      state = new CollectionState(name);
      this.states.set(name, state);
    }
    return state;
  }

  collection<T extends StoredDocument = StoredDocument>(name: string): DocumentCollection<T> {
    if (typeof name !== 'string' || name === '' || name.startsWith('$'))
      throw new TypeError(`Invalid collection name: ${name}`);
    return new EmbeddedCollection<T>(this, name);
  }

  /** Part of CollectionHost: the view an operation runs against. */
  view(name: string, session: StorageSession | undefined, writing: boolean): CollectionView {
    this.assertOpen(writing);
    if (!session) return new CommittedView(this.state(name), this.journalFn);
    const tx = session.engineSession;
    if (!(tx instanceof Transaction) || tx.owner !== this)
      throw sessionError('Session does not belong to this store');
    if (!tx.active) throw sessionError('Transaction is no longer active');
    return new TxView(this.state(name), tx.collection(name));
  }

  private assertOpen(writing: boolean): void {
    if (this.closed) throw storeClosedError();
    const failure = this.persistence?.failure;
    if (writing && failure) throw failure;
  }

  /** Part of CollectionHost: declares an index (journaled) and returns its name. */
  async createIndex(name: string, keys: IndexKeys, options: IndexOptions | undefined): Promise<string> {
    this.assertOpen(true);
    const def = indexDefinition(keys, options);
    const state = this.state(name);
    if (Object.keys(def.keys).join() === '_id' && def.keys._id === 1) return ID_INDEX_NAME;
    const created = state.createIndex(def);
    if (created && this.persistence)
      await this.persistence.append([serializeOp({ c: name, idx: def })], () => state.dropIndex(def.name));
    return def.name;
  }

  async withTransaction<R>(fn: (session: StorageSession) => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      this.assertOpen(true);
      const tx = new Transaction(this);
      try {
        const result = await fn(new EmbeddedSession(tx));
        await this.commit(tx);
        return result;
      } catch (err) {
        tx.active = false;
        if (!hasErrorLabel(err, TRANSIENT_TRANSACTION_ERROR) || attempt >= this.maxAttempts) throw err;
        this.conflicts++;
        await nextTick();
      }
    }
  }

  private async commit(tx: Transaction): Promise<void> {
    if (!tx.active) throw sessionError('Transaction is no longer active');
    this.assertOpen(true);
    const { serialized, undo } = commitTransaction(tx, (name) => this.state(name), this.persistence !== null);
    this.committed++;
    if (this.persistence && serialized.length > 0) await this.persistence.append(serialized, undo);
  }

  /**
   * Resolves when the store can take writes: while writes are refused for lack of space, it tries a write
   * (an empty journal record) and rejects as long as that fails.
   */
  async ping(): Promise<void> {
    this.assertOpen(true);
    await this.persistence?.probe();
  }

  /** Compacts the journal into a snapshot now (no-op in memory-only mode). */
  async compact(): Promise<void> {
    this.assertOpen(true);
    await this.persistence?.compact();
  }

  /** Flushes and fsyncs every acknowledged write, then closes the files; later operations reject. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= this.persistence ? this.persistence.close() : Promise.resolve();
    return this.closing;
  }

  private capture(): SnapshotCollection[] {
    return [...this.states.values()].map((s) => ({
      name: s.name,
      indexes: s.indexDefinitions(),
      docs: [...s.docs.values()],
    }));
  }

  /** Counters (journal writes, fsyncs, records, ...) for tests and benchmarks. */
  stats(): EmbeddedStoreStats {
    const p = this.persistence?.stats();
    let documents = 0;
    for (const s of this.states.values()) documents += s.docs.size;
    return {
      journalWrites: p?.journalWrites ?? 0,
      fsyncs: p?.fsyncs ?? 0,
      records: p?.records ?? 0,
      bytes: p?.bytes ?? 0,
      journalBytes: p?.journalBytes ?? 0,
      snapshotBytes: p?.snapshotBytes ?? 0,
      generation: p?.generation ?? 0,
      compactions: p?.compactions ?? 0,
      lastCompactionError: p?.lastCompactionError ?? null,
      recovery: p?.recovery ?? null,
      collections: this.states.size,
      documents,
      transactionsCommitted: this.committed,
      transactionConflicts: this.conflicts,
    };
  }
}

/** Opens (and recovers) an embedded store; `dataDir: null` keeps it in memory only. */
export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const attempts = options.maxTransactionAttempts ?? DEFAULT_TX_ATTEMPTS;
  if (options.dataDir === null) return new EmbeddedStore(null, attempts);
  const { persistence, collections } = await Persistence.open(options.dataDir, {
    compactAfterBytes: options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER,
    onCompactionStep: options.onCompactionStep,
    fs: options.fs ?? nodeStorageFs,
    warn: options.onWarning ?? warnOnStderr,
  });
  const store = new EmbeddedStore(persistence, attempts);
  store.load(collections);
  void store.buildIndexes();
  return store;
}
