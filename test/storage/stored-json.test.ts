/**
 * The stored text of a version's resource (storage/stored-json.ts): offered only while nothing has read,
 * replaced or removed the resource, and always the text JSON.stringify gives of the parsed resource.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Patient, Resource } from 'fhir/r4.js';
import type { ResourceDoc, ResourceRepository, Storage } from '../../server/storage/repository.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import { storedJson, withStoredResource } from '../../server/storage/stored-json.js';
import { contractDeps } from './repository-contract.js';

const text = JSON.stringify({ resourceType: 'Patient', id: 'p', name: [{ family: 'Ünïcode "q"' }] });
const doc = (): ResourceDoc =>
  withStoredResource<ResourceDoc>({ _id: 'p', vid: 1, lu: '2026-01-01T00:00:00.000Z' }, text);

test('the text is offered until the resource is read', () => {
  const d = doc();
  expect(storedJson(d)).toBe(text);
  expect(Object.keys(d)).toEqual(['_id', 'vid', 'lu', 'resource']);
  expect(storedJson(d)).toBe(text);
  const r = d.resource as Patient;
  expect(r.name?.[0].family).toBe('Ünïcode "q"');
  expect(storedJson(d)).toBeUndefined();
  // the parsed object is kept: changes to it are what later readers see
  r.gender = 'female';
  expect((d.resource as Patient).gender).toBe('female');
});

test('a spread copy reads (parses) the resource; the copy carries no text', () => {
  const d = doc();
  const copy = { ...d };
  expect(copy.resource).toEqual(JSON.parse(text));
  expect(storedJson(copy)).toBeUndefined();
  expect(storedJson(d)).toBeUndefined();
});

test('replacing or deleting the resource withdraws the text', () => {
  const replaced = doc();
  const other: Resource = { resourceType: 'Patient', id: 'other' };
  replaced.resource = other;
  expect(replaced.resource).toBe(other);
  expect(storedJson(replaced)).toBeUndefined();
  const deleted = doc();
  delete deleted.resource;
  expect(deleted.resource).toBeUndefined();
  expect(storedJson(deleted)).toBeUndefined();
  const redefined = doc();
  Object.defineProperty(redefined, 'resource', { value: other, enumerable: true });
  expect(storedJson(redefined)).toBeUndefined();
});

test('plain objects have no stored text', () => {
  expect(storedJson({ _id: 'x', resource: { resourceType: 'Patient' } })).toBeUndefined();
});

let store: Storage;
let repo: ResourceRepository;
beforeAll(async () => {
  store = await openSqliteStorage({ dataDir: null });
  repo = store.repository(contractDeps());
});
afterAll(async () => store.close());

test('SQLite reads offer the stored text, equal to JSON.stringify of the resource, for current and past versions', async () => {
  const body: Patient = {
    resourceType: 'Patient',
    name: [{ family: 'Stored', given: ['\u2028line', 'emoji \u{1F600}'] }],
    multipleBirthInteger: 2,
    extension: [{ url: 'http://example.org/x', valueDecimal: 0.1 }],
  };
  await repo.put('Patient', 'stored', body, { method: 'PUT' });
  await repo.put('Patient', 'stored', { ...body, gender: 'other' } as Patient, { method: 'PUT' });
  const current = await repo.read('Patient', 'stored');
  const found = await repo.find(
    'Patient',
    { kind: 'id', name: '_id', ids: ['stored'] },
    { fields: 'resource' },
  );
  const v1 = await repo.vread('Patient', 'stored', 1);
  const v2 = await repo.vread('Patient', 'stored', 2);
  const v1Json = storedJson(v1 as object);
  for (const d of [current, found[0], v1, v2]) {
    const json = storedJson(d as object);
    expect(typeof json).toBe('string');
    expect(json).toBe(JSON.stringify(JSON.parse(json as string)));
    expect(JSON.parse(json as string)).toEqual(d?.resource);
  }
  expect(JSON.parse(v1Json as string)).not.toHaveProperty('gender');
  expect((v2?.resource as Patient).gender).toBe('other');
});
