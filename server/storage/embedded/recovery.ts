/**
 * Recovery at open. On disk: `snapshot-G.snap` (state up to the start of generation G) and `journal-G.log`
 * files (changes made during generation G). Recovery loads the newest snapshot S (or starts empty) and
 * replays every journal of generation >= S in order; a torn or corrupt tail is ignored and truncated away.
 * Leftovers of an interrupted compaction (`*.tmp`, files older than S) are deleted.
 * Every record's framing and checksum is checked at open; the segments of segmented records (one per
 * collection, journal-format.ts) are queued unparsed behind their collection's earlier changes, like
 * snapshot records, and parsed when the collection is first used or by the background loader.
 */
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from './fs-util.js';
import { readFrames } from './frame-reader.js';
import { recordContent, type JournalOp, type RecordContent } from './journal-format.js';
import { readSnapshot, type RecoveredCollection } from './snapshot.js';

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
export async function recover(dir: string): Promise<Recovered> {
  await mkdir(dir, { recursive: true });
  const names = await readdir(dir);
  const snapshots = generations(names, SNAPSHOT_RE);
  const journals = generations(names, JOURNAL_RE);
  const snapshotGen = snapshots.length > 0 ? snapshots[snapshots.length - 1] : null;
  const base = snapshotGen ?? journals[0] ?? 0;
  const collections =
    snapshotGen === null ? new Map() : await readSnapshot(join(dir, snapshotName(snapshotGen)));
  const info: RecoveryInfo = {
    snapshotGeneration: snapshotGen,
    journalsReplayed: 0,
    recordsReplayed: 0,
    truncatedBytes: 0,
  };
  let generation = base;
  let journalSize = 0;
  for (const gen of journals.filter((g) => g >= base)) {
    journalSize = await replayJournal(join(dir, journalName(gen)), collections, info);
    generation = gen;
  }
  if (generation !== journals[journals.length - 1]) journalSize = 0;
  await removeObsolete(dir, names, base);
  return { collections, generation, journalSize, info };
}

async function replayJournal(
  path: string,
  collections: Map<string, RecoveredCollection>,
  info: RecoveryInfo,
): Promise<number> {
  const { buf, bodies, torn: tornFrames } = await readFrames(path);
  let validLength = 0;
  let records = 0;
  for (const body of bodies) {
    let content: RecordContent;
    try {
      content = recordContent(body);
    } catch {
      break; // a record that does not parse ends the valid data, like a bad checksum
    }
    if ('ops' in content) applyRecord(content.ops, collections);
    else
      for (const [name, segment] of content.segments) queueSegment(collectionFor(collections, name), segment);
    validLength = body.byteOffset - buf.byteOffset + body.length;
    records++;
  }
  const torn = tornFrames || records < bodies.length;
  info.journalsReplayed++;
  info.recordsReplayed += records;
  if (torn) {
    info.truncatedBytes += buf.length - validLength;
    const fh = await open(path, 'r+');
    try {
      await fh.truncate(validLength);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  return validLength;
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
async function removeObsolete(dir: string, names: string[], base: number): Promise<void> {
  const obsolete = names.filter((n) => {
    if (n.endsWith('.tmp')) return true;
    const m = JOURNAL_RE.exec(n) ?? SNAPSHOT_RE.exec(n);
    return m !== null && Number(m[1]) < base;
  });
  for (const n of obsolete) await rm(join(dir, n), { force: true });
  if (obsolete.length > 0) await fsyncDir(dir);
}
