/** Contract: transactions (commit, abort, isolation, own-writes visibility, conflicts, unique keys). */
import { describe, expect, test } from '@jest/globals';
import { isDuplicateKeyError } from '../../server/storage/document-collection.js';
import { idsOf, orderOf, rejection, type ContractContext, type Counted, update } from './contract.js';

/** Resolves once `n` callers have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived++;
    if (arrived === n) release();
    return all;
  };
}

/** Registers the transaction tests. */
export function registerTransactionTests(ctx: ContractContext): void {
  describe('transactions', () => {
    test('commit makes every write visible together and returns the callback value', async () => {
      const a = ctx.fresh<Counted>();
      const b = ctx.fresh();
      await a.insertOne({ _id: 'seed', n: 0 });
      await b.insertOne({ _id: 'seed' });
      const result = await ctx.store().withTransaction(async (session) => {
        await a.insertOne({ _id: 'x', n: 1 }, { session });
        await a.updateOne({ _id: 'seed' }, update({ $inc: { n: 1 } }), { session });
        await b.deleteOne({ _id: 'seed' }, { session });
        await b.replaceOne({ _id: 'y' }, { _id: 'y', ok: true }, { session, upsert: true });
        return 'done';
      });
      expect(result).toBe('done');
      expect(await a.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
        { _id: 'seed', n: 1 },
        { _id: 'x', n: 1 },
      ]);
      expect(await b.find({}).toArray()).toEqual([{ _id: 'y', ok: true }]);
    });

    test('when the callback throws, nothing is written and the error propagates', async () => {
      const c = ctx.fresh();
      await c.insertOne({ _id: 'keep', n: 1 });
      const boom = new Error('boom');
      const err = await rejection(
        ctx.store().withTransaction(async (session) => {
          await c.insertOne({ _id: 'new' }, { session });
          await c.updateOne({ _id: 'keep' }, { $set: { n: 2 } }, { session });
          throw boom;
        }),
      );
      expect(err).toBe(boom);
      expect(await c.find({}).toArray()).toEqual([{ _id: 'keep', n: 1 }]);
    });

    test('the session sees its own writes (find with sort/skip/limit, countDocuments); others do not', async () => {
      const c = ctx.fresh();
      await c.insertMany([1, 2, 3, 4, 5].map((n) => ({ _id: `n${n}`, n })));
      await ctx.store().withTransaction(async (session) => {
        await c.insertOne({ _id: 'n2.5', n: 2.5 }, { session });
        await c.deleteOne({ _id: 'n1' }, { session });
        await c.updateOne({ _id: 'n5' }, { $set: { n: 0 } }, { session });
        const page = await c.find({}, { session, sort: { n: 1 }, skip: 1, limit: 3 }).toArray();
        expect(orderOf(page)).toEqual(['n2', 'n2.5', 'n3']);
        expect(await c.countDocuments({ n: { $lt: 3 } }, { session })).toBe(3);
        expect(await c.findOne({ _id: 'n2.5' }, { session })).toEqual({ _id: 'n2.5', n: 2.5 });
        expect(await c.findOne({ _id: 'n1' }, { session })).toBeNull();
        expect(await c.findOne({ _id: 'n2.5' })).toBeNull();
        expect(await c.findOne({ _id: 'n1' })).toEqual({ _id: 'n1', n: 1 });
        expect(await c.countDocuments({})).toBe(5);
        expect((await c.findOne({ _id: 'n5' }))?.n).toBe(5);
      });
      expect(idsOf(await c.find({}).toArray())).toEqual(['n2', 'n2.5', 'n3', 'n4', 'n5']);
      expect((await c.findOne({ _id: 'n5' }))?.n).toBe(0);
    });

    test('a write conflict with a concurrent writer retries the callback', async () => {
      const c = ctx.fresh<Counted>();
      await c.insertOne({ _id: 'a', n: 0 });
      let attempts = 0;
      await ctx.store().withTransaction(async (session) => {
        attempts++;
        const doc = await c.findOne({ _id: 'a' }, { session });
        if (attempts === 1) await c.updateOne({ _id: 'a' }, update({ $inc: { n: 100 } }));
        await c.updateOne({ _id: 'a' }, { $set: { n: (doc?.n ?? 0) + 1 } }, { session });
      });
      expect(attempts).toBe(2);
      expect((await c.findOne({ _id: 'a' }))?.n).toBe(101);
    });

    test('concurrent read-modify-write transactions lose no update', async () => {
      const c = ctx.fresh();
      await c.insertOne({ _id: 'counter', n: 0 });
      const bothRead = barrier(2);
      const increment = (): Promise<void> => {
        let first = true;
        return ctx.store().withTransaction(async (session) => {
          const doc = await c.findOne({ _id: 'counter' }, { session });
          if (first) {
            first = false;
            await bothRead();
          }
          await c.replaceOne({ _id: 'counter' }, { _id: 'counter', n: (doc?.n as number) + 1 }, { session });
        });
      };
      await Promise.all([increment(), increment()]);
      expect((await c.findOne({ _id: 'counter' }))?.n).toBe(2);
    });

    test('a unique violation inside a transaction fails it with 11000 and writes nothing', async () => {
      const c = ctx.fresh();
      await c.createIndex({ k: 1 }, { unique: true });
      await c.insertOne({ _id: 'a', k: 'x' });
      const err = await rejection(
        ctx.store().withTransaction(async (session) => {
          await c.insertOne({ _id: 'b', k: 'y' }, { session });
          await c.insertOne({ _id: 'c', k: 'x' }, { session });
        }),
      );
      expect(isDuplicateKeyError(err)).toBe(true);
      expect(idsOf(await c.find({}).toArray())).toEqual(['a']);
    });

    test('two concurrent transactions inserting one unique key: one commits, the other fails with 11000', async () => {
      const c = ctx.fresh();
      await c.createIndex({ k: 1 }, { unique: true });
      await c.insertOne({ _id: 'seed', k: 'seed' });
      const bothInserted = barrier(2);
      const insert = (id: string): Promise<void> => {
        let first = true;
        return ctx.store().withTransaction(async (session) => {
          await c.insertOne({ _id: id, k: 'same' }, { session });
          if (first) {
            first = false;
            await Promise.race([bothInserted(), new Promise((r) => setTimeout(r, 200))]);
          }
        });
      };
      const settled = await Promise.allSettled([insert('t1'), insert('t2')]);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      expect(isDuplicateKeyError(failed?.reason)).toBe(true);
      expect(await c.countDocuments({ k: 'same' })).toBe(1);
    });
  });
}
