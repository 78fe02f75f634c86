/** Embedded engine: secondary indexes and the query planner (100k documents, selectivity, equivalence). */
import { beforeAll, afterAll, describe, expect, test } from '@jest/globals';
import type { DocumentCollection, StoredDocument } from '../../server/storage/document-collection.js';
import { openEmbeddedStore, type EmbeddedStore } from '../../server/storage/embedded/embedded-store.js';
import { literalPrefix } from '../../server/storage/embedded/constraints.js';
import { SortedList } from '../../server/storage/embedded/sorted-list.js';
import { idsOf, update } from './contract.js';

const N = 100_000;

function observation(i: number): StoredDocument {
  return {
    _id: `Observation/${i}`,
    t: i % 10 === 0 ? 'Condition' : 'Observation',
    rid: String(i),
    lu: `2026-${String((i % 12) + 1).padStart(2, '0')}-01T00:00:${String(i % 60).padStart(2, '0')}Z#${i}`,
    n: i,
    name: `name-${i}`,
    sp: { patient: [{ r: `Patient/${i % 1000}` }], code: [{ c: `c${i % 50}` }] },
    status: i % 7 === 0 ? 'amended' : 'final',
  };
}

describe('100,000 documents', () => {
  let store: EmbeddedStore;
  let c: DocumentCollection;
  beforeAll(async () => {
    store = await openEmbeddedStore({ dataDir: null });
    c = store.collection('Observation');
    await c.createIndex({ 'sp.patient.r': 1 });
    await c.createIndex({ t: 1, rid: 1 });
    await c.createIndex({ lu: 1 });
    await c.createIndex({ n: 1 });
    await c.createIndex({ name: 1 });
    for (let i = 0; i < N; i += 5000)
      await c.insertMany(Array.from({ length: 5000 }, (_v, j) => observation(i + j)));
  });
  afterAll(() => store.close());

  test('a read by _id examines one document', async () => {
    expect(await c.explain({ _id: 'Observation/4242' })).toEqual({
      indexName: '_id_',
      docsExamined: 1,
      nReturned: 1,
    });
    expect((await c.findOne({ _id: `Observation/${N - 1}` }))?._id).toBe(`Observation/${N - 1}`);
  });

  test('indexed equality and $elemMatch examine only the matches; an unindexed field scans everything', async () => {
    expect(await c.explain({ 'sp.patient.r': 'Patient/7' })).toEqual({
      indexName: 'sp.patient.r_1',
      docsExamined: 100,
      nReturned: 100,
    });
    const elem = await c.explain({ 'sp.patient': { $elemMatch: { r: 'Patient/7' } } });
    expect(elem).toEqual({ indexName: 'sp.patient.r_1', docsExamined: 100, nReturned: 100 });
    expect(await c.explain({ status: 'amended', n: { $lt: 0 } })).toMatchObject({
      indexName: 'n_1',
      docsExamined: 0,
    });
    expect(await c.explain({ 'sp.code.c': 'c7' })).toEqual({
      indexName: null,
      docsExamined: N,
      nReturned: N / 50,
    });
  });

  test('ranges and anchored regex prefixes use the sorted index', async () => {
    expect(await c.explain({ n: { $gte: 500, $lt: 510 } })).toEqual({
      indexName: 'n_1',
      docsExamined: 10,
      nReturned: 10,
    });
    expect(await c.explain({ lu: { $gt: '2026-12-01T00:00:59Z' } })).toMatchObject({
      indexName: 'lu_1',
      nReturned: 1666,
    });
    const plan = await c.explain({ lu: { $gt: '2026-12-01T00:00:59Z' } });
    expect(plan.docsExamined).toBe(plan.nReturned);
    expect(await c.explain({ name: /^name-9999/ })).toEqual({
      indexName: 'name_1',
      docsExamined: 11,
      nReturned: 11,
    });
    expect(await c.explain({ name: { $regex: '^name-1234', $options: 'i' } })).toMatchObject({
      indexName: null,
    });
  });

  test('compound prefixes, $in, $or unions and the most selective index', async () => {
    expect(await c.explain({ t: 'Observation', rid: '4243' })).toEqual({
      indexName: 't_1_rid_1',
      docsExamined: 1,
      nReturned: 1,
    });
    expect(await c.explain({ t: 'Observation', 'sp.patient.r': 'Patient/3' })).toEqual({
      indexName: 'sp.patient.r_1',
      docsExamined: 100,
      nReturned: 100,
    });
    expect(await c.explain({ n: { $in: [1, 2, 3, 'x'] } })).toEqual({
      indexName: 'n_1',
      docsExamined: 3,
      nReturned: 3,
    });
    const or = await c.explain({ $or: [{ n: 5 }, { 'sp.patient.r': 'Patient/8' }] });
    expect(or).toEqual({ indexName: 'n_1,sp.patient.r_1', docsExamined: 101, nReturned: 101 });
    expect(await c.explain({ $or: [{ n: 5 }, { status: 'x' }] })).toMatchObject({
      indexName: null,
      docsExamined: N,
    });
  });

  test("a patient-scoped query with sort and limit examines only that patient's documents", async () => {
    const filter = { 'sp.patient': { $elemMatch: { r: 'Patient/42' } } };
    const plan = await c.explain(filter, { sort: { lu: -1 }, limit: 20 });
    expect(plan.indexName).toBe('sp.patient.r_1');
    expect(plan.docsExamined).toBe(100);
    expect(plan.nReturned).toBe(20);
    expect(await c.find(filter, { sort: { lu: -1 }, limit: 20 }).toArray()).toHaveLength(20);
  });
});

describe('index maintenance', () => {
  test('updates and deletes move and drop keys', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('c');
    await c.createIndex({ k: 1 });
    await c.insertMany([
      { _id: 'a', k: 'x' },
      { _id: 'b', k: 'x' },
    ]);
    await c.updateOne({ _id: 'a' }, update({ $set: { k: 'y' } }));
    expect(idsOf(await c.find({ k: 'x' }).toArray())).toEqual(['b']);
    expect(await c.explain({ k: 'y' })).toEqual({ indexName: 'k_1', docsExamined: 1, nReturned: 1 });
    await c.deleteOne({ _id: 'b' });
    expect(await c.explain({ k: 'x' })).toEqual({ indexName: 'k_1', docsExamined: 0, nReturned: 0 });
    await store.close();
  });

  test('a compound index over two different arrays is refused like MongoDB (code 171); one shared array is fine', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('c');
    await c.createIndex({ a: 1, b: 1 });
    await expect(c.insertOne({ _id: 'x', a: [1, 2], b: [3, 4] })).rejects.toMatchObject({ code: 171 });
    await c.insertOne({ _id: 'y', a: [1, 2], b: 3 });
    expect(await c.countDocuments({})).toBe(1);
    await c.createIndex({ 'sp.s': 1, 'sp.c': 1 });
    await c.insertOne({
      _id: 'z',
      sp: [
        { s: 'http://loinc.org', c: '1' },
        { s: 'http://snomed.info/sct', c: '2' },
      ],
    });
    expect(await c.explain({ 'sp.s': 'http://loinc.org', 'sp.c': '1' })).toMatchObject({
      indexName: 'sp.s_1_sp.c_1',
      docsExamined: 1,
    });
    await store.close();
  });

  test('a key held by one document, then two, then one again, finds exactly its holders', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('c');
    await c.createIndex({ k: 1 });
    await c.insertOne({ _id: 'a', k: 'x' });
    expect(await c.explain({ k: 'x' })).toEqual({ indexName: 'k_1', docsExamined: 1, nReturned: 1 });
    await c.insertOne({ _id: 'b', k: 'x' });
    expect(idsOf(await c.find({ k: { $in: ['x', 'y'] } }).toArray())).toEqual(['a', 'b']);
    await c.deleteOne({ _id: 'a' });
    expect(idsOf(await c.find({ k: 'x' }).toArray())).toEqual(['b']);
    await c.deleteOne({ _id: 'b' });
    await c.insertOne({ _id: 'c', k: 'x' });
    expect(idsOf(await c.find({ k: { $gte: 'w' } }).toArray())).toEqual(['c']);
    await store.close();
  });

  test('a compound key with one value per field is found by every prefix; a unique one refuses a duplicate', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('c');
    await c.createIndex({ t: 1, rid: 1, vid: -1 }, { name: 't_rid_vid', unique: true });
    await c.insertMany([
      { _id: 'P/1/1', t: 'P', rid: '1', vid: 1 },
      { _id: 'P/1/2', t: 'P', rid: '1', vid: 2 },
      { _id: 'P/2/1', t: 'P', rid: '2', vid: 1 },
    ]);
    expect(await c.explain({ t: 'P', rid: '1' })).toMatchObject({ indexName: 't_rid_vid', nReturned: 2 });
    expect(await c.explain({ t: 'P', rid: '1', vid: 2 })).toMatchObject({ docsExamined: 1, nReturned: 1 });
    await expect(c.insertOne({ _id: 'dup', t: 'P', rid: '2', vid: 1 })).rejects.toMatchObject({
      code: 11000,
      keyValue: { t: 'P', rid: '2', vid: 1 },
    });
    await store.close();
  });

  test('conflicting index definitions are refused', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const c = store.collection('c');
    await c.createIndex({ k: 1 }, { name: 'kk' });
    await expect(c.createIndex({ k: 1 }, { name: 'other' })).rejects.toMatchObject({ code: 85 });
    await expect(c.createIndex({ j: 1 }, { name: 'kk' })).rejects.toMatchObject({ code: 86 });
    await expect(c.createIndex({ k: 1 }, { name: 'kk', unique: true })).rejects.toMatchObject({ code: 85 });
    expect(await c.createIndex({ _id: 1 })).toBe('_id_');
    await store.close();
  });
});

describe('planner equivalence: indexed results equal full-scan results', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pick = <V>(values: V[]): V => values[rand(values.length)];
  const scalar = (): string | number => (rand(3) === 0 ? pick(['a', 'b', 'c', 'ab', 'abc', 'b-1']) : rand(8));
  const value = (): unknown => {
    switch (rand(6)) {
      case 0:
        return [scalar(), scalar()];
      case 1:
        return [{ v: scalar() }, { v: [scalar(), scalar()] }];
      case 2:
        return { v: scalar() };
      case 3:
        return null;
      case 4:
        return [];
      default:
        return scalar();
    }
  };
  const doc = (i: number): StoredDocument => {
    const d: StoredDocument = { _id: `x${i}` };
    if (rand(5) > 0) d.a = value();
    if (rand(5) > 0) d.b = { v: value() };
    return d;
  };
  const predicate = (): unknown => {
    switch (rand(9)) {
      case 0:
        return { $in: [scalar(), scalar()] };
      case 1:
        return { $gt: scalar() };
      case 2:
        return { $gte: rand(8), $lt: rand(8) };
      case 3:
        return { $lte: pick(['ab', 'b', 'c']) };
      case 4:
        return { $elemMatch: { v: scalar() } };
      case 5:
        return pick([/^a/, /^ab/, { $regex: '^b-', $options: '' }]);
      case 6:
        return { $elemMatch: { $gt: 2, $lt: 6 } };
      default:
        return scalar();
    }
  };
  const filter = (): Record<string, unknown> => {
    const path = pick(['a', 'a.v', 'b.v', 'b.v.v']);
    const base = { [path]: predicate() };
    switch (rand(4)) {
      case 0:
        return { $or: [base, { [pick(['a', 'b.v'])]: predicate() }] };
      case 1:
        return { $and: [base, { [pick(['a', 'b.v'])]: predicate() }] };
      default:
        return base;
    }
  };

  test('600 random filters over 400 random documents', async () => {
    const store = await openEmbeddedStore({ dataDir: null });
    const indexed = store.collection('indexed');
    const plain = store.collection('plain');
    for (const path of ['a', 'a.v', 'b.v', 'b.v.v']) await indexed.createIndex({ [path]: 1 });
    await indexed.createIndex({ a: 1, 'b.v': -1 });
    const docs = Array.from({ length: 400 }, (_v, i) => doc(i));
    const valid = docs.filter(
      (d) => !(Array.isArray(d.a) && Array.isArray((d.b as { v?: unknown } | undefined)?.v)),
    );
    await indexed.insertMany(valid);
    await plain.insertMany(valid);
    let usedIndex = 0;
    for (let i = 0; i < 600; i++) {
      const f = filter();
      const expected = idsOf(await plain.find(f).toArray());
      const got = idsOf(await indexed.find(f).toArray());
      expect({ f, ids: got }).toEqual({ f, ids: expected });
      if ((await indexed.explain(f)).indexName) usedIndex++;
    }
    expect(usedIndex).toBeGreaterThan(300);
    await store.close();
  });
});

describe('building blocks', () => {
  test('literalPrefix extracts what an anchored regex must start with', () => {
    expect(literalPrefix('^abc')).toBe('abc');
    expect(literalPrefix('^ab\\.c\\-d')).toBe('ab.c-d');
    expect(literalPrefix('^abc?')).toBe('ab');
    expect(literalPrefix('^abc*d')).toBe('ab');
    expect(literalPrefix('^ab(c|d)')).toBe('');
    expect(literalPrefix('^ab[cd]')).toBe('ab');
    expect(literalPrefix('abc')).toBe('');
    expect(literalPrefix('^\\d+')).toBe('');
  });

  test('SortedList keeps order across chunk splits and answers ranges', () => {
    const list = new SortedList<number>();
    const values = Array.from({ length: 5000 }, (_v, i) => (i * 7919) % 5000);
    for (const v of values) list.insert(v);
    for (let v = 0; v < 5000; v += 2) list.delete(v);
    expect(list.size).toBe(2500);
    expect([...list.range({ value: 100, inclusive: true }, { value: 110, inclusive: false })]).toEqual([
      101, 103, 105, 107, 109,
    ]);
    expect([...list.range({ value: 4995, inclusive: false }, null)]).toEqual([4997, 4999]);
    expect([...list.range(null, { value: 5, inclusive: true })]).toEqual([1, 3, 5]);
  });
});
