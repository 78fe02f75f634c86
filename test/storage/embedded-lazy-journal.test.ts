/**
 * Embedded engine: journal records are segmented by collection, and recovery checks every record at open
 * but leaves each collection's segments unparsed, queued behind that collection's earlier changes, until
 * the collection is used. Records written before segmentation (JSON arrays) are still replayed, in order.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UpdateFilter } from 'mongodb';
import type { StoredDocument } from '../../server/storage/document-collection.js';
import { openEmbeddedStore, type EmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import {
  decodeRecords,
  encodeOps,
  encodeRecord,
  recordContent,
  serializeOp,
} from '../../server/storage/embedded/journal-format.js';
import { journalName, recover } from '../../server/storage/embedded/recovery.js';

const dirs: string[] = [];
const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-lazy-journal-'));
  dirs.push(dir);
  return dir;
}

async function open(dir: string): Promise<EmbeddedStore> {
  const store = await openEmbeddedStore({ dataDir: dir });
  stores.push(store);
  return store;
}

const set = (v: Record<string, unknown>) => ({ $set: v }) as UpdateFilter<StoredDocument>;

/** Writes a history of puts, updates and deletes over two collections, in and out of transactions. */
async function writeHistory(store: EmbeddedStore): Promise<void> {
  const a = store.collection('a');
  const b = store.collection('b "quoted"');
  await a.createIndex({ k: 1 });
  await a.insertOne({ _id: 'x', k: 1 });
  await store.withTransaction(async (session) => {
    await a.updateOne({ _id: 'x' }, set({ k: 2 }), { session });
    await b.insertMany([{ _id: 'y', k: 'é' }, { _id: 'z' }], { session });
    await a.insertOne({ _id: 'w', k: 3 }, { session });
    await b.deleteOne({ _id: 'z' }, { session });
  });
  await b.updateOne({ _id: 'y' }, set({ k: 'ü' }));
  await a.deleteOne({ _id: 'w' });
  await store.withTransaction(async (session) => {
    await b.insertOne({ _id: 'z', again: true }, { session });
    await a.updateOne({ _id: 'x' }, set({ k: 4 }), { session });
  });
}

async function contents(store: EmbeddedStore): Promise<Record<string, StoredDocument[]>> {
  return {
    a: await store
      .collection('a')
      .find({}, { sort: { _id: 1 } })
      .toArray(),
    b: await store
      .collection('b "quoted"')
      .find({}, { sort: { _id: 1 } })
      .toArray(),
  };
}

const EXPECTED = {
  a: [{ _id: 'x', k: 4 }],
  b: [
    { _id: 'y', k: 'ü' },
    { _id: 'z', again: true },
  ],
};

describe('segmented journal records', () => {
  test('a transaction is one record with one segment per collection, operations in order', () => {
    const ops = [
      serializeOp({ c: 'a', put: { _id: '1' } }),
      serializeOp({ c: 'b', put: { _id: '2' } }),
      serializeOp({ c: 'a', del: '1' }),
    ];
    const body = encodeOps(ops).subarray(8);
    const content = recordContent(body);
    expect(
      'segments' in content && content.segments.map(([c, seg]) => [c, JSON.parse(seg.toString())]),
    ).toEqual([
      [
        'a',
        [
          { c: 'a', put: { _id: '1' } },
          { c: 'a', del: '1' },
        ],
      ],
      ['b', [{ c: 'b', put: { _id: '2' } }]],
    ]);
    expect(decodeRecords(encodeOps(ops)).records).toEqual([
      [
        { c: 'a', put: { _id: '1' } },
        { c: 'a', del: '1' },
        { c: 'b', put: { _id: '2' } },
      ],
    ]);
  });

  test('recovery parses no segment at open; each collection parses its own on first use', async () => {
    const dir = freshDir();
    const store = await open(dir);
    await writeHistory(store);
    await store.close();
    const recovered = await recover(dir);
    for (const name of ['a', 'b "quoted"']) {
      const c = recovered.collections.get(name);
      expect(c?.docs.size).toBe(0);
      expect(c?.pending?.journal.some((change) => Buffer.isBuffer(change))).toBe(true);
    }
    expect(recovered.collections.get('a')?.indexes.has('k_1')).toBe(true); // index records stay parsed
    const reopened = await open(dir);
    expect(await contents(reopened)).toEqual(EXPECTED);
    expect((await reopened.collection('a').explain({ k: 4 })).indexName).toBe('k_1');
  });

  test('journals written as arrays of operations are replayed in order beside segmented records', async () => {
    const dir = freshDir();
    const old = [
      [
        { c: 'a', put: { _id: 'x', k: 1 } },
        { c: 'b "quoted"', put: { _id: 'y', k: 'é' } },
      ],
      [{ c: 'a', put: { _id: 'x', k: 2 } }],
    ].map((ops) => encodeRecord(ops));
    const current = [
      encodeOps([
        serializeOp({ c: 'a', put: { _id: 'x', k: 4 } }),
        serializeOp({ c: 'b "quoted"', put: { _id: 'z', again: true } }),
      ]),
      encodeOps([serializeOp({ c: 'b "quoted"', put: { _id: 'y', k: 'ü' } })]),
    ];
    writeFileSync(path.join(dir, journalName(0)), Buffer.concat([old[0], current[0], old[1], current[1]]));
    const store = await open(dir);
    const { a, b } = await contents(store);
    expect(a).toEqual([{ _id: 'x', k: 2 }]); // the older array record came last
    expect(b).toEqual(EXPECTED.b);
  });

  test('a torn segmented record at the tail is cut away and the rest recovers', async () => {
    const dir = freshDir();
    const store = await open(dir);
    await writeHistory(store);
    await store.close();
    const file = path.join(dir, journalName(0));
    const size = statSync(file).size;
    const tail = encodeOps([
      serializeOp({ c: 'a', put: { _id: 'lost' } }),
      serializeOp({ c: 'b', del: 'q' }),
    ]);
    writeFileSync(file, Buffer.concat([readFileSync(file), tail.subarray(0, tail.length - 3)]));
    const reopened = await open(dir);
    expect(await contents(reopened)).toEqual(EXPECTED);
    expect(reopened.stats().recovery?.truncatedBytes).toBe(tail.length - 3);
    expect(statSync(file).size).toBe(size);
  });
});
