/**
 * BHI and CoCM through HTTP with real, validated resources (PUT): a ccm-careplan marked `ccm-program#bhi` or
 * `#cocm` addressing one behavioural-health condition is accepted (ccm-cp-2), one addressing none is refused;
 * `$ccm-month-summary` reports each programme in a `programme-summary` with its lines, what is missing and
 * the evidence; time of an Encounter billed as RPM 99470 (CY2026) never counts.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CarePlan, Extension } from 'fhir/r4.js';
import request from 'supertest';
import { MONTH_SUMMARY_DEFINITION } from '../../../server/ccm/fhir/operation-definitions.js';
import { CS } from '../../../server/ccm/vocabulary.js';
import { CcmScenario, DR_A } from '../../helpers/ccm-scenarios.js';
import { param, params, putAll, type Param } from '../../helpers/ccm-load.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { fixture } from '../../unit/profiles/helpers.js';

const CM = 'Practitioner/bh-cm';
const PSY = 'Practitioner/psy-c';
let t: TestApp;

/** The single-condition example plan of the profile, marked for `programme` and addressing `conditions`. */
function markedPlan(patientId: string, programme: 'bhi' | 'cocm', conditions: string[]): CarePlan {
  // the example's own `addresses` are dropped: the plan addresses `conditions` only
  const { addresses: _examples, ...plan } = fixture(
    'ccm-careplan',
    'valid-pcm-one-condition',
  ) as unknown as CarePlan;
  return {
    ...plan,
    extension: JSON.parse(
      JSON.stringify(plan.extension ?? []).replaceAll('2026-11-05', '2026-01-05'),
    ) as Extension[],
    id: `${patientId}-${programme}-plan`,
    category: (plan.category ?? []).map((c) =>
      c.coding?.some((k) => k.system === CS.program)
        ? { coding: [{ system: CS.program, code: programme }] }
        : c,
    ),
    subject: { reference: `Patient/${patientId}` },
    author: { reference: DR_A },
    period: { start: '2026-01-05' },
    created: '2026-01-05T11:00:00-05:00',
    ...(conditions.length > 0 ? { addresses: conditions.map((reference) => ({ reference })) } : {}),
  };
}

/** A patient with depression, a consent naming `programme`, a visit, and time of that programme in March. */
function patient(id: string, programme: 'bhi' | 'cocm'): CcmScenario {
  const s = new CcmScenario(id)
    .condition('F33.1', { id: `${id}-dep` })
    .consent({ at: '2026-01-05T10:00:00-05:00', method: 'written', programmes: [programme] })
    .visit({ at: '2025-12-10T09:00:00-05:00' });
  if (programme === 'cocm') {
    s.bhTeam({ who: CM, role: 'bh-care-manager', start: '2026-01-05' });
    s.bhTeam({ who: PSY, role: 'psychiatric-consultant', start: '2026-01-05' });
    s.time({ start: '2026-03-10T09:00:00-04:00', minutes: 40, programme, who: CM, role: 'bh-care-manager' });
  } else {
    s.time({ start: '2026-03-10T09:00:00-04:00', minutes: 25, programme });
    // the same nurse's RPM treatment management (99470, CY2026) inside it: those minutes count toward RPM
    s.service({ start: '2026-03-10T09:15:00-04:00', minutes: 10, code: '99470' });
  }
  return s;
}

beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-03-25T15:00:00Z') });
  await putAll(t.app, patient('bh-1', 'bhi').resources);
  await putAll(t.app, patient('bh-2', 'cocm').resources);
});
afterAll(async () => t.close());

/** The programme-summary of a programme in a month summary. */
async function summary(id: string, programme: string): Promise<Param> {
  const res = await request(t.app).get(`/fhir/Patient/${id}/$ccm-month-summary?month=2026-03`);
  expect(res.status).toBe(200);
  const found = params(res.body as { parameter: Param[] }, 'programme-summary').find(
    (p) => param(p, 'programme').valueCode === programme,
  );
  if (!found) throw new Error(`no ${programme} programme-summary`);
  return found;
}

const lineCodes = (p: Param) =>
  params(p, 'line').map((l) => `${param(l, 'code').valueCoding?.code}×${param(l, 'units').valueInteger}`);
const missing = (p: Param) => params(p, 'missing').map((m) => param(m, 'gate').valueCode);

describe('BHI and CoCM months through HTTP', () => {
  test('before its plan, BHI time is reported with what is missing (the marker plan and its condition)', async () => {
    const bhi = await summary('bh-1', 'bhi');
    expect(lineCodes(bhi)).toEqual([]);
    expect(missing(bhi)).toEqual(['behavioural-condition']);
  });

  test('a BHI plan addressing one condition is accepted; RPM 99470 minutes do not count: 15 min, no 99484', async () => {
    await putAll(t.app, [markedPlan('bh-1', 'bhi', ['Condition/bh-1-dep'])]);
    const bhi = await summary('bh-1', 'bhi');
    expect(param(bhi, 'counted-minutes').valueInteger).toBe(15);
    expect(lineCodes(bhi)).toEqual([]);
    expect(missing(bhi)).toEqual([]);
  });

  test('a BHI plan addressing no condition is refused with ccm-cp-2', async () => {
    const res = await request(t.app)
      .put('/fhir/CarePlan/bh-1-empty')
      .set('content-type', 'application/fhir+json')
      .send({ ...markedPlan('bh-1', 'bhi', []), id: 'bh-1-empty' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('ccm-cp-2');
  });

  test('CoCM: the care manager’s 40 minutes in the first month of an episode bill 99492, with the evidence', async () => {
    await putAll(t.app, [markedPlan('bh-2', 'cocm', ['Condition/bh-2-dep'])]);
    const cocm = await summary('bh-2', 'cocm');
    expect(lineCodes(cocm)).toEqual(['99492×1']);
    expect(param(cocm, 'episode').valueCode).toBe('first');
    expect(param(cocm, 'billable').valueBoolean).toBe(true);
    const evidence = params(param(cocm, 'evidence'), 'care-team').map((e) => e.valueReference?.reference);
    expect(evidence).toHaveLength(2);
    const plans = params(param(cocm, 'evidence'), 'care-plan').map((e) => e.valueReference?.reference);
    expect(plans).toEqual(['CarePlan/bh-2-cocm-plan']);
  });

  test('the OperationDefinition documents one programme-summary per programme, with the BHI/CoCM parts', () => {
    const p = MONTH_SUMMARY_DEFINITION.parameter?.find((x) => x.name === 'programme-summary');
    expect(p?.max).toBe('*');
    expect(p?.part?.map((x) => x.name)).toEqual(
      expect.arrayContaining(['family', 'episode', 'counted-minutes', 'billed-with-apcm', 'note', 'missing']),
    );
  });
});
