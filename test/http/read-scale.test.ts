/**
 * Acceptance: the store answers `read` by id from its primary key, without scanning the type. With
 * 100,000 resources of one type the plan of a read by id is the same key lookup as with 1,000: the cost of
 * a read does not grow with the type (timings are in bench/, not here).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Observation } from 'fhir/r4.js';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

const observation = (i: number): Observation => ({
  resourceType: 'Observation',
  id: `scale-${i}`,
  status: 'final',
  code: { text: `n${i}` },
});

test('read by id is a key lookup at 1,000 and at 100,000 resources', async () => {
  const plans: string[][] = [];
  let inserted = 0;
  for (const target of [1_000, 100_000]) {
    while (inserted < target) {
      const end = Math.min(target, inserted + 5_000);
      await t.services.store.transaction(async (tx) => {
        for (; inserted < end; inserted++) {
          await t.services.resources.put('Observation', `scale-${inserted}`, observation(inserted), {
            method: 'PUT',
            tx,
          });
        }
      });
    }
    expect(await t.services.resources.count('Observation', { kind: 'all' })).toBe(target);
    const plan = await t.services.resources.explain('Observation', {
      kind: 'id',
      name: '_id',
      ids: [`scale-${target - 1}`],
    });
    expect(plan.scansType).toBe(false);
    plans.push(plan.detail);
    const res = await request(t.app).get(`/fhir/Observation/scale-${target - 1}`);
    expect(res.status).toBe(200);
    expect(res.body.code.text).toBe(`n${target - 1}`);
  }
  expect(plans[1]).toEqual(plans[0]);
}, 300_000);
