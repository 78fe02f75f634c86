/**
 * Face-to-face visits (Encounter class AMB) with what a visit leaves behind in a Synthea-shaped record:
 * vital signs, the annual labs of the patient's conditions, procedures, and a Claim with its
 * ExplanationOfBenefit. A CCM patient also gets the initiating visit (CPT 99214 by the billing practitioner).
 */
import type { Encounter, Observation, Procedure, Reference } from 'fhir/r4.js';
import { SYSTEM } from '../../server/ccm/vocabulary.js';
import { PROCEDURE, VISIT, VITALS, type LabSpec } from './codes.js';
import { DAY_MS, isoInstant, MINUTE_MS, startOfDay } from './dates.js';
import { addClaim } from './claims.js';
import type { Rng } from './prng.js';
import {
  concept,
  OBS_CATEGORY,
  PPRF,
  ref,
  round,
  type ConditionInstance,
  type PatientState,
  type Visit,
} from './state.js';

/** A business-hours instant (14:00–21:00 UTC, i.e. morning to afternoon in US time zones) on a day. */
export function businessTime(rng: Rng, dayMs: number): number {
  return startOfDay(dayMs) + rng.int(14 * 60, 21 * 60) * MINUTE_MS;
}

const VISIT_TEXT = {
  awv: 'Annual wellness visit',
  office3: 'Office visit',
  office4: 'Office visit',
} as const;

function encounter(state: PatientState, visit: Omit<Visit, 'ref'>, reasons: ConditionInstance[]): Encounter {
  const code = VISIT[visit.kind];
  const snomed = visit.kind === 'awv' ? VISIT.checkUp : VISIT.followUp;
  const minutes = visit.kind === 'office3' ? 20 : 30;
  return {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: SYSTEM.actCode, code: 'AMB', display: 'ambulatory' },
    type: [
      {
        coding: visit.initiating
          ? [{ system: code.system, code: code.code, display: code.display }]
          : [
              { system: code.system, code: code.code, display: code.display },
              { system: snomed.system, code: snomed.code, display: snomed.display },
            ],
        text: visit.initiating ? 'CCM initiating visit' : VISIT_TEXT[visit.kind],
      },
    ],
    subject: state.patient,
    participant: [{ type: [PPRF], individual: ref(state.pcp.ref) }],
    period: { start: isoInstant(visit.startMs), end: isoInstant(visit.startMs + minutes * MINUTE_MS) },
    ...(reasons.length > 0 ? { reasonReference: reasons.map((c) => c.ref) } : {}),
    serviceProvider: ref(state.ctx.practice.orgRef),
  };
}

function observation(
  state: PatientState,
  enc: Reference,
  atMs: number,
  category: 'vital-signs' | 'laboratory' | 'survey',
  code: { code: string; display: string },
  value: Partial<Observation>,
): Observation {
  const when = isoInstant(atMs);
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [concept(OBS_CATEGORY, category)],
    code: { coding: [{ system: SYSTEM.loinc, ...code }], text: code.display },
    subject: state.patient,
    encounter: enc,
    effectiveDateTime: when,
    issued: when,
    ...value,
  };
}

function quantity(value: number, unit: string) {
  return { value, unit, system: SYSTEM.ucum, code: unit };
}

function addVitals(state: PatientState, enc: Reference, atMs: number, awv: boolean): void {
  const { rng, record } = state;
  const hypertensive = state.conditions.some((c) => c.spec.key === 'hypertension');
  const af = state.conditions.some((c) => c.spec.key === 'atrial-fibrillation');
  const sys = Math.round(rng.normal(hypertensive ? 138 : 124, 13, 95, 200));
  const dia = Math.round(rng.normal(hypertensive ? 82 : 76, 8, 50, 120));
  record.add(
    observation(state, enc, atMs, 'vital-signs', VITALS.bpPanel, {
      component: [
        {
          code: concept(SYSTEM.loinc, VITALS.systolic.code, VITALS.systolic.display),
          valueQuantity: quantity(sys, 'mm[Hg]'),
        },
        {
          code: concept(SYSTEM.loinc, VITALS.diastolic.code, VITALS.diastolic.display),
          valueQuantity: quantity(dia, 'mm[Hg]'),
        },
      ],
    }),
  );
  const hr = Math.round(rng.normal(af ? 84 : 72, af ? 14 : 9, 45, 150));
  record.add(
    observation(state, enc, atMs, 'vital-signs', VITALS.heartRate, { valueQuantity: quantity(hr, '/min') }),
  );
  const kg = round(state.weightKg + rng.normal(0, 1.5), 1);
  record.add(
    observation(state, enc, atMs, 'vital-signs', VITALS.weight, { valueQuantity: quantity(kg, 'kg') }),
  );
  if (awv) {
    const bmi = round(kg / (state.heightCm / 100) ** 2, 1);
    record.add(
      observation(state, enc, atMs, 'vital-signs', VITALS.bmi, { valueQuantity: quantity(bmi, 'kg/m2') }),
    );
  }
}

function addLabs(state: PatientState, enc: Reference, atMs: number): void {
  const seen = new Set<string>();
  for (const c of state.conditions) {
    for (const lab of c.spec.labs) {
      if (seen.has(lab.loinc.code)) continue;
      seen.add(lab.loinc.code);
      state.record.add(
        observation(state, enc, atMs + 60 * MINUTE_MS, lab.category, lab.loinc, labValue(state.rng, lab)),
      );
    }
  }
}

function labValue(rng: Rng, lab: LabSpec): Partial<Observation> {
  const v = round(rng.normal(lab.mean, lab.sd, lab.min, lab.max), lab.decimals);
  return { valueQuantity: { value: v, unit: lab.unit, system: SYSTEM.ucum, code: lab.ucum } };
}

function addProcedure(
  state: PatientState,
  enc: Reference,
  atMs: number,
  code: { code: string; display: string },
) {
  const procedure: Procedure = {
    resourceType: 'Procedure',
    status: 'completed',
    code: concept(SYSTEM.snomed, code.code, code.display),
    subject: state.patient,
    encounter: enc,
    performedPeriod: { start: isoInstant(atMs), end: isoInstant(atMs + 10 * MINUTE_MS) },
    performer: [{ actor: ref(state.pcp.ref) }],
  };
  state.record.add(procedure);
}

function addVisit(state: PatientState, visit: Omit<Visit, 'ref'>): void {
  const { rng } = state;
  const reasons =
    visit.kind === 'awv' ? [] : state.conditions.filter((_, i) => i < 3 && (i === 0 || rng.chance(0.5)));
  const enc = state.record.add(encounter(state, visit, reasons));
  state.visits.push({ ...visit, ref: enc });
  const at = visit.startMs + 5 * MINUTE_MS;
  addVitals(state, enc, at, visit.kind === 'awv');
  if (visit.kind === 'awv') {
    addLabs(state, enc, at);
    if (rng.chance(0.8)) addProcedure(state, enc, at + 15 * MINUTE_MS, PROCEDURE.medicationReconciliation);
    if (rng.chance(0.5)) addProcedure(state, enc, at + 10 * MINUTE_MS, PROCEDURE.depressionScreening);
  }
  addClaim(state, enc, visit, reasons);
}

/** Adds the patient's visits of the history window (an annual wellness visit and office visits). */
export function addVisits(state: PatientState): void {
  const { rng, ctx } = state;
  const n = 1 + Math.min(3, Math.floor(state.conditions.length / 2)) + rng.int(0, 1);
  const starts: number[] = [];
  for (let i = 0; i < n; i++)
    starts.push(businessTime(rng, rng.int(state.historyStart + 30 * DAY_MS, ctx.asOf - DAY_MS)));
  starts.sort((a, b) => a - b);
  const awvAt = rng.int(0, n - 1);
  const planned: Array<Omit<Visit, 'ref'>> = starts.map((startMs, i) => ({
    startMs,
    kind: i === awvAt ? 'awv' : state.conditions.length >= 3 && rng.chance(0.5) ? 'office4' : 'office3',
    initiating: false,
  }));
  if (state.ccm) planned.push({ startMs: state.ccm.initiatingVisitMs, kind: 'office4', initiating: true });
  planned.sort((a, b) => a.startMs - b.startMs);
  for (const v of planned) addVisit(state, v);
}
