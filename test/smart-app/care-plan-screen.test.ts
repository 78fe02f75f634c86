/**
 * The care plan screen's routes through a small express harness: ScreenDeps whose fhir() calls a real
 * listening FHIR server over HTTP, render() using handlebars on smart-app/views/care-plan. Builder from
 * templates, create, bad input kept with clear messages, revise, a stale If-Match refused with the input
 * kept, printable copy, hand-over seen by the CCM engine.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { CarePlan, MedicationRequest, Parameters, Provenance } from 'fhir/r4.js';
import { EXTENSION } from '../../server/ccm/vocabulary.js';
import { CcmScenario, DR_A, NURSE } from '../helpers/ccm-scenarios.js';
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
const P = 'cps-1';
let fhir: FhirServer;
let screen: ScreenApp;
/** The screen's clock: fixed, moved forward by the tests that need a later instant. */
let clock = NOW;

const scenario = new CcmScenario(P, { family: 'Rivera', given: 'Ana' })
  .condition('E11.9', { id: `${P}-dm` })
  .condition('I10', { id: `${P}-htn` })
  .condition('N18.30', { id: `${P}-ckd` })
  .condition('J01.90', { id: `${P}-sinusitis` })
  .consent({ at: '2026-11-02T10:00:00-05:00' });
const metformin: MedicationRequest = {
  resourceType: 'MedicationRequest',
  id: `${P}-metformin`,
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: { text: 'Metformin 500 mg tablet' },
  subject: { reference: `Patient/${P}` },
  dosageInstruction: [{ text: 'one tablet twice a day' }],
};
const people = [
  {
    resourceType: 'Practitioner' as const,
    id: 'dr-a',
    name: [{ family: 'Okafor', given: ['Grace'], prefix: ['Dr.'] }],
  },
  { resourceType: 'Practitioner' as const, id: 'nurse-n', name: [{ family: 'Berg', given: ['Nils'] }] },
];

const page = (p = '') => `${screen.url}/care-plan${p}`;
const get = async (p = '') => {
  const res = await fetch(page(p));
  return { status: res.status, html: await res.text() };
};
const post = (p: string, form: URLSearchParams) =>
  fetch(page(p), { method: 'POST', body: form, redirect: 'manual' });
const plans = () => fetchFhirApi(fhir.base).search<CarePlan>('CarePlan', { patient: P });

beforeAll(async () => {
  fhir = await startFhirServer(() => NOW);
  await putAll(fhir.base, [...scenario.resources, ...people, metformin]);
  screen = await startScreen({
    fhirBase: fhir.base,
    launch: { patientId: P, fhirUser: NURSE, userName: 'Nils Berg, RN', needPatientBanner: true },
    now: () => clock,
  });
});
afterAll(async () => {
  await screen.close();
  await fhir.close();
});

describe('care plan screen', () => {
  test('without a plan, GET /care-plan shows the builder pre-filled from the chronic conditions', async () => {
    const { status, html } = await get();
    expect(status).toBe(200);
    expect(html).toContain('New comprehensive care plan');
    for (const g of ['diabetes', 'hypertension', 'chronic-kidney-disease'])
      expect(html).toMatch(new RegExp(`value="${g}" checked`));
    expect(html).toMatch(/id="addresses-cps-1-dm" name="addresses" value="cps-1-dm" checked/);
    expect(html).not.toMatch(/value="cps-1-sinusitis" checked/);
    expect(html).toContain('HbA1c below 7 %');
    expect(html).toContain('Metformin 500 mg tablet: one tablet twice a day');
    expect(html).toContain('name="_csrf" value="test-csrf"');
    expect(html).not.toMatch(/<script|style="/);
    const ids = [...html.matchAll(/<(?:input|select|textarea)\b[^>]*\sid="([^"]+)"/g)].map((m) => m[1]);
    for (const id of ids) expect(html).toContain(`<label for="${id}">`);
  });

  test('?template= applies the chosen templates only', async () => {
    const { html } = await get('/edit?template=copd&template=nonsense');
    expect(html).toMatch(/value="copd" checked/);
    expect(html).not.toContain('HbA1c below 7 %');
    expect(html).toContain('Resting oxygen saturation at or above 88 %');
  });

  test('bad input is refused with clear messages and kept; nothing is written', async () => {
    const form = formFields((await get()).html, '/app/p/k1/care-plan');
    form.set('goal-0-description', '');
    form.set('goal-0-due', '2026-02-30');
    form.set('next-review', 'soon');
    form.append('prognosis', 'a second prognosis value');
    form.set('intervention-0-owner', 'Practitioner/somebody-else');
    form.set('symptom-0-text', 'Call if dizzy <b>now</b>');
    const res = await post('', form);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Goal 1: describe the goal (it cannot be empty).');
    expect(html).toContain('Goal 1: enter a due date as YYYY-MM-DD.');
    expect(html).toContain('Next review: enter a date as YYYY-MM-DD.');
    expect(html).toContain('Intervention 1: choose who is responsible.');
    expect(html).toContain('value="2026-02-30"');
    expect(html).toContain('Call if dizzy &lt;b&gt;now&lt;/b&gt;');
    expect(await plans()).toHaveLength(0);
  });

  test('a problem list of one condition and no goals is refused, never a 500', async () => {
    const form = new URLSearchParams([
      ['addresses', `${P}-dm`],
      ['addresses', `${P}-dm`],
      ['next-review', '2027-02-01'],
    ]);
    const res = await post('', form);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(
      'Problem list: choose at least two chronic conditions (or choose PCM for a plan of one condition).',
    );
    expect(html).toContain('Goals: add at least one measurable goal.');
  });

  test('saving creates the plan; GET /care-plan then shows it, without a copy yet', async () => {
    const form = formFields((await get()).html, '/app/p/k1/care-plan');
    form.set('prognosis', 'Stable with good control expected.');
    const res = await post('', form);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app/p/k1/care-plan');
    const [plan] = await plans();
    expect(plan.meta?.versionId).toBe('1');
    expect(plan.author?.reference).toBe(DR_A);
    expect(plan.addresses?.map((a) => a.reference).sort()).toEqual([
      `Condition/${P}-ckd`,
      `Condition/${P}-dm`,
      `Condition/${P}-htn`,
    ]);
    expect(plan.activity?.some((a) => a.reference?.reference === `MedicationRequest/${P}-metformin`)).toBe(
      true,
    );
    const { html } = await get();
    expect(html).toContain('Care plan saved.');
    expect(html).toContain('Stable with good control expected.');
    expect(html).toContain('No copy of this plan has been given to the patient yet.');
    expect(html).toContain('Dr. Grace Okafor: Billing practitioner');
  });

  test('revise: the form is pre-filled from the plan and saving makes version 2 with a Provenance', async () => {
    const edit = await get('/edit');
    expect(edit.html).toContain('Revise the care plan');
    const form = formFields(edit.html, '/app/p/k1/care-plan');
    expect(form.get('version')).toBe('1');
    expect(form.get('goal-0-description')).toBe('HbA1c below 7 %');
    form.set('goal-0-description', 'HbA1c below 7.5 %');
    form.set('goal-0-target-0-value', '7.5');
    const res = await post('', form);
    expect(res.status).toBe(303);
    const [plan] = await plans();
    expect(plan.meta?.versionId).toBe('2');
    expect(plan.extension?.filter((e) => e.url === EXTENSION.substantialRevision)).toHaveLength(2);
    const prov = await fetchFhirApi(fhir.base).search<Provenance>('Provenance', {});
    expect(prov.some((p) => p.target[0].reference === `CarePlan/${plan.id}/_history/2`)).toBe(true);
    const shown = (await get()).html;
    expect(shown).toContain('HbA1c below 7.5 % (due 2027-02-18): HbA1c: less than 7.5 %');
    expect(shown).not.toContain('HbA1c below 7 %');
  });

  test('a stale If-Match is refused: the issues are shown and the input kept', async () => {
    const form = formFields((await get('/edit')).html, '/app/p/k1/care-plan');
    const [plan] = await plans();
    await fetchFhirApi(fhir.base).update({ ...plan, title: 'Changed elsewhere' }, plan.meta?.versionId);
    form.set('prognosis', 'My careful edit that must not be lost');
    const res = await post('', form);
    expect(res.status).toBe(412);
    const html = await res.text();
    expect(html).toContain('Someone else changed this care plan since you opened it.');
    expect(html).toContain('My careful edit that must not be lost');
    expect(html).toMatch(
      /What the FHIR server said:[\s\S]*If-Match|What the FHIR server said:[\s\S]*version/i,
    );
    expect((await plans())[0].meta?.versionId).toBe('3');
  });

  test('the printable copy is in plain language with print styles', async () => {
    const { status, html } = await get('/print');
    expect(status).toBe(200);
    expect(html).toContain('Your care plan');
    expect(html).toContain('Your goals');
    expect(html).toContain('Ana');
    expect(html).toContain('/app/p/k1/care-plan/care-plan.css');
    const css = await fetch(page('/care-plan.css'));
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect(await css.text()).toContain('@media print');
  });

  test('hand-over: bad input refused; recorded hand-over shown and seen by the CCM engine', async () => {
    const show = (await get()).html;
    const bad = formFields(show, '/app/p/k1/care-plan/handover');
    bad.set('method', 'fax');
    bad.set('date', '2026-12-24');
    const refused = await post('/handover', bad);
    expect(refused.status).toBe(422);
    const text = await refused.text();
    expect(text).toContain('Choose how the copy was given.');
    expect(text).toContain('The hand-over date cannot be in the future.');

    const form = formFields(show, '/app/p/k1/care-plan/handover');
    form.set('method', 'portal');
    expect(form.get('date')).toBe('2026-11-20');
    const res = await post('/handover', form);
    expect(res.status).toBe(303);
    expect((await get()).html).toContain('Copy given to the patient on 2026-11-20 (Patient portal).');
    const elig = await fetchFhirApi(fhir.base).operation<Parameters>(`Patient/${P}/$ccm-eligibility`);
    const part = elig?.parameter?.find((p) => p.name === 'care-plan')?.part;
    expect(part?.find((p) => p.name === 'status')?.valueCode).toBe('ok');
  });

  test('a revision after the hand-over asks for an updated copy', async () => {
    clock = new Date('2026-11-20T16:00:00Z');
    const form = formFields((await get('/edit')).html, '/app/p/k1/care-plan');
    form.set('next-review', '2027-03-01');
    expect((await post('', form)).status).toBe(303);
    const { html } = await get();
    expect(html).toContain('The plan was substantially revised after that copy');
  });

  test('a hand-over from a stale page is refused with the input kept', async () => {
    const form = formFields((await get()).html, '/app/p/k1/care-plan/handover');
    const [plan] = await plans();
    await fetchFhirApi(fhir.base).update({ ...plan, title: 'Changed again' }, plan.meta?.versionId);
    form.set('method', 'mail');
    const res = await post('/handover', form);
    expect(res.status).toBe(412);
    const html = await res.text();
    expect(html).toContain('Someone else changed this care plan since you opened it.');
    expect(html).toMatch(/<option value="mail" selected>/);
  });

  test('without a consent naming a billing practitioner and no practitioner signed in: a clear page', async () => {
    const other = new CcmScenario('cps-2').condition('E11.9').condition('I10');
    await putAll(fhir.base, other.resources);
    const app = await startScreen({
      fhirBase: fhir.base,
      launch: { patientId: 'cps-2', needPatientBanner: true },
      now: () => NOW,
    });
    try {
      const res = await fetch(`${app.url}/care-plan`);
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('No billing practitioner is known');
    } finally {
      await app.close();
    }
  });
});
