/**
 * A read-only reader of a data directory of the storage engine before SQLite (deleted from the tree; its
 * code is in git history at d5fb4d0, server/storage/embedded/). It rebuilds the collections in memory as
 * that engine's recovery did, and changes no file.
 *
 * The format: `snapshot-G.snap` (every collection's documents at the start of generation G) and
 * `journal-G.log` (the changes made during generation G). Both are sequences of records
 * `[u32 LE payload length][u32 LE crc32(payload)][payload, UTF-8]`. A snapshot is a `head` record, `docs`
 * records `{"t":"docs","c":name,"n":count,"docs":[...]}` and an `end` record `{"t":"end","count":n}`. A
 * journal record is a JSON array of operations `{c, put: doc}`, `{c, del: id}` or `{c, idx: definition}`;
 * or a segmented record: `@` + a JSON string (one collection) + a JSON array of its operations, or `@` + a
 * JSON array `[collection, byteLength, ...]` + `\n` + one JSON array of operations per collection.
 *
 * Recovery: the newest snapshot (or nothing), then every journal of generation >= the snapshot's (or all,
 * without one) in order; a put replaces the whole document, a del removes it, an index declaration changes
 * no document. A bad record is a torn tail (cut, here in memory only) when it is in the newest journal, fails
 * its framing or checksum, and no intact record follows it; anything else is damage: LegacyDataError.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { StoredDocument } from '../document-collection.js';

/** Damage the engine before SQLite would have refused to open. */
export class LegacyDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LegacyDataError';
  }
}

/** What was read. */
export interface LegacyData {
  /** Documents by collection, then by `_id` (collections in the order they were first met). */
  collections: Map<string, Map<string, StoredDocument>>;
  /** The snapshot loaded (file name), or null. */
  snapshot: string | null;
  /** The journals replayed (file names), in order. */
  journals: string[];
  /** Journal records replayed. */
  records: number;
  /** Bytes of a torn last record ignored at the end of the newest journal. */
  tornBytes: number;
}

const HEADER = 8;
const JOURNAL_RE = /^journal-(\d+)\.log$/;
const SNAPSHOT_RE = /^snapshot-(\d+)\.snap$/;
/** First byte of a journal payload: `[` (an array record) or `@` (a segmented one). */
const PAYLOAD_STARTS = [0x5b, 0x40];

type Op = { c: string; put: StoredDocument } | { c: string; del: string } | { c: string; idx: unknown };

/** The files of the engine before SQLite in a directory listing: journals, snapshots, their temporaries. */
export function isLegacyFile(name: string): boolean {
  return /^(?:journal-\d+(?:\.log)?|snapshot-\d+\.snap)(?:\.tmp)?$/.test(name);
}

/** What is wrong with the record at `offset`, or null when it is complete and its checksum matches. */
function frameProblem(buf: Buffer, offset: number): string | null {
  if (offset + HEADER > buf.length) return 'its 8-byte header is cut short by the end of the file';
  const length = buf.readUInt32LE(offset);
  if (length === 0) return 'its length is zero';
  const end = offset + HEADER + length;
  if (end > buf.length) return `its length (${length} bytes) runs past the end of the file`;
  if (crc32(buf.subarray(offset + HEADER, end)) !== buf.readUInt32LE(offset + 4))
    return 'its checksum does not match its contents';
  return null;
}

/** The payloads of consecutive intact records, where they stop and why. */
function scanFrames(buf: Buffer): { bodies: Buffer[]; validLength: number; problem: string | null } {
  const bodies: Buffer[] = [];
  let offset = 0;
  let problem: string | null = null;
  while (offset < buf.length) {
    problem = frameProblem(buf, offset);
    if (problem) break;
    const end = offset + HEADER + buf.readUInt32LE(offset);
    bodies.push(buf.subarray(offset + HEADER, end));
    offset = end;
  }
  return { bodies, validLength: offset, problem };
}

/** True when an intact journal record starts somewhere after `from` (then a bad record is not a torn tail). */
function intactRecordAfter(buf: Buffer, from: number): boolean {
  for (let at = from; at + HEADER < buf.length; at++) {
    if (!PAYLOAD_STARTS.includes(buf[at + HEADER])) continue;
    const length = buf.readUInt32LE(at);
    if (length === 0 || at + HEADER + length > buf.length) continue;
    if (frameProblem(buf, at) === null) return true;
  }
  return false;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The operations of one journal payload (every segment parsed); throws when it is malformed. */
function journalOps(body: Buffer): Op[] {
  if (body[0] !== 0x40) return checkOps(JSON.parse(body.toString('utf8')));
  if (body[1] === 0x22) {
    let end = 2;
    while (end < body.length && body[end] !== 0x22) end += body[end] === 0x5c ? 2 : 1;
    const name: unknown = JSON.parse(body.toString('utf8', 1, end + 1));
    if (typeof name !== 'string') throw new Error('a segmented record with a bad header');
    return checkOps(JSON.parse(body.toString('utf8', end + 1)), name);
  }
  const newline = body.indexOf(10);
  if (newline < 0) throw new Error('a segmented record without a header');
  const head: unknown = JSON.parse(body.toString('utf8', 1, newline));
  if (!Array.isArray(head)) throw new Error('a segmented record with a bad header');
  const ops: Op[] = [];
  let offset = newline + 1;
  for (let i = 0; i < head.length; i += 2) {
    const [c, length] = [head[i] as unknown, head[i + 1] as unknown];
    if (typeof c !== 'string' || typeof length !== 'number' || offset + length > body.length)
      throw new Error('a segmented record with a bad segment');
    ops.push(...checkOps(JSON.parse(body.toString('utf8', offset, offset + length)), c));
    offset += length;
  }
  if (offset !== body.length) throw new Error('a segmented record with bytes after its segments');
  return ops;
}

/** Checks the shape of parsed operations (and their collection, for a segment). */
function checkOps(ops: unknown, collection?: string): Op[] {
  if (!Array.isArray(ops)) throw new Error('a record that is not an array of operations');
  for (const op of ops) {
    const ok =
      isObject(op) &&
      typeof op.c === 'string' &&
      (collection === undefined || op.c === collection) &&
      (('put' in op && isObject(op.put) && typeof op.put._id === 'string') ||
        ('del' in op && typeof op.del === 'string') ||
        'idx' in op);
    if (!ok) throw new Error('an operation of an unknown shape');
  }
  return ops as Op[];
}

/** The generations of the files named like `re` (ascending). */
function generations(names: string[], re: RegExp): number[] {
  return names
    .map((n) => re.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

const journalName = (gen: number) => `journal-${String(gen).padStart(8, '0')}.log`;
const snapshotName = (gen: number) => `snapshot-${String(gen).padStart(8, '0')}.snap`;

const UNTOUCHED = 'Nothing was migrated and no file was changed.';

function snapshotDamage(file: string, offset: number, what: string): LegacyDataError {
  return new LegacyDataError(
    `Damaged snapshot ${file}: ${what} at byte offset ${offset}; a snapshot is written whole, so a crash ` +
      `cannot cause this. ${UNTOUCHED} Restore the data directory from a backup.`,
  );
}

function journalDamage(file: string, offset: number, what: string, why: string): LegacyDataError {
  return new LegacyDataError(
    `Damaged journal ${file}: the record at byte offset ${offset} is bad (${what}); ${why}, so this is not ` +
      `a write torn by a crash. ${UNTOUCHED} Restore the data directory from a backup (or, on a copy, cut ` +
      `the journal at the damage with truncate -s ${offset}, losing every change recorded after it).`,
  );
}

/** Loads a snapshot into `collections` (every record checked: a snapshot is never torn). */
async function readSnapshot(path: string, collections: LegacyData['collections']): Promise<void> {
  const buf = await readFile(path);
  const { bodies, validLength, problem } = scanFrames(buf);
  if (problem !== null) throw snapshotDamage(path, validLength, `the record there is bad (${problem})`);
  const offsetOf = (body: Buffer) => body.byteOffset - buf.byteOffset - HEADER;
  const parse = (body: Buffer | undefined, what: string): Record<string, unknown> => {
    if (!body) throw snapshotDamage(path, 0, `the file holds no ${what} record`);
    try {
      const v: unknown = JSON.parse(body.toString('utf8'));
      if (isObject(v)) return v;
    } catch {
      // reported below
    }
    throw snapshotDamage(path, offsetOf(body), `the ${what} record does not parse`);
  };
  const head = parse(bodies[0], 'head');
  if (head.t !== 'head' || !Array.isArray(head.collections))
    throw snapshotDamage(path, 0, 'the first record is not its head record');
  const last = bodies[bodies.length - 1];
  const end = parse(last, 'end');
  if (bodies.length < 2 || end.t !== 'end')
    throw snapshotDamage(path, offsetOf(last), 'the last record is not its end record');
  const declared = new Set<string>();
  for (const c of head.collections as unknown[]) {
    if (!isObject(c) || typeof c.name !== 'string') throw snapshotDamage(path, 0, 'its head record is bad');
    declared.add(c.name);
    if (!collections.has(c.name)) collections.set(c.name, new Map());
  }
  let count = 0;
  for (const body of bodies.slice(1, -1)) {
    const rec = parse(body, 'documents');
    const docs = collections.get(String(rec.c));
    if (rec.t !== 'docs' || !docs || !declared.has(String(rec.c)) || !Array.isArray(rec.docs))
      throw snapshotDamage(path, offsetOf(body), 'a documents record is bad or names an unknown collection');
    if (rec.n !== undefined && rec.n !== rec.docs.length)
      throw snapshotDamage(path, offsetOf(body), 'a documents record holds another count than it says');
    for (const doc of rec.docs as unknown[]) {
      if (!isObject(doc) || typeof doc._id !== 'string')
        throw snapshotDamage(path, offsetOf(body), 'a document has no string _id');
      docs.set(doc._id, doc as StoredDocument);
    }
    count += rec.docs.length;
  }
  if (count !== end.count)
    throw snapshotDamage(
      path,
      offsetOf(last),
      `it holds ${count} documents where its end record counts ${String(end.count)}`,
    );
}

/** Replays one journal into `collections`; returns the records replayed and the torn bytes ignored. */
async function replayJournal(
  path: string,
  next: string | null,
  collections: LegacyData['collections'],
): Promise<{ records: number; tornBytes: number }> {
  const buf = await readFile(path);
  const { bodies, validLength, problem } = scanFrames(buf);
  for (const body of bodies) {
    let ops: Op[];
    try {
      ops = journalOps(body);
    } catch (err) {
      const at = body.byteOffset - buf.byteOffset - HEADER;
      const what = `its checksum matches but it does not parse: ${(err as Error).message}`;
      throw journalDamage(path, at, what, 'a record whose checksum matches was written whole');
    }
    for (const op of ops) {
      let docs = collections.get(op.c);
      if (!docs) {
        docs = new Map();
        collections.set(op.c, docs);
      }
      if ('put' in op) docs.set(op.put._id, op.put);
      else if ('del' in op) docs.delete(op.del);
    }
  }
  if (problem === null) return { records: bodies.length, tornBytes: 0 };
  if (next !== null) throw journalDamage(path, validLength, problem, `a newer journal (${next}) follows it`);
  if (intactRecordAfter(buf, validLength + 1))
    throw journalDamage(path, validLength, problem, 'an intact record follows it');
  return { records: bodies.length, tornBytes: buf.length - validLength };
}

/** Reads the data directory `dir` as the engine before SQLite recovered it (no file is changed). */
export async function readLegacyDataDir(dir: string): Promise<LegacyData> {
  const names = await readdir(dir);
  const snapshots = generations(names, SNAPSHOT_RE);
  const journals = generations(names, JOURNAL_RE);
  const snapshotGen = snapshots.length > 0 ? snapshots[snapshots.length - 1] : null;
  const base = snapshotGen ?? journals[0] ?? 0;
  const collections: LegacyData['collections'] = new Map();
  if (snapshotGen !== null) await readSnapshot(join(dir, snapshotName(snapshotGen)), collections);
  const replay = journals.filter((g) => g >= base);
  const out: LegacyData = {
    collections,
    snapshot: snapshotGen === null ? null : snapshotName(snapshotGen),
    journals: replay.map(journalName),
    records: 0,
    tornBytes: 0,
  };
  for (const [i, gen] of replay.entries()) {
    const next = i + 1 < replay.length ? journalName(replay[i + 1]) : null;
    const { records, tornBytes } = await replayJournal(join(dir, journalName(gen)), next, collections);
    out.records += records;
    out.tornBytes += tornBytes;
  }
  return out;
}
