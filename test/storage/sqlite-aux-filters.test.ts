/**
 * Filters of the SQLite auxiliary collections that are evaluated without mingo (an `_id` condition and
 * number comparisons, what the auth state reads on every request) select exactly what mingo selects,
 * including documents whose compared field is missing, an array or not a number.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Query } from 'mingo';
import type { AuxCollection, Storage } from '../../server/storage/repository.js';
import type { StoredDocument } from '../../server/storage/document-collection.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';

interface Doc extends StoredDocument {
  exp?: unknown;
  n?: unknown;
}

const DOCS: Doc[] = [
  { _id: 'a', exp: 10 },
  { _id: 'b', exp: 20, n: 1 },
  { _id: 'c', exp: [5, 25] },
  { _id: 'd' },
  { _id: 'e', exp: '30' },
  { _id: 'f', exp: null },
  { _id: 'g', exp: 20.5, n: 3 },
  { _id: 'h', exp: { v: 40 } },
];

let store: Storage;
let coll: AuxCollection<Doc>;
beforeAll(async () => {
  store = await openSqliteStorage({ dataDir: null });
  coll = store.aux<Doc>('filters');
  for (const d of DOCS) await coll.insertOne(d);
});
afterAll(async () => store.close());

const FILTERS: Array<Record<string, unknown>> = [
  { exp: { $gt: 15 } },
  { exp: { $gte: 20, $lt: 21 } },
  { exp: { $lte: 10 } },
  { _id: { $in: ['a', 'c', 'e', 'zz'] }, exp: { $gt: 6 } },
  { _id: 'b', exp: { $gt: 19 } },
  { _id: { $eq: 'c' }, exp: { $lt: 6 } },
  { _id: { $in: ['b', 'g'] }, exp: { $gt: 1 }, n: { $gte: 2 } },
  { _id: { $in: ['d', 'f', 'h'] }, exp: { $gt: 0 } },
  { _id: 'a' },
];

test.each(FILTERS.map((f) => [JSON.stringify(f), f] as [string, Record<string, unknown>]))(
  '%s selects what mingo selects',
  async (_n, filter) => {
    const expected = new Query(filter)
      .find<Doc>(DOCS)
      .all()
      .map((d) => d._id)
      .sort();
    const found = (await coll.find(filter).toArray()).map((d) => d._id).sort();
    expect(found).toEqual(expected);
    const one = await coll.findOne(filter);
    expect(one === null ? null : expected.includes(one._id)).toBe(expected.length > 0 ? true : null);
    expect(await coll.countDocuments(filter)).toBe(expected.length);
  },
);

test('the matches are whole documents, limited and projected as asked', async () => {
  const limited = await coll.find({ exp: { $gt: 0 } }, { limit: 2 }).toArray();
  expect(limited).toHaveLength(2);
  expect(limited.every((d) => DOCS.some((x) => JSON.stringify(x) === JSON.stringify(d)))).toBe(true);
  const projected = await coll.find({ _id: 'b', exp: { $gt: 0 } }, { projection: { n: 1 } }).toArray();
  expect(projected).toEqual([{ _id: 'b', n: 1 }]);
  const sorted = await coll.find({ exp: { $gt: 0 } }, { sort: { _id: -1 }, limit: 2 }).toArray();
  expect(sorted.map((d) => d._id)).toEqual(['g', 'c']);
});
