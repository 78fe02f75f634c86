/**
 * The US Core 6.1.0 search parameters R4 does not define (us-core SearchParameters, loaded from
 * profiles/base/us-core-6.1.0): Condition `asserted-date`, Encounter `discharge-disposition`, CareTeam `role`
 * and Goal `description` answer with the expected result sets and are listed in the CapabilityStatement.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Bundle, CapabilityStatement, Resource } from 'fhir/r4.js';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
const FHIR_JSON = 'application/fhir+json';
const ASSERTED = 'http://hl7.org/fhir/StructureDefinition/condition-assertedDate';
const SCT = 'http://snomed.info/sct';
const DISPOSITION = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';

const put = async (r: Resource) => {
  const res = await request(t.app)
    .put(`/fhir/${r.resourceType}/${r.id}`)
    .set('content-type', FHIR_JSON)
    .send(JSON.stringify(r));
  expect(res.body.issue).toBeUndefined();
  expect([200, 201]).toContain(res.status);
};

const condition = (id: string, asserted?: string): Resource =>
  ({
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p1' },
    code: { text: 'x' },
    ...(asserted ? { extension: [{ url: ASSERTED, valueDateTime: asserted }] } : {}),
  }) as Resource;

beforeAll(async () => {
  t = await makeTestApp();
  await put(condition('c-2024', '2024-03-05'));
  await put(condition('c-2025', '2025-11-20T10:00:00Z'));
  await put(condition('c-none'));
  for (const [id, code] of [
    ['e-home', 'home'],
    ['e-snf', 'snf'],
  ]) {
    await put({
      resourceType: 'Encounter',
      id,
      status: 'finished',
      class: { code: 'IMP' },
      hospitalization: { dischargeDisposition: { coding: [{ system: DISPOSITION, code }] } },
    } as Resource);
  }
  await put({
    resourceType: 'CareTeam',
    id: 'team-1',
    participant: [
      { role: [{ coding: [{ system: SCT, code: '768832004' }] }], member: { reference: 'Practitioner/x' } },
    ],
  } as Resource);
  await put({
    resourceType: 'CareTeam',
    id: 'team-2',
    participant: [
      { role: [{ coding: [{ system: SCT, code: '116154003' }] }], member: { reference: 'Patient/p1' } },
    ],
  } as Resource);
  for (const [id, code] of [
    ['g-weight', '289169006'],
    ['g-a1c', '281335007'],
  ]) {
    await put({
      resourceType: 'Goal',
      id,
      lifecycleStatus: 'active',
      description: { coding: [{ system: SCT, code }] },
      subject: { reference: 'Patient/p1' },
    } as Resource);
  }
});
afterAll(async () => t.close());

async function ids(query: string): Promise<string[]> {
  const res = await request(t.app).get(`/fhir/${query}`);
  expect(res.status).toBe(200);
  const b = res.body as Bundle;
  expect(b.link?.find((l) => l.relation === 'self')?.url).toContain(query.split('?')[1].split(/[=:]/)[0]);
  return (b.entry ?? []).map((e) => e.resource?.id as string).sort();
}

test.each([
  ['Condition?asserted-date=2024-03-05', ['c-2024']],
  ['Condition?asserted-date=ge2025-01-01', ['c-2025']],
  ['Condition?asserted-date=lt2026', ['c-2024', 'c-2025']],
  ['Condition?asserted-date:missing=true', ['c-none']],
  [`Encounter?discharge-disposition=${DISPOSITION}|snf`, ['e-snf']],
  ['Encounter?discharge-disposition=home', ['e-home']],
  [`CareTeam?role=${SCT}|768832004`, ['team-1']],
  ['CareTeam?role=116154003', ['team-2']],
  [`Goal?description=${SCT}|281335007`, ['g-a1c']],
  ['Goal?description=289169006,281335007', ['g-a1c', 'g-weight']],
])('%s', async (query, expected) => {
  expect(await ids(query)).toEqual(expected);
});

test('the CapabilityStatement lists them with their US Core definitions', async () => {
  const cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
  const params = (type: string) => cs.rest?.[0].resource?.find((r) => r.type === type)?.searchParam ?? [];
  for (const [type, name, url] of [
    ['Condition', 'asserted-date', 'us-core-condition-asserted-date'],
    ['Encounter', 'discharge-disposition', 'us-core-encounter-discharge-disposition'],
    ['CareTeam', 'role', 'us-core-careteam-role'],
    ['Goal', 'description', 'us-core-goal-description'],
  ]) {
    expect(params(type)).toContainEqual(
      expect.objectContaining({ name, definition: `http://hl7.org/fhir/us/core/SearchParameter/${url}` }),
    );
  }
});
