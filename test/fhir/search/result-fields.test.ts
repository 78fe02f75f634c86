/**
 * Reads and searches ask the store only for the fields they use: the resource and its version, not the
 * search index stored beside it (`sp`, `comp`), unless they sort by it or follow references from it
 * (`_include`). Checked structurally on the projections passed to the store and on the documents returned.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, Resource } from 'fhir/r4.js';
import request from 'supertest';
import type { Fields } from '../../../server/storage/repository.js';
import { ENGINES, makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { putResource } from './fixture.js';

const RESOURCES = [
  { resourceType: 'Patient', id: 'p1', name: [{ family: 'Field' }] },
  {
    resourceType: 'Goal',
    id: 'g1',
    lifecycleStatus: 'active',
    description: { text: 'walk' },
    subject: { reference: 'Patient/p1' },
  },
  {
    resourceType: 'CarePlan',
    id: 'cp1',
    status: 'active',
    intent: 'plan',
    subject: { reference: 'Patient/p1' },
    goal: [{ reference: 'Goal/g1' }],
  },
  ...['c1', 'c2'].map((id, i) => ({
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p1' },
    recordedDate: `2026-0${i + 1}-01`,
    code: { text: id },
  })),
] as unknown as Resource[];

/** The fields the repository was asked for, per type, appended as they are asked for. */
function recordProjections(t: TestApp): { asked: Array<[string, Fields]> } {
  const log = { asked: [] as Array<[string, Fields]> };
  const resources = t.services.resources;
  const read = resources.read.bind(resources);
  const find = resources.find.bind(resources);
  resources.read = (type, id, opts) => (
    log.asked.push([type, opts?.fields ?? 'resource']),
    read(type, id, opts)
  );
  resources.find = (type, where, opts) => (
    log.asked.push([type, opts?.fields ?? 'all']),
    find(type, where, opts)
  );
  return log;
}

const hasIndex = (f: Fields) => f !== 'id' && f !== 'resource';

describe.each(ENGINES)('reads and searches copy only the fields they use (%s)', (engine) => {
  let t: TestApp;
  let log: { asked: Array<[string, Fields]> };
  beforeAll(async () => {
    t = await makeTestApp({ engine });
    for (const r of RESOURCES) await putResource(t, r);
    log = recordProjections(t);
  });
  afterAll(async () => t.close());

  const search = async (path: string) => {
    log.asked = [];
    const res = await request(t.app).get(`/fhir/${path}`);
    expect(res.status).toBe(200);
    return JSON.parse(res.text) as Bundle;
  };

  test('read returns the resource and its version without the index', async () => {
    const doc = await t.services.resources.read('Condition', 'c1');
    expect(
      doc &&
        Object.keys(doc)
          .filter((k) => doc[k as keyof typeof doc] !== undefined)
          .sort(),
    ).toEqual(['_id', 'lu', 'resource', 'vid']);
    const full = await t.services.resources.read('Condition', 'c1', { fields: 'all' });
    expect(full?.comp).toEqual(['Patient/p1']);
    expect(full?.sp).toBeDefined();
    log.asked = [];
    const res = await request(t.app).get('/fhir/Condition/c1');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ id: 'c1', meta: { versionId: '1' } });
    expect(log.asked).toEqual([['Condition', 'resource']]);
  });

  test('a plain search asks for no index', async () => {
    const body = await search('Condition?patient=p1');
    expect(body.entry?.map((e) => e.resource?.id).sort()).toEqual(['c1', 'c2']);
    expect(log.asked.filter(([type]) => type === 'Condition').length).toBeGreaterThan(0);
    for (const [, fields] of log.asked) expect(hasIndex(fields)).toBe(false);
  });

  test('sorting asks for the index of the matches', async () => {
    const body = await search('Condition?patient=p1&_sort=-recorded-date');
    expect(body.entry?.map((e) => e.resource?.id)).toEqual(['c2', 'c1']);
    expect(log.asked.some(([type, p]) => type === 'Condition' && hasIndex(p))).toBe(true);
  });

  test('_include asks for the index of the matches only', async () => {
    const body = await search('CarePlan?patient=p1&_include=CarePlan:goal');
    expect(body.entry?.map((e) => `${e.search?.mode} ${e.resource?.id}`)).toEqual([
      'match cp1',
      'include g1',
    ]);
    expect(log.asked.some(([type, p]) => type === 'CarePlan' && hasIndex(p))).toBe(true);
    for (const [type, p] of log.asked) if (type === 'Goal') expect(hasIndex(p)).toBe(false);
  });

  test('_include:iterate asks for the index of the included resources too', async () => {
    const body = await search('CarePlan?_id=cp1&_include=CarePlan:goal&_include:iterate=Goal:subject');
    expect(body.entry?.map((e) => e.resource?.id)).toEqual(['cp1', 'g1', 'p1']);
    expect(log.asked.some(([type, p]) => type === 'Goal' && hasIndex(p))).toBe(true);
  });
});
