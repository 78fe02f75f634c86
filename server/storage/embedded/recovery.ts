/**
 * Recovery at open. On disk: `snapshot-G.snap` (state up to the start of generation G) and `journal-G.log`
 * files (changes made during generation G). Recovery loads the newest snapshot S (or starts empty) and
 * replays every journal of generation >= S in order. A torn tail of the newest journal (see replayJournal)
 * is ignored and truncated away; any other bad record, and any bad snapshot record, is damage: the open
 * fails with a StoreCorruptError before any file is changed.
 * Leftovers of an interrupted compaction (`*.tmp`, files older than S) are deleted.
 * Every record's framing and checksum is checked at open; the segments of segmented records (one per
 * collection, journal-format.ts) are queued unparsed behind their collection's earlier changes, like
 * snapshot records, and parsed when the collection is first used or by the background loader.
 */
import { join } from 'node:path';
import { journalDamage } from './corruption.js';
import { fsyncDir } from './fs-util.js';
import { nextIntactFrame, readFrames } from './frame-reader.js';
import { recordContent, type JournalOp, type RecordContent } from './journal-format.js';
import { readSnapshot, type RecoveredCollection } from './snapshot.js';
import { nodeStorageFs, type StorageFs } from './storage-fs.js';

const HEADER_BYTES = 8;

/** What recovery found. */
export interface RecoveryInfo {
  snapshotGeneration: number | null;
  journalsReplayed: number;
  recordsReplayed: number;
  /** Bytes of torn or corrupt records cut from journal tails. */
  truncatedBytes: number;
}

/** The rebuilt state and where to continue appending. */
export interface Recovered {
  collections: Map<string, RecoveredCollection>;
  generation: number;
  journalSize: number;
  info: RecoveryInfo;
}

/** File name of the journal of generation `gen`. */
export function journalName(gen: number): string {
  return `journal-${String(gen).padStart(8, '0')}.log`;
}

/** File name of the snapshot that starts generation `gen`. */
export function snapshotName(gen: number): string {
  return `snapshot-${String(gen).padStart(8, '0')}.snap`;
}

function generations(names: string[], pattern: RegExp): number[] {
  return names
    .map((n) => pattern.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

const JOURNAL_RE = /^journal-(\d+)\.log$/;
const SNAPSHOT_RE = /^snapshot-(\d+)\.snap$/;

/** Rebuilds the state stored in `dir` (creating the directory when missing). */
export async function recover(dir: string, fs: StorageFs = nodeStorageFs): Promise<Recovered> {
  await fs.mkdir(dir, { recursive: true });
  const names = await fs.readdir(dir);
  const snapshots = generations(names, SNAPSHOT_RE);
  const journals = generations(names, JOURNAL_RE);
  const snapshotGen = snapshots.length > 0 ? snapshots[snapshots.length - 1] : null;
  const base = snapshotGen ?? journals[0] ?? 0;
  const collections =
    snapshotGen === null ? new Map() : await readSnapshot(join(dir, snapshotName(snapshotGen)), fs);
  const info: RecoveryInfo = {
    snapshotGeneration: snapshotGen,
    journalsReplayed: 0,
    recordsReplayed: 0,
    truncatedBytes: 0,
  };
  // Everything is read and checked before any file changes: damage stops the open with no file touched.
  const replay = journals.filter((g) => g >= base);
  let generation = base;
  let journalSize = 0;
  let tail: { path: string; validLength: number } | null = null;
  for (const [i, gen] of replay.entries()) {
    const path = join(dir, journalName(gen));
    const next = i + 1 < replay.length ? journalName(replay[i + 1]) : null;
    const { validLength, tornBytes } = await replayJournal(path, next, collections, info, fs);
    if (tornBytes > 0) tail = { path, validLength };
    journalSize = validLength;
    generation = gen;
  }
  if (generation !== journals[journals.length - 1]) journalSize = 0;
  if (tail) await truncateTail(tail.path, tail.validLength, fs);
  await removeObsolete(dir, names, base, fs);
  return { collections, generation, journalSize, info };
}

/** First bytes of a journal payload: a JSON array record or a segmented one (journal-format.ts). */
const JOURNAL_PAYLOAD_STARTS = [0x5b, 0x40];

/**
 * Replays one journal into `collections`. A bad record is a torn tail only when it is in the newest
 * journal (`next` null), fails its framing or checksum (a record whose checksum matches was written
 * whole, so it must parse), and no intact record follows it anywhere in the file: a crash in the middle
 * of an append leaves a partial last record, or a last record with unwritten (often zeroed) bytes, and
 * nothing after it. Anything else is damage and throws a StoreCorruptError.
 */
async function replayJournal(
  path: string,
  next: string | null,
  collections: Map<string, RecoveredCollection>,
  info: RecoveryInfo,
  fs: StorageFs,
): Promise<{ validLength: number; tornBytes: number }> {
  const { buf, bodies, validLength, problem } = await readFrames(path, fs);
  let records = 0;
  for (const body of bodies) {
    let content: RecordContent;
    try {
      content = recordContent(body);
    } catch (err) {
      const at = body.byteOffset - buf.byteOffset - HEADER_BYTES;
      const what = `its checksum matches but it does not parse: ${err instanceof Error ? err.message : String(err)}`;
      throw journalDamage(path, at, what, 'a record whose checksum matches was written whole', records);
    }
    if ('ops' in content) applyRecord(content.ops, collections);
    else
      for (const [name, segment] of content.segments) queueSegment(collectionFor(collections, name), segment);
    records++;
  }
  info.journalsReplayed++;
  info.recordsReplayed += records;
  if (problem === null) return { validLength, tornBytes: 0 };
  if (next !== null)
    throw journalDamage(
      path,
      validLength,
      problem,
      `a newer journal (${next}) follows it, and a journal is complete before the next one starts`,
      records,
    );
  const intact = nextIntactFrame(buf, validLength + 1, JOURNAL_PAYLOAD_STARTS);
  if (intact >= 0)
    throw journalDamage(
      path,
      validLength,
      problem,
      `an intact record follows it at byte offset ${intact}`,
      records,
    );
  info.truncatedBytes += buf.length - validLength;
  return { validLength, tornBytes: buf.length - validLength };
}

/** Cuts a torn tail away (after every file was checked). */
async function truncateTail(path: string, validLength: number, fs: StorageFs): Promise<void> {
  const fh = await fs.open(path, 'r+');
  try {
    await fh.truncate(validLength);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function collectionFor(collections: Map<string, RecoveredCollection>, name: string): RecoveredCollection {
  let c = collections.get(name);
  if (!c) {
    c = { docs: new Map(), indexes: new Map() };
    collections.set(name, c);
  }
  return c;
}

/** True when changes of the collection are queued (unparsed snapshot records or journal segments). */
function hasQueue(c: RecoveredCollection): boolean {
  return c.pending !== undefined && (c.pending.records.length > 0 || c.pending.journal.length > 0);
}

/** Queues a segment of a segmented journal record behind the collection's earlier changes. */
function queueSegment(c: RecoveredCollection, segment: Buffer): void {
  c.pending ??= { records: [], journal: [] };
  c.pending.journal.push(segment);
}

/**
 * Applies one parsed journal record to the state being rebuilt; changes to a collection with queued
 * changes (unparsed snapshot records or journal segments) are queued behind them.
 */
export function applyRecord(ops: JournalOp[], collections: Map<string, RecoveredCollection>): void {
  for (const op of ops) {
    const c = collectionFor(collections, op.c);
    if ('idx' in op) c.indexes.set(op.idx.name, op.idx);
    else if (hasQueue(c)) c.pending?.journal.push(op);
    else if ('put' in op) c.docs.set(op.put._id, op.put);
    else if ('del' in op) c.docs.delete(op.del);
  }
}

/** Deletes temporary files and generations older than `base`. */
async function removeObsolete(dir: string, names: string[], base: number, fs: StorageFs): Promise<void> {
  const obsolete = names.filter((n) => {
    if (n.endsWith('.tmp')) return true;
    const m = JOURNAL_RE.exec(n) ?? SNAPSHOT_RE.exec(n);
    return m !== null && Number(m[1]) < base;
  });
  for (const n of obsolete) await fs.rm(join(dir, n), { force: true });
  if (obsolete.length > 0) await fsyncDir(dir, fs);
}
