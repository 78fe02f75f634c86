/** Medications, Synthea-style condition care plans with their goals, and immunizations of a patient. */
import type { CarePlan, Goal, Immunization, MedicationRequest } from 'fhir/r4.js';
import { SYSTEM } from '../../server/ccm/vocabulary.js';
import { CVX_SYSTEM, RXNORM_SYSTEM, VACCINE } from './codes.js';
import { DAY_MS, isoDate, isoInstant, MINUTE_MS } from './dates.js';
import { businessTime } from './visits.js';
import { concept, ref, US_CORE_CAREPLAN_CATEGORY, type PatientState, type Visit } from './state.js';

const INHALER = /Inhaler/;

/** The visit closest before `ms`, or the first visit. */
function visitBefore(state: PatientState, ms: number): Visit {
  let best = state.visits[0];
  for (const v of state.visits) if (v.startMs <= ms) best = v;
  return best;
}

/** Adds the active medication orders of the patient's conditions (each drug once). */
export function addMedications(state: PatientState): void {
  const { rng } = state;
  const ordered = new Set<string>();
  for (const c of state.conditions) {
    c.spec.medications.forEach((med, i) => {
      if (ordered.has(med.code) || !rng.chance(i === 0 ? 0.85 : 0.45)) return;
      ordered.add(med.code);
      const visit = state.visits[rng.int(0, state.visits.length - 1)];
      const inhaler = INHALER.test(med.display);
      const request: MedicationRequest = {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: concept(RXNORM_SYSTEM, med.code, med.display, med.display),
        subject: state.patient,
        encounter: visit.ref,
        authoredOn: isoInstant(visit.startMs + 25 * MINUTE_MS),
        requester: ref(state.pcp.ref),
        reasonReference: [c.ref],
        dosageInstruction: [
          inhaler
            ? { sequence: 1, text: 'Inhale 2 puffs every 4 to 6 hours as needed', asNeededBoolean: true }
            : {
                sequence: 1,
                text: 'Take 1 tablet by mouth once daily',
                timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
                asNeededBoolean: false,
              },
        ],
      };
      state.record.add(request);
    });
  }
}

/** Adds a Synthea-style care plan (with one goal) for each condition that has one in the table. */
export function addConditionCarePlans(state: PatientState): void {
  for (const c of state.conditions) {
    const plan = c.spec.carePlan;
    if (!plan) continue;
    const visit = visitBefore(state, c.onsetMs + 400 * DAY_MS);
    const goal: Goal = {
      resourceType: 'Goal',
      lifecycleStatus: 'active',
      achievementStatus: concept('http://terminology.hl7.org/CodeSystem/goal-achievement', 'in-progress'),
      description: { text: plan.goal },
      subject: state.patient,
      addresses: [c.ref],
    };
    const goalRef = state.record.add(goal);
    const carePlan: CarePlan = {
      resourceType: 'CarePlan',
      text: {
        status: 'generated',
        div: `<div xmlns="http://www.w3.org/1999/xhtml">Care Plan for ${plan.category.display}.<br/>Activities: ${plan.activities.map((a) => a.display).join('; ')}</div>`,
      },
      status: 'active',
      intent: 'order',
      category: [
        concept(US_CORE_CAREPLAN_CATEGORY, 'assess-plan'),
        concept(SYSTEM.snomed, plan.category.code, plan.category.display, plan.category.display),
      ],
      subject: state.patient,
      encounter: visit.ref,
      period: { start: isoDate(Math.min(visit.startMs, c.onsetMs + 30 * DAY_MS)) },
      addresses: [c.ref],
      goal: [goalRef],
      activity: plan.activities.map((a) => ({
        detail: { code: concept(SYSTEM.snomed, a.code, a.display, a.display), status: 'in-progress' },
      })),
    };
    state.record.add(carePlan);
  }
}

function vaccine(state: PatientState, code: { code: string; display: string }, atMs: number): void {
  const immunization: Immunization = {
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: concept(CVX_SYSTEM, code.code, code.display, code.display),
    patient: state.patient,
    occurrenceDateTime: isoInstant(atMs),
    primarySource: true,
  };
  state.record.add(immunization);
}

/** Adds seasonal influenza vaccines (September–November of each season in the window) and some others. */
export function addImmunizations(state: PatientState): void {
  const { rng, ctx } = state;
  const first = new Date(state.historyStart).getUTCFullYear();
  const last = new Date(ctx.asOf).getUTCFullYear();
  for (let year = first; year <= last; year++) {
    const day = Date.UTC(year, 8, 1) + rng.int(0, 90) * DAY_MS;
    if (day < state.historyStart || day > ctx.asOf || !rng.chance(0.7)) continue;
    vaccine(state, VACCINE.influenza, businessTime(rng, day));
  }
  const span = ctx.asOf - state.historyStart;
  if (rng.chance(0.3))
    vaccine(state, VACCINE.ppsv23, businessTime(rng, state.historyStart + rng.next() * span));
  if (rng.chance(0.15))
    vaccine(state, VACCINE.zoster, businessTime(rng, state.historyStart + rng.next() * span));
}
