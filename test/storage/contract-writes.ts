/** Contract: write operations, their result counts, upserts, unique indexes, copies, and atomic races. */
import { describe, expect, test } from '@jest/globals';
import { isDuplicateKeyError, type StoredDocument } from '../../server/storage/document-collection.js';
import { idsOf, rejection, type ContractContext, type Counted, update } from './contract.js';

interface Listy extends StoredDocument {
  n: number;
  drop?: string;
  list: number[];
  items: { k: string }[];
  meta?: { v: number };
}

/** Registers the write tests. */
export function registerWriteTests(ctx: ContractContext): void {
  describe('writes', () => {
    test('insertOne returns the id; a duplicate _id fails with code 11000', async () => {
      const c = ctx.fresh();
      expect(await c.insertOne({ _id: 'a', n: 1 })).toEqual({ insertedId: 'a' });
      const err = await rejection(c.insertOne({ _id: 'a', n: 2 }));
      expect(err.code).toBe(11000);
      expect(isDuplicateKeyError(err)).toBe(true);
      expect(await c.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
    });

    test('insertMany counts; an ordered failure keeps the documents before it', async () => {
      const c = ctx.fresh();
      expect(await c.insertMany([{ _id: 'a' }, { _id: 'b' }])).toEqual({ insertedCount: 2 });
      const err = await rejection(c.insertMany([{ _id: 'c' }, { _id: 'a' }, { _id: 'd' }]));
      expect(err.code).toBe(11000);
      expect(idsOf(await c.find({}).toArray())).toEqual(['a', 'b', 'c']);
    });

    test('replaceOne: match, no match, upsert', async () => {
      const c = ctx.fresh();
      await c.insertOne({ _id: 'a', v: 1, old: true });
      expect(await c.replaceOne({ _id: 'a', v: 1 }, { _id: 'a', v: 2 })).toEqual({
        matchedCount: 1,
        modifiedCount: 1,
        upsertedCount: 0,
        upsertedId: null,
      });
      expect(await c.findOne({ _id: 'a' })).toEqual({ _id: 'a', v: 2 });
      expect((await c.replaceOne({ _id: 'a', v: 1 }, { _id: 'a', v: 3 })).matchedCount).toBe(0);
      expect(await c.replaceOne({ _id: 'b' }, { _id: 'b', v: 1 }, { upsert: true })).toEqual({
        matchedCount: 0,
        modifiedCount: 0,
        upsertedCount: 1,
        upsertedId: 'b',
      });
      expect(await c.countDocuments({})).toBe(2);
    });

    test('updateOne: $set (dotted), $unset, $inc, $push, $pull; a no-op reports modifiedCount 0', async () => {
      const c = ctx.fresh<Listy>();
      await c.insertOne({ _id: 'a', n: 1, drop: 'x', list: [1, 2, 3], items: [{ k: 'x' }, { k: 'y' }] });
      const r = await c.updateOne(
        { _id: 'a' },
        update({
          $set: { 'meta.v': 2 },
          $unset: { drop: '' },
          $inc: { n: 5 },
          $push: { list: 4 },
          $pull: { items: { k: 'x' } },
        }),
      );
      expect(r).toEqual({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
      expect(await c.findOne({ _id: 'a' })).toEqual({
        _id: 'a',
        n: 6,
        list: [1, 2, 3, 4],
        items: [{ k: 'y' }],
        meta: { v: 2 },
      });
      expect(await c.updateOne({ _id: 'a' }, { $set: { n: 6 } })).toEqual({
        matchedCount: 1,
        modifiedCount: 0,
        upsertedCount: 0,
        upsertedId: null,
      });
      expect((await c.updateOne({ _id: 'zz' }, { $set: { n: 1 } })).matchedCount).toBe(0);
      expect(await c.countDocuments({})).toBe(1);
    });

    test('updateOne upsert seeds from the filter and applies $setOnInsert only when inserting', async () => {
      const c = ctx.fresh();
      const up = await c.updateOne(
        { _id: 'k1', 'key.system': 's' },
        { $set: { n: 1 }, $setOnInsert: { created: 'yes' } },
        { upsert: true },
      );
      expect(up).toEqual({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: 'k1' });
      expect(await c.findOne({ _id: 'k1' })).toEqual({
        _id: 'k1',
        key: { system: 's' },
        n: 1,
        created: 'yes',
      });
      const again = await c.updateOne(
        { _id: 'k1' },
        { $set: { n: 2 }, $setOnInsert: { created: 'again' } },
        { upsert: true },
      );
      expect(again).toEqual({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
      expect(await c.findOne({ _id: 'k1' })).toEqual({
        _id: 'k1',
        key: { system: 's' },
        n: 2,
        created: 'yes',
      });
    });

    test('deleteOne and deleteMany report counts', async () => {
      const c = ctx.fresh();
      await c.insertMany([
        { _id: 'a', g: 1 },
        { _id: 'b', g: 1 },
        { _id: 'c', g: 1 },
        { _id: 'd', g: 2 },
      ]);
      expect(await c.deleteOne({ g: 1 })).toEqual({ deletedCount: 1 });
      expect(await c.deleteMany({ g: 1 })).toEqual({ deletedCount: 2 });
      expect(await c.deleteOne({ g: 9 })).toEqual({ deletedCount: 0 });
      expect(idsOf(await c.find({}).toArray())).toEqual(['d']);
    });

    test('callers cannot change stored documents through objects they passed in or got back', async () => {
      const c = ctx.fresh();
      const doc = { _id: 'a', nested: { list: [1] } };
      await c.insertOne(doc);
      doc.nested.list.push(2);
      const got = await c.findOne({ _id: 'a' });
      (got?.nested as { list: number[] }).list.push(3);
      const value = { deep: { x: 1 } };
      await c.updateOne({ _id: 'a' }, { $set: { value } });
      value.deep.x = 2;
      const listed = await c.find({ _id: 'a' }).toArray();
      listed[0].extra = true;
      expect(await c.findOne({ _id: 'a' })).toEqual({
        _id: 'a',
        nested: { list: [1] },
        value: { deep: { x: 1 } },
      });
    });
  });

  registerUniqueTests(ctx);
  registerRaceTests(ctx);
}

function registerUniqueTests(ctx: ContractContext): void {
  describe('unique indexes', () => {
    test('createIndex returns the default or the given name', async () => {
      const c = ctx.fresh();
      expect(await c.createIndex({ k: 1 }, { unique: true })).toBe('k_1');
      expect(await c.createIndex({ a: 1, 'b.c': -1 }, { name: 'ab' })).toBe('ab');
      expect(await c.createIndex({ k: 1 }, { unique: true })).toBe('k_1');
    });

    test('insert, replace, update and upsert cannot duplicate a unique key', async () => {
      const c = ctx.fresh();
      await c.createIndex({ k: 1 }, { unique: true });
      await c.insertMany([
        { _id: 'a', k: 'x' },
        { _id: 'b', k: 'y' },
      ]);
      expect((await rejection(c.insertOne({ _id: 'c', k: 'x' }))).code).toBe(11000);
      expect((await rejection(c.replaceOne({ _id: 'b' }, { _id: 'b', k: 'x' }))).code).toBe(11000);
      expect((await rejection(c.updateOne({ _id: 'b' }, { $set: { k: 'x' } }))).code).toBe(11000);
      expect((await rejection(c.updateOne({ _id: 'n' }, { $set: { k: 'x' } }, { upsert: true }))).code).toBe(
        11000,
      );
      expect((await rejection(c.replaceOne({ _id: 'n' }, { _id: 'n', k: 'y' }, { upsert: true }))).code).toBe(
        11000,
      );
      expect(await c.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 'a', k: 'x' },
        { _id: 'b', k: 'y' },
      ]);
      expect((await c.replaceOne({ _id: 'a' }, { _id: 'a', k: 'x', more: 1 })).modifiedCount).toBe(1);
    });

    test('compound and multikey unique keys; missing fields collide unless sparse', async () => {
      const c = ctx.fresh();
      await c.createIndex({ s: 1, v: 1 }, { unique: true });
      await c.createIndex({ tags: 1 }, { unique: true, sparse: true });
      await c.insertMany([
        { _id: 'a', s: 'x', v: 1, tags: ['t1', 't2'] },
        { _id: 'b', s: 'x', v: 2 },
        { _id: 'c', s: 'y', v: 1 },
      ]);
      expect((await rejection(c.insertOne({ _id: 'd', s: 'x', v: 1 }))).code).toBe(11000);
      expect((await rejection(c.insertOne({ _id: 'd', s: 'z', v: 1, tags: ['t2'] }))).code).toBe(11000);
      await c.insertOne({ _id: 'd', s: 'z', v: 1, tags: ['t3', 't3'] });
      const plain = ctx.fresh();
      await plain.createIndex({ key: 1 }, { unique: true });
      await plain.insertOne({ _id: 'a' });
      expect((await rejection(plain.insertOne({ _id: 'b' }))).code).toBe(11000);
    });

    test('a unique index cannot be built over duplicate keys', async () => {
      const c = ctx.fresh();
      await c.insertMany([
        { _id: 'a', k: 1 },
        { _id: 'b', k: 1 },
      ]);
      expect((await rejection(c.createIndex({ k: 1 }, { unique: true }))).code).toBe(11000);
      await c.insertOne({ _id: 'c', k: 1 });
      expect(await c.countDocuments({ k: 1 })).toBe(3);
    });
  });
}

function registerRaceTests(ctx: ContractContext): void {
  describe('atomic single-document operations under concurrency', () => {
    test('20 concurrent replaceOne with the same version filter: exactly one matches', async () => {
      const c = ctx.fresh();
      await c.insertOne({ _id: 'r', vid: 3 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_v, i) =>
          c.replaceOne({ _id: 'r', vid: 3 }, { _id: 'r', vid: 4, by: i }),
        ),
      );
      expect(results.filter((r) => r.matchedCount === 1)).toHaveLength(1);
      expect(results.filter((r) => r.matchedCount === 0)).toHaveLength(19);
      expect((await c.findOne({ _id: 'r' }))?.vid).toBe(4);
    });

    test('20 concurrent inserts of one unique key: one success, 19 duplicate-key errors', async () => {
      const c = ctx.fresh();
      await c.createIndex({ key: 1 }, { unique: true });
      const settled = await Promise.allSettled(
        Array.from({ length: 20 }, (_v, i) => c.insertOne({ _id: `i${i}`, key: 'same' } as StoredDocument)),
      );
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(failures).toHaveLength(19);
      expect(failures.every((f) => isDuplicateKeyError(f.reason))).toBe(true);
      expect(await c.countDocuments({ key: 'same' })).toBe(1);
    });

    test('20 concurrent $inc on one document all apply', async () => {
      const c = ctx.fresh<Counted>();
      await c.insertOne({ _id: 'n', n: 0 });
      await Promise.all(
        Array.from({ length: 20 }, () => c.updateOne({ _id: 'n' }, update({ $inc: { n: 1 } }))),
      );
      expect((await c.findOne({ _id: 'n' }))?.n).toBe(20);
    });
  });
}
