/**
 * Defect 9 of issue #16 through HTTP: a PCM patient (one attested qualifying condition, consent, a PCM care
 * plan claiming ccm-careplan that addresses that single condition, 30 minutes of clinical-staff PCM time)
 * gets 99426 from `$ccm-month-summary` (ccm-rules.md, gate 3: a PCM or APCM level-1 plan may address a single
 * condition). A plan marked CCM still needs two conditions: the write is refused with ccm-cp-2.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CarePlan, Extension } from 'fhir/r4.js';
import request from 'supertest';
import { CS } from '../../../server/ccm/vocabulary.js';
import { CcmScenario, DR_A } from '../../helpers/ccm-scenarios.js';
import { gates, lineCodes, param, putAll, type Param } from '../../helpers/ccm-load.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { fixture } from '../../unit/profiles/helpers.js';

let t: TestApp;

/** The ccm-careplan example of a programme, rewritten for one patient and its single condition. */
function singleConditionPlan(patientId: string, programme: 'pcm' | 'ccm'): CarePlan {
  const name = programme === 'pcm' ? 'valid-pcm-one-condition' : 'invalid-ccm-one-condition';
  const plan = fixture('ccm-careplan', name) as unknown as CarePlan;
  const marked = plan.category?.some((c) =>
    c.coding?.some((k) => k.system === CS.program && k.code === programme),
  );
  if (!marked) throw new Error(`${name} does not mark programme ${programme}`);
  return {
    ...plan,
    // The example's copy and revision dates (November 2026) moved to the day the plan was established.
    extension: JSON.parse(
      JSON.stringify(plan.extension ?? []).replaceAll('2026-11-05', '2026-01-05'),
    ) as Extension[],
    id: `${patientId}-plan`,
    subject: { reference: `Patient/${patientId}` },
    author: { reference: DR_A },
    period: { start: '2026-01-05' },
    created: '2026-01-05T11:00:00-05:00',
    addresses: [{ reference: `Condition/${patientId}-cond` }],
  };
}

/** A patient with one attested condition, consent and an initiating visit, 30 minutes of PCM staff time in March. */
function pcmPatient(id: string): CcmScenario {
  return new CcmScenario(id)
    .condition('E11.65', { attested: true, id: `${id}-cond` })
    .consent({ at: '2026-01-05T10:00:00-05:00', method: 'written' })
    .visit({ at: '2025-12-10T09:00:00-05:00' })
    .time({ start: '2026-03-10T09:00:00-04:00', minutes: 30, programme: 'pcm' });
}

const pcm = pcmPatient('pcm-single');

beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-03-25T15:00:00Z') });
  await putAll(t.app, pcm.resources);
});
afterAll(async () => t.close());

describe('PCM with a single-condition care plan (defect 9)', () => {
  test('the PCM care plan addressing one condition is accepted and the month bills 99426', async () => {
    await putAll(t.app, [singleConditionPlan('pcm-single', 'pcm')]);
    const res = await request(t.app).get('/fhir/Patient/pcm-single/$ccm-month-summary?month=2026-03');
    expect(res.status).toBe(200);
    const body = res.body as { parameter: Param[] };
    expect(gates(body)['care-plan']).toBe(true);
    expect(lineCodes(body)).toEqual(['99426×1']);
    expect(param(body, 'billable').valueBoolean).toBe(true);
  });

  test('a care plan marked CCM addressing one condition is refused with ccm-cp-2', async () => {
    const res = await request(t.app)
      .put('/fhir/CarePlan/ccm-single-plan')
      .set('content-type', 'application/fhir+json')
      .send({ ...singleConditionPlan('pcm-single', 'ccm'), id: 'ccm-single-plan' });
    expect(res.status).toBe(400);
    const text = JSON.stringify(res.body);
    expect(text).toContain('ccm-cp-2');
  });
});
