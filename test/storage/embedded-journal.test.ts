/** Embedded engine durability: journal, group commit, recovery from torn records, compaction and crashes. */
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { StoredDocument } from '../../server/storage/document-collection.js';
import { openEmbeddedStore, type EmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import { decodeRecords } from '../../server/storage/embedded/journal-format.js';
import type { CompactionStep } from '../../server/storage/embedded/persistence.js';
import { openStore } from '../../server/storage/open-store.js';
import { update } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'ccm-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `d${++dirs}`);

const journalFile = (dir: string): string => {
  const logs = readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort();
  return join(dir, logs[logs.length - 1]);
};

async function dump(store: EmbeddedStore, name: string): Promise<StoredDocument[]> {
  return store
    .collection(name)
    .find({}, { sort: { _id: 1 } })
    .toArray();
}

async function insertNumbered(store: EmbeddedStore, name: string, count: number, from = 0): Promise<void> {
  for (let i = from; i < from + count; i++) {
    await store.collection(name).insertOne({ _id: `d${String(i).padStart(4, '0')}`, i, pad: 'x'.repeat(50) });
  }
}

describe('recovery after restart', () => {
  test('documents, updates, deletes, transactions and indexes survive close and reopen', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    const c = store.collection('things');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.createIndex({ 'sp.r': 1 }, { name: 'by_ref' });
    await c.insertMany([
      { _id: 'a', k: 1, sp: [{ r: 'P/1' }] },
      { _id: 'b', k: 2, sp: [{ r: 'P/2' }] },
      { _id: 'c', k: 3 },
    ]);
    await c.updateOne({ _id: 'a' }, update({ $set: { n: 1 }, $push: { sp: { r: 'P/3' } } }));
    await c.replaceOne({ _id: 'b' }, { _id: 'b', k: 20, sp: [{ r: 'P/2' }] });
    await c.deleteOne({ _id: 'c' });
    await store.withTransaction(async (session) => {
      await c.insertOne({ _id: 'd', k: 4 }, { session });
      await store.collection('other').insertOne({ _id: 'o' }, { session });
    });
    const before = await dump(store, 'things');
    await store.close();

    const reopened = await openEmbeddedStore({ dataDir: dir });
    expect(await dump(reopened, 'things')).toEqual(before);
    expect(await dump(reopened, 'other')).toEqual([{ _id: 'o' }]);
    expect(reopened.stats().recovery?.recordsReplayed).toBe(7);
    const r = reopened.collection('things');
    await expect(r.insertOne({ _id: 'e', k: 20 })).rejects.toMatchObject({ code: 11000 });
    expect(await r.explain({ 'sp.r': 'P/3' })).toEqual({
      indexName: 'by_ref',
      docsExamined: 1,
      nReturned: 1,
    });
    await reopened.close();
  });

  test('close flushes writes still in flight; operations after close reject', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    const c = store.collection('c');
    const pending = Array.from({ length: 20 }, (_v, i) => c.insertOne({ _id: `p${i}` }));
    await store.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(20);
    await expect(c.insertOne({ _id: 'late' })).rejects.toThrow(/closed/);
    await expect(c.find({}).toArray()).rejects.toThrow(/closed/);
    const reopened = await openEmbeddedStore({ dataDir: dir });
    expect(await reopened.collection('c').countDocuments({})).toBe(20);
    await reopened.close();
  });
});

describe('torn and corrupt journal tails', () => {
  async function writeTen(): Promise<string> {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    await insertNumbered(store, 'c', 10);
    await store.close();
    return dir;
  }

  test('a record cut short by a crash is ignored and truncated; later writes are kept', async () => {
    const dir = await writeTen();
    const file = journalFile(dir);
    const size = statSync(file).size;
    truncateSync(file, size - 3);
    const store = await openEmbeddedStore({ dataDir: dir });
    expect(await store.collection('c').countDocuments({})).toBe(9);
    expect(store.stats().recovery?.truncatedBytes).toBeGreaterThan(0);
    expect(await store.collection('c').findOne({ _id: 'd0009' })).toBeNull();
    await store.collection('c').insertOne({ _id: 'after' });
    await store.close();
    const again = await openEmbeddedStore({ dataDir: dir });
    expect(await again.collection('c').countDocuments({})).toBe(10);
    expect(again.stats().recovery?.truncatedBytes).toBe(0);
    await again.close();
  });

  test('garbage after the last record is dropped and every complete record is recovered', async () => {
    const dir = await writeTen();
    const file = journalFile(dir);
    const size = statSync(file).size;
    appendFileSync(file, Buffer.from([0x20, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]));
    const store = await openEmbeddedStore({ dataDir: dir });
    expect(await store.collection('c').countDocuments({})).toBe(10);
    expect(store.stats().recovery?.truncatedBytes).toBe(11);
    expect(statSync(file).size).toBe(size);
    await store.close();
  });

  test('a zero-filled tail and a last record with a bad checksum are ignored', async () => {
    const dir = await writeTen();
    const file = journalFile(dir);
    const bytes = readFileSync(file);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(file, Buffer.concat([bytes, Buffer.alloc(64)]));
    const store = await openEmbeddedStore({ dataDir: dir });
    expect(await store.collection('c').countDocuments({})).toBe(9);
    await store.close();
  });
});

describe('journal records and group commit', () => {
  test('a transaction is exactly one journal record', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    await store.collection('a').insertOne({ _id: 'seed' });
    const before = store.stats().records;
    await store.withTransaction(async (session) => {
      await store.collection('a').insertOne({ _id: 'x' }, { session });
      await store.collection('a').deleteOne({ _id: 'seed' }, { session });
      await store.collection('b').insertMany([{ _id: 'y' }, { _id: 'z' }], { session });
      await store.collection('b').updateOne({ _id: 'y' }, update({ $set: { v: 1 } }), { session });
    });
    expect(store.stats().records - before).toBe(1);
    await store.close();
    const { records } = decodeRecords(readFileSync(journalFile(dir)));
    expect(records).toHaveLength(2);
    expect(records[1]).toEqual([
      { c: 'a', put: { _id: 'x' } },
      { c: 'a', del: 'seed' },
      { c: 'b', put: { _id: 'y', v: 1 } },
      { c: 'b', put: { _id: 'z' } },
    ]);
  });

  test('a transaction whose callback throws writes no record', async () => {
    const store = await openEmbeddedStore({ dataDir: freshDir() });
    await store.collection('a').insertOne({ _id: 'seed' });
    const before = store.stats().records;
    await expect(
      store.withTransaction(async (session) => {
        await store.collection('a').insertOne({ _id: 'x' }, { session });
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(store.stats().records).toBe(before);
    await store.close();
  });

  test('concurrent writes share fsyncs; each write resolves only once its record is durable', async () => {
    const store = await openEmbeddedStore({ dataDir: freshDir() });
    const c = store.collection('c');
    await c.insertOne({ _id: 'warm' });
    const before = store.stats();
    const durableAtResolve: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_v, i) => {
        await c.insertOne({ _id: `c${i}` });
        durableAtResolve.push(store.stats().records - before.records);
      }),
    );
    const after = store.stats();
    expect(after.records - before.records).toBe(50);
    expect(after.fsyncs - before.fsyncs).toBeLessThan(10);
    expect(after.journalWrites - before.journalWrites).toBe(after.fsyncs - before.fsyncs);
    expect(Math.min(...durableAtResolve)).toBeGreaterThanOrEqual(1);
    const sequentialBefore = store.stats().fsyncs;
    for (let i = 0; i < 5; i++) await c.insertOne({ _id: `s${i}` });
    expect(store.stats().fsyncs - sequentialBefore).toBe(5);
    await store.close();
  });

  test('a document the journal cannot hold is refused before anything changes', async () => {
    const store = await openEmbeddedStore({ dataDir: freshDir() });
    const c = store.collection('c');
    await c.insertOne({ _id: 'a', n: 1 });
    await expect(c.insertOne({ _id: 'b', n: BigInt(2) })).rejects.toThrow(TypeError);
    await expect(c.replaceOne({ _id: 'a' }, { _id: 'a', n: BigInt(3) })).rejects.toThrow(TypeError);
    expect(await c.find({}).toArray()).toEqual([{ _id: 'a', n: 1 }]);
    await c.insertOne({ _id: 'c' });
    expect(await c.countDocuments({})).toBe(2);
    await store.close();
  });

  test('memory-only mode has no journal', async () => {
    const store = await openStore({ dataDir: null });
    expect(store.engine).toBe('embedded');
    await store.collection('c').insertOne({ _id: 'a' });
    expect((store as EmbeddedStore).stats()).toMatchObject({ fsyncs: 0, records: 0, documents: 1 });
    await store.close();
  });
});

describe('compaction', () => {
  test('compact() writes a snapshot, starts a fresh journal, and reopening restores everything', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    await store.collection('c').createIndex({ i: 1 }, { unique: true });
    await insertNumbered(store, 'c', 100);
    await store.collection('c').deleteMany({ i: { $lt: 10 } });
    await store.compact();
    expect(readdirSync(dir).sort()).toEqual([
      'ccm-fhir.lock',
      'journal-00000001.log',
      'snapshot-00000001.snap',
    ]);
    expect(statSync(join(dir, 'journal-00000001.log')).size).toBe(0);
    await insertNumbered(store, 'c', 5, 100);
    const before = await dump(store, 'c');
    await store.close();
    const reopened = await openEmbeddedStore({ dataDir: dir });
    expect(await dump(reopened, 'c')).toEqual(before);
    expect(reopened.stats().recovery).toMatchObject({ snapshotGeneration: 1, recordsReplayed: 5 });
    await expect(reopened.collection('c').insertOne({ _id: 'dup', i: 50 })).rejects.toMatchObject({
      code: 11000,
    });
    await reopened.close();
  });

  test('the journal compacts itself past compactAfterBytes', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir, compactAfterBytes: 4096 });
    await insertNumbered(store, 'c', 200);
    await store.close();
    expect(store.stats().compactions).toBeGreaterThan(0);
    expect(store.stats().lastCompactionError).toBeNull();
    const reopened = await openEmbeddedStore({ dataDir: dir });
    expect(await reopened.collection('c').countDocuments({})).toBe(200);
    await reopened.close();
  });

  test('compaction waits until the journal reaches half the last snapshot (linear total work)', async () => {
    const dir = freshDir();
    const store = await openEmbeddedStore({ dataDir: dir, compactAfterBytes: 1024 });
    await insertNumbered(store, 'c', 3000);
    const { journalBytes, snapshotBytes, compactions, bytes: bytesWritten } = store.stats();
    await store.close();
    expect(snapshotBytes).toBeGreaterThan(1024);
    // Every 1 KiB of journal would mean one compaction per ~1 KiB written; each must instead grow the
    // data by half since the previous one, so their number grows with the logarithm of the data.
    expect(bytesWritten / 1024).toBeGreaterThan(50);
    expect(compactions).toBeGreaterThanOrEqual(3);
    expect(compactions).toBeLessThanOrEqual(Math.ceil(Math.log(bytesWritten / 1024) / Math.log(1.5)) + 2);
    expect(journalBytes).toBeLessThan(bytesWritten);
    const reopened = await openEmbeddedStore({ dataDir: dir });
    expect(await reopened.collection('c').countDocuments({})).toBe(3000);
    expect(reopened.stats()).toMatchObject({ snapshotBytes });
    await reopened.close();
  });

    test('a crash at any step of a compaction recovers every acknowledged write', async () => {
    const dir = freshDir();
    const crashes = new Map<CompactionStep, string>();
    let store: EmbeddedStore | null = null;
    const onCompactionStep = async (step: CompactionStep): Promise<void> => {
      if (step === 'rotated' && store) {
        // Writes made while the snapshot is not yet written land in the new journal only.
        await store.collection('c').deleteOne({ _id: 'd0003' });
        await store.collection('c').replaceOne({ _id: 'd0004' }, { _id: 'd0004', i: -4 });
        await insertNumbered(store, 'c', 2, 50);
      }
      const copy = join(root, `crash-${dirs}-${step}`);
      cpSync(dir, copy, { recursive: true });
      crashes.set(step, copy);
    };
    store = await openEmbeddedStore({ dataDir: dir, onCompactionStep });
    await insertNumbered(store, 'c', 10);
    await store.collection('c').updateOne({ _id: 'd0001' }, update({ $set: { i: 100 } }));
    await store.compact();
    const expected = await dump(store, 'c');
    await store.close();
    expect([...crashes.keys()]).toEqual(['rotated', 'snapshot-written', 'snapshot-renamed', 'done']);
    const tmp = readdirSync(crashes.get('snapshot-written') as string).find((n) =>
      n.endsWith('.tmp'),
    ) as string;
    const tornTmp = `${crashes.get('snapshot-written')}-torn`;
    cpSync(crashes.get('snapshot-written') as string, tornTmp, { recursive: true });
    truncateSync(join(tornTmp, tmp), 100);
    for (const copy of [...crashes.values(), tornTmp]) {
      const recovered = await openEmbeddedStore({ dataDir: copy });
      expect(await dump(recovered, 'c')).toEqual(expected);
      await recovered.close();
      expect(readdirSync(copy).some((n) => n.endsWith('.tmp'))).toBe(false);
    }
    expect(existsSync(join(crashes.get('snapshot-renamed') as string, 'journal-00000000.log'))).toBe(false);
  });
});
