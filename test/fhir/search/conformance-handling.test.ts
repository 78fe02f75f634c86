/**
 * Search conformance, part 3: strict and lenient handling and the self link, POST _search, compartment
 * search and Patient/$everything over the named fixture on every engine. Expectations: cases-results.ts
 * (compartmentdefinition-patient.html, patient-operation-everything.html) and the inline comments.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle } from 'fhir/r4.js';
import request from 'supertest';
import { ENGINES, TEST_BASE, type TestApp } from '../../helpers/test-app.js';
import { COMPARTMENT, PAT1_COMPARTMENT } from './cases-results.js';
import { allPages, conformanceApp, get, link, reduce } from './fixture.js';

const STRICT = { prefer: 'handling=strict' };

describe.each(ENGINES)('search handling, compartments and $everything on the %s engine', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await conformanceApp(engine);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('strict and lenient handling (search.html#errors) and the self link', () => {
    const unknown: Array<[string, string]> = [
      ['Patient?foo=bar', 'foo'],
      ['Patient?family:sounds-like=smith', 'family:sounds-like'],
      ['Patient?_sort=foo', '_sort'],
      ['Patient?_include=Patient:foo', '_include'],
      ['Patient?_contained=true', '_contained'],
      ['Condition?subject.foo=x', 'subject.foo'],
      ['Patient?_has:Observation:patient:foo=x', '_has:Observation:patient:foo'],
      ['Patient?_text=chalmers', '_text'],
    ];

    test.each(unknown)('lenient: %s is ignored, reported, and left out of the self link', async (q, name) => {
      const r = await get(t, q);
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(6); // 6 Patients, 6 Conditions: nothing was filtered
      expect(r.warnings.join(' ')).toContain(name);
      expect(link(r.body, 'self')).toBe(`${TEST_BASE}/${q.split('?')[0]}?_count=20`);
    });

    test.each(unknown)('strict: %s is a 400 naming %s', async (q, name) => {
      const r = await get(t, q, STRICT);
      expect(r.status).toBe(400);
      const outcome = r.body as unknown as { issue: Array<{ code: string; diagnostics: string }> };
      expect(outcome.issue[0].code).toBe('not-supported');
      expect(outcome.issue[0].diagnostics).toContain(name);
    });

    test('the self link keeps the applied parameters in order and drops the ignored one', async () => {
      const r = await get(t, 'Patient?family=smith&foo=bar&_sort=-birthdate');
      expect(r.matches).toEqual(['Patient/pat-5', 'Patient/pat-4']);
      expect(link(r.body, 'self')).toBe(`${TEST_BASE}/Patient?family=smith&_sort=-birthdate&_count=20`);
    });

    test('malformed values are a 400 in both modes', async () => {
      expect((await get(t, 'Patient?birthdate=notadate')).status).toBe(400);
      expect((await get(t, 'Observation?code:in=http://example.org/unknown-vs')).status).toBe(400);
      expect((await get(t, 'Patient?_has:Observation=x')).status).toBe(400);
    });
  });

  describe('POST [type]/_search (search.html#Introduction)', () => {
    test('form parameters select and sort like a GET', async () => {
      const res = await request(t.app)
        .post('/fhir/Patient/_search')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('family=smith&_sort=birthdate');
      const r = reduce(res.status, res.body as Bundle);
      expect(r.status).toBe(200);
      expect(r.matches).toEqual(['Patient/pat-4', 'Patient/pat-5']);
    });

    test('URL and body parameters are combined (AND)', async () => {
      const res = await request(t.app)
        .post('/fhir/Patient/_search?gender=female')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('family=smith');
      expect(reduce(res.status, res.body as Bundle).matches).toEqual(['Patient/pat-4']);
    });
  });

  describe('compartment search (compartmentdefinition.html#search)', () => {
    test.each(COMPARTMENT.map((c) => [c.q, c] as const))('%s', async (_q, c) => {
      const r = await get(t, c.q, STRICT);
      expect(r.status).toBe(200);
      expect([...r.matches].sort()).toEqual([...c.matches].sort());
      expect(r.body.total).toBe(c.matches.length);
    });

    test('a type outside the Patient compartment is a 400', async () => {
      expect((await get(t, 'Patient/pat-1/Practitioner')).status).toBe(400);
    });

    test('compartment results page with links under the compartment path', async () => {
      const first = await get(t, 'Patient/pat-1/Condition?_count=1');
      expect(first.body.total).toBe(2);
      const next = link(first.body, 'next') as string;
      expect(next.startsWith(`${TEST_BASE}/Patient/pat-1/Condition?`)).toBe(true);
      const pages = await allPages(t, first);
      expect(pages.flatMap((p) => p.matches).sort()).toEqual(['Condition/cond-1', 'Condition/cond-2']);
    });
  });

  describe('Patient/$everything (patient-operation-everything.html)', () => {
    test('the patient, its compartment, and the non-compartment resources they refer to', async () => {
      const r = await get(t, 'Patient/pat-1/$everything?_count=100');
      expect(r.status).toBe(200);
      expect([...r.matches].sort()).toEqual([...PAT1_COMPARTMENT].sort());
      expect(r.included).toEqual([
        'Medication/med-1',
        'Organization/org-1',
        'Practitioner/pr-1',
        'Practitioner/pr-2',
      ]);
    });

    test('_type restricts the types; referenced resources follow the kept ones', async () => {
      const r = await get(t, 'Patient/pat-1/$everything?_type=Condition');
      expect([...r.matches].sort()).toEqual(['Condition/cond-1', 'Condition/cond-2']);
      expect(r.included).toEqual(['Practitioner/pr-1']);
    });

    test('_since keeps what changed at or after the instant', async () => {
      const all = await get(t, 'Patient/pat-5/$everything');
      expect([...all.matches].sort()).toEqual(['Observation/obs-8', 'Patient/pat-4', 'Patient/pat-5']);
      const since = await get(t, 'Patient/pat-5/$everything?_since=2026-04-02T00:00:00Z');
      expect(since.matches).toEqual(['Patient/pat-5']);
    });

    test('_count pages through everything with stable links', async () => {
      const first = await get(t, 'Patient/pat-1/$everything?_count=5');
      expect(first.body.total).toBe(14);
      const pages = await allPages(t, first);
      expect(pages.map((p) => p.matches.length)).toEqual([5, 5, 4]);
      expect(new Set(pages.flatMap((p) => p.matches)).size).toBe(14);
    });

    test('POST with a Parameters body; an unknown patient is a 404', async () => {
      const res = await request(t.app)
        .post('/fhir/Patient/pat-5/$everything')
        .set('content-type', 'application/fhir+json')
        .send(
          JSON.stringify({
            resourceType: 'Parameters',
            parameter: [{ name: '_since', valueInstant: '2026-04-02T00:00:00Z' }],
          }),
        );
      expect(reduce(res.status, res.body as Bundle).matches).toEqual(['Patient/pat-5']);
      expect((await get(t, 'Patient/nobody/$everything')).status).toBe(404);
    });
  });
});
