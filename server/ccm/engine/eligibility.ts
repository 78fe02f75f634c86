/**
 * CCM eligibility of a patient today (ccm-rules.md, gate 2 and the enrolment steps): eligible means two or
 * more distinct chronic conditions expected to last 12 months or more that place the patient at significant
 * risk, each with an ICD-10-CM code for claims. Consent and the care plan are reported beside it, with a
 * reason for every requirement not yet met, so a clinician sees what to do next. A deceased patient is
 * never eligible.
 */
import type { BillingRules } from '../rules/types.js';
import type { MonthRange } from '../time/zone.js';
import { carePlanFinding, type CarePlanFinding } from './care-plan.js';
import { chronicGroups, type ConditionsFinding } from './conditions.js';
import { consentFinding, type ConsentFinding } from './consent.js';
import type { EngineContext } from './context.js';
import type { PatientRecord } from './record.js';

/** One unmet requirement. */
export interface UnmetRequirement {
  requirement: 'patient-alive' | 'chronic-conditions' | 'consent' | 'care-plan';
  reason: string;
}

/** The eligibility of a patient. */
export interface Eligibility {
  patient: string;
  eligible: boolean;
  conditions: ConditionsFinding;
  consent: ConsentFinding;
  carePlan: CarePlanFinding;
  unmet: UnmetRequirement[];
}

/** How many chronic groups make a patient CCM-eligible (the non-complex CCM family's minimum). */
function minimumGroups(rules: BillingRules): number {
  return rules.families.find((f) => f.programme === 'ccm' && f.selection === 'staff')?.minChronicGroups ?? 2;
}

/** Unmet chronic-condition requirement, if any. */
function conditionReasons(
  found: ConditionsFinding,
  needed: number,
  requireCode: boolean,
): UnmetRequirement[] {
  const usable = found.groups.filter((g) => !requireCode || g.icd10);
  if (usable.length >= needed) return [];
  const out: UnmetRequirement[] = [
    {
      requirement: 'chronic-conditions',
      reason: `${usable.length} distinct chronic condition(s); CCM needs at least ${needed}`,
    },
  ];
  for (const n of found.toReview)
    out.push({ requirement: 'chronic-conditions', reason: `${n.ref} (${n.name}) ${n.reason}` });
  return out;
}

/**
 * The unmet patient-alive requirement when the patient is dead at `now` (ccm-rules.md, "Death"): a deceased
 * patient is never eligible; the month of death still bills what was reached before it ($ccm-month-summary).
 */
function deathReasons(record: PatientRecord, now: number): UnmetRequirement[] {
  const death = record.death;
  if (!death || (death.at !== undefined && death.at > now)) return [];
  const when = death.at === undefined ? 'without a date' : `on ${new Date(death.at).toISOString()}`;
  return [{ requirement: 'patient-alive', reason: `${record.patient} is recorded as deceased ${when}` }];
}

/** Evaluates eligibility for the month containing `now` (the current month in the practice zone). */
export function evaluateEligibility(record: PatientRecord, ctx: EngineContext, now: number): Eligibility {
  const month: MonthRange = ctx.month;
  const conditions = chronicGroups(record.conditions, ctx.classifier, ctx.rules, now, now + 1);
  const consent = consentFinding(
    record,
    { ...month, end: Math.max(month.start, now + 1) },
    ctx.rules,
    ctx.tz,
  );
  const carePlan = carePlanFinding(record.carePlans, month);
  const needed = minimumGroups(ctx.rules);
  const requireCode = ctx.rules.chronicConditions.requireClaimCode;
  const dead = deathReasons(record, now);
  const unmet = [...dead, ...conditionReasons(conditions, needed, requireCode)];
  for (const p of consent.problems) unmet.push({ requirement: 'consent', reason: p });
  for (const p of carePlan.problems) unmet.push({ requirement: 'care-plan', reason: p });
  const usable = conditions.groups.filter((g) => !requireCode || g.icd10).length;
  return {
    patient: record.patient,
    eligible: dead.length === 0 && usable >= needed,
    conditions,
    consent,
    carePlan,
    unmet,
  };
}
