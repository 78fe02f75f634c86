/** Contract: filters, sort/skip/limit/projection, countDocuments and explain. */
import { beforeAll, describe, expect, test } from '@jest/globals';
import type { DocumentCollection, StoredDocument } from '../../server/storage/document-collection.js';
import { idsOf, orderOf, type ContractContext } from './contract.js';

const PEOPLE: StoredDocument[] = [
  {
    _id: 'p1',
    name: 'Alice',
    age: 30,
    tags: ['a', 'b'],
    addr: { city: 'Paris', zip: '75001' },
    visits: [
      { d: '2026-01-05', kind: 'office' },
      { d: '2026-03-01', kind: 'phone' },
    ],
  },
  {
    _id: 'p2',
    name: 'bob',
    age: 25,
    tags: ['b'],
    addr: { city: 'Lyon' },
    visits: [{ d: '2026-02-01', kind: 'phone' }],
    nick: null,
  },
  { _id: 'p3', name: 'Carol', age: 35, tags: [], visits: [], scores: [[1, 2], [3]] },
  {
    _id: 'p4',
    name: 'alfred',
    age: '40',
    tags: ['c'],
    addr: { city: 'Paris' },
    visits: [
      { d: '2025-12-31', kind: 'office' },
      { d: '2026-04-01', kind: 'office' },
    ],
  },
];

/** Registers the query tests. */
export function registerFilterTests(ctx: ContractContext): void {
  describe('filters', () => {
    let people: DocumentCollection;
    beforeAll(async () => {
      people = ctx.fresh();
      await people.insertMany(PEOPLE);
    });
    const ids = async (filter: Record<string, unknown>): Promise<string[]> =>
      idsOf(await people.find(filter).toArray());

    test('equality on top-level and dotted paths', async () => {
      expect(await ids({ name: 'bob' })).toEqual(['p2']);
      expect(await ids({ 'addr.city': 'Paris' })).toEqual(['p1', 'p4']);
      expect(await ids({ name: 'nobody' })).toEqual([]);
    });

    test('arrays: element match, exact array, dotted path through an array of objects, positional path', async () => {
      expect(await ids({ tags: 'b' })).toEqual(['p1', 'p2']);
      expect(await ids({ tags: ['b'] })).toEqual(['p2']);
      expect(await ids({ tags: [] })).toEqual(['p3']);
      expect(await ids({ 'visits.kind': 'phone' })).toEqual(['p1', 'p2']);
      expect(await ids({ 'visits.0.kind': 'office' })).toEqual(['p1', 'p4']);
    });

    test('nested arrays are traversed one level only', async () => {
      expect(await ids({ scores: 3 })).toEqual([]);
      expect(await ids({ scores: [3] })).toEqual(['p3']);
      expect(await ids({ scores: [1, 2] })).toEqual(['p3']);
    });

    test('$elemMatch: one element meets every condition (unlike dotted paths); field conditions need documents', async () => {
      const before = { $lt: '2026-02-15' };
      expect(await ids({ visits: { $elemMatch: { kind: 'phone', d: before } } })).toEqual(['p2']);
      expect(await ids({ 'visits.kind': 'phone', 'visits.d': before })).toEqual(['p1', 'p2']);
      expect(await ids({ tags: { $elemMatch: { $in: ['a', 'c'] } } })).toEqual(['p1', 'p4']);
      expect(await ids({ tags: { $elemMatch: { v: 'b' } } })).toEqual([]);
    });

    test('$in, $nin, $ne (missing fields match $ne and $nin)', async () => {
      expect(await ids({ name: { $in: ['bob', 'Carol'] } })).toEqual(['p2', 'p3']);
      expect(await ids({ name: { $in: [/^al/i] } })).toEqual(['p1', 'p4']);
      expect(await ids({ 'addr.city': { $ne: 'Paris' } })).toEqual(['p2', 'p3']);
      expect(await ids({ 'addr.city': { $nin: ['Paris', 'Lyon'] } })).toEqual(['p3']);
      expect(await ids({ tags: { $in: ['c', 'a'] } })).toEqual(['p1', 'p4']);
    });

    test('$exists and null (null matches null and missing)', async () => {
      expect(await ids({ addr: { $exists: false } })).toEqual(['p3']);
      expect(await ids({ nick: { $exists: true } })).toEqual(['p2']);
      expect(await ids({ 'addr.zip': null })).toEqual(['p2', 'p3', 'p4']);
      expect(await ids({ nick: null })).toEqual(['p1', 'p2', 'p3', 'p4']);
    });

    test('comparison operators bracket by type', async () => {
      expect(await ids({ age: { $gt: 28 } })).toEqual(['p1', 'p3']);
      expect(await ids({ age: { $gte: '3' } })).toEqual(['p4']);
      expect(await ids({ age: { $gte: 25, $lt: 35 } })).toEqual(['p1', 'p2']);
    });

    test('regular expressions (literal, $regex/$options, anchored, case-insensitive)', async () => {
      expect(await ids({ name: /^al/i })).toEqual(['p1', 'p4']);
      expect(await ids({ name: /^A/ })).toEqual(['p1']);
      expect(await ids({ name: { $regex: '^b', $options: '' } })).toEqual(['p2']);
      expect(await ids({ name: { $regex: 'o', $options: 'i' } })).toEqual(['p2', 'p3']);
      expect(await ids({ 'addr.city': /ar/ })).toEqual(['p1', 'p4']);
    });

    test('$size, $all, $or, $and, $not', async () => {
      expect(await ids({ tags: { $size: 2 } })).toEqual(['p1']);
      expect(await ids({ tags: { $all: ['a', 'b'] } })).toEqual(['p1']);
      expect(await ids({ $or: [{ age: 25 }, { 'addr.city': 'Paris' }] })).toEqual(['p1', 'p2', 'p4']);
      expect(await ids({ $and: [{ tags: 'b' }, { age: { $lt: 30 } }] })).toEqual(['p2']);
      expect(await ids({ age: { $not: { $gt: 26 } } })).toEqual(['p2', 'p4']);
    });

    test('sort: type order, descending strings, missing first, arrays by min (asc) / max (desc)', async () => {
      expect(orderOf(await people.find({}, { sort: { age: 1 } }).toArray())).toEqual([
        'p2',
        'p1',
        'p3',
        'p4',
      ]);
      expect(orderOf(await people.find({}, { sort: { name: -1 } }).toArray())).toEqual([
        'p2',
        'p4',
        'p3',
        'p1',
      ]);
      expect(orderOf(await people.find({}, { sort: { 'addr.zip': 1, _id: 1 } }).toArray())).toEqual([
        'p2',
        'p3',
        'p4',
        'p1',
      ]);
      expect(orderOf(await people.find({}, { sort: { tags: 1, _id: 1 } }).toArray())).toEqual([
        'p3',
        'p1',
        'p2',
        'p4',
      ]);
      expect(orderOf(await people.find({}, { sort: { tags: -1, _id: 1 } }).toArray())).toEqual([
        'p4',
        'p1',
        'p2',
        'p3',
      ]);
    });

    test('skip, limit and findOne', async () => {
      const page = await people.find({}, { sort: { _id: 1 }, skip: 1, limit: 2 }).toArray();
      expect(orderOf(page)).toEqual(['p2', 'p3']);
      expect(orderOf(await people.find({}, { sort: { _id: -1 }, limit: 1 }).toArray())).toEqual(['p4']);
      expect((await people.findOne({ name: 'Carol' }))?._id).toBe('p3');
      expect(await people.findOne({ name: 'nobody' })).toBeNull();
    });

    test('projection: inclusion, exclusion, _id suppression, dotted paths', async () => {
      expect(await people.findOne({ _id: 'p1' }, { projection: { name: 1 } })).toEqual({
        _id: 'p1',
        name: 'Alice',
      });
      expect(await people.findOne({ _id: 'p2' }, { projection: { _id: 0, age: 1 } })).toEqual({ age: 25 });
      expect(await people.findOne({ _id: 'p1' }, { projection: { 'addr.city': 1 } })).toEqual({
        _id: 'p1',
        addr: { city: 'Paris' },
      });
      const excluded = await people.findOne({ _id: 'p2' }, { projection: { visits: 0, tags: 0, addr: 0 } });
      expect(excluded).toEqual({ _id: 'p2', name: 'bob', age: 25, nick: null });
    });

    test('countDocuments with a filter and a limit', async () => {
      expect(await people.countDocuments({})).toBe(4);
      expect(await people.countDocuments({ 'addr.city': 'Paris' })).toBe(2);
      expect(await people.countDocuments({}, { limit: 3 })).toBe(3);
      expect(await people.countDocuments({ name: 'nobody' })).toBe(0);
    });
  });

  registerExplainTests(ctx);
}

function registerExplainTests(ctx: ContractContext): void {
  describe('explain', () => {
    let coll: DocumentCollection;
    beforeAll(async () => {
      coll = ctx.fresh();
      await coll.createIndex({ k: 1 });
      await coll.createIndex({ lu: 1 });
      await coll.createIndex({ 'sp.patient.r': 1 });
      const docs = Array.from({ length: 50 }, (_v, i) => ({
        _id: `d${String(i).padStart(2, '0')}`,
        k: i % 10,
        u: i % 10,
        lu: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`,
        sp: { patient: [{ r: `Patient/${i % 5}` }, { r: `Patient/x${i}` }] },
      }));
      await coll.insertMany(docs);
    });

    test('a read by _id uses the _id index and examines one document', async () => {
      expect(await coll.explain({ _id: 'd07' })).toEqual({
        indexName: '_id_',
        docsExamined: 1,
        nReturned: 1,
      });
    });

    test('equality on an indexed field examines only the matches; an unindexed field scans', async () => {
      expect(await coll.explain({ k: 3 })).toEqual({ indexName: 'k_1', docsExamined: 5, nReturned: 5 });
      expect(await coll.explain({ u: 3 })).toEqual({ indexName: null, docsExamined: 50, nReturned: 5 });
    });

    test('$elemMatch on the parent path uses an index on the sub-field', async () => {
      const plan = await coll.explain({ 'sp.patient': { $elemMatch: { r: 'Patient/2' } } });
      expect(plan).toEqual({ indexName: 'sp.patient.r_1', docsExamined: 10, nReturned: 10 });
    });

    test('a range on an indexed field uses the index', async () => {
      const plan = await coll.explain({ lu: { $gt: '2026-01-26' } });
      expect(plan.indexName).toBe('lu_1');
      expect(plan.nReturned).toBe(2);
      expect(plan.docsExamined).toBe(2);
    });
  });
}
