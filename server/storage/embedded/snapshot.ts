/**
 * Snapshot files: every collection's index definitions and documents, framed like journal records and
 * closed by an `end` record. Written to a temporary file, fsynced, then atomically renamed into place.
 */
import { open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredDocument } from '../document-collection.js';
import { fsyncDir, writeAll } from './fs-util.js';
import { decodeRecords, encodeRecord } from './journal-format.js';
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
}

const DOCS_PER_RECORD = 500;
const FLUSH_BYTES = 4 * 1024 * 1024;

/** Writes `collections` to `path` crash-safely; `afterTempWritten` runs between the fsync and the rename. */
export async function writeSnapshot(
  path: string,
  collections: SnapshotCollection[],
  afterTempWritten: () => Promise<void>,
): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
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
        const rec = encodeRecord({ t: 'docs', c: c.name, docs: c.docs.slice(i, i + DOCS_PER_RECORD) });
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
    await fh.sync();
  } finally {
    await fh.close();
  }
  await afterTempWritten();
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/** Reads a snapshot; throws when it is incomplete or corrupt (a renamed snapshot is always complete). */
export async function readSnapshot(path: string): Promise<Map<string, RecoveredCollection>> {
  const { records, torn } = decodeRecords(await readFile(path));
  const head = records[0];
  const end = records[records.length - 1];
  if (torn || !isPlainObject(head) || head.t !== 'head' || !isPlainObject(end) || end.t !== 'end') {
    throw new Error(`Corrupt snapshot ${path}`);
  }
  const out = new Map<string, RecoveredCollection>();
  for (const c of head.collections as { name: string; indexes: IndexDefinition[] }[]) {
    out.set(c.name, { docs: new Map(), indexes: new Map(c.indexes.map((d) => [d.name, d])) });
  }
  let count = 0;
  for (const rec of records.slice(1, -1) as { c: string; docs: StoredDocument[] }[]) {
    const target = out.get(rec.c);
    if (!target) throw new Error(`Corrupt snapshot ${path}: unknown collection ${rec.c}`);
    for (const doc of rec.docs) target.docs.set(doc._id, doc);
    count += rec.docs.length;
  }
  if (count !== end.count)
    throw new Error(`Corrupt snapshot ${path}: ${count} documents, expected ${String(end.count)}`);
  return out;
}
