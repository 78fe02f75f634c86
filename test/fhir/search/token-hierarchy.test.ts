/**
 * Token `:below` / `:above` on a code system with a known hierarchy (R4 search.html#token): a value without a
 * system is read in the code system of the element's required binding, e.g.
 * `Condition?clinical-status:below=active` finds active, recurrence and relapse (condition-clinical nests
 * them under active); a parameter without a single bound code system asks for `system|code`.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Bundle, Condition } from 'fhir/r4.js';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

beforeAll(async () => {
  t = await makeTestApp();
  for (const status of ['active', 'recurrence', 'relapse', 'resolved', 'remission']) {
    const c: Condition = {
      resourceType: 'Condition',
      id: `cs-${status}`,
      clinicalStatus: { coding: [{ system: CLINICAL, code: status }] },
      subject: { reference: 'Patient/p1' },
      code: { text: 'x' },
    };
    const res = await request(t.app)
      .put(`/fhir/Condition/${c.id}`)
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(c));
    expect(res.status).toBe(201);
  }
});
afterAll(async () => t.close());

async function ids(query: string): Promise<string[]> {
  const res = await request(t.app).get(`/fhir/${query}`);
  expect(res.body.issue).toBeUndefined();
  expect(res.status).toBe(200);
  return ((res.body as Bundle).entry ?? []).map((e) => e.resource?.id as string).sort();
}

test.each([
  ['Condition?clinical-status:below=active', ['cs-active', 'cs-recurrence', 'cs-relapse']],
  [`Condition?clinical-status:below=${CLINICAL}|active`, ['cs-active', 'cs-recurrence', 'cs-relapse']],
  ['Condition?clinical-status:below=inactive', ['cs-remission', 'cs-resolved']],
  ['Condition?clinical-status:above=recurrence', ['cs-active', 'cs-recurrence']],
  ['Condition?clinical-status=active', ['cs-active']],
])('%s', async (query, expected) => {
  expect(await ids(query)).toEqual(expected);
});

test('a code alone on a parameter without a bound code system is a clear 400', async () => {
  const res = await request(t.app).get('/fhir/Condition?code:below=44054006');
  expect(res.status).toBe(400);
  expect(res.body.issue[0].diagnostics).toMatch(/code:below.*expected system\|code/);
});

test('an unknown code is a clear 400', async () => {
  const res = await request(t.app).get('/fhir/Condition?clinical-status:below=nonsense');
  expect(res.status).toBe(400);
  expect(res.body.issue[0].diagnostics).toMatch(/not a code of a code system this server knows/);
});
