/** Embedded engine transactions: bounded retries, atomic visibility, commit-time checks, session misuse. */
import { describe, expect, test } from '@jest/globals';
import { isDuplicateKeyError } from '../../server/storage/document-collection.js';
import { openEmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import { hasErrorLabel } from '../../server/storage/embedded/errors.js';
import { idsOf, update, type Counted } from './contract.js';

describe('embedded transactions', () => {
  test('a conflict on every attempt fails cleanly after the bounded number of retries', async () => {
    const store = await openEmbeddedStore({ dataDir: null, maxTransactionAttempts: 3 });
    const c = store.collection<Counted>('c');
    await c.insertOne({ _id: 'a', n: 0 });
    let attempts = 0;
    const failure = await store
      .withTransaction(async (session) => {
        attempts++;
        await c.updateOne({ _id: 'a' }, update({ $set: { n: -1 } }), { session });
        await c.insertOne({ _id: `tx${attempts}`, n: 1 }, { session });
        await c.updateOne({ _id: 'a' }, update({ $inc: { n: 10 } }));
      })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(attempts).toBe(3);
    expect(hasErrorLabel(failure, 'TransientTransactionError')).toBe(true);
    expect(failure).toMatchObject({ code: 112, codeName: 'WriteConflict' });
    expect(await c.find({}).toArray()).toEqual([{ _id: 'a', n: 30 }]);
    expect(store.stats().transactionConflicts).toBe(2);
    await store.close();
  });

  test('readers never observe part of a commit', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('c');
    await c.insertOne({ _id: 'seed' });
    const seen = new Set<number>();
    let done = false;
    const reader = (async () => {
      while (!done) {
        seen.add(await c.countDocuments({}));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await store.withTransaction(async (session) => {
      for (let i = 0; i < 100; i++) {
        await c.insertOne({ _id: `d${i}` }, { session });
        await new Promise((r) => setImmediate(r));
      }
    });
    await new Promise((r) => setImmediate(r));
    done = true;
    await reader;
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 101]);
    await store.close();
  });

  test('an upsert that relied on no match conflicts when a matching document appears, and retries', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('keys');
    await c.insertOne({ _id: 'other', key: 'y' });
    let attempts = 0;
    const result = await store.withTransaction(async (session) => {
      attempts++;
      const r = await c.updateOne({ key: 'x' }, update({ $set: { seen: attempts } }), {
        session,
        upsert: true,
      });
      if (attempts === 1) await c.insertOne({ _id: 'concurrent', key: 'x' });
      return r;
    });
    expect(attempts).toBe(2);
    expect(result.matchedCount).toBe(1);
    expect(await c.find({ key: 'x' }).toArray()).toEqual([{ _id: 'concurrent', key: 'x', seen: 2 }]);
    await store.close();
  });

  test('duplicate unique keys among the transaction’s own writes fail at commit with 11000', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('c');
    await c.createIndex({ k: 1 }, { unique: true });
    const err = await store
      .withTransaction(async (session) => {
        await c.insertOne({ _id: 'a', k: 1 }, { session });
        await c.insertOne({ _id: 'b', k: 1 }, { session });
      })
      .catch((e: unknown) => e);
    expect(isDuplicateKeyError(err)).toBe(true);
    expect(await c.countDocuments({})).toBe(0);
    await store.withTransaction(async (session) => {
      await c.insertOne({ _id: 'a', k: 1 }, { session });
      await c.deleteOne({ _id: 'a' }, { session });
      await c.insertOne({ _id: 'b', k: 1 }, { session });
    });
    expect(idsOf(await c.find({}).toArray())).toEqual(['b']);
    await store.close();
  });

  test('a session cannot be used after its transaction or with another store', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const other = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('c');
    let leaked: Parameters<Parameters<typeof store.withTransaction>[0]>[0] | null = null;
    await store.withTransaction(async (session) => {
      leaked = session;
      await expect(other.collection('c').insertOne({ _id: 'x' }, { session })).rejects.toThrow(
        /another|belong/,
      );
    });
    const session = leaked as unknown as Parameters<Parameters<typeof store.withTransaction>[0]>[0];
    await expect(c.insertOne({ _id: 'late' }, { session })).rejects.toThrow(/no longer active/);
    expect(await c.countDocuments({})).toBe(0);
    await store.close();
    await other.close();
  });
});
