/**
 * The MongoDB engine's index reconciliation: which indexes to create and which to drop, given what
 * `listIndexes` reports (shapes as the server returns them) and what this version declares. A pure
 * function: no server is involved.
 */
import { describe, expect, test } from '@jest/globals';
import { indexKeysFor } from '../../server/fhir/search/indexes.js';
import { HISTORY_INDEXES } from '../../server/storage/mongodb/history.js';
import {
  defaultIndexName,
  isOwnedIndex,
  reconcileIndexes,
  typeIndexes,
  type IndexSpec,
} from '../../server/storage/mongodb/indexes.js';
import { testRegistry } from '../unit/search/helpers.js';

const ID: IndexSpec = { name: '_id_', key: { _id: 1 } };
const ix = (name: string, key: Record<string, unknown>): IndexSpec => ({ name, key });

describe('index names', () => {
  test('declared search keys get the name the server gives by default', () => {
    expect(defaultIndexName({ 'sp.subject.r': 1 })).toBe('sp.subject.r_1');
    expect(defaultIndexName({ comp: 1 })).toBe('comp_1');
    expect(defaultIndexName({ t: 1, rid: 1, vid: -1 })).toBe('t_1_rid_1_vid_-1');
  });

  test('owned names: sp., comp, lu, t_ prefixes; never _id_ or an operator index', () => {
    for (const name of ['sp.code.c_1', 'comp_1', 'lu', 'lu_id', 't_rid_vid', 't_lu_id']) {
      expect(isOwnedIndex(name)).toBe(true);
    }
    for (const name of ['_id_', 'my_report_index', 'status_1', 'ttl']) expect(isOwnedIndex(name)).toBe(false);
  });

  test('every declared index of every type and of history carries an owned name', () => {
    const registry = testRegistry();
    for (const type of ['Patient', 'Observation', 'Condition', 'CarePlan', 'Encounter', 'Binary']) {
      const declared = typeIndexes(indexKeysFor(registry, type));
      expect(declared[0]).toEqual({ name: 'lu', key: { lu: 1 } });
      for (const d of declared) expect(isOwnedIndex(d.name)).toBe(true);
      expect(new Set(declared.map((d) => d.name)).size).toBe(declared.length);
    }
    for (const d of HISTORY_INDEXES) expect(isOwnedIndex(d.name)).toBe(true);
    expect(HISTORY_INDEXES).toContainEqual({ name: 'lu_id', key: { lu: 1, _id: 1 } });
  });
});

describe('reconcileIndexes', () => {
  const desired = typeIndexes([{ comp: 1 }, { 'sp.subject.r': 1 }, { 'sp.code.c': 1 }]);

  test('a new collection (no indexes listed): create all, drop nothing', () => {
    expect(reconcileIndexes([], desired)).toEqual({ create: desired, drop: [] });
  });

  test('up to date: nothing to do', () => {
    expect(reconcileIndexes([ID, ...desired], desired)).toEqual({ create: [], drop: [] });
  });

  test('missing ones are created, obsolete owned ones dropped, _id_ and operator indexes kept', () => {
    const existing = [
      ID,
      ix('lu', { lu: 1 }),
      ix('comp_1', { comp: 1 }),
      ix('sp.status.c_1', { 'sp.status.c': 1 }),
      ix('reporting', { 'resource.status': 1 }),
    ];
    const plan = reconcileIndexes(existing, desired);
    expect(plan.create.map((c) => c.name)).toEqual(['sp.subject.r_1', 'sp.code.c_1']);
    expect(plan.drop).toEqual(['sp.status.c_1']);
  });

  test('an owned name with another definition is dropped and created again', () => {
    const existing = [
      ID,
      ix('lu', { lu: -1 }),
      ix('comp_1', { comp: 1 }),
      ix('sp.subject.r_1', { 'sp.subject.r': 1 }),
    ];
    const changed = [ID, ...desired.map((d) => (d.name === 'sp.code.c_1' ? { ...d, unique: true } : d))];
    const plan = reconcileIndexes(existing, desired);
    expect(plan.drop).toEqual(['lu']);
    expect(plan.create.map((c) => c.name)).toEqual(['lu', 'sp.code.c_1']);
    expect(reconcileIndexes(changed, desired)).toEqual({
      create: [desired.find((d) => d.name === 'sp.code.c_1')],
      drop: ['sp.code.c_1'],
    });
  });

  test('key order matters: {t, lu, _id} is not {lu, t, _id}', () => {
    const existing = [
      ID,
      ix('t_lu_id', { lu: 1, t: 1, _id: 1 }),
      ix('lu_id', { lu: 1, _id: 1 }),
      ix('t_rid_vid', { t: 1, rid: 1, vid: -1 }),
    ];
    expect(reconcileIndexes(existing, HISTORY_INDEXES)).toEqual({
      create: [{ name: 't_lu_id', key: { t: 1, lu: 1, _id: 1 } }],
      drop: ['t_lu_id'],
    });
  });

  test('an operator index on the same keys satisfies a declared one (the server refuses a second)', () => {
    const existing = [ID, ix('by_lu', { lu: 1 })];
    const plan = reconcileIndexes(existing, typeIndexes([]));
    expect(plan).toEqual({ create: [], drop: [] });
  });

  test('an old owned name for the same keys is dropped before the declared name is created', () => {
    const existing = [ID, ix('lu_1', { lu: 1 })];
    expect(reconcileIndexes(existing, typeIndexes([]))).toEqual({
      create: [{ name: 'lu', key: { lu: 1 } }],
      drop: ['lu_1'],
    });
  });

  test('indexes of other kinds (text, hashed) under operator names are left alone', () => {
    const existing = [ID, ix('search_text', { '$**': 'text' }), ix('shard', { _id: 'hashed' }), ...desired];
    expect(reconcileIndexes(existing, desired)).toEqual({ create: [], drop: [] });
  });
});
