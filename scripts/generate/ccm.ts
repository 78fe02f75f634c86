/**
 * The CCM resources of an enrolled patient, shaped exactly as the billing engine reads them
 * (server/ccm/vocabulary.ts): the Consent, the comprehensive CarePlan with measurable Goals, and the
 * months of time entries (time-entries.ts). The initiating visit and the chronic-condition attestations are
 * added by visits.ts and patient.ts from the timeline planned here.
 */
import type { CarePlan, Consent, Extension, Goal, Reference } from 'fhir/r4.js';
import {
  CATEGORY,
  CONSENT_ELEMENT,
  CS,
  EXTENSION,
  LOINC_PATIENT_CONSENT,
  PROFILE,
  SYSTEM,
} from '../../server/ccm/vocabulary.js';
import { DAY_MS, isoDate, isoInstant, MINUTE_MS, monthStart } from './dates.js';
import { addTimeEntries } from './time-entries.js';
import { businessTime } from './visits.js';
import {
  concept,
  PARTICIPATION,
  ref,
  US_CORE_CAREPLAN_CATEGORY,
  type CcmTimeline,
  type ConditionInstance,
  type PatientState,
} from './state.js';

/** Plans the enrolment: initiating visit, consent (mostly before the first time-entry month), care plan. */
export function planCcm(state: PatientState): CcmTimeline {
  const { rng, ctx } = state;
  const first = monthStart(ctx.firstMonth);
  const lateStart = rng.chance(0.15) && ctx.asOf - 10 * DAY_MS > first;
  const consentDay = lateStart
    ? rng.int(first, ctx.asOf - 10 * DAY_MS)
    : rng.int(first - 300 * DAY_MS, first - DAY_MS);
  const sameDay = rng.chance(0.4);
  const consentAt = businessTime(rng, consentDay);
  const initiatingVisitMs = sameDay
    ? consentAt - 30 * MINUTE_MS
    : businessTime(rng, consentDay - rng.int(1, 300) * DAY_MS);
  const consentMs = sameDay ? consentAt : businessTime(rng, consentDay);
  const carePlanMs = Math.min(ctx.asOf, consentMs + rng.int(0, 5) * DAY_MS + 60 * MINUTE_MS);
  const careManager = rng.pick(ctx.practice.staff);
  return { initiatingVisitMs, consentMs, carePlanMs, careManager };
}

function profile(state: PatientState, url: string): { meta?: { profile: string[] } } {
  return state.ctx.opts.claimProfiles ? { meta: { profile: [url] } } : {};
}

function consent(state: PatientState, ccm: CcmTimeline): Consent {
  const written = state.rng.chance(0.4);
  const extension: Extension[] = [
    { url: EXTENSION.consentMethod, valueCode: written ? 'written' : 'verbal' },
    ...Object.values(CONSENT_ELEMENT).map((code) => ({
      url: EXTENSION.consentElementExplained,
      valueCoding: { system: CS.consentElement, code },
    })),
  ];
  return {
    resourceType: 'Consent',
    ...profile(state, PROFILE.consent),
    extension,
    status: 'active',
    scope: concept(SYSTEM.consentScope, 'treatment'),
    category: [
      concept(SYSTEM.loinc, LOINC_PATIENT_CONSENT, 'Patient Consent'),
      concept(CS.category, CATEGORY.consent),
    ],
    patient: state.patient,
    dateTime: isoInstant(ccm.consentMs),
    performer: [state.patient],
    organization: [ref(state.ctx.practice.orgRef)],
    ...(written
      ? {
          sourceAttachment: {
            contentType: 'application/pdf',
            title: 'Signed chronic care management consent',
            creation: isoInstant(ccm.consentMs),
          },
        }
      : {}),
    policyRule: concept(CS.consentPolicy, 'cms-ccm'),
    provision: {
      type: 'permit',
      period: { start: isoInstant(ccm.consentMs) },
      actor: [
        {
          role: concept(PARTICIPATION, 'PPRF', 'primary performer'),
          reference: ref(state.pcp.ref),
        },
      ],
    },
  };
}

function goal(state: PatientState, c: ConditionInstance, startMs: number): Goal {
  const spec = c.spec.goal;
  const due = isoDate(startMs + 365 * DAY_MS);
  const target = spec.target;
  return {
    resourceType: 'Goal',
    lifecycleStatus: 'active',
    achievementStatus: concept('http://terminology.hl7.org/CodeSystem/goal-achievement', 'in-progress'),
    description: { text: spec.text },
    subject: state.patient,
    startDate: isoDate(startMs),
    target: [
      target && spec.measure
        ? {
            measure: concept(SYSTEM.loinc, spec.measure.code, spec.measure.display),
            detailQuantity: {
              value: target.value,
              comparator: target.comparator,
              unit: target.unit,
              system: SYSTEM.ucum,
              code: target.ucum,
            },
            dueDate: due,
          }
        : { dueDate: due },
    ],
    addresses: [c.ref],
    expressedBy: ref(state.pcp.ref),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function narrative(problems: ConditionInstance[], goals: ConditionInstance[], ccm: CcmTimeline): string {
  const items = (xs: string[]) => xs.map((x) => `<li>${escapeHtml(x)}</li>`).join('');
  return (
    '<div xmlns="http://www.w3.org/1999/xhtml"><p>Comprehensive chronic care management plan.</p>' +
    `<p>Problems:</p><ul>${items(problems.map((c) => `${c.spec.icd10.display} (${c.spec.icd10.code})`))}</ul>` +
    `<p>Goals:</p><ul>${items(goals.map((c) => c.spec.goal.text))}</ul>` +
    `<p>Care manager: ${escapeHtml(ccm.careManager.name)}. Monthly review by phone; medication reconciliation at each contact.</p></div>`
  );
}

/** Review schedule: every 6 months from the plan's start; the next one after the reference date. */
function nextReview(startMs: number, asOf: number): number {
  let next = startMs + 182 * DAY_MS;
  while (next <= asOf) next += 182 * DAY_MS;
  return next;
}

function carePlanExtensions(state: PatientState, ccm: CcmTimeline): Extension[] {
  const { rng, ctx } = state;
  const copyMs = Math.min(ctx.asOf, ccm.carePlanMs + rng.int(0, 3) * DAY_MS);
  const method = rng.weighted(
    ['paper', 'portal', 'email', 'mail'] as const,
    (m) => ({ paper: 5, portal: 3, email: 1, mail: 1 })[m],
  );
  const revisions = [ccm.carePlanMs];
  const firstMonth = monthStart(ctx.firstMonth);
  if (rng.chance(0.1) && ctx.asOf > Math.max(firstMonth, ccm.carePlanMs) + 2 * DAY_MS) {
    revisions.push(
      businessTime(rng, rng.int(Math.max(firstMonth, ccm.carePlanMs) + DAY_MS, ctx.asOf - DAY_MS)),
    );
  }
  return [
    { url: EXTENSION.nextReview, valueDate: isoDate(nextReview(ccm.carePlanMs, ctx.asOf)) },
    {
      url: EXTENSION.patientCopy,
      extension: [
        { url: 'date', valueDateTime: isoInstant(copyMs) },
        { url: 'method', valueCode: method },
      ],
    },
    ...revisions.map((ms) => ({ url: EXTENSION.substantialRevision, valueDateTime: isoInstant(ms) })),
  ];
}

function carePlan(
  state: PatientState,
  ccm: CcmTimeline,
  goals: Reference[],
  goalConds: ConditionInstance[],
): CarePlan {
  return {
    resourceType: 'CarePlan',
    ...profile(state, PROFILE.carePlan),
    text: { status: 'generated', div: narrative(state.conditions, goalConds, ccm) },
    extension: carePlanExtensions(state, ccm),
    status: 'active',
    intent: 'plan',
    category: [concept(US_CORE_CAREPLAN_CATEGORY, 'assess-plan'), concept(CS.category, CATEGORY.carePlan)],
    title: 'Chronic care management plan',
    subject: state.patient,
    period: { start: isoInstant(ccm.carePlanMs) },
    created: isoInstant(ccm.carePlanMs),
    author: ref(state.pcp.ref),
    addresses: state.conditions.map((c) => c.ref),
    goal: goals,
    activity: [
      {
        detail: {
          kind: 'ServiceRequest',
          description: 'Monthly care-management contact: symptoms, adherence, needs',
          status: 'in-progress',
          performer: [ref(ccm.careManager.ref)],
        },
      },
      {
        detail: {
          kind: 'MedicationRequest',
          description: 'Medication management and reconciliation',
          status: 'in-progress',
          performer: [ref(state.pcp.ref)],
        },
      },
    ],
  };
}

/** Adds the Consent, Goals, CarePlan and time entries of an enrolled patient. */
export function addCcm(state: PatientState): void {
  const ccm = state.ccm as CcmTimeline;
  state.record.add(consent(state, ccm));
  const goalConds = state.conditions.slice(0, 1 + state.rng.int(0, Math.min(2, state.conditions.length - 1)));
  const goals = goalConds.map((c) => state.record.add(goal(state, c, ccm.carePlanMs)));
  state.record.add(carePlan(state, ccm, goals, goalConds));
  addTimeEntries(state, ccm);
}
