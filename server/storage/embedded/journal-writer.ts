/**
 * The append-only journal writer with group commit. Records appended while a write+fsync is in flight wait
 * in a queue and share the next write+fsync. A rotation marker in the same queue switches to a new file
 * after every earlier record is durable in the old one, so records keep their order across files.
 */
import { dirname } from 'node:path';
import { deferred, fsyncDir, writeAll, type Deferred } from './fs-util.js';
import type { StorageFileHandle, StorageFs } from './storage-fs.js';

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

type Entry =
  { kind: 'record'; buf: Buffer; done: Deferred } | { kind: 'rotate'; path: string; done: Deferred };

/** Appends framed records to a journal file and makes them durable in groups. */
export class JournalWriter {
  private queue: Entry[] = [];
  private running = false;
  private failure: unknown = null;
  private idle: Deferred | null = null;
  readonly counters: JournalCounters = { journalWrites: 0, fsyncs: 0, records: 0, bytes: 0 };

  private constructor(
    private fh: StorageFileHandle,
    private path: string,
    /** Size of the current file. */
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

  /** The file currently appended to. */
  get currentPath(): string {
    return this.path;
  }

  /** Queues a framed record; resolves once it is on disk (written and fsynced). */
  append(buf: Buffer): Promise<void> {
    return this.enqueue({ kind: 'record', buf, done: deferred() });
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

  /** Drains the queue and closes the file. */
  async close(): Promise<void> {
    await this.drain().catch(() => undefined);
    await this.fh.close();
  }

  private enqueue(entry: Entry): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
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
          try {
            await this.switchTo(head.path);
          } catch (err) {
            head.done.reject(err);
            throw err;
          }
          head.done.resolve();
        } else {
          await this.writeGroup();
        }
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.running = false;
      const idle = this.idle;
      this.idle = null;
      idle?.resolve();
    }
  }

  private async writeGroup(): Promise<void> {
    let end = 0;
    while (end < this.queue.length && this.queue[end].kind === 'record') end++;
    const group = this.queue.splice(0, end) as Extract<Entry, { kind: 'record' }>[];
    const buf = group.length === 1 ? group[0].buf : Buffer.concat(group.map((e) => e.buf));
    try {
      await writeAll(this.fh, buf);
      this.counters.journalWrites++;
      await this.fh.datasync();
      this.counters.fsyncs++;
    } catch (err) {
      for (const e of group) e.done.reject(err);
      throw err;
    }
    this.size += buf.length;
    this.counters.records += group.length;
    this.counters.bytes += buf.length;
    for (const e of group) e.done.resolve();
    this.onDurable(this);
  }

  private async switchTo(path: string): Promise<void> {
    const next = await openForAppend(path, this.fs);
    const previous = this.fh;
    this.fh = next;
    this.path = path;
    this.size = 0;
    await previous.close();
  }

  private fail(err: unknown): void {
    this.failure = err;
    for (const e of this.queue.splice(0)) e.done.reject(err);
  }
}

async function openForAppend(path: string, fs: StorageFs): Promise<StorageFileHandle> {
  const fh = await fs.open(path, 'a');
  await fh.sync();
  await fsyncDir(dirname(path), fs);
  return fh;
}
