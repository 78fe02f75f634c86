/**
 * Durability for the embedded engine: recovery at open, the group-committed journal, and compaction.
 *
 * Compaction from generation G to G+1, crash-safe at every step:
 *   1. synchronously capture every collection (immutable document versions) and queue a rotation to
 *      `journal-(G+1)` in the same tick, so records of later writes land in the new journal;
 *   2. once the rotation is done (old journal durable, new one created), write `snapshot-(G+1).snap.tmp`,
 *      fsync, rename to `snapshot-(G+1).snap`, fsync the directory;
 *   3. delete the files of generations <= G.
 * A crash before the rename leaves snapshot G (or none) + journals G and G+1: recovery replays both.
 * A crash after it leaves snapshot G+1 + journal G+1 (and garbage that recovery deletes).
 *
 * When: once the journal is past `compactAfterBytes` AND at least half as large as the last snapshot
 * (SNAPSHOT_SHARE). A snapshot rewrites the whole data set, so compacting every fixed number of bytes would
 * cost O(data) per step and O(data^2) over a bulk load; tying the trigger to the snapshot's size keeps the
 * total work linear in what was written (each byte rewritten about 1/SNAPSHOT_SHARE + 1 times), while the
 * journal that recovery must replay eagerly stays at most half the (lazily parsed) snapshot.
 */
import { join } from 'node:path';
import { DirLock } from './dir-lock.js';
import { fsyncDir } from './fs-util.js';
import { encodeOps, encodeRecord } from './journal-format.js';
import { JournalWriter, type JournalCounters } from './journal-writer.js';
import { journalName, recover, snapshotName, type RecoveryInfo } from './recovery.js';
import { writeSnapshot, type RecoveredCollection, type SnapshotCollection } from './snapshot.js';
import type { StorageFs } from './storage-fs.js';
import type { Undo } from './undo.js';

/** The journal must reach this share of the last snapshot's size before it is compacted. */
const SNAPSHOT_SHARE = 0.5;

/** Points where a test can observe (or copy) the files during a compaction. */
export type CompactionStep = 'rotated' | 'snapshot-written' | 'snapshot-renamed' | 'done';

/** Durability settings. */
export interface PersistenceOptions {
  compactAfterBytes: number;
  /** The file system (node:fs in production; tests inject faults). */
  fs: StorageFs;
  /** Where warnings go (a stale lock taken over). */
  warn: (message: string) => void;
  onCompactionStep?: (step: CompactionStep) => void | Promise<void>;
}

/** Durability counters. */
export interface PersistenceStats extends JournalCounters {
  journalBytes: number;
  /** Size of the newest snapshot (0 without one): the journal must reach half of it before a compaction. */
  snapshotBytes: number;
  generation: number;
  compactions: number;
  lastCompactionError: string | null;
  recovery: RecoveryInfo;
}

/** The journal + snapshot files of one data directory. */
export class Persistence {
  private capture: () => SnapshotCollection[] = () => [];
  private compacting: Promise<void> | null = null;
  private closing = false;
  private compactions = 0;
  private lastCompactionError: string | null = null;
  private snapshotBytes = 0;
  private writer!: JournalWriter;

  private constructor(
    private readonly dir: string,
    private generation: number,
    private readonly options: PersistenceOptions,
    private readonly recovery: RecoveryInfo,
    private readonly lock: DirLock,
  ) {}

  /**
   * Locks `dir` (one process per data directory), recovers it and opens its journal for appending; on
   * failure the lock is released.
   */
  static async open(
    dir: string,
    options: PersistenceOptions,
  ): Promise<{ persistence: Persistence; collections: Map<string, RecoveredCollection> }> {
    const fs = options.fs;
    await fs.mkdir(dir, { recursive: true });
    const lock = await DirLock.acquire(dir, fs, options.warn);
    try {
      const recovered = await recover(dir, fs);
      const persistence = new Persistence(dir, recovered.generation, options, recovered.info, lock);
      const snap = recovered.info.snapshotGeneration;
      if (snap !== null) persistence.snapshotBytes = (await fs.stat(join(dir, snapshotName(snap)))).size;
      persistence.writer = await JournalWriter.open(
        join(dir, journalName(recovered.generation)),
        recovered.journalSize,
        (w) => persistence.afterDurable(w),
        fs,
      );
      return { persistence, collections: recovered.collections };
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** Sets how to capture the in-memory state for a snapshot (called once by the store). */
  attach(capture: () => SnapshotCollection[]): void {
    this.capture = capture;
  }

  /** The error that stopped the journal, if any. */
  get failure(): unknown {
    return this.writer.failed;
  }

  /**
   * Appends one record holding the serialised operations; resolves once it is fsynced. When it cannot be
   * made durable, `undo` reverts its changes and the promise rejects (a StoreUnavailableError on a full disk).
   */
  append(serialized: readonly string[], undo: Undo): Promise<void> {
    return this.writer.append(encodeOps(serialized), undo);
  }

  /** While writes are refused for lack of space, appends an empty record to see whether there is room again. */
  async probe(): Promise<void> {
    if (this.writer.unavailable) await this.writer.append(encodeRecord([]), null);
  }

  /** Compacts now (or joins the compaction in progress). */
  compact(): Promise<void> {
    this.compacting ??= this.runCompaction().finally(() => {
      this.compacting = null;
    });
    return this.compacting;
  }

  private afterDurable(writer: JournalWriter): void {
    if (this.closing || this.compacting) return;
    if (writer.size < Math.max(this.options.compactAfterBytes, this.snapshotBytes * SNAPSHOT_SHARE)) return;
    this.compact().catch((err: unknown) => {
      this.lastCompactionError = err instanceof Error ? err.message : String(err);
    });
  }

  private async step(step: CompactionStep): Promise<void> {
    await this.options.onCompactionStep?.(step);
  }

  private async runCompaction(): Promise<void> {
    const next = this.generation + 1;
    // Capture and rotation are queued in the same synchronous block: no write can fall between them.
    const collections = this.capture();
    const rotated = this.writer.rotate(join(this.dir, journalName(next)));
    await rotated; // rejects when a refused write before it was undone: the capture holds it, so stop here
    this.generation = next;
    await this.step('rotated');
    const snapshot = join(this.dir, snapshotName(next));
    await writeSnapshot(snapshot, collections, () => this.step('snapshot-written'), this.options.fs);
    this.snapshotBytes = (await this.options.fs.stat(snapshot)).size;
    await this.step('snapshot-renamed');
    await this.removeOlderThan(next);
    this.compactions++;
    this.lastCompactionError = null;
    await this.step('done');
  }

  private async removeOlderThan(gen: number): Promise<void> {
    const pattern = /^(?:journal|snapshot)-(\d+)\.(?:log|snap)$/;
    const names = await this.options.fs.readdir(this.dir);
    const old = names.filter((n) => {
      const m = pattern.exec(n);
      return m !== null && Number(m[1]) < gen;
    });
    for (const n of old) await this.options.fs.rm(join(this.dir, n), { force: true });
    if (old.length > 0) await fsyncDir(this.dir, this.options.fs);
  }

  /**
   * Waits for a running compaction, makes every queued record durable, closes the journal and releases
   * the directory's lock.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.compacting?.catch(() => undefined);
    try {
      await this.writer.close();
    } finally {
      await this.lock.release();
    }
  }

  /** Counters for tests and benchmarks. */
  stats(): PersistenceStats {
    return {
      ...this.writer.counters,
      journalBytes: this.writer.size,
      snapshotBytes: this.snapshotBytes,
      generation: this.generation,
      compactions: this.compactions,
      lastCompactionError: this.lastCompactionError,
      recovery: this.recovery,
    };
  }

  /** File names of the current generation (for tests). */
  files(): { journal: string; snapshot: string } {
    return {
      journal: join(this.dir, journalName(this.generation)),
      snapshot: join(this.dir, snapshotName(this.generation)),
    };
  }
}
