/**
 * Embedded engine on a full disk (ENOSPC injected through the engine's file-system seam): a write that
 * cannot be made durable is refused with a StoreUnavailableError and undone in memory, nothing of it stays
 * in the journal, reads keep working, the store is not ready until a write succeeds again, and it takes
 * writes again by itself once there is room. Every acknowledged write survives a reopen; no refused one does.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { StoredDocument } from '../../server/storage/document-collection.js';
import { openEmbeddedStore, type EmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import { StoreUnavailableError } from '../../server/storage/store-unavailable.js';
import { update } from './contract.js';
import { fullDiskFs, roomyDisk, type DiskState } from './full-disk-fs.js';

const root = mkdtempSync(join(tmpdir(), 'ccm-full-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const JOURNAL = 'journal-00000000.log';

async function openFull(): Promise<{ store: EmbeddedStore; disk: DiskState; dir: string }> {
  const dir = join(root, `d${++dirs}`);
  const disk = roomyDisk();
  const store = await openEmbeddedStore({ dataDir: dir, fs: fullDiskFs(disk) });
  return { store, disk, dir };
}

async function dump(store: EmbeddedStore, name = 'c'): Promise<StoredDocument[]> {
  return store
    .collection(name)
    .find({}, { sort: { _id: 1 } })
    .toArray();
}

/** Reopens `dir` on the real file system and returns its documents. */
async function reopened(dir: string, name = 'c'): Promise<StoredDocument[]> {
  const store = await openEmbeddedStore({ dataDir: dir });
  try {
    return await dump(store, name);
  } finally {
    await store.close();
  }
}

describe('a full disk', () => {
  test('a write cut short by ENOSPC is refused, leaves no bytes in the journal, and the store recovers', async () => {
    const { store, disk, dir } = await openFull();
    const c = store.collection('c');
    for (let i = 0; i < 5; i++) await c.insertOne({ _id: `a${i}`, pad: 'x'.repeat(100) });
    const size = statSync(join(dir, JOURNAL)).size;
    disk.free = 40; // less than one record: the write is cut short, then ENOSPC
    await expect(c.insertOne({ _id: 'refused', pad: 'x'.repeat(100) })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(c.insertOne({ _id: 'refused2' })).rejects.toThrow(/disk.*full/i);
    expect(disk.raised).toBeGreaterThanOrEqual(2);
    expect(statSync(join(dir, JOURNAL)).size).toBe(size);
    // Reads keep working and do not show the refused writes.
    expect((await dump(store)).map((d) => d._id)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    disk.free = null; // space is freed
    await store.ping();
    await c.insertOne({ _id: 'b0' });
    await store.close();
    expect((await reopened(dir)).map((d) => d._id)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0']);
  });

  test('an fsync failing with ENOSPC refuses the write and cuts its bytes off the journal', async () => {
    const { store, disk, dir } = await openFull();
    const c = store.collection('c');
    await c.insertOne({ _id: 'kept', n: 1 });
    const size = statSync(join(dir, JOURNAL)).size;
    // The failed fsync, then the fsync after cutting the file back, then that of the next attempt's cut fail.
    disk.failSyncs = 3;
    await expect(c.updateOne({ _id: 'kept' }, update({ $set: { n: 2 } }))).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(c.deleteOne({ _id: 'kept' })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(statSync(join(dir, JOURNAL)).size).toBe(size);
    expect(await dump(store)).toEqual([{ _id: 'kept', n: 1 }]);
    await c.updateOne({ _id: 'kept' }, update({ $set: { n: 3 } }));
    await store.close();
    expect(await reopened(dir)).toEqual([{ _id: 'kept', n: 3 }]);
  });

  test('writes queued behind a refused one are refused and undone too, indexes included', async () => {
    const { store, disk, dir } = await openFull();
    const c = store.collection('c');
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertMany([
      { _id: 'x', k: 1 },
      { _id: 'y', k: 2 },
    ]);
    const before = await dump(store);
    disk.failSyncs = 1;
    const results = await Promise.allSettled([
      c.insertOne({ _id: 'z', k: 3 }),
      c.replaceOne({ _id: 'x' }, { _id: 'x', k: 10 }),
      c.deleteOne({ _id: 'y' }),
      store.withTransaction(async (session) => {
        await c.insertOne({ _id: 'w', k: 4 }, { session });
        await store.collection('d').insertOne({ _id: 'other' }, { session });
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(await dump(store)).toEqual(before);
    expect(await dump(store, 'd')).toEqual([]);
    expect(await c.findOne({ k: 10 })).toBeNull();
    expect(await c.findOne({ k: 1 })).toEqual({ _id: 'x', k: 1 });
    // The unique index holds the restored keys: k 1 is taken, k 3 is free again.
    await expect(c.insertOne({ _id: 'dup', k: 1 })).rejects.toMatchObject({ code: 11000 });
    await c.insertOne({ _id: 'z2', k: 3 });
    await store.close();
    expect(await reopened(dir)).toEqual([...before, { _id: 'z2', k: 3 }]);
  });

  test('a compaction that hits ENOSPC deletes and damages nothing; later writes and a reopen are whole', async () => {
    const { store, disk, dir } = await openFull();
    const c = store.collection('c');
    await c.insertMany(Array.from({ length: 300 }, (_v, i) => ({ _id: `s${String(i).padStart(3, '0')}` })));
    disk.free = 1000; // the snapshot does not fit
    await expect(store.compact()).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    disk.free = null;
    await c.insertOne({ _id: 'z' });
    const expected = await dump(store);
    expect(expected).toHaveLength(301);
    await store.compact();
    await store.close();
    expect(await reopened(dir)).toEqual(expected);
  });
});
