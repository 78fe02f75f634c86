/**
 * The append-only journal writer with group commit. Records appended while a write+fsync is in flight wait
 * in a queue and share the next write+fsync. A rotation marker in the same queue switches to a new file
 * after every earlier record is durable in the old one, so records keep their order across files.
 *
 * When a group cannot be made durable, its records and every record queued after it (applied to memory
 * later, so possibly built on them) are refused: their undos run newest first, in one synchronous step,
 * and the file is cut back to its last durable size, so that nothing half-written stays in it and the
 * next append starts clean (no append is made while that cut is pending). A full disk (ENOSPC, EDQUOT)
 * refuses with a StoreUnavailableError and the writer goes on: the next append tries again. Any other
 * I/O error stops the writer for good (every later append rejects with it), as an fsync error leaves the
 * file's state unknown.
 */
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../store-unavailable.js';
import { deferred, fsyncDir, writeAll, type Deferred } from './fs-util.js';
import { isNoSpaceError, type StorageFileHandle, type StorageFs } from './storage-fs.js';
import type { Undo } from './undo.js';

/** Counters exposed for tests and benchmarks. */
export interface JournalCounters {
  /** write() calls issued (one per group). */
  journalWrites: number;
  /** fdatasync() calls issued. */
  fsyncs: number;
  /** records made durable. */
  records: number;
  /** bytes made durable across all journal files. */
  bytes: number;
}

type RecordEntry = { kind: 'record'; buf: Buffer; undo: Undo | null; done: Deferred };
type Entry = RecordEntry | { kind: 'rotate'; path: string; done: Deferred };

/** The error of a write refused for lack of space. */
function diskFullError(cause: unknown, path: string): StoreUnavailableError {
  const code = (cause as { code?: string }).code ?? 'ENOSPC';
  return new StoreUnavailableError(
    `The disk holding ${path} is full (${code}): the write was refused and undone; writes resume once there is room`,
    'The server cannot save changes now because its disk is full; nothing of this request was saved. Retry later.',
    { cause },
  );
}

/** Appends framed records to a journal file and makes them durable in groups. */
export class JournalWriter {
  private queue: Entry[] = [];
  private running = false;
  private failure: unknown = null;
  private full: StoreUnavailableError | null = null;
  /** True when bytes past `size` may be in the file (a failed write): they are cut before the next append. */
  private dirty = false;
  private idle: Deferred | null = null;
  readonly counters: JournalCounters = { journalWrites: 0, fsyncs: 0, records: 0, bytes: 0 };

  private constructor(
    private fh: StorageFileHandle,
    private path: string,
    /** Size of the current file (its durable records). */
    public size: number,
    private readonly onDurable: (writer: JournalWriter) => void,
    private readonly fs: StorageFs,
  ) {}

  /** Opens `path` for appending (creating it and fsyncing its directory when new). */
  static async open(
    path: string,
    size: number,
    onDurable: (writer: JournalWriter) => void,
    fs: StorageFs,
  ): Promise<JournalWriter> {
    const fh = await openForAppend(path, fs);
    return new JournalWriter(fh, path, size, onDurable, fs);
  }

  /** The I/O error that stopped the writer, if any (every later append rejects with it). */
  get failed(): unknown {
    return this.failure;
  }

  /** The error of the last write refused for lack of space, until a write succeeds again. */
  get unavailable(): StoreUnavailableError | null {
    return this.full;
  }

  /** The file currently appended to. */
  get currentPath(): string {
    return this.path;
  }

  /** Queues a framed record; resolves once it is on disk (written and fsynced); `undo` runs if it is refused. */
  append(buf: Buffer, undo: Undo | null): Promise<void> {
    return this.enqueue({ kind: 'record', buf, undo, done: deferred() });
  }

  /** Queues a switch to a new file; resolves once every earlier record is durable and the new file exists. */
  rotate(path: string): Promise<void> {
    return this.enqueue({ kind: 'rotate', path, done: deferred() });
  }

  /** Resolves when everything queued so far is durable. */
  async drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return;
    this.idle ??= deferred();
    await this.idle.promise;
  }

  /** Drains the queue, cuts off any half-written bytes and closes the file. */
  async close(): Promise<void> {
    await this.drain().catch(() => undefined);
    await this.cutBack().catch(() => undefined);
    await this.fh.close();
  }

  private enqueue(entry: Entry): Promise<void> {
    if (this.failure) {
      if (entry.kind === 'record') entry.undo?.();
      return Promise.reject(this.failure);
    }
    this.queue.push(entry);
    if (!this.running) {
      this.running = true;
      // Start on the next microtask so that writes issued in the same tick share the first group.
      queueMicrotask(() => void this.run());
    }
    return entry.done.promise;
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0];
        if (head.kind === 'rotate') {
          this.queue.shift();
          await this.rotateNow(head);
        } else {
          await this.writeGroup();
        }
      }
    } catch (err) {
      this.failure = err;
      this.refuse([], err);
    } finally {
      this.running = false;
      const idle = this.idle;
      this.idle = null;
      idle?.resolve();
    }
  }

  private async rotateNow(entry: Extract<Entry, { kind: 'rotate' }>): Promise<void> {
    try {
      await this.switchTo(entry.path);
    } catch (err) {
      entry.done.reject(err);
      if (isNoSpaceError(err)) return; // keep appending to the current file; a later compaction retries
      throw err;
    }
    entry.done.resolve();
  }

  private async writeGroup(): Promise<void> {
    let end = 0;
    while (end < this.queue.length && this.queue[end].kind === 'record') end++;
    const group = this.queue.splice(0, end) as RecordEntry[];
    const buf = group.length === 1 ? group[0].buf : Buffer.concat(group.map((e) => e.buf));
    try {
      await this.cutBack();
      this.dirty = true;
      await writeAll(this.fh, buf);
      this.counters.journalWrites++;
      await this.fh.datasync();
      this.counters.fsyncs++;
      this.dirty = false;
    } catch (err) {
      await this.cutBack().catch(() => undefined);
      if (!isNoSpaceError(err)) {
        this.failure = err;
        this.refuse(group, err);
        throw err;
      }
      this.full = diskFullError(err, this.path);
      this.refuse(group, this.full);
      return;
    }
    this.full = null;
    this.size += buf.length;
    this.counters.records += group.length;
    this.counters.bytes += buf.length;
    for (const e of group) e.done.resolve();
    this.onDurable(this);
  }

  /**
   * Refuses `group` and everything queued after it: undoes their records newest first (one synchronous
   * step), then rejects them with `err`. An undo that throws stops the writer (memory would not match).
   */
  private refuse(group: RecordEntry[], err: unknown): void {
    const entries: Entry[] = [...group, ...this.queue.splice(0)];
    try {
      for (let i = entries.length - 1; i >= 0; i--) {
        const e = entries[i];
        if (e.kind === 'record') e.undo?.();
      }
    } catch (undoError) {
      this.failure = undoError;
    }
    for (const e of entries) e.done.reject(err);
  }

  /** Cuts the file back to its durable size after a failed write (no-op when nothing is pending). */
  private async cutBack(): Promise<void> {
    if (!this.dirty) return;
    await this.fh.truncate(this.size);
    await this.fh.datasync();
    this.dirty = false;
  }

  private async switchTo(path: string): Promise<void> {
    const next = await openForAppend(path, this.fs);
    const previous = this.fh;
    this.fh = next;
    this.path = path;
    this.size = 0;
    await previous.close();
  }
}

async function openForAppend(path: string, fs: StorageFs): Promise<StorageFileHandle> {
  const fh = await fs.open(path, 'a');
  try {
    await fh.sync();
    await fsyncDir(dirname(path), fs);
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
  return fh;
}
