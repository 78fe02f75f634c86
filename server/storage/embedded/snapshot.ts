/**
 * Snapshot files: every collection's index definitions and documents, framed like journal records and
 * closed by an `end` record. Written to a temporary file, fsynced, then atomically renamed into place.
 * Each documents record starts `{"t":"docs","c":<name>,"n":<count>,` so that a reader can check framing,
 * checksums and counts at open and leave the JSON parsing of the documents for later (`pending`).
 */
import { dirname } from 'node:path';
import type { StoredDocument } from '../document-collection.js';
import { snapshotDamage } from './corruption.js';
import { readFrames } from './frame-reader.js';
import { fsyncDir, writeAll } from './fs-util.js';
import { nodeStorageFs, type StorageFs, type StorageFileHandle } from './storage-fs.js';
import { encodeRecord, type JournalOp } from './journal-format.js';
import { isPlainObject } from './json.js';
import type { IndexDefinition } from './secondary-index.js';

/** One collection as captured for a snapshot (documents are immutable versions, safe to read later). */
export interface SnapshotCollection {
  name: string;
  indexes: IndexDefinition[];
  docs: StoredDocument[];
}

/** A collection rebuilt from disk. */
export interface RecoveredCollection {
  docs: Map<string, StoredDocument>;
  indexes: Map<string, IndexDefinition>;
  /**
   * Checked but not yet parsed snapshot records of the collection (bodies of `docs` records) and the
   * journal changes that follow them, in order: operations, or unparsed segments (JSON arrays of
   * operations) of segmented journal records; `docs` holds what is already parsed.
   */
  pending?: { records: Buffer[]; journal: Array<JournalOp | Buffer> };
}

const DOCS_PER_RECORD = 500;
const FLUSH_BYTES = 4 * 1024 * 1024;

/**
 * Writes `collections` to `path` crash-safely; `afterTempWritten` runs between the fsync and the rename.
 * On failure (a full disk) the temporary file is removed and `path` is not created.
 */
export async function writeSnapshot(
  path: string,
  collections: SnapshotCollection[],
  afterTempWritten: () => Promise<void>,
  fs: StorageFs = nodeStorageFs,
): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await writeRecords(fh, collections);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await afterTempWritten();
  await fs.rename(tmp, path);
  await fsyncDir(dirname(path), fs);
}

async function writeRecords(fh: StorageFileHandle, collections: SnapshotCollection[]): Promise<void> {
  const head = {
    t: 'head',
    v: 1,
    collections: collections.map((c) => ({ name: c.name, indexes: c.indexes })),
  };
  let pending: Buffer[] = [encodeRecord(head)];
  let pendingBytes = pending[0].length;
  let count = 0;
  for (const c of collections) {
    for (let i = 0; i < c.docs.length; i += DOCS_PER_RECORD) {
      const docs = c.docs.slice(i, i + DOCS_PER_RECORD);
      const rec = encodeRecord({ t: 'docs', c: c.name, n: docs.length, docs });
      pending.push(rec);
      pendingBytes += rec.length;
      if (pendingBytes >= FLUSH_BYTES) {
        await writeAll(fh, Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      }
    }
    count += c.docs.length;
  }
  pending.push(encodeRecord({ t: 'end', count }));
  await writeAll(fh, Buffer.concat(pending));
}

const DOCS_PREFIX = /^\{"t":"docs","c":("(?:[^"\\]|\\.)*"),"n":(\d+),"docs":\[/;

/** The collection and count of a documents record, read from its prefix; null for the older form. */
function docsHeader(body: Buffer): { c: string; n: number } | null {
  const m = DOCS_PREFIX.exec(body.toString('utf8', 0, Math.min(body.length, 512)));
  return m ? { c: JSON.parse(m[1]) as string, n: Number(m[2]) } : null;
}

/** Parses one documents record (a body held in `pending`) into `docs`. */
export function parseDocsRecord(body: Buffer, docs: Map<string, StoredDocument>): void {
  const rec = JSON.parse(body.toString('utf8')) as { docs: StoredDocument[] };
  for (const doc of rec.docs) docs.set(doc._id, doc);
}

/** The byte offset of a record whose payload is `body` (a view into `buf`). */
function offsetOf(buf: Buffer, body: Buffer): number {
  return body.byteOffset - buf.byteOffset - 8;
}

function parseRecord(path: string, buf: Buffer, body: Buffer | undefined, what: string): unknown {
  if (!body) throw snapshotDamage(path, 0, `the file holds no ${what} record`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw snapshotDamage(path, offsetOf(buf, body), `the ${what} record does not parse`);
  }
}

/**
 * Reads a snapshot; throws a StoreCorruptError when a record is bad, incomplete or missing (a renamed
 * snapshot is always complete). Documents records are checked (checksum, collection, count) and kept
 * unparsed in `pending`.
 */
export async function readSnapshot(
  path: string,
  fs: StorageFs = nodeStorageFs,
): Promise<Map<string, RecoveredCollection>> {
  const { buf, bodies, validLength, problem } = await readFrames(path, fs);
  if (problem !== null) throw snapshotDamage(path, validLength, `the record there is bad (${problem})`);
  const head = parseRecord(path, buf, bodies[0], 'head');
  const end = parseRecord(path, buf, bodies[bodies.length - 1], 'end');
  if (!isPlainObject(head) || head.t !== 'head' || !Array.isArray(head.collections))
    throw snapshotDamage(path, 0, 'the first record is not its head record');
  if (bodies.length < 2 || !isPlainObject(end) || end.t !== 'end')
    throw snapshotDamage(
      path,
      offsetOf(buf, bodies[bodies.length - 1]),
      'the last record is not its end record',
    );
  const out = new Map<string, RecoveredCollection>();
  for (const c of head.collections as { name: string; indexes: IndexDefinition[] }[]) {
    const indexes = new Map(c.indexes.map((d) => [d.name, d]));
    out.set(c.name, { docs: new Map(), indexes, pending: { records: [], journal: [] } });
  }
  let count = 0;
  for (const body of bodies.slice(1, -1)) {
    const header = docsHeader(body);
    const rec = header
      ? null
      : (parseRecord(path, buf, body, 'documents') as { c: string; docs: StoredDocument[] });
    const target = out.get(header?.c ?? (rec as { c: string }).c);
    if (!target)
      throw snapshotDamage(path, offsetOf(buf, body), 'a documents record names an unknown collection');
    if (header) {
      target.pending?.records.push(body);
      count += header.n;
    } else {
      for (const doc of (rec as { docs: StoredDocument[] }).docs) target.docs.set(doc._id, doc);
      count += (rec as { docs: StoredDocument[] }).docs.length;
    }
  }
  if (count !== end.count)
    throw snapshotDamage(
      path,
      offsetOf(buf, bodies[bodies.length - 1]),
      `it holds ${count} documents where its end record counts ${String(end.count)}`,
    );
  return out;
}
