/**
 * The CapabilityStatement lists, per type, exactly the search parameters the server applies
 * (capabilitystatement.html, search.html#errors): every listed parameter is accepted under
 * Prefer: handling=strict, and the parameters the server cannot apply are not listed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CapabilityStatement } from 'fhir/r4.js';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
let cs: CapabilityStatement;
beforeAll(async () => {
  t = await makeTestApp();
  cs = (await request(t.app).get('/fhir/metadata')).body as CapabilityStatement;
});
afterAll(async () => {
  await t.close();
});

const listed = (type: string) => cs.rest?.[0].resource?.find((r) => r.type === type)?.searchParam ?? [];

/** A value each parameter type accepts, for a strict request. */
function probe(name: string, type: string): [string, string] {
  if (name === '_has') return ['_has:Provenance:target:_id', 'x']; // Provenance.target refers to any type
  if (name === '_list') return ['_list', 'some-list'];
  if (name === '_id') return ['_id', 'x'];
  return type === 'composite' ? [`${name}:missing`, 'true'] : [`${name}:missing`, 'false'];
}

describe('CapabilityStatement search parameters', () => {
  test('the patient-facing parameters fhirclient and CCM use are listed', () => {
    expect(listed('Patient').map((p) => p.name)).toEqual(
      expect.arrayContaining([
        '_id',
        'identifier',
        'name',
        'family',
        'given',
        'gender',
        'birthdate',
        '_has',
        '_list',
      ]),
    );
    for (const type of ['Condition', 'Observation', 'Encounter', 'CarePlan', 'MedicationRequest']) {
      expect(listed(type).map((p) => p.name)).toEqual(expect.arrayContaining(['patient', '_lastUpdated']));
    }
  });

  test('parameters the server cannot apply are not listed', () => {
    for (const type of ['Patient', 'Condition', 'Location']) {
      const names = listed(type).map((p) => p.name);
      for (const absent of ['_text', '_content', '_query', 'near']) expect(names).not.toContain(absent);
    }
  });

  test.each([
    'Patient',
    'Condition',
    'Observation',
    'Encounter',
    'CarePlan',
    'Task',
    'Consent',
    'Goal',
    'CareTeam',
  ])('every parameter listed for %s is accepted under strict handling', async (type) => {
    const params = listed(type);
    expect(params.length).toBeGreaterThan(5);
    for (const p of params) {
      const [name, value] = probe(p.name, p.type);
      const res = await request(t.app)
        .get(`/fhir/${type}?${new URLSearchParams([[name, value]]).toString()}`)
        .set('prefer', 'handling=strict');
      expect([p.name, res.status]).toEqual([p.name, 200]);
    }
  });
});

test('the Patient compartment is declared (compartment search is supported)', () => {
  expect(cs.rest?.[0].compartment).toEqual(['http://hl7.org/fhir/CompartmentDefinition/patient']);
});
