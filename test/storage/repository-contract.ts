/**
 * The repository contract: what every storage engine behind the resource repository seam must do, at the
 * FHIR level (versions, history, races, search with the semantics of the MongoDB filter compiler, key-set
 * paging, transactions, auxiliary collections). Index entries are the real ones (the R4 search registry);
 * search results are compared with what the MongoDB filter of the same query selects over the stored
 * documents (evaluated with mingo), so that every engine matches the same resources.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Resource } from 'fhir/r4.js';
import { Query } from 'mingo';
import type { UpdateFilter } from 'mongodb';
import { loadR4Definitions, R4_PACKAGE_DIR } from '../../server/fhir/definitions.js';
import { extractIndex } from '../../server/fhir/search/extract.js';
import { parseSearch } from '../../server/fhir/search/parse.js';
import { buildSearchRegistry, type SearchRegistry } from '../../server/fhir/search/registry.js';
import { unionMembers } from '../../server/fhir/search/unions.js';
import { toMongoFilter } from '../../server/storage/mongodb/to-mongo.js';
import { isDuplicateKeyError, type StoredDocument } from '../../server/storage/document-collection.js';
import { registerReindexContract } from './contract-reindex.js';
import {
  ALL,
  and,
  StaleVersion,
  VersionConflict,
  type HistoryDoc,
  type RepositoryDeps,
  type ResourceRepository,
  type Storage,
  type Where,
} from '../../server/storage/repository.js';

const BASE_URL = 'http://localhost:8080/fhir';
/** "now" of the parsed searches (for `ap` on dates). */
const NOW = Date.parse('2024-06-15T12:00:00Z');

let registry: SearchRegistry | undefined;

/** The registry of the official R4 definitions (built once per test file). */
export function contractRegistry(): SearchRegistry {
  registry ??= buildSearchRegistry(loadR4Definitions());
  return registry;
}

/** The repository dependencies built from the real search registry. */
export function contractDeps(clock: () => Date = () => new Date()): RepositoryDeps {
  const reg = contractRegistry();
  return {
    extract: (resource) => extractIndex(reg, resource, { baseUrl: BASE_URL }),
    paramType: (type, code) => reg.get(type, code)?.type,
    unionOf: (type, code) => unionMembers(reg, type, code),
    indexKeys: () => [],
    clock,
  };
}

/** Official R4 examples whose file name starts with `prefix` (e.g. `Observation-`). */
function examples(prefix: string): Resource[] {
  return readdirSync(R4_PACKAGE_DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, f), 'utf8')) as Resource)
    .filter((r) => typeof r.id === 'string');
}

/** Types an update document (the driver's UpdateFilter rejects `$inc` on index-signature types). */
const upd = (u: Record<string, unknown>) => u as UpdateFilter<StoredDocument>;

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to fail');
}

/** Hand-made resources for the corners of string, quantity, uri and reference matching. */
function corners(): Resource[] {
  return [
    {
      resourceType: 'Patient',
      id: 'c-1',
      name: [{ family: 'Ærøskøbing', given: ['Zoë'] }],
      gender: 'female',
      birthDate: '1970',
    },
    {
      resourceType: 'Patient',
      id: 'c-2',
      name: [{ family: 'Smith-Jones', given: ['Ann'] }],
      birthDate: '1970-06-01',
      active: true,
    },
    {
      resourceType: 'Patient',
      id: 'c-3',
      name: [{ family: 'smith', given: ['Bob%_'] }],
      birthDate: '1999-12-31',
      active: false,
    },
    { resourceType: 'Patient', id: 'c-4', name: [{ family: 'Smi' }] },
    { resourceType: 'Patient', id: 'c-5' },
    {
      resourceType: 'Observation',
      id: 'q-1',
      status: 'final',
      code: {
        coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }],
        text: 'Glucose SerPl',
      },
      subject: { reference: 'Patient/c-1' },
      valueQuantity: { value: 5.4, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
      effectiveDateTime: '2024-06-01T10:00:00Z',
    },
    {
      resourceType: 'Observation',
      id: 'q-2',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
      subject: { reference: 'Patient/c-2' },
      valueQuantity: { value: 0.0054, unit: 'g', system: 'http://unitsofmeasure.org', code: 'g' },
      effectivePeriod: { start: '2024-05-01', end: '2024-05-31' },
    },
    {
      resourceType: 'Observation',
      id: 'q-3',
      status: 'amended',
      code: { coding: [{ code: 'nosystem' }] },
      subject: { reference: 'Group/c-1' },
      valueQuantity: { value: 100, unit: 'mmHg' },
      effectiveDateTime: '2023',
    },
    {
      resourceType: 'Observation',
      id: 'q-4',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      subject: { reference: `${BASE_URL}/Patient/c-3` },
      valueQuantity: {
        value: 99.6,
        comparator: '<',
        unit: 'mg',
        system: 'http://unitsofmeasure.org',
        code: 'mg',
      },
    },
    { resourceType: 'ValueSet', id: 'u-1', status: 'active', url: 'http://acme.org/fhir/ValueSet/a' },
    { resourceType: 'ValueSet', id: 'u-2', status: 'active', url: 'http://acme.org/fhir/ValueSet/a/b' },
    { resourceType: 'ValueSet', id: 'u-3', status: 'active', url: 'http://acme.org/fhir/ValueSet/ab' },
    { resourceType: 'ValueSet', id: 'u-4', status: 'active', url: 'http://acme.org/fhir/ValueSet' },
    { resourceType: 'ValueSet', id: 'u-5', status: 'draft', url: 'http://acme.org/fhir/ValueSet/a?x=1' },
    {
      resourceType: 'RiskAssessment',
      id: 'n-1',
      status: 'final',
      subject: { reference: 'Patient/c-1' },
      prediction: [{ probabilityDecimal: 0.25 }],
    },
    {
      resourceType: 'RiskAssessment',
      id: 'n-2',
      status: 'final',
      subject: { reference: 'Patient/c-2' },
      prediction: [{ probabilityDecimal: 100 }],
    },
    {
      resourceType: 'RiskAssessment',
      id: 'n-3',
      status: 'final',
      subject: { reference: 'Patient/c-2' },
      prediction: [{ probabilityDecimal: 99.4 }, { probabilityDecimal: 0.9 }],
    },
  ] as Resource[];
}

/** Searches: [type, query parameters, whether the query must match something]. */
const SEARCHES: Array<[string, Array<[string, string]>, boolean]> = [
  // string
  ['Patient', [['name', 'pet']], true],
  ['Patient', [['name', 'smi']], true],
  ['Patient', [['family', 'ÆRØ']], true],
  ['Patient', [['name', 'zoe']], true],
  ['Patient', [['name:contains', 'ith']], true],
  ['Patient', [['name:contains', '%_']], true],
  ['Patient', [['name:exact', 'Smith-Jones']], true],
  ['Patient', [['name:exact', 'smith-jones']], false],
  ['Patient', [['name', 'nobody-at-all']], false],
  ['Patient', [['name:missing', 'true']], true],
  ['Patient', [['name:missing', 'false']], true],
  // token
  ['Patient', [['gender', 'male']], true],
  ['Patient', [['gender:not', 'male']], true],
  ['Patient', [['gender', 'male,female']], true],
  ['Patient', [['active', 'true']], true],
  ['Patient', [['identifier', 'urn:oid:1.2.36.146.595.217.0.1|12345']], true],
  ['Patient', [['identifier', '12345']], true],
  ['Observation', [['code', 'http://loinc.org|2345-7']], true],
  ['Observation', [['code', '|nosystem']], true],
  ['Observation', [['code', 'http://loinc.org|']], true],
  ['Observation', [['code:text', 'gluc']], true],
  ['Observation', [['code:not', 'http://loinc.org|2345-7']], true],
  [
    'Observation',
    [
      ['status', 'final'],
      ['code', '2345-7'],
    ],
    true,
  ],
  ['Observation', [['status:missing', 'true']], false],
  // date
  ['Patient', [['birthdate', '1970']], true],
  ['Patient', [['birthdate', 'eq1970-06']], true],
  ['Patient', [['birthdate', 'ne1970']], true],
  ['Patient', [['birthdate', 'gt1970-06-01']], true],
  ['Patient', [['birthdate', 'ge1970-06-01']], true],
  ['Patient', [['birthdate', 'lt1970-06-01']], true],
  ['Patient', [['birthdate', 'le1970-06']], true],
  ['Patient', [['birthdate', 'sa1970']], true],
  ['Patient', [['birthdate', 'eb1999']], true],
  ['Patient', [['birthdate', 'ap1970-06-15']], true],
  [
    'Observation',
    [
      ['date', 'ge2024-05-15'],
      ['date', 'lt2024-06-02'],
    ],
    true,
  ],
  ['Observation', [['date', '2024-05']], true],
  ['Observation', [['date', 'sa2012']], true],
  // number
  ['RiskAssessment', [['probability', '100']], true],
  ['RiskAssessment', [['probability', '0.25']], true],
  ['RiskAssessment', [['probability', 'gt0.5']], true],
  ['RiskAssessment', [['probability', 'le0.9']], true],
  ['RiskAssessment', [['probability', 'ne100']], true],
  ['RiskAssessment', [['probability', 'ap100']], true],
  ['RiskAssessment', [['probability', 'sa99.4']], true],
  ['RiskAssessment', [['probability', 'eb1']], true],
  // quantity
  ['Observation', [['value-quantity', '5.4|http://unitsofmeasure.org|mg']], true],
  ['Observation', [['value-quantity', '5.4||mg']], true],
  ['Observation', [['value-quantity', '5.4']], true],
  ['Observation', [['value-quantity', 'gt5|http://unitsofmeasure.org|mg']], true],
  ['Observation', [['value-quantity', 'lt100||mmHg']], false],
  ['Observation', [['value-quantity', 'le100||mmHg']], true],
  ['Observation', [['value-quantity', 'ap100']], true],
  ['Observation', [['value-quantity', 'ne5.4']], true],
  ['Observation', [['value-quantity', 'lt50||mg']], true],
  ['Observation', [['value-quantity', 'ge5.4||mg']], true],
  ['Observation', [['value-quantity', 'eb99']], true],
  // reference
  ['Observation', [['subject', 'Patient/c-1']], true],
  ['Observation', [['subject', 'c-1']], true],
  ['Observation', [['subject:Patient', 'c-1']], true],
  ['Observation', [['subject', 'Patient/c-3']], true],
  ['Observation', [['subject', `${BASE_URL}/Patient/c-3`]], true],
  ['Observation', [['patient', 'example']], true],
  ['Observation', [['subject:missing', 'true']], true],
  ['Observation', [['subject', 'Patient/example,Patient/c-2']], true],
  ['RiskAssessment', [['subject', 'c-2']], true],
  // uri
  ['ValueSet', [['url', 'http://acme.org/fhir/ValueSet/a']], true],
  ['ValueSet', [['url:below', 'http://acme.org/fhir/ValueSet/a']], true],
  ['ValueSet', [['url:below', 'http://acme.org/fhir/ValueSet/']], true],
  ['ValueSet', [['url:above', 'http://acme.org/fhir/ValueSet/a/b/c']], true],
  ['ValueSet', [['url:below', 'http://acme.org/fhir/ValueSet/a/b']], true],
  // composite
  ['Observation', [['code-value-quantity', 'http://loinc.org|2345-7$gt5']], true],
  ['Observation', [['code-value-quantity', 'http://loinc.org|8480-6$gt200']], false],
  ['Observation', [['combo-code-value-quantity', 'http://loinc.org|8480-6$lt150']], true],
  ['Observation', [['component-code-value-quantity', 'http://loinc.org|8480-6$gt100']], true],
  // unions of other parameters (fhir/search/unions.ts), which an engine may search through their members
  ['Observation', [['combo-code', 'http://loinc.org|8480-6,http://loinc.org|85354-9']], true],
  ['Observation', [['combo-code:missing', 'false']], true],
  ['Observation', [['combo-code:missing', 'true']], false], // code is required
  ['Observation', [['combo-code:text', 'systolic']], true],
  ['Observation', [['combo-value-quantity', 'gt100']], true],
  [
    'Observation',
    [['combo-code-value-quantity', 'http://loinc.org|8480-6$gt100,http://loinc.org|2345-7$gt5']],
    true,
  ],
  [
    'Observation',
    [
      ['status', 'final'],
      ['combo-code', 'http://loinc.org|8480-6'],
    ],
    true,
  ],
  // _lastUpdated (the version's own instant)
  ['Observation', [['_lastUpdated', 'gt2000-01-01']], true],
  [
    'Observation',
    [
      ['_lastUpdated', 'lt2000'],
      ['status', 'final'],
    ],
    false,
  ],
  ['Observation', [['_lastUpdated', 'ne2000,eb1999']], true],
  [
    'Observation',
    [
      ['status', 'final'],
      ['_lastUpdated', 'ge2000'],
    ],
    true,
  ],
  ['Observation', [['_lastUpdated:missing', 'true']], false],
  ['Observation', [['_lastUpdated:missing', 'false']], true],
  // _id and combinations
  ['Patient', [['_id', 'c-1,c-2,example']], true],
  [
    'Observation',
    [
      ['_id', 'q-1'],
      ['status', 'final'],
    ],
    true,
  ],
  ['Condition', [['patient', 'example']], true],
  [
    'Condition',
    [
      ['clinical-status', 'active'],
      ['onset-date', 'le2013'],
    ],
    true,
  ],
];

/** Declares the contract for one engine; `open` returns a fresh, empty storage. */
export function registerRepositoryContract(name: string, open: () => Promise<Storage>): void {
  describe(`repository contract: ${name}`, () => {
    let storage: Storage;
    let repo: ResourceRepository;

    beforeAll(async () => {
      storage = await open();
      repo = storage.repository(contractDeps());
    });
    afterAll(async () => {
      await storage.close();
    });

    const patient = (id: string, family = 'Test'): Resource =>
      ({ resourceType: 'Patient', id, name: [{ family }] }) as Resource;

    registerReindexContract(open);

    describe('versions', () => {
      test('put, read, vread and instance history with increasing versions and instants', async () => {
        const first = await repo.put('Patient', 'v-1', patient('v-1', 'One'), { method: 'PUT' });
        expect(first.created).toBe(true);
        expect(first.doc.vid).toBe(1);
        expect(first.doc.resource?.meta?.versionId).toBe('1');
        expect(first.doc.resource?.meta?.lastUpdated).toBe(first.doc.lu);
        expect(first.doc.sp?.family).toBeDefined();
        const second = await repo.put('Patient', 'v-1', patient('v-1', 'Two'), { method: 'PUT' });
        const third = await repo.put('Patient', 'v-1', patient('v-1', 'Three'), { method: 'PATCH' });
        expect(second.created).toBe(false);
        expect([second.doc.vid, third.doc.vid]).toEqual([2, 3]);
        expect(second.doc.lu > first.doc.lu && third.doc.lu > second.doc.lu).toBe(true);

        const cur = await repo.read('Patient', 'v-1');
        expect(cur).toMatchObject({ _id: 'v-1', vid: 3, lu: third.doc.lu });
        expect((cur?.resource as unknown as { name: Array<{ family: string }> }).name[0].family).toBe(
          'Three',
        );
        expect(cur?.sp).toBeUndefined();
        expect((await repo.read('Patient', 'v-1', { fields: 'id' }))?.resource).toBeUndefined();
        expect((await repo.read('Patient', 'v-1', { fields: 'all' }))?.comp).toBeDefined();
        expect(await repo.read('Patient', 'never')).toBeNull();

        const v1 = await repo.vread('Patient', 'v-1', 1);
        expect(v1).toMatchObject({ _id: 'Patient/v-1/1', t: 'Patient', rid: 'v-1', vid: 1, method: 'POST' });
        expect((v1?.resource as unknown as { name: Array<{ family: string }> }).name[0].family).toBe('One');
        expect((await repo.vread('Patient', 'v-1', 3))?.resource?.meta?.versionId).toBe('3');
        expect(await repo.vread('Patient', 'v-1', 4)).toBeNull();

        const hist = await repo.history({ type: 'Patient', id: 'v-1' });
        expect(hist.map((h) => [h.vid, h.method])).toEqual([
          [3, 'PATCH'],
          [2, 'PUT'],
          [1, 'POST'],
        ]);
        expect(hist.every((h) => h.resource?.meta?.versionId === String(h.vid))).toBe(true);
        const oldest = await repo.history({
          type: 'Patient',
          id: 'v-1',
          order: 'oldest',
          withResource: false,
        });
        expect(oldest.map((h) => h.vid)).toEqual([1, 2, 3]);
        expect(oldest[0].resource).toBeUndefined();
        expect(await repo.historyCount({ type: 'Patient', id: 'v-1' })).toBe(3);
        expect(await repo.types()).toContain('Patient');
      });

      test('a clock that goes back still gives strictly increasing instants', async () => {
        const fixed = new Date('2001-01-01T00:00:00.000Z');
        const r2 = storage.repository(contractDeps(() => fixed));
        const a = await r2.put(
          'Basic',
          'clock-1',
          { resourceType: 'Basic', code: { text: 'x' } } as Resource,
          { method: 'PUT' },
        );
        const b = await r2.put(
          'Basic',
          'clock-1',
          { resourceType: 'Basic', code: { text: 'y' } } as Resource,
          { method: 'PUT' },
        );
        expect(b.doc.lu > a.doc.lu).toBe(true);
      });

      test('delete leaves a tombstone; a later put brings the resource back', async () => {
        await repo.put('Patient', 'd-1', patient('d-1'), { method: 'PUT' });
        expect(await repo.delete('Patient', 'never-there')).toBeNull();
        const stone = await repo.delete('Patient', 'd-1');
        expect(stone).toMatchObject({ _id: 'd-1', vid: 2, deleted: true });
        expect(await repo.delete('Patient', 'd-1')).toBeNull();
        const cur = await repo.read('Patient', 'd-1');
        expect(cur).toMatchObject({ vid: 2, deleted: true });
        expect(cur?.resource).toBeUndefined();
        const live = await repo.find('Patient', { kind: 'id', name: '_id', ids: ['d-1'] });
        expect(live).toEqual([]);
        const all = await repo.find(
          'Patient',
          { kind: 'id', name: '_id', ids: ['d-1'] },
          { includeDeleted: true },
        );
        expect(all.map((d) => [d._id, d.deleted])).toEqual([['d-1', true]]);
        const v2 = await repo.vread('Patient', 'd-1', 2);
        expect(v2).toMatchObject({ method: 'DELETE', deleted: true });
        expect(v2?.resource).toBeUndefined();
        expect((await repo.vread('Patient', 'd-1', 1))?.resource?.id).toBe('d-1');

        const back = await repo.put('Patient', 'd-1', patient('d-1', 'Back'), { method: 'PUT' });
        expect(back.created).toBe(true);
        expect(back.doc.vid).toBe(3);
        const hist = await repo.history({ type: 'Patient', id: 'd-1' });
        expect(hist.map((h) => [h.vid, h.method, h.deleted ?? false])).toEqual([
          [3, 'PUT', false],
          [2, 'DELETE', true],
          [1, 'POST', false],
        ]);
        expect((await repo.find('Patient', { kind: 'id', name: '_id', ids: ['d-1'] })).length).toBe(1);
        expect(await rejection(repo.delete('Patient', 'd-1', { ifMatch: 1 }))).toBeInstanceOf(StaleVersion);
      });

      test('an update with the current content writes no version; any other change does', async () => {
        const first = await repo.put('Patient', 'u-1', patient('u-1', 'Same'), { method: 'PUT' });
        // the same content again, also with meta.versionId and meta.lastUpdated of the client's own
        const again = await repo.put('Patient', 'u-1', patient('u-1', 'Same'), { method: 'PUT' });
        const stamped = {
          ...patient('u-1', 'Same'),
          meta: { versionId: '7', lastUpdated: '2001-01-01T00:00:00.000Z' },
        } as Resource;
        const withMeta = await repo.put('Patient', 'u-1', stamped, { method: 'PUT', ifMatch: 1 });
        for (const r of [again, withMeta]) {
          expect(r).toMatchObject({ created: false, unchanged: true });
          expect(r.doc).toMatchObject({ _id: 'u-1', vid: 1, lu: first.doc.lu });
          expect(r.doc.resource?.meta).toEqual({ versionId: '1', lastUpdated: first.doc.lu });
        }
        expect(await repo.historyCount({ type: 'Patient', id: 'u-1' })).toBe(1);
        expect((await repo.read('Patient', 'u-1'))?.vid).toBe(1);

        // a change of content, or of meta apart from those two, is a new version
        const tagged = { ...patient('u-1', 'Same'), meta: { tag: [{ code: 't' }] } } as Resource;
        const changed = await repo.put('Patient', 'u-1', tagged, { method: 'PUT' });
        expect(changed.unchanged).toBeFalsy();
        expect(changed.doc.vid).toBe(2);
        const renamed = await repo.put('Patient', 'u-1', patient('u-1', 'Other'), { method: 'PATCH' });
        expect(renamed.doc.vid).toBe(3);
        expect((await repo.put('Patient', 'u-1', patient('u-1', 'Other'), { method: 'PATCH' })).doc.vid).toBe(
          3,
        );
        // the index follows the current version
        const byName = (family: string) =>
          repo.find(
            'Patient',
            {
              kind: 'match',
              name: 'family',
              code: 'family',
              not: false,
              anyOf: [{ type: 'string', mode: 'exact', value: family }],
            },
            { fields: 'id' },
          );
        expect((await byName('Other')).map((d) => d._id)).toContain('u-1');
        expect((await byName('Same')).map((d) => d._id)).not.toContain('u-1');

        // after a delete the same content brings the resource back as a new version
        await repo.delete('Patient', 'u-1');
        const back = await repo.put('Patient', 'u-1', patient('u-1', 'Other'), { method: 'PUT' });
        expect(back).toMatchObject({ created: true });
        expect(back.unchanged).toBeFalsy();
        expect(back.doc.vid).toBe(5);
        // a stale If-Match is refused even when nothing would change
        expect(
          await rejection(repo.put('Patient', 'u-1', patient('u-1', 'Other'), { method: 'PUT', ifMatch: 4 })),
        ).toBeInstanceOf(StaleVersion);
      });

      test('If-Match: stale versions are refused with the current version', async () => {
        await repo.put('Patient', 'm-1', patient('m-1'), { method: 'PUT' });
        const err = await rejection(
          repo.put('Patient', 'm-1', patient('m-1'), { method: 'PUT', ifMatch: 7 }),
        );
        expect(err).toBeInstanceOf(StaleVersion);
        expect((err as StaleVersion).current).toBe(1);
        const none = await rejection(
          repo.put('Patient', 'm-none', patient('m-none'), { method: 'PUT', ifMatch: 1 }),
        );
        expect((none as StaleVersion).current).toBeNull();
        await repo.delete('Patient', 'm-1');
        const gone = await rejection(
          repo.put('Patient', 'm-1', patient('m-1'), { method: 'PUT', ifMatch: 2 }),
        );
        expect((gone as StaleVersion).current).toBeNull();
      });

      test('concurrent puts with the same If-Match: exactly one wins', async () => {
        await repo.put('Patient', 'race-1', patient('race-1'), { method: 'PUT' });
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            repo.put('Patient', 'race-1', patient('race-1', `W${i}`), { method: 'PUT', ifMatch: 1 }),
          ),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won.length).toBe(1);
        expect(
          lost.every((r) => r.reason instanceof StaleVersion && (r.reason as StaleVersion).current === 2),
        ).toBe(true);
        expect((await repo.read('Patient', 'race-1'))?.vid).toBe(2);
      });

      test('concurrent creates that must not exist: exactly one wins (also over a tombstone)', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, () =>
            repo.put('Patient', 'mne-1', patient('mne-1'), { method: 'POST', mustNotExist: true }),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
        expect(
          results.every(
            (r) => r.status === 'fulfilled' || (r as PromiseRejectedResult).reason instanceof VersionConflict,
          ),
        ).toBe(true);
        await repo.delete('Patient', 'mne-1');
        expect(
          await rejection(
            repo.put('Patient', 'mne-1', patient('mne-1'), { method: 'POST', mustNotExist: true }),
          ),
        ).toBeInstanceOf(VersionConflict);
      });
    });

    describe('search', () => {
      beforeAll(async () => {
        const resources = [
          ...examples('Patient-'),
          ...examples('Observation-'),
          ...examples('Condition-'),
          ...corners(),
        ];
        for (const r of resources) await repo.put(r.resourceType, r.id as string, r, { method: 'PUT' });
        // a deleted resource must never match
        await repo.delete('Patient', 'c-5');
      });

      /** Runs the search on the engine and on the stored documents with the MongoDB filter; returns ids. */
      async function conform(type: string, params: Array<[string, string]>): Promise<string[]> {
        const ir = parseSearch(contractRegistry(), type, params, {
          strict: true,
          now: NOW,
          baseUrl: BASE_URL,
        });
        const where = and(...(ir.clauses as Where[]));
        const got = (await repo.find(type, where, { fields: 'id' })).map((d) => d._id).sort();
        const docs = (await repo.find(type, ALL, { fields: 'all' })).map((d) => ({
          _id: d._id,
          sp: d.sp ?? {},
          comp: d.comp ?? [],
        }));
        const expected = new Query(toMongoFilter(ir) as Record<string, unknown>)
          .find<StoredDocument>(docs)
          .all()
          .map((d) => d._id)
          .sort();
        expect({ params, got }).toEqual({ params, got: expected });
        expect(await repo.count(type, where)).toBe(expected.length);
        return got;
      }

      test.each(
        SEARCHES.map(
          ([type, params, some]) =>
            [`${type}?${params.map((p) => p.join('=')).join('&')}`, type, params, some] as const,
        ),
      )('%s matches what the MongoDB filter matches', async (_label, type, params, some) => {
        const got = await conform(type, params);
        if (some) expect(got.length).toBeGreaterThan(0);
        else expect(got).toEqual([]);
      });

      test('refs, compartment, in-some-compartment, updated and or/none clauses', async () => {
        const refs = await repo.find(
          'Observation',
          { kind: 'refs', name: 'subject', code: 'subject', refs: ['Patient/c-1', 'Patient/c-2'] },
          { fields: 'id' },
        );
        expect(refs.map((d) => d._id).sort()).toEqual(['q-1', 'q-2']);
        const comp = await repo.find(
          'Observation',
          { kind: 'compartment', name: 'c', compartment: 'Patient/c-2' },
          { fields: 'id' },
        );
        expect(comp.map((d) => d._id)).toEqual(['q-2']);
        const inSome = await repo.find('RiskAssessment', { kind: 'in-some-compartment' }, { fields: 'id' });
        expect(inSome.map((d) => d._id).sort()).toEqual(['n-1', 'n-2', 'n-3']);
        const q1 = await repo.read('Observation', 'q-1');
        const upd = await repo.find(
          'Observation',
          and(
            { kind: 'updated', gte: q1?.lu, lte: q1?.lu },
            { kind: 'id', name: '_id', ids: ['q-1', 'q-2', 'q-3'] },
          ),
          { fields: 'id' },
        );
        // resources written in the same millisecond share an instant: the expected ids are those at q-1's
        const sameInstant: string[] = [];
        for (const id of ['q-1', 'q-2', 'q-3']) {
          if ((await repo.read('Observation', id))?.lu === q1?.lu) sameInstant.push(id);
        }
        expect(sameInstant).toContain('q-1');
        expect(upd.map((d) => d._id).sort()).toEqual(sameInstant);
        const either = await repo.find(
          'Observation',
          {
            kind: 'or',
            of: [
              { kind: 'id', name: '_id', ids: ['q-1'] },
              { kind: 'id', name: '_id', ids: ['q-3'] },
            ],
          },
          { fields: 'id', order: 'id' },
        );
        expect(either.map((d) => d._id)).toEqual(['q-1', 'q-3']);
        expect(await repo.find('Observation', { kind: 'none' })).toEqual([]);
        expect(await repo.count('Observation', ALL, { limit: 3 })).toBe(3);
      });

      test('find returns the fields asked for', async () => {
        const [idOnly] = await repo.find(
          'Observation',
          { kind: 'id', name: '_id', ids: ['q-1'] },
          { fields: 'id' },
        );
        expect(Object.keys(idOnly).sort()).toEqual(['_id', 'lu', 'vid']);
        const [res] = await repo.find(
          'Observation',
          { kind: 'id', name: '_id', ids: ['q-1'] },
          { fields: 'resource' },
        );
        expect(res.resource?.id).toBe('q-1');
        expect(res.sp).toBeUndefined();
        const [indexed] = await repo.find(
          'Observation',
          { kind: 'id', name: '_id', ids: ['q-1'] },
          { fields: 'indexed' },
        );
        expect(indexed.sp?.code).toBeDefined();
        expect(indexed.comp).toBeUndefined();
      });
    });

    describe('key-set paging', () => {
      beforeAll(async () => {
        for (let i = 0; i < 25; i++) {
          const id = `k${String(i).padStart(2, '0')}`;
          await repo.put('Device', id, { resourceType: 'Device', id, status: 'active' } as Resource, {
            method: 'PUT',
          });
        }
      });

      test('order id / -id with an id range and a limit pages through every resource once', async () => {
        for (const order of ['id', '-id'] as const) {
          const seen: string[] = [];
          let last: string | undefined;
          for (;;) {
            const where: Where =
              last === undefined ? ALL : { kind: 'id-range', op: order === 'id' ? 'gt' : 'lt', id: last };
            const page = await repo.find('Device', where, { order, limit: 10, fields: 'id' });
            seen.push(...page.map((d) => d._id));
            if (page.length < 10) break;
            last = page[page.length - 1]._id;
          }
          const all = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
          expect(seen).toEqual(order === 'id' ? all : [...all].reverse());
        }
      });

      test('history pages by cursor skip and repeat nothing while other writes go on', async () => {
        const type = 'Location';
        for (let i = 0; i < 20; i++) {
          await repo.put(type, `h${i % 7}`, { resourceType: type, name: `n${i}` } as Resource, {
            method: 'PUT',
          });
        }
        const before = await repo.history({ type, withResource: false });
        expect(before.length).toBe(20);
        const seen: HistoryDoc[] = [];
        let after: { lu: string; key: string } | undefined;
        let w = 0;
        for (;;) {
          const writes = [0, 1].map(() =>
            repo.put(type, `w${w++}`, { resourceType: type, name: 'x' } as Resource, { method: 'PUT' }),
          );
          const page = await repo.history({ type, limit: 6, after });
          await Promise.all(writes);
          seen.push(...page);
          if (page.length < 6) break;
          after = { lu: page[page.length - 1].lu, key: page[page.length - 1]._id };
        }
        const keys = seen.map((h) => h._id);
        expect(new Set(keys).size).toBe(keys.length);
        for (const h of before) expect(keys).toContain(h._id);
        const oldest = await repo.history({ type, order: 'oldest', withResource: false });
        expect(oldest.map((h) => h._id)).toEqual(
          [...(await repo.history({ type, withResource: false }))].reverse().map((h) => h._id),
        );
        expect(await repo.historyCount({ type })).toBe(oldest.length);
        expect(await repo.historyCount({ types: [type, 'Device'] })).toBe(oldest.length + 25);
        const since = oldest[5].lu;
        expect((await repo.history({ type, since, order: 'oldest' })).every((h) => h.lu > since)).toBe(true);
        expect((await repo.history({ type, since, sinceInclusive: true })).some((h) => h.lu === since)).toBe(
          true,
        );
      });
    });

    describe('transactions', () => {
      test('a transaction that throws writes nothing', async () => {
        const boom = new Error('boom');
        const err = await rejection(
          storage.transaction(async (tx) => {
            await repo.put('Patient', 't-1', patient('t-1'), { method: 'PUT', tx });
            await storage.aux('contract_aux').insertOne({ _id: 't-1' }, { session: tx });
            await repo.put('Patient', 't-2', patient('t-2'), { method: 'PUT', tx });
            throw boom;
          }),
        );
        expect(err).toBe(boom);
        expect(await repo.read('Patient', 't-1')).toBeNull();
        expect(await repo.read('Patient', 't-2')).toBeNull();
        expect(await storage.aux('contract_aux').findOne({ _id: 't-1' })).toBeNull();
        expect(await repo.history({ type: 'Patient', id: 't-1' })).toEqual([]);
      });

      test('reads in a transaction see its own writes; reads outside do not until it commits', async () => {
        const result = await storage.transaction(async (tx) => {
          await repo.put('Patient', 't-3', patient('t-3'), { method: 'PUT', tx });
          const inside = await repo.read('Patient', 't-3', { tx });
          const outside = await repo.read('Patient', 't-3');
          const found = await repo.find('Patient', { kind: 'id', name: '_id', ids: ['t-3'] }, { tx });
          return { inside: inside?.vid, outside, found: found.length };
        });
        expect(result).toEqual({ inside: 1, outside: null, found: 1 });
        expect((await repo.read('Patient', 't-3'))?.vid).toBe(1);
      });

      test('concurrent transactions each commit or fail alone', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            storage.transaction(async (tx) => {
              await repo.put('Patient', `tc-${i}`, patient(`tc-${i}`), { method: 'PUT', tx });
              if (i % 3 === 0) throw new Error(`fail ${i}`);
              return i;
            }),
          ),
        );
        for (let i = 0; i < 10; i++) {
          expect(results[i].status).toBe(i % 3 === 0 ? 'rejected' : 'fulfilled');
          expect((await repo.read('Patient', `tc-${i}`)) === null).toBe(i % 3 === 0);
        }
      });
    });

    describe('auxiliary collections', () => {
      test('insert, find, update, replace, delete and duplicate keys', async () => {
        const coll = storage.aux('contract_basics');
        await coll.insertOne({ _id: 'a', n: 1, tag: 'x' });
        await coll.insertMany([
          { _id: 'b', n: 2, tag: 'x' },
          { _id: 'c', n: 3, tag: 'y' },
        ]);
        const dup = await rejection(coll.insertOne({ _id: 'a', n: 9 }));
        expect(isDuplicateKeyError(dup)).toBe(true);
        expect(await coll.findOne({ _id: 'b' })).toEqual({ _id: 'b', n: 2, tag: 'x' });
        expect(
          (await coll.find({ _id: { $in: ['a', 'c', 'z'] } }).toArray()).map((d) => d._id).sort(),
        ).toEqual(['a', 'c']);
        expect((await coll.find({ tag: 'x' }, { sort: { n: -1 } }).toArray()).map((d) => d._id)).toEqual([
          'b',
          'a',
        ]);
        expect(await coll.countDocuments({ n: { $gte: 2 } })).toBe(2);
        expect(
          await coll.updateOne({ _id: 'a' }, upd({ $inc: { n: 10 }, $set: { tag: 'z' } })),
        ).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
        expect(await coll.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 11, tag: 'z' });
        expect(await coll.updateOne({ _id: 'a' }, upd({ $unset: { tag: '' } }))).toMatchObject({
          modifiedCount: 1,
        });
        expect(await coll.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 11 });
        expect(await coll.updateOne({ _id: 'new' }, upd({ $set: { n: 5 } }), { upsert: true })).toMatchObject(
          { upsertedId: 'new' },
        );
        expect(await coll.findOne({ _id: 'new' })).toEqual({ _id: 'new', n: 5 });
        expect(await coll.replaceOne({ _id: 'c' }, { _id: 'c', tag: 'r' })).toMatchObject({
          matchedCount: 1,
        });
        expect(await coll.findOne({ _id: 'c' })).toEqual({ _id: 'c', tag: 'r' });
        expect(await coll.replaceOne({ _id: 'q' }, { _id: 'q', tag: 'u' }, { upsert: true })).toMatchObject({
          upsertedCount: 1,
        });
        expect(await coll.deleteOne({ _id: 'q' })).toEqual({ deletedCount: 1 });
        expect(await coll.deleteMany({ n: { $gt: 4 } })).toEqual({ deletedCount: 2 });
        expect((await coll.find({}).toArray()).map((d) => d._id)).toEqual(['b', 'c']);
        expect(await coll.countDocuments({})).toBe(2);
        expect(await storage.aux('contract_other').countDocuments({})).toBe(0);
      });
    });
  });
}
