/**
 * Embedded engine: the direct evaluator of simple filters decides exactly as mingo, or defers to it; top-level
 * inclusion projections give what mingo gives.
 */
import { describe, expect, test } from '@jest/globals';
import type { Projection } from '../../server/storage/document-collection.js';
import { Query } from 'mingo/query';
import { compileFast } from '../../server/storage/embedded/fast-filter.js';
import type { PlainObject } from '../../server/storage/embedded/json.js';
import { MINGO_OPTIONS } from '../../server/storage/embedded/mingo-context.js';
import { compileFilter, finishFind, topLevelInclusion } from '../../server/storage/embedded/query.js';

const DOCS: PlainObject[] = [
  { _id: 'a', n: 1, s: 'x', b: true, exp: 100, sp: { date: { lo: 5 } } },
  { _id: 'b', n: 2, s: 'y', deleted: true, sp: { date: [{ lo: 7 }, { lo: 50 }] } },
  { _id: 'c', n: '2', s: 3, deleted: false, sp: { date: { lo: '5' } } },
  { _id: 'd', n: [1, 2, 3], s: null, sp: null },
  { _id: 'e', n: { v: 1 }, s: ['x', 'y'], sp: { date: { lo: null } } },
  { _id: 'f', n: Number.NaN, s: '', b: 0, sp: { date: { lo: 10, hi: 20 } } },
  { _id: 'g', n: -0, s: 'X' },
  { _id: 'h' },
];

const FILTERS: PlainObject[] = [
  { n: 1 },
  { n: 2 },
  { n: { $eq: 2 } },
  { n: { $ne: 2 } },
  { n: { $gt: 1 } },
  { n: { $gte: 1, $lt: 3 } },
  { n: { $lte: 0 } },
  { n: { $in: [1, '2', 0] } },
  { n: 0 },
  { s: 'x' },
  { s: { $gt: 'a' } },
  { s: { $in: ['', 'X'] } },
  { b: true },
  { b: { $ne: true } },
  { deleted: { $ne: true } },
  { _id: { $in: ['a', 'c', 'z'] }, exp: { $gt: 50 } },
  { 'sp.date.lo': { $gte: 5, $lt: 20 } },
  { 'sp.date.lo': 5 },
  { 'sp.date.hi': { $ne: 20 } },
  { $and: [{ n: { $ne: 2 } }, { deleted: { $ne: true } }] },
  { $and: [{ 'sp.date.lo': { $gte: 0 } }, { s: { $in: ['x', 'y', 3] } }] },
];

function mingo(filter: PlainObject): (doc: PlainObject) => boolean {
  const q = new Query(filter, MINGO_OPTIONS);
  return (doc) => q.test(doc);
}

describe('top-level inclusion projections', () => {
  const doc = { m: 3, _id: 'x', z: { k: [1, { y: 2 }] }, a: null, B: 5 };
  test.each<[Projection]>([
    [{ z: 1, a: 1, m: 1 }],
    [{ m: 1, z: 1 }],
    [{ _id: 1, z: 1, B: 1, a: 1 }],
    [{ z: 1, _id: 0 }],
    [{ q: 1 }],
  ])('%j gives what mingo gives, in the same key order, cloning only those fields', (projection) => {
    const expected = new Query({}, MINGO_OPTIONS).find([doc], projection).all()[0] as PlainObject;
    const got = finishFind([doc], { projection })[0] as PlainObject;
    expect(got).toEqual(expected);
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    if ('z' in got) expect(got.z).not.toBe(doc.z);
  });

  test('dotted paths and exclusions are left to mingo', () => {
    expect(topLevelInclusion({ 'sp.date.lo': 1 })).toBeNull();
    expect(topLevelInclusion({ sp: 0 })).toBeNull();
    expect(topLevelInclusion({ _id: 0 })).toBeNull();
    expect(topLevelInclusion({ resource: 1, vid: 1 })).toEqual(['resource', 'vid', '_id']);
  });
});

describe('simple filters', () => {
  test.each(FILTERS.map((f) => [JSON.stringify(f), f] as [string, PlainObject]))(
    '%s matches what mingo matches',
    (_, filter) => {
      const expected = DOCS.filter(mingo(filter)).map((d) => d._id);
      const test = compileFilter(filter);
      expect(DOCS.filter((d) => test(d as never)).map((d) => d._id)).toEqual(expected);
    },
  );

  test('a decision made without mingo always equals mingo', () => {
    let decided = 0;
    for (const filter of FILTERS) {
      const fast = compileFast(filter);
      expect(fast).not.toBeNull();
      const m = mingo(filter);
      for (const doc of DOCS) {
        const r = fast?.(doc);
        if (r === undefined) continue;
        decided++;
        expect(r).toBe(m(doc));
      }
    }
    // most of the pairs are decided directly
    expect(decided).toBeGreaterThan((FILTERS.length * DOCS.length) / 2);
  });

  test('arrays on the path are traversed as mingo does; nested arrays are left to mingo', () => {
    const fast = compileFast({ 'sp.date.lo': { $gte: 5, $lt: 8 } });
    expect(fast?.(DOCS[1])).toBe(true);
    expect(fast?.({ sp: { date: [[{ lo: 6 }]] } })).toBeUndefined();
    expect(compileFast({ 'n.0': 1 })?.({ n: [1] })).toBeUndefined();
    expect(compileFast({ n: { $in: [1, null] } })).toBeNull();
  });

  test('random documents with arrays, nulls and nested values: the same matches as mingo', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const leaf = (): unknown =>
      [1, 2, 5, 'x', 'y', '5', true, null, undefined, { v: 1 }, [1, 'x'], [[2]], []][rnd(13)];
    const node = (depth: number): unknown => {
      if (depth === 0 || rnd(3) === 0) return leaf();
      if (rnd(3) === 0) return Array.from({ length: rnd(3) }, () => node(depth - 1));
      return { b: node(depth - 1), c: node(depth - 1) };
    };
    const docs = Array.from({ length: 400 }, (_, i) => ({ _id: String(i), a: node(3), n: leaf() }));
    const conds = [
      2,
      'x',
      { $ne: 5 },
      { $gt: 1 },
      { $lte: 'x' },
      { $in: [5, 'y', true] },
      { $gte: 1, $lt: 5 },
    ];
    let compared = 0;
    for (const path of ['a', 'a.b', 'a.b.c', 'a.c.b', 'n'])
      for (const cond of conds) {
        const filter = { [path]: cond };
        const m = mingo(filter);
        const fast = compileFast(filter);
        for (const doc of docs) {
          const r = fast?.(doc);
          if (r === undefined) continue;
          compared++;
          expect([path, cond, doc, r]).toEqual([path, cond, doc, m(doc)]);
        }
      }
    expect(compared).toBeGreaterThan(docs.length * 20);
  });

  test('filters with other operators are not simple', () => {
    for (const f of [
      { $or: [{ n: 1 }] },
      { n: { $exists: true } },
      { s: { $regex: '^x' } },
      { n: { $elemMatch: { $gt: 1 } } },
      { n: null },
      { n: { v: 1 } },
      { n: {} },
      { n: { $gt: true } },
    ]) {
      expect(compileFast(f)).toBeNull();
    }
  });
});
