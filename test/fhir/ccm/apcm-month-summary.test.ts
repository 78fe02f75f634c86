/**
 * Issue 16, acceptance 4, through HTTP: real resources written through /fhir (an APCM care plan and an APCM
 * consent claiming their CCM profiles, attested Conditions, an initiating visit, one APCM element, a QMB
 * Coverage), then `$ccm-month-summary` returns the APCM level and what is missing in `programme-summary`; a
 * patient whose only consent is a CCM one is told that the APCM consent is missing. The CCM/PCM parameters
 * keep their shape.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CarePlan, Consent, Extension } from 'fhir/r4.js';
import request from 'supertest';
import { MONTH_SUMMARY_DEFINITION } from '../../../server/ccm/fhir/operation-definitions.js';
import { CS, PROFILE } from '../../../server/ccm/vocabulary.js';
import { CcmScenario, DR_A } from '../../helpers/ccm-scenarios.js';
import { gates, param, params, putAll, type Param } from '../../helpers/ccm-load.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { fixture } from '../../unit/profiles/helpers.js';

let t: TestApp;

/** The APCM care-plan example (ccm-careplan, category ccm-program#apcm), for one patient, authored by Dr A. */
function apcmPlan(patientId: string): CarePlan {
  const plan = fixture('ccm-careplan', 'valid-apcm-no-condition') as unknown as CarePlan;
  return {
    ...plan,
    extension: JSON.parse(
      JSON.stringify(plan.extension ?? []).replaceAll('2026-11-05', '2026-01-05'),
    ) as Extension[],
    id: `${patientId}-apcm-plan`,
    subject: { reference: `Patient/${patientId}` },
    author: { reference: DR_A },
    period: { start: '2026-01-05' },
    created: '2026-01-05T10:30:00-05:00',
  };
}

/** The accepted ccm-consent example naming APCM in its category (a CCM consent does not cover APCM). */
function apcmConsent(patientId: string): Consent {
  const c = fixture('ccm-consent', 'valid-verbal-accepted') as unknown as Consent;
  return {
    ...c,
    id: `${patientId}-apcm-consent`,
    meta: { profile: [PROFILE.consent] },
    category: [...(c.category ?? []), { coding: [{ system: CS.program, code: 'apcm' }] }],
    patient: { reference: `Patient/${patientId}` },
    performer: [{ reference: `Patient/${patientId}` }],
    dateTime: '2026-01-05T10:00:00-05:00',
    provision: {
      ...c.provision,
      period: { start: '2026-01-05T10:00:00-05:00' },
      actor: (c.provision?.actor ?? []).map((a) => ({ ...a, reference: { reference: DR_A } })),
    },
  };
}

/** A patient with two attested conditions, a visit in 2025 and one APCM element (care coordination) in March 2026. */
function apcmPatient(id: string): CcmScenario {
  return new CcmScenario(id)
    .condition('E11.9', { attested: true })
    .condition('I10', { attested: true })
    .visit({ at: '2025-06-10T09:00:00-04:00' })
    .time({
      start: '2026-03-10T09:00:00-04:00',
      minutes: 4,
      programme: 'apcm',
      activity: 'care-coordination',
    });
}

const complete = apcmPatient('apcm-ok');
const qmb = apcmPatient('apcm-qmb').qmb({ start: '2026-01-01', id: 'apcm-qmb-coverage' });
const ccmConsentOnly = apcmPatient('apcm-ccm-consent').consent({ at: '2026-01-05T10:00:00-05:00' });

beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-03-25T15:00:00Z') });
  await putAll(t.app, [
    ...complete.resources,
    apcmPlan('apcm-ok'),
    apcmConsent('apcm-ok'),
    ...qmb.resources,
    apcmPlan('apcm-qmb'),
    apcmConsent('apcm-qmb'),
    ...ccmConsentOnly.resources,
    apcmPlan('apcm-ccm-consent'),
  ]);
});
afterAll(async () => t.close());

/** The month summary of a patient for March 2026. */
async function march(id: string): Promise<{ parameter: Param[] }> {
  const res = await request(t.app).get(`/fhir/Patient/${id}/$ccm-month-summary?month=2026-03`);
  expect(res.status).toBe(200);
  return res.body as { parameter: Param[] };
}

/** The APCM programme summary of a month summary. */
function apcmOf(body: { parameter: Param[] }): Param {
  const found = params(body, 'programme-summary');
  expect(found).toHaveLength(1);
  expect(param(found[0], 'programme').valueCode).toBe('apcm');
  return found[0];
}

const missing = (p: Param) =>
  params(p, 'missing').map((m) => `${param(m, 'gate').valueCode}: ${param(m, 'reason').valueString}`);

describe('$ccm-month-summary on an APCM month', () => {
  test('consent naming APCM, plan, visit and an element: level G0557, billable, nothing missing', async () => {
    const body = await march('apcm-ok');
    const apcm = apcmOf(body);
    expect(param(apcm, 'level').valueCoding?.code).toBe('G0557');
    expect(param(apcm, 'billable').valueBoolean).toBe(true);
    expect(param(apcm, 'consent-status').valueCode).toBe('accepted');
    expect(param(apcm, 'billing-practitioner').valueReference?.reference).toBe(DR_A);
    expect(param(apcm, 'chronic-conditions').valueInteger).toBe(2);
    expect(params(apcm, 'line').map((l) => param(l, 'code').valueCoding?.code)).toEqual(['G0557']);
    expect(missing(apcm)).toEqual([]);
    expect(params(apcm, 'element').map((e) => param(e, 'element').valueCode)).toEqual(['coordination']);
    const evidence = param(apcm, 'evidence');
    expect(param(evidence, 'care-plan').valueReference?.reference).toBe('CarePlan/apcm-ok-apcm-plan');
    expect(param(evidence, 'consent').valueReference?.reference).toBe('Consent/apcm-ok-apcm-consent');
    expect(param(evidence, 'initiating-visit').valueReference?.reference).toMatch(/^Encounter\//);
    // the CCM parameters keep their shape: no CCM time, no CCM consent, nothing billed for CCM
    expect(param(body, 'programme').valueCode).toBe('ccm');
    expect(param(body, 'billable').valueBoolean).toBe(false);
    expect(params(body, 'line')).toEqual([]);
  });

  test('a Qualified Medicare Beneficiary with two conditions: G0558, the Coverage as evidence', async () => {
    const apcm = apcmOf(await march('apcm-qmb'));
    expect(param(apcm, 'level').valueCoding?.code).toBe('G0558');
    expect(param(apcm, 'qmb').valueBoolean).toBe(true);
    expect(param(param(apcm, 'evidence'), 'coverage').valueReference?.reference).toBe(
      'Coverage/apcm-qmb-coverage',
    );
  });

  test('only a CCM consent: the APCM consent is missing, nothing bills, the level is still reported', async () => {
    const body = await march('apcm-ccm-consent');
    const apcm = apcmOf(body);
    expect(param(apcm, 'level').valueCoding?.code).toBe('G0557');
    expect(param(apcm, 'billable').valueBoolean).toBe(false);
    expect(param(apcm, 'consent-status').valueCode).toBe('none');
    expect(params(apcm, 'line')).toEqual([]);
    const gone = missing(apcm);
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatch(/^consent: No APCM consent .*a CCM consent does not cover APCM/);
    expect(gates({ parameter: params(apcm, 'gate') })).toMatchObject({ consent: false, 'care-plan': true, 'initiating-visit': true });
  });

  test('a month before the APCM plan has no programme summary', async () => {
    const res = await request(t.app).get('/fhir/Patient/apcm-ok/$ccm-month-summary?month=2025-12');
    expect(res.status).toBe(200);
    expect(params(res.body as { parameter: Param[] }, 'programme-summary')).toEqual([]);
  });

  test('the OperationDefinition documents programme-summary and its parts', () => {
    const p = MONTH_SUMMARY_DEFINITION.parameter?.find((x) => x.name === 'programme-summary');
    expect(p?.use).toBe('out');
    expect(p?.part?.map((x) => x.name)).toEqual(
      expect.arrayContaining(['level', 'missing', 'element', 'add-on-refused', 'evidence']),
    );
  });
});
