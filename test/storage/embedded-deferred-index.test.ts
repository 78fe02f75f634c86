/**
 * Embedded engine: after recovery the secondary indexes are built in the background. An operation on a
 * collection still indexing finishes its build first, so queries use complete indexes (documents examined
 * equal the matches), writes keep them right, and unique keys are still enforced.
 */
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StoredDocument } from '../../server/storage/document-collection.js';
import { openEmbeddedStore, type EmbeddedStore } from '../../server/storage/embedded/embedded-store.js';

const N = 10_000;
const dirs: string[] = [];
const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function doc(i: number): StoredDocument {
  return { _id: `d${i}`, p: `P${i % 100}`, n: i, key: `k${i}` };
}

async function seeded(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccm-deferred-index-'));
  dirs.push(dir);
  const store = await openEmbeddedStore({ dataDir: dir });
  const c = store.collection('docs');
  await c.createIndex({ p: 1 });
  await c.createIndex({ key: 1 }, { unique: true });
  await c.insertMany(Array.from({ length: N }, (_, i) => doc(i)));
  await store.close();
  return dir;
}

async function reopen(dir: string): Promise<EmbeddedStore> {
  const store = await openEmbeddedStore({ dataDir: dir });
  stores.push(store);
  return store;
}

describe('indexes built after recovery', () => {
  test('a query right after opening uses the complete index', async () => {
    const store = await reopen(await seeded());
    const c = store.collection('docs');
    const plan = await c.explain({ p: 'P7' });
    expect(plan.indexName).toBe('p_1');
    expect(plan.docsExamined).toBe(N / 100);
    expect(plan.nReturned).toBe(N / 100);
  });

  test('a write right after opening keeps the indexes right, and unique keys are enforced', async () => {
    const store = await reopen(await seeded());
    const c = store.collection('docs');
    await c.insertOne({ _id: 'new', p: 'P7', n: -1, key: 'k-new' });
    await c.deleteOne({ _id: 'd7' });
    await expect(c.insertOne({ _id: 'dup', p: 'P1', n: -2, key: 'k5' })).rejects.toMatchObject({
      code: 11000,
    });
    const ids = (await c.find({ p: 'P7' }).toArray()).map((d) => d._id);
    expect(ids).toHaveLength(N / 100);
    expect(ids).toContain('new');
    expect(ids).not.toContain('d7');
    expect((await c.explain({ p: 'P7' })).docsExamined).toBe(N / 100);
  });

  test('the background build completes on its own and gives the same plans', async () => {
    const store = await reopen(await seeded());
    await store.buildIndexes();
    const c = store.collection('docs');
    const plan = await c.explain({ key: 'k123' });
    expect(plan).toMatchObject({ indexName: 'key_1', docsExamined: 1, nReturned: 1 });
  });

  test('documents of a snapshot are parsed after opening, with the later journal applied in order', async () => {
    const dir = await seeded();
    const first = await reopen(dir);
    await first.compact();
    const c1 = first.collection('docs');
    await c1.replaceOne({ _id: 'd1' }, { _id: 'd1', p: 'P7', n: 1, key: 'k1' });
    await c1.deleteOne({ _id: 'd7' });
    await c1.insertOne({ _id: 'after', p: 'P7', n: -1, key: 'k-after' });
    await first.close();
    stores.splice(0);
    const store = await reopen(dir);
    expect(store.stats().recovery?.snapshotGeneration).not.toBeNull();
    const c = store.collection('docs');
    const ids = (await c.find({ p: 'P7' }).toArray()).map((d) => d._id).sort();
    expect(ids).toHaveLength(N / 100 + 1);
    expect(ids).toEqual(expect.arrayContaining(['d1', 'after']));
    expect(ids).not.toContain('d7');
    expect(await c.countDocuments({})).toBe(N);
    expect((await c.explain({ p: 'P7' })).docsExamined).toBe(N / 100 + 1);
  });

  test('a snapshot taken while indexes are pending keeps their definitions', async () => {
    const dir = await seeded();
    const store = await reopen(dir);
    await store.compact();
    await store.close();
    stores.splice(0);
    const again = await reopen(dir);
    expect((await again.collection('docs').explain({ p: 'P3' })).indexName).toBe('p_1');
  });
});
