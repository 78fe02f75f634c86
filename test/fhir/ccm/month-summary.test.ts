/**
 * $ccm-month-summary and $ccm-eligibility through HTTP (R4 operations.html): scenarios written with PUT
 * (validated like any client write), results checked part by part against ccm-rules.md.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { CcmScenario, DR_A, enrolled } from '../../helpers/ccm-scenarios.js';
import { gates, lineCodes, param, params, putAll, type Param } from '../../helpers/ccm-load.js';
import { makeTestApp, TEST_BASE, type TestApp } from '../../helpers/test-app.js';
import { createApp } from '../../../server/app.js';
import { openStore } from '../../../server/storage/open-store.js';

let t: TestApp;
const billed = enrolled('ms-billed')
  .time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 })
  .time({ start: '2026-03-20T10:00:00-04:00', minutes: 15, role: 'billing-practitioner' })
  .time({ start: '2026-03-21T10:00:00-04:00', minutes: 10, exclusion: 'counted-tcm' });
const sinus = new CcmScenario('ms-sinus')
  .condition('J32.9', { attested: true })
  .condition('I10', { attested: true })
  .condition('G43.909');

beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-03-25T15:00:00Z') });
  await putAll(t.app, [...billed.resources, ...sinus.resources]);
});
afterAll(async () => t.close());

describe('GET /fhir/Patient/{id}/$ccm-month-summary', () => {
  test('answers a Parameters with month, timezone, seconds per role, lines, gates and evidence', async () => {
    const res = await request(t.app).get('/fhir/Patient/ms-billed/$ccm-month-summary?month=2026-03');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    const body = res.body as { resourceType: string; parameter: Param[] };
    expect(body.resourceType).toBe('Parameters');
    expect(param(body, 'month').valueString).toBe('2026-03');
    expect(param(body, 'timezone').valueString).toBe('America/New_York');
    const seconds = param(body, 'seconds');
    expect(param(seconds, 'programme').valueCode).toBe('ccm');
    expect(param(seconds, 'clinical-staff').valueInteger).toBe(1500);
    expect(param(seconds, 'billing-practitioner').valueInteger).toBe(900);
    expect(param(seconds, 'excluded').valueInteger).toBe(600);
    expect(lineCodes(body)).toEqual(['99490×1', '99439×1']);
    const code = param(params(body, 'line')[0], 'code').valueCoding;
    expect(code).toEqual({ system: 'http://www.ama-assn.org/go/cpt', code: '99490' });
    expect(gates(body)).toEqual({
      'patient-alive': true,
      consent: true,
      'chronic-conditions': true,
      'care-plan': true,
      'initiating-visit': true,
      'no-conflict': true,
    });
    const evidence = param(body, 'evidence');
    expect(params(evidence, 'time-entry')).toHaveLength(2);
    expect(params(evidence, 'consent')[0].valueReference?.reference).toMatch(/^Consent\//);
    expect(params(evidence, 'care-plan')[0].valueReference?.reference).toMatch(/^CarePlan\//);
    expect(params(evidence, 'condition')).toHaveLength(2);
    expect(param(body, 'billing-practitioner').valueReference?.reference).toBe(DR_A);
    expect(params(body, 'excluded-time')).toHaveLength(1);
  });

  test('each failing gate carries a reason', async () => {
    const res = await request(t.app).get('/fhir/Patient/ms-sinus/$ccm-month-summary?month=2026-03');
    expect(res.status).toBe(200);
    expect(lineCodes(res.body)).toEqual([]);
    const failing = params(res.body, 'gate').filter((g) => param(g, 'passed').valueBoolean === false);
    expect(failing.map((g) => param(g, 'name').valueCode)).toEqual([
      'consent',
      'chronic-conditions',
      'care-plan',
      'initiating-visit',
    ]);
    for (const g of failing) expect(params(g, 'reason').length).toBeGreaterThan(0);
  });

  test('month is required as YYYY-MM; a month before every rules entry is refused', async () => {
    for (const q of ['', '?month=2026-3', '?month=2026-13', '?month=march']) {
      const res = await request(t.app).get(`/fhir/Patient/ms-billed/$ccm-month-summary${q}`);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    const old = await request(t.app).get('/fhir/Patient/ms-billed/$ccm-month-summary?month=2019-01');
    expect(old.status).toBe(400);
    expect(old.body.issue[0].code).toBe('not-supported');
  });

  test('an unknown patient is 404; the operation is not defined on other types', async () => {
    expect((await request(t.app).get('/fhir/Patient/nobody/$ccm-month-summary?month=2026-03')).status).toBe(
      404,
    );
    expect((await request(t.app).get('/fhir/Observation/x/$ccm-month-summary?month=2026-03')).status).toBe(
      404,
    );
    expect(
      (await request(t.app).post('/fhir/Patient/ms-billed/$ccm-month-summary?month=2026-03').send({})).status,
    ).toBe(405);
  });
});

describe('GET /fhir/Patient/{id}/$ccm-eligibility', () => {
  test('an enrolled patient with diabetes and hypertension is eligible', async () => {
    const res = await request(t.app).get('/fhir/Patient/ms-billed/$ccm-eligibility');
    expect(res.status).toBe(200);
    expect(param(res.body, 'eligible').valueBoolean).toBe(true);
    const groups = params(res.body, 'condition-group');
    expect(groups.map((g) => param(g, 'group').valueCode).sort()).toEqual(['diabetes', 'hypertension']);
    for (const g of groups) {
      expect(param(g, 'attested').valueBoolean).toBe(true);
      expect(params(g, 'evidence')[0].valueReference?.reference).toMatch(/^Condition\//);
    }
    expect(param(param(res.body, 'consent'), 'status').valueCode).toBe('accepted');
    expect(param(param(res.body, 'care-plan'), 'status').valueCode).toBe('ok');
    expect(params(res.body, 'reason')).toEqual([]);
  });

  test('chronic sinusitis does not count even attested; an unattested migraine is to review; a reason per unmet requirement', async () => {
    const res = await request(t.app).get('/fhir/Patient/ms-sinus/$ccm-eligibility');
    expect(param(res.body, 'eligible').valueBoolean).toBe(false);
    expect(params(res.body, 'condition-group').map((g) => param(g, 'group').valueCode)).toEqual([
      'hypertension',
    ]);
    expect(params(res.body, 'not-chronic').map((n) => param(n, 'name').valueString)).toEqual([
      'Chronic sinusitis, unspecified',
    ]);
    expect(params(res.body, 'condition-to-review')).toHaveLength(1);
    const requirements = params(res.body, 'reason').map((r) => param(r, 'requirement').valueCode);
    expect(new Set(requirements)).toEqual(new Set(['chronic-conditions', 'consent', 'care-plan']));
    expect(param(param(res.body, 'consent'), 'status').valueCode).toBe('none');
  });
});

describe('the practice time zone and the indexes', () => {
  test('PRACTICE_TIMEZONE decides the month: 04:30 UTC on 1 April is April in New York, March in Los Angeles', async () => {
    const s = enrolled('tz-p').time({ start: '2026-04-01T04:30:00Z', minutes: 20 });
    const store = await openStore({ dataDir: null });
    const la = createApp({
      config: { baseUrl: TEST_BASE, bodyLimitBytes: 1 << 24 },
      store,
      practiceTimezone: 'America/Los_Angeles',
    });
    try {
      await putAll(la.app, s.resources);
      await putAll(t.app, s.resources);
      const inLa = await request(la.app).get('/fhir/Patient/tz-p/$ccm-month-summary?month=2026-03');
      expect(param(inLa.body, 'timezone').valueString).toBe('America/Los_Angeles');
      expect(lineCodes(inLa.body)).toEqual(['99490×1']);
      const inNy = await request(t.app).get('/fhir/Patient/tz-p/$ccm-month-summary?month=2026-03');
      expect(lineCodes(inNy.body)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('patient-scoped loads are answered from the patient index, never a collection scan', async () => {
    for (const type of ['Condition', 'Consent', 'CarePlan', 'Encounter']) {
      const where = { kind: 'refs', name: 'patient', code: 'patient', refs: ['Patient/ms-billed'] } as const;
      const plan = await t.services.resources.explain(type, { ...where, refs: [...where.refs] });
      expect([type, plan.scansType, plan.indexes.length > 0]).toEqual([type, false, true]);
    }
  });
});
