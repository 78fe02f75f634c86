/**
 * The terminology operations over HTTP (R4 terminology-service.html): ValueSet/$expand with filter, offset
 * and count (valueset-operation-expand.html), ValueSet/$validate-code (valueset-operation-validate-code.html)
 * and CodeSystem/$lookup (codesystem-operation-lookup.html), on bundled and stored value sets.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { ACTIVITY, CS, TIME_ROLE, VS } from '../../../server/ccm/vocabulary.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { FHIR_JSON } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ conformance: true });
});
afterAll(async () => {
  await t.close();
});

const get = (path: string) => request(t.app).get(path);
const enc = encodeURIComponent;
const param = (body: { parameter: Array<Record<string, unknown>> }, name: string) =>
  body.parameter.find((p) => p.name === name);

describe('ValueSet/$expand', () => {
  test('a bundled value set by url: every code, with total', async () => {
    const res = await get(`/fhir/ValueSet/$expand?url=${enc(VS.activity)}`);
    expect(res.status).toBe(200);
    expect(res.body.url).toBe(VS.activity);
    expect(res.body.expansion.total).toBe(ACTIVITY.length);
    expect(res.body.expansion.contains.map((c: { code: string }) => c.code)).toEqual([...ACTIVITY]);
    expect(res.body.expansion.contains[0]).toEqual({
      system: CS.activity,
      code: 'phone-call',
      display: 'Phone call',
    });
    expect(res.body.expansion.identifier).toMatch(/^urn:uuid:/);
  });

  test('filter matches code or display, case-insensitive; offset and count page', async () => {
    const f = await get(`/fhir/ValueSet/$expand?url=${enc(VS.activity)}&filter=CARE-PLAN`);
    expect(f.body.expansion.contains.map((c: { code: string }) => c.code)).toEqual([
      'care-plan-development',
      'care-plan-revision',
      'care-plan-monitoring',
    ]);
    const page = await get(`/fhir/ValueSet/$expand?url=${enc(VS.activity)}&offset=2&count=3`);
    expect(page.body.expansion.total).toBe(ACTIVITY.length);
    expect(page.body.expansion.offset).toBe(2);
    expect(page.body.expansion.contains.map((c: { code: string }) => c.code)).toEqual(ACTIVITY.slice(2, 5));
  });

  test('instance level on the stored copy, and POST with Parameters', async () => {
    const inst = await get('/fhir/ValueSet/ccm-time-role/$expand');
    expect(inst.body.expansion.total).toBe(Object.keys(TIME_ROLE).length);
    const posted = await request(t.app)
      .post('/fhir/ValueSet/$expand')
      .set('content-type', FHIR_JSON)
      .send(
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            { name: 'url', valueUri: VS.program },
            { name: 'count', valueInteger: 1 },
          ],
        }),
      );
    expect(posted.body.expansion.contains).toEqual([
      { system: CS.program, code: 'ccm', display: 'Chronic Care Management' },
    ]);
  });

  test('errors: unknown url 404, missing url 400, a value set needing an external server 422, bad count 400', async () => {
    expect((await get(`/fhir/ValueSet/$expand?url=${enc('http://example.org/vs')}`)).status).toBe(404);
    expect((await get('/fhir/ValueSet/$expand')).status).toBe(400);
    const snomed = await get(
      `/fhir/ValueSet/$expand?url=${enc('http://hl7.org/fhir/ValueSet/clinical-findings')}`,
    );
    expect(snomed.status).toBe(422);
    expect(snomed.body.resourceType).toBe('OperationOutcome');
    expect((await get(`/fhir/ValueSet/$expand?url=${enc(VS.activity)}&count=-1`)).status).toBe(400);
  });
});

describe('ValueSet/$validate-code', () => {
  test('system and code in, out of, and a wrong display', async () => {
    const base = `/fhir/ValueSet/$validate-code?url=${enc(VS.program)}&system=${enc(CS.program)}`;
    const yes = await get(`${base}&code=pcm`);
    expect(param(yes.body, 'result')?.valueBoolean).toBe(true);
    expect(param(yes.body, 'display')?.valueString).toBe('Principal Care Management');
    const no = await get(`${base}&code=ccm-plus`);
    expect(param(no.body, 'result')?.valueBoolean).toBe(false);
    expect(param(no.body, 'message')?.valueString).toContain('ccm-plus');
    const display = await get(`${base}&code=ccm&display=CCM`);
    expect(param(display.body, 'result')?.valueBoolean).toBe(true);
    expect(param(display.body, 'message')?.valueString).toContain('Chronic Care Management');
  });

  test('a CodeableConcept is valid when one coding is in the value set (instance level)', async () => {
    const res = await request(t.app)
      .post('/fhir/ValueSet/ccm-time-exclusion/$validate-code')
      .set('content-type', FHIR_JSON)
      .send(
        JSON.stringify({
          resourceType: 'Parameters',
          parameter: [
            {
              name: 'codeableConcept',
              valueCodeableConcept: {
                coding: [
                  { system: 'urn:x', code: 'y' },
                  { system: CS.timeExclusion, code: 'counted-pcm' },
                ],
              },
            },
          ],
        }),
      );
    expect(param(res.body, 'result')?.valueBoolean).toBe(true);
  });

  test('a value set that cannot be expanded here is 422', async () => {
    const res = await get(
      `/fhir/ValueSet/$validate-code?url=${enc('http://hl7.org/fhir/ValueSet/clinical-findings')}&system=http://snomed.info/sct&code=38341003`,
    );
    expect(res.status).toBe(422);
  });
});

describe('CodeSystem/$lookup', () => {
  test('one of ours: display and definition', async () => {
    const res = await get(`/fhir/CodeSystem/$lookup?system=${enc(CS.timeRole)}&code=billing-practitioner`);
    expect(res.status).toBe(200);
    expect(param(res.body, 'name')?.valueString).toBe('CcmTimeRole');
    expect(param(res.body, 'display')?.valueString).toBe('Billing practitioner');
    const props = res.body.parameter.filter((p: { name: string }) => p.name === 'property');
    expect(props[0].part).toEqual([
      { name: 'code', valueCode: 'definition' },
      { name: 'value', valueString: "The billing practitioner's own time." },
    ]);
  });

  test('a hierarchy: parent and children of condition-clinical#inactive', async () => {
    const res = await get(
      '/fhir/CodeSystem/$lookup?system=http://terminology.hl7.org/CodeSystem/condition-clinical&code=inactive',
    );
    const props = res.body.parameter
      .filter((p: { name: string }) => p.name === 'property')
      .map((p: { part: Array<{ valueCode?: string }> }) => [p.part[0].valueCode, p.part[1].valueCode]);
    expect(props).toContainEqual(['child', 'remission']);
    expect(props).toContainEqual(['child', 'resolved']);
  });

  test('unknown system or code is 404; a missing code 400', async () => {
    expect((await get('/fhir/CodeSystem/$lookup?system=http://loinc.org&code=59284-0')).status).toBe(404);
    expect((await get(`/fhir/CodeSystem/$lookup?system=${enc(CS.timeRole)}&code=nurse`)).status).toBe(404);
    expect((await get(`/fhir/CodeSystem/$lookup?system=${enc(CS.timeRole)}`)).status).toBe(400);
  });

  test('$lookup is not an instance operation', async () => {
    expect((await get('/fhir/CodeSystem/ccm-time-role/$lookup?code=x')).status).toBe(404);
  });
});
