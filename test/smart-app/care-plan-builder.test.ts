/**
 * The care plan builder against the real server: every template's plan validates against the CCM profiles
 * (the transaction is accepted, and the server's validator finds no error in any resource); a revision makes
 * version 2 with a Provenance targeting it and a substantial-revision mark; a recorded hand-over makes the
 * CCM engine ($ccm-eligibility, $ccm-month-summary care-plan gate) see the plan and the copy.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, CarePlan, Goal, Parameters, Provenance, Task } from 'fhir/r4.js';
import { ConditionClassifier } from '../../server/ccm/classification/classify.js';
import { EXTENSION } from '../../server/ccm/vocabulary.js';
import {
  buildCreateBundle,
  buildReviseBundle,
  withPatientCopy,
  type PlanContext,
} from '../../smart-app/care-plan/builder.js';
import { draftFromPlan, draftFromTemplates } from '../../smart-app/care-plan/draft.js';
import { currentPlan } from '../../smart-app/care-plan/load.js';
import { TEMPLATES } from '../../smart-app/care-plan/templates.js';
import type { Responsible } from '../../smart-app/care-plan/template-types.js';
import { CcmScenario, DR_A, NURSE } from '../helpers/ccm-scenarios.js';
import { fetchFhirApi, putAll, startFhirServer, type FhirServer } from './care-plan-harness.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const TODAY = '2026-11-20';
/** One ICD-10-CM code per template group. */
const CODES: Record<string, string> = {
  diabetes: 'E11.9',
  hypertension: 'I10',
  'heart-failure': 'I50.9',
  copd: 'J44.9',
  'chronic-kidney-disease': 'N18.30',
  depression: 'F32.9',
  'ischemic-heart-disease': 'I25.10',
  'atrial-fibrillation': 'I48.91',
};

let fhir: FhirServer;
const patient = new CcmScenario('cpb-1');
for (const [group, code] of Object.entries(CODES)) patient.condition(code, { id: `cpb-1-${group}` });
const practitioners = [DR_A, NURSE].map((ref) => ({
  resourceType: 'Practitioner' as const,
  id: ref.split('/')[1],
  name: [{ family: ref.split('/')[1], given: ['Test'] }],
}));

const OWNERS: Record<Responsible, string> = {
  'billing-practitioner': DR_A,
  'care-manager': NURSE,
  patient: 'Patient/cpb-1',
  'care-team': 'CareTeam',
};

/** The builder context of the test patient. */
function context(over: Partial<PlanContext> = {}): PlanContext {
  return {
    patientId: 'cpb-1',
    now: NOW,
    today: TODAY,
    author: DR_A,
    user: NURSE,
    team: [
      { reference: DR_A, display: 'Dr A', role: 'billing-practitioner' },
      { reference: NURSE, display: 'Nurse N', role: 'care-manager' },
      { reference: 'Patient/cpb-1', display: 'Test Patient', role: 'patient' },
    ],
    names: (k) => k,
    medications: [],
    ...over,
  };
}

/** POSTs a transaction; returns the response Bundle (fails the test with the outcome otherwise). */
async function transact(bundle: Bundle): Promise<Bundle> {
  const res = await fetch(fhir.base, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  const body = (await res.json()) as Bundle;
  expect({ status: res.status, body: res.status === 200 ? 'ok' : body }).toEqual({ status: 200, body: 'ok' });
  return body;
}

beforeAll(async () => {
  fhir = await startFhirServer(() => NOW);
  await putAll(fhir.base, [...patient.resources, ...practitioners]);
});
afterAll(async () => fhir.close());

describe('templates', () => {
  test('cover the required conditions, keyed by the CCM classification groups', () => {
    const classifier = new ConditionClassifier();
    for (const [group, code] of Object.entries(CODES)) {
      expect(TEMPLATES.has(group)).toBe(true);
      expect(classifier.classify('http://hl7.org/fhir/sid/icd-10-cm', code)?.groupId).toBe(group);
    }
  });

  test.each([...TEMPLATES.keys()])(
    '%s: every built resource validates against its profiles',
    async (group) => {
      const other = group === 'hypertension' ? 'diabetes' : 'hypertension';
      const draft = draftFromTemplates(
        [TEMPLATES.get(group)!],
        [`cpb-1-${group}`, `cpb-1-${other}`],
        OWNERS,
        TODAY,
      );
      const { bundle } = buildCreateBundle(draft, context());
      for (const e of bundle.entry ?? []) {
        const issues = fhir.app.services
          .validate(e.resource!, e.resource!.resourceType)
          .filter((i) => i.severity === 'error');
        expect({ type: e.resource!.resourceType, issues }).toEqual({
          type: e.resource!.resourceType,
          issues: [],
        });
      }
      const response = await transact(bundle);
      expect(response.entry?.every((e) => e.response?.status.startsWith('201'))).toBe(true);
      const types = (bundle.entry ?? []).map((e) => e.resource!.resourceType);
      expect(types.filter((t) => t === 'CarePlan')).toHaveLength(1);
      expect(types).toEqual(expect.arrayContaining(['CareTeam', 'Goal', 'Task', 'Provenance']));
    },
  );
});

test('the server refuses a CCM plan that breaks ccm-careplan (one condition): the validation is real', async () => {
  const draft = draftFromTemplates([TEMPLATES.get('diabetes')!], ['cpb-1-diabetes'], OWNERS, TODAY);
  const res = await fetch(fhir.base, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(buildCreateBundle(draft, context()).bundle),
  });
  expect(res.status).toBeGreaterThanOrEqual(400);
  const text = JSON.stringify(await res.json());
  // ccm-cp-2: a CCM plan (the app marks no programme) addresses two or more conditions.
  expect(text).toContain('ccm-cp-2');
});

describe('revise and hand-over', () => {
  let planId = '';

  test('revise: version 2 with If-Match, a Provenance targeting it, a substantial-revision mark', async () => {
    const api = fetchFhirApi(fhir.base);
    const p2 = new CcmScenario('cpb-2');
    p2.condition('E11.9', { id: 'cpb-2-dm' }).condition('I50.9', { id: 'cpb-2-hf' });
    await putAll(fhir.base, p2.resources);
    const owners = { ...OWNERS, patient: 'Patient/cpb-2' };
    const draft = draftFromTemplates(
      [TEMPLATES.get('diabetes')!, TEMPLATES.get('heart-failure')!],
      ['cpb-2-dm', 'cpb-2-hf'],
      owners,
      TODAY,
    );
    const ctx = context({ patientId: 'cpb-2', team: context().team.slice(0, 2) });
    await transact(buildCreateBundle(draft, ctx).bundle);
    const stored = (await currentPlan(api, 'cpb-2'))!;
    planId = stored.plan.id as string;
    expect(stored.plan.meta?.versionId).toBe('1');
    const edited = draftFromPlan(stored.plan, stored.goals, stored.tasks);
    edited.goals = edited.goals.slice(1);
    edited.goals[0].description = 'No hospital stay for heart failure for 6 months';
    edited.interventions.push({ text: 'Weekly weight check by phone', owner: NURSE, due: '2026-12-01' });
    const built = buildReviseBundle(edited, { ...ctx, now: new Date('2026-11-21T15:00:00Z') }, stored);
    expect(built.provenanceIncluded).toBe(true);
    await transact(built.bundle);

    const plan = await api.read<CarePlan>('CarePlan', planId);
    expect(plan.meta?.versionId).toBe('2');
    const marks = (plan.extension ?? []).filter((e) => e.url === EXTENSION.substantialRevision);
    expect(marks.map((e) => e.valueDateTime)).toEqual([NOW.toISOString(), '2026-11-21T15:00:00.000Z']);
    const provenance = (await api.search<Provenance>('Provenance', {})).filter((p) =>
      p.target.every((t) => t.reference?.split('/_history/')[0] === `CarePlan/${planId}`),
    );
    const forV2 = provenance.filter((p) =>
      p.target.some((t) => t.reference === `CarePlan/${planId}/_history/2`),
    );
    expect(forV2).toHaveLength(1);
    expect(provenance).toHaveLength(2); // created and revised, each targeting only its plan version
    expect(forV2[0].entity?.[0].what.reference).toBe(`CarePlan/${planId}/_history/1`);
    const goals = await api.search<Goal>('Goal', { patient: 'cpb-2' });
    expect(goals.filter((g) => g.lifecycleStatus === 'cancelled')).toHaveLength(1);
    expect(plan.goal).toHaveLength(goals.length - 1);
    const tasks = await api.search<Task>('Task', { 'based-on': `CarePlan/${planId}` });
    expect(
      tasks.some((t) => t.description === 'Weekly weight check by phone' && t.owner?.reference === NURSE),
    ).toBe(true);
  });

  test('a stale If-Match is refused and writes nothing', async () => {
    const api = fetchFhirApi(fhir.base);
    const stored = (await currentPlan(api, 'cpb-2'))!;
    const stale = { ...stored, plan: { ...stored.plan, meta: { ...stored.plan.meta, versionId: '1' } } };
    const draft = draftFromPlan(stored.plan, stored.goals, stored.tasks);
    const res = await fetch(fhir.base, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(buildReviseBundle(draft, context({ patientId: 'cpb-2' }), stale).bundle),
    });
    expect([409, 412]).toContain(res.status);
    expect((await api.read<CarePlan>('CarePlan', planId)).meta?.versionId).toBe('2');
  });

  test('the engine sees no copy before the hand-over and the plan with its copy after it', async () => {
    const api = fetchFhirApi(fhir.base);
    const before = await api.operation<Parameters>('Patient/cpb-2/$ccm-eligibility');
    expect(carePlanStatus(before)).toEqual({ status: 'no-copy', ref: `CarePlan/${planId}` });
    const plan = await api.read<CarePlan>('CarePlan', planId);
    await api.update(withPatientCopy(plan, 'paper', '2026-11-20'), plan.meta?.versionId);
    const after = await api.operation<Parameters>('Patient/cpb-2/$ccm-eligibility');
    expect(carePlanStatus(after)).toEqual({ status: 'ok', ref: `CarePlan/${planId}` });
    const month = await api.operation<Parameters>('Patient/cpb-2/$ccm-month-summary?month=2026-11');
    const gate = month?.parameter?.find(
      (p) => p.name === 'gate' && p.part?.some((x) => x.name === 'name' && x.valueCode === 'care-plan'),
    );
    expect(gate?.part?.find((x) => x.name === 'passed')?.valueBoolean).toBe(true);
  });
});

/** The care-plan part of a $ccm-eligibility answer. */
function carePlanStatus(p: Parameters | undefined) {
  const part = p?.parameter?.find((x) => x.name === 'care-plan')?.part ?? [];
  return {
    status: part.find((x) => x.name === 'status')?.valueCode,
    ref: part.find((x) => x.name === 'care-plan')?.valueReference?.reference,
  };
}
