/**
 * The SQLite storage engine: one database file under the data directory, WAL; every acknowledged write is on
 * disk by default (STORE_SYNC=FULL).
 *
 * - Two connections: the writer (every write and every read of a transaction) and the reader (reads outside
 *   transactions, which therefore only see committed state); long reads get a read-only connection of their
 *   own (`scan`).
 * - Writes are serialised through one queue. Jobs queued while a group runs join it (up to GROUP_MAX_JOBS
 *   or GROUP_MAX_MS of work): the group is one SQLite transaction, each job runs in its own SAVEPOINT (a
 *   failing job rolls back to it and fails alone), and the group commits once. When the queue runs dry, the
 *   group waits one turn of the event loop for writes other requests are about to queue before it commits.
 * - Durability is an application-level group commit: SQLite commits without fsync (synchronous=NORMAL, which
 *   in WAL mode keeps the file consistent across a power cut), then one fdatasync of the WAL on the thread
 *   pool covers every group committed before it started, and only then are their jobs acknowledged. The
 *   event loop never waits for the disk, and concurrent writers share an fsync. (Other requests may read a
 *   committed write a moment before it is acknowledged.)
 * - Calls are synchronous: long reads are sliced with a yield between slices.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, mkdtemp, open as openFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { StorageSession, StoredDocument } from '../document-collection.js';
import type { AuxCollection, RepositoryDeps, ResourceRepository, Storage, Tx } from '../repository.js';
import { SqliteAuxCollection } from './aux.js';
import { Checkpointer } from './checkpointer.js';
import { StoreUnavailableError } from '../store-unavailable.js';
import { DirLock } from './dir-lock.js';
import { isCorruption, mapWriteError, SqliteStoreError, StoreCorruptError } from './errors.js';
import { SqliteRepository } from './repository.js';
import { SCHEMA_VERSION, schemaSql, upgradeSql } from './schema.js';

/** The database file's name inside the data directory. */
export const DB_FILE = 'ccm-fhir.sqlite';

/** Most jobs in one group commit. */
const GROUP_MAX_JOBS = 64;
/** Most milliseconds of work in one group commit before it commits. */
const GROUP_MAX_MS = 50;
/** Prepared statements kept per connection before the cache is cleared. */
const STATEMENT_CACHE = 2000;

/** Options of `openSqliteStorage`. */
export interface SqliteOptions {
  /** The data directory (created when missing), or null for an ephemeral store in a fresh temp dir. */
  dataDir: string | null;
  /** `FULL` (default) or `NORMAL`; an ephemeral store uses `OFF`. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Warnings (a stale lock taken over); default console.warn. */
  warn?: (message: string) => void;
  /**
   * Migration only (storage/migrate/): the database file's name in `dataDir` instead of DB_FILE, opened
   * without taking the directory's lock, which the caller holds.
   */
  buildFile?: string;
}

/** The state behind a transaction handle. */
export class TxState {
  active = true;
  constructor(readonly owner: SqliteStorage) {}
}

/** A queued unit of work on the writer. */
interface Job {
  /** `tx`: runs inside the group's transaction, in a savepoint; `plain`: runs alone, outside any. */
  kind: 'tx' | 'plain';
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Longest a long read (`scan`) holds the event loop before it yields. */
const SCAN_SLICE_MS = 8;
/** Idle read-only connections kept for long reads. */
const MAX_IDLE_SCANNERS = 4;

/** A prepared-statement cache of one connection. */
class Statements {
  private readonly cache = new Map<string, Statement>();
  constructor(readonly db: Db) {}
  get(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      if (this.cache.size >= STATEMENT_CACHE) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }
}

/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = 'SQLite format 3\u0000';

/** Throws StoreCorruptError when `file` exists and is not a sound SQLite database (touching nothing). */
async function probe(file: string): Promise<void> {
  const size = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (size <= 0) return;
  const fh = await openFile(file, 'r');
  const head = Buffer.alloc(16);
  try {
    await fh.read(head, 0, 16, 0);
  } finally {
    await fh.close();
  }
  if (head.toString('latin1') !== SQLITE_HEADER)
    throw corrupt(file, 'its header is not that of a SQLite database');
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    if (isCorruption(err)) throw corrupt(file, (err as Error).message);
    // anything else (a WAL file a read-only connection cannot open) is left to the writer's open
  } finally {
    db?.close();
  }
}

function corrupt(file: string, why: string): StoreCorruptError {
  return new StoreCorruptError(
    file,
    `Damaged database ${file}: ${why}. The store did not open and changed no file. What to do: restore ` +
      `the data directory from a backup (ccm-fhir backups are SQLite files: copy one in as ${DB_FILE}); ` +
      `or try the sqlite3 shell's .recover on a copy of the file.`,
  );
}

/** The SQLite storage engine (see the module comment). */
export class SqliteStorage implements Storage {
  /** The last write failure for want of space or I/O; null once a write commits again. */
  private writeFailure: unknown = null;

  readonly engine = 'sqlite' as const;
  /** COMMITs of write groups so far (tests observe group commit with it). */
  commits = 0;
  /** Write jobs acknowledged so far. */
  jobs = 0;

  private readonly queue: Job[] = [];
  private draining = false;
  private drained: Array<() => void> = [];
  private closed = false;
  private readonly current = new AsyncLocalStorage<TxState>();
  private repo: SqliteRepository | undefined;
  readonly writerStatements: Statements;
  readonly readerStatements: Statements;

  private constructor(
    readonly dir: string,
    readonly file: string,
    private readonly writer: Db,
    private readonly reader: Db,
    private readonly lock: DirLock | null,
    private readonly ephemeral: boolean,
    /** Acknowledge writes only once the WAL holding them is on disk (STORE_SYNC=FULL). */
    private readonly durable: boolean = false,
  ) {
    this.writerStatements = new Statements(writer);
    this.readerStatements = new Statements(reader);
  }

  /** Opens (creating when missing) the store of `opts.dataDir`. */
  static async open(opts: SqliteOptions): Promise<SqliteStorage> {
    const ephemeral = opts.dataDir === null;
    const dir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'ccm-fhir-sqlite-')));
    if (!ephemeral) await mkdir(dir, { recursive: true });
    const warn = opts.warn ?? ((m: string) => console.warn(m));
    const lock = ephemeral || opts.buildFile ? null : await DirLock.acquire(dir, warn);
    const file = join(dir, opts.buildFile ?? DB_FILE);
    let writer: Db | undefined;
    let reader: Db | undefined;
    try {
      if (!ephemeral) await probe(file);
      writer = new Database(file);
      try {
        writer.prepare('SELECT count(*) FROM sqlite_master').get();
      } catch (err) {
        if (isCorruption(err)) throw corrupt(file, (err as Error).message);
        throw err;
      }
      const version = writer.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new SqliteStoreError(
          `Database ${file} has schema version ${version}, newer than this server's (${SCHEMA_VERSION}): ` +
            'upgrade the server. The store did not open and changed no file.',
          'StoreTooNew',
        );
      }
      writer.pragma('journal_mode = WAL');
      // FULL durability is the application's own fsync of the WAL after each group (off the event loop, shared
      // by every transaction committed meanwhile); SQLite itself runs with NORMAL (no fsync at COMMIT), which in
      // WAL mode keeps the database consistent across a power cut.
      writer.pragma(`synchronous = ${ephemeral ? 'OFF' : 'NORMAL'}`);
      writer.pragma('busy_timeout = 5000');
      // a larger page cache: a group's pages stay in memory until its commit instead of spilling
      writer.pragma('cache_size = -32768');
      // Each job's SAVEPOINT keeps the original of every page the job changes in a sub-journal, which SQLite
      // otherwise spills to a temporary file past 64 KB: a transaction bundle wrote megabytes to it (a
      // pwrite per page, more syscalls than the WAL itself). In memory it lives only until the RELEASE.
      writer.pragma('temp_store = MEMORY');
      // checkpoints run in a worker thread (checkpointer.ts), never on the writer
      if (!ephemeral) writer.pragma('wal_autocheckpoint = 0');
      if (version < SCHEMA_VERSION) {
        if (version > 0) {
          warn(
            `Upgrading ${file} from schema version ${version} to ${SCHEMA_VERSION} (some search indexes are ` +
              'rebuilt: this may take a while on a large store)',
          );
        }
        writer.exec('BEGIN IMMEDIATE');
        if (version > 0) writer.exec(upgradeSql(version));
        writer.exec(schemaSql());
        writer.pragma(`user_version = ${SCHEMA_VERSION}`);
        writer.exec('COMMIT');
      }
      reader = new Database(file, { fileMustExist: true });
      reader.pragma('busy_timeout = 5000');
      reader.pragma('query_only = ON');
      const durable = !ephemeral && (opts.synchronous ?? 'FULL') === 'FULL';
      const storage = new SqliteStorage(dir, file, writer, reader, lock, ephemeral, durable);
      if (!ephemeral)
        storage.checkpointer = Checkpointer.start(file, (message) => storage.noteCheckpointError(message));
      return storage;
    } catch (err) {
      reader?.close();
      writer?.close();
      await lock?.release();
      if (ephemeral) await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  repository(deps: RepositoryDeps): ResourceRepository {
    this.repo ??= new SqliteRepository(this, deps);
    return this.repo;
  }

  aux<T extends StoredDocument = StoredDocument>(name: string): AuxCollection<T> {
    return new SqliteAuxCollection<T>(this, name);
  }

  /** The statements of the connection for `tx` (the writer) or of the reader. */
  statements(tx?: Tx | StorageSession): Statements {
    if (tx === undefined) {
      this.assertOpen();
      return this.readerStatements;
    }
    this.txState(tx);
    return this.writerStatements;
  }

  /** The state of a live transaction handle of this store (throws otherwise). */
  txState(tx: Tx | StorageSession): TxState {
    const state = tx.engineSession;
    if (!(state instanceof TxState) || state.owner !== this) {
      throw new Error('The transaction handle does not belong to this SQLite store');
    }
    if (!state.active) throw new Error('The transaction has already ended');
    return state;
  }

  private assertOpen(): void {
    if (this.closed && !this.draining)
      throw new SqliteStoreError('The SQLite store is closed', 'StoreClosed');
  }

  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R> {
    return this.enqueue('tx', fn) as Promise<R>;
  }

  /**
   * Runs `fn` on the writer with no other write in progress and outside any transaction (online backup);
   * `fn` receives no usable handle.
   */
  exclusive<R>(fn: () => Promise<R>): Promise<R> {
    return this.enqueue('plain', () => fn()) as Promise<R>;
  }

  private enqueue(kind: Job['kind'], fn: (tx: Tx) => Promise<unknown>): Promise<unknown> {
    if (this.closed) return Promise.reject(new SqliteStoreError('The SQLite store is closed', 'StoreClosed'));
    const inside = this.current.getStore();
    if (inside?.active && inside.owner === this) {
      return Promise.reject(
        new Error(
          'A transaction (or a write without its handle) was started inside a transaction of the same store: ' +
            'pass the handle (`tx` / `session`) instead; nested transactions are not supported',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ kind, fn, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // after the requests already read by this turn of the event loop have queued their writes too
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // While the WAL is being synced, writes queue up and the next group takes them all: fewer, larger
        // commits (each commit writes every page it touched) and one fsync each.
        if (this.syncing) await this.syncing.catch(() => undefined);
        if (this.queue[0].kind === 'plain') await this.runPlain(this.queue.shift() as Job);
        else await this.runGroup();
      }
    } finally {
      this.draining = false;
      const waiting = this.drained;
      this.drained = [];
      for (const w of waiting) w();
    }
  }

  private async runPlain(job: Job): Promise<void> {
    try {
      job.resolve(await job.fn({ engineSession: null }));
    } catch (err) {
      job.reject(err);
    }
  }

  /** One group commit (see the module comment). */
  private async runGroup(): Promise<void> {
    const db = this.writer;
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      (this.queue.shift() as Job).reject(mapWriteError(err));
      return;
    }
    const started = performance.now();
    const done: Array<{ job: Job; ok: boolean; value: unknown }> = [];
    const room = () =>
      done.length < GROUP_MAX_JOBS && (done.length === 0 || performance.now() - started < GROUP_MAX_MS);
    for (;;) {
      if (this.queue.length === 0 && done.length > 0 && room()) {
        // Before committing, one turn of the event loop: writes that other requests are about to queue
        // (their bodies parsed, checked and indexed meanwhile) join this group and share its commit, which
        // costs about the same for one job as for many (it writes every page the group touched).
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (this.queue.length === 0) break;
      }
      if (this.queue.length === 0 || this.queue[0].kind !== 'tx' || !room()) break;
      const job = this.queue.shift() as Job;
      const state = new TxState(this);
      try {
        db.exec('SAVEPOINT job');
      } catch (err) {
        this.failGroup(done, job, err);
        return;
      }
      try {
        const value = await this.current.run(state, () => job.fn({ engineSession: state }));
        state.active = false;
        db.exec('RELEASE job');
        done.push({ job, ok: true, value });
      } catch (err) {
        state.active = false;
        if (!db.inTransaction) {
          // SQLite rolled the whole transaction back (a full disk, an I/O error): the group is lost
          this.failGroup(done, job, err);
          return;
        }
        try {
          db.exec('ROLLBACK TO job');
          db.exec('RELEASE job');
        } catch (rollbackErr) {
          this.failGroup(done, job, rollbackErr);
          return;
        }
        done.push({ job, ok: false, value: this.noted(mapWriteError(err)) });
      }
    }
    try {
      db.exec('COMMIT');
    } catch (err) {
      this.failGroup(done, null, err);
      return;
    }
    this.commits++;
    if (done.some((d) => d.ok)) this.writeFailure = null;
    // The next group may start at once; these jobs are acknowledged when the WAL holding them is on disk.
    const durable = this.durable && done.some((d) => d.ok) ? this.syncWal() : Promise.resolve();
    durable.then(
      () => {
        for (const d of done) {
          if (d.ok) {
            this.jobs++;
            d.job.resolve(d.value);
          } else d.job.reject(d.value);
        }
      },
      (err: unknown) => {
        const mapped = this.noted(mapWriteError(err));
        for (const d of done) d.job.reject(d.ok ? mapped : d.value);
      },
    );
  }

  /** The write-ahead log's file handle (opened on the first sync). */
  private wal: FileHandle | null = null;
  /** The fsync in flight, and the commits waiting for the next one. */
  private syncing: Promise<void> | null = null;
  private syncWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  /** fsyncs of the WAL (tests: fewer than the groups committed under concurrent load). */
  syncs = 0;

  /**
   * Resolves once everything committed so far is on disk: one fdatasync of the WAL on the thread pool,
   * shared by every group that committed before it started; a group committing while it runs waits for
   * the next one.
   */
  private syncWal(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.syncWaiters.push({ resolve, reject });
      if (!this.syncing) this.startSync();
    });
  }

  private startSync(): void {
    const waiters = this.syncWaiters.splice(0);
    const run = async () => {
      this.wal ??= await openFile(`${this.file}-wal`, 'r+');
      await this.wal.datasync();
      this.syncs++;
    };
    this.syncing = run().then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
    void this.syncing.finally(() => {
      this.syncing = null;
      if (this.syncWaiters.length > 0) this.startSync();
    });
  }

  /** Rolls back the group and fails every job of it (the one that failed with its own error). */
  private failGroup(
    done: Array<{ job: Job; ok: boolean; value: unknown }>,
    failed: Job | null,
    err: unknown,
  ): void {
    if (this.writer.inTransaction) {
      try {
        this.writer.exec('ROLLBACK');
      } catch {
        // the connection is left as SQLite left it; the next group starts with BEGIN again
      }
    }
    const mapped = this.noted(mapWriteError(err));
    failed?.reject(mapped);
    for (const d of done) {
      if (d.ok) d.job.reject(mapped);
      else d.job.reject(d.value);
    }
  }

  /**
   * Caps the database at `pages` pages (PRAGMA max_page_count) and returns the cap in force: writes beyond
   * it fail as on a full disk (tests use it; 0 or less leaves the cap unchanged).
   */
  maxPageCount(pages = 0): number {
    return this.writer.pragma(`max_page_count = ${Math.max(0, Math.floor(pages))}`, {
      simple: true,
    }) as number;
  }

  /** Pages the database file holds now. */
  pageCount(): number {
    return this.writer.pragma('page_count', { simple: true }) as number;
  }

  /** The worker thread that checkpoints the WAL (none for an ephemeral store, which checkpoints itself). */
  checkpointer: Checkpointer | null = null;
  /** The last error of a background checkpoint (a full disk, say); the next one tries again. */
  checkpointError: string | null = null;

  noteCheckpointError(message: string): void {
    this.checkpointError = message;
  }

  /** Idle read-only connections of long reads (`scan`), reused. */
  private readonly scanners: Db[] = [];

  /**
   * A long read outside any transaction: `onRow` for each row of `sql`, on a read-only connection of its
   * own (one consistent snapshot for the whole read), in slices of at most SCAN_SLICE_MS with a yield to
   * the event loop between them, so that no call blocks other requests for long. `onRow` returns false to
   * stop early.
   */
  async scan(
    sql: string,
    params: Record<string, unknown>,
    onRow: (row: unknown) => boolean | void,
  ): Promise<void> {
    this.assertOpen();
    const db = this.scanners.pop() ?? new Database(this.file, { readonly: true, fileMustExist: true });
    try {
      let slice = performance.now();
      for (const row of db.prepare(sql).iterate(params)) {
        if (onRow(row) === false) break;
        if (performance.now() - slice > SCAN_SLICE_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          slice = performance.now();
        }
      }
    } finally {
      if (!this.closed && this.scanners.length < MAX_IDLE_SCANNERS) this.scanners.push(db);
      else db.close();
    }
  }

  /** Remembers that writes fail for want of space or I/O (until a write commits again). */
  private noted(err: unknown): unknown {
    if (err instanceof StoreUnavailableError) this.writeFailure = err;
    return err;
  }

  /**
   * Resolves when the store can serve requests: reads work and, after a write failed for want of space or
   * I/O, a probe write commits again (so /readyz says "not ready" while the disk is full).
   */
  async ping(): Promise<void> {
    this.assertOpen();
    this.reader.prepare('SELECT 1').get();
    if (this.writeFailure) {
      await this.transaction(async () => {
        this.writer
          .prepare(`INSERT OR REPLACE INTO aux (coll, id, doc) VALUES ('_ping', 'probe', ?)`)
          .run(JSON.stringify({ at: Date.now(), pad: 'x'.repeat(2048) }));
      });
    }
  }

  /** Online backup into `file` (a consistent copy; writes wait while it runs, reads go on). */
  async backup(file: string): Promise<void> {
    await this.exclusive(async () => {
      await this.writer.backup(file);
    });
  }

  /** PRAGMA integrity_check. */
  async check(): Promise<{ ok: boolean; problems: string[] }> {
    this.assertOpen();
    try {
      const rows = this.reader.pragma('integrity_check') as Array<{ integrity_check: string }>;
      const problems = rows.map((r) => r.integrity_check).filter((m) => m !== 'ok');
      return { ok: problems.length === 0, problems };
    } catch (err) {
      return { ok: false, problems: [(err as Error).message] };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.draining) await new Promise<void>((resolve) => this.drained.push(resolve));
    // acknowledged writes wait for their fsync: let the ones in flight finish
    while (this.syncing) await this.syncing.catch(() => undefined);
    await this.wal?.close();
    this.wal = null;
    try {
      await this.checkpointer?.stop();
      this.checkpointer = null;
      if (!this.ephemeral) this.writer.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      for (const db of this.scanners.splice(0)) db.close();
      this.reader.close();
      this.writer.close();
      await this.lock?.release();
      if (this.ephemeral) await rm(this.dir, { recursive: true, force: true });
    }
  }
}

/** Opens the SQLite storage engine. */
export async function openSqliteStorage(opts: SqliteOptions): Promise<SqliteStorage> {
  return SqliteStorage.open(opts);
}
