/**
 * Defect 9 of issue #16 on the app side: the care plan form offers PCM, and a PCM plan of one condition is saved
 * (marked ccm-program#pcm, accepted by the server's ccm-careplan validation, ccm-cp-2) where a CCM plan of one
 * condition is refused with a sentence; revising a plan keeps its APCM marker.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CarePlan } from 'fhir/r4.js';
import { CS } from '../../server/ccm/vocabulary.js';
import { draftFromPlan } from '../../smart-app/care-plan/draft.js';
import { draftFromForm, checkDraft, conditionsNeeded } from '../../smart-app/care-plan/form.js';
import { CcmScenario, NURSE } from '../helpers/ccm-scenarios.js';
import {
  fetchFhirApi,
  formFields,
  putAll,
  startFhirServer,
  startScreen,
  type FhirServer,
  type ScreenApp,
} from './care-plan-harness.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const P = 'cpp-1';
let fhir: FhirServer;
let screen: ScreenApp;

const scenario = new CcmScenario(P, { family: 'Lopez', given: 'Rosa' })
  .condition('I50.22', { id: `${P}-hf` })
  .consent({ at: '2026-11-02T10:00:00-05:00' });
const people = [
  { resourceType: 'Practitioner' as const, id: 'dr-a', name: [{ family: 'Okafor', given: ['Grace'] }] },
  { resourceType: 'Practitioner' as const, id: 'nurse-n', name: [{ family: 'Berg', given: ['Nils'] }] },
];

const page = (p = '') => `${screen.url}/care-plan${p}`;
const post = (form: URLSearchParams) => fetch(page(), { method: 'POST', body: form, redirect: 'manual' });
const programmesOf = (p: CarePlan) =>
  (p.category ?? []).flatMap((c) =>
    (c.coding ?? []).filter((k) => k.system === CS.program).map((k) => k.code),
  );

beforeAll(async () => {
  fhir = await startFhirServer(() => NOW);
  await putAll(fhir.base, [...scenario.resources, ...people]);
  screen = await startScreen({
    fhirBase: fhir.base,
    launch: { patientId: P, fhirUser: NURSE, userName: 'Nils Berg, RN', needPatientBanner: true },
    now: () => NOW,
  });
});
afterAll(async () => {
  await screen.close();
  await fhir.close();
});

describe('the form: how many conditions by programme', () => {
  test('CCM needs two, PCM/BHI/CoCM one, APCM none', () => {
    expect([undefined, [], ['pcm'], ['bhi'], ['cocm'], ['apcm']].map((p) => conditionsNeeded(p))).toEqual([
      2, 2, 1, 1, 1, 0,
    ]);
  });

  test('programme=pcm is read; a kept marker is read only for apcm, bhi or cocm', () => {
    const d = draftFromForm({
      programme: 'pcm',
      'programme-keep': ['apcm', 'nonsense'],
      addresses: 'c1',
    });
    expect(d.programmes).toEqual(['pcm', 'apcm']);
    const rules = { conditions: new Set(['c1']), owners: new Set<string>(), today: '2026-11-20' };
    expect(checkDraft(d, rules).filter((x) => x.startsWith('Problem list'))).toEqual([]);
    const ccm = draftFromForm({ programme: 'ccm', addresses: 'c1' });
    expect(checkDraft(ccm, rules).filter((x) => x.startsWith('Problem list'))).toEqual([
      'Problem list: choose at least two chronic conditions (or choose PCM for a plan of one condition).',
    ]);
  });
});

test('revising a stored plan keeps its programme markers (an APCM plan stays an APCM plan)', () => {
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    status: 'active',
    intent: 'plan',
    subject: { reference: `Patient/${P}` },
    category: [{ coding: [{ system: CS.program, code: 'apcm' }] }],
  };
  expect(draftFromPlan(plan, [], []).programmes).toEqual(['apcm']);
});

describe('the screen', () => {
  test('a CCM plan of the one condition is refused with the sentence; nothing is written', async () => {
    const form = formFields(await (await fetch(page())).text(), '/app/p/k1/care-plan');
    expect(form.get('programme')).toBe('ccm');
    const res = await post(form);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('or choose PCM for a plan of one condition');
    expect(await fetchFhirApi(fhir.base).search<CarePlan>('CarePlan', { patient: P })).toHaveLength(0);
  });

  test('PCM: the plan of one condition is saved, marked pcm and accepted by the server', async () => {
    const form = formFields(await (await fetch(page())).text(), '/app/p/k1/care-plan');
    form.set('programme', 'pcm');
    const res = await post(form);
    expect(res.status).toBe(303);
    const [plan] = await fetchFhirApi(fhir.base).search<CarePlan>('CarePlan', { patient: P });
    expect(programmesOf(plan)).toEqual(['pcm']);
    expect(plan.addresses?.map((a) => a.reference)).toEqual([`Condition/${P}-hf`]);
    const edit = await (await fetch(page('/edit'))).text();
    expect(edit).toMatch(/id="programme-pcm" name="programme" value="pcm" checked/);
  });
});
