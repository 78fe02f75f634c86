/**
 * Acceptance: the embedded engine answers `read` by id without scanning the collection. With 100,000
 * resources in one collection the read examines exactly one document, as it does with 1,000: the cost
 * of a read does not grow with the collection (timings are in bench/, not here).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import request from 'supertest';
import type { ResourceDoc } from '../../server/fhir/resource-store.js';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

function doc(i: number): ResourceDoc {
  const id = `scale-${i}`;
  const lu = '2026-11-01T00:00:00.000Z';
  return {
    _id: id,
    vid: 1,
    lu,
    resource: {
      resourceType: 'Observation',
      id,
      meta: { versionId: '1', lastUpdated: lu },
      status: 'final',
      code: { text: `n${i}` },
    } as ResourceDoc['resource'],
    sp: {},
    comp: [],
  };
}

test('read by id examines one document at 1,000 and at 100,000 resources', async () => {
  const coll = await t.services.resources.current('Observation');
  const plans: number[] = [];
  let inserted = 0;
  for (const target of [1_000, 100_000]) {
    const batch: ResourceDoc[] = [];
    for (; inserted < target; inserted++) batch.push(doc(inserted));
    for (let i = 0; i < batch.length; i += 10_000) await coll.insertMany(batch.slice(i, i + 10_000));
    expect(await coll.countDocuments({})).toBe(target);
    const plan = await coll.explain({ _id: `scale-${target - 1}` });
    expect(plan.indexName).not.toBeNull();
    plans.push(plan.docsExamined);
    const res = await request(t.app).get(`/fhir/Observation/scale-${target - 1}`);
    expect(res.status).toBe(200);
    expect(res.body.code.text).toBe(`n${target - 1}`);
  }
  expect(plans).toEqual([1, 1]);
  // For contrast, a filter on an unindexed field has to look at every document.
  const scan = await coll.explain({ 'resource.code.text': 'n5' });
  expect(scan.indexName).toBeNull();
  expect(scan.docsExamined).toBe(100_000);
});
