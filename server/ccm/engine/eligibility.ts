/**
 * CCM eligibility of a patient today (ccm-rules.md, gate 2 and the enrolment steps): eligible means two or
 * more distinct chronic conditions expected to last 12 months or more that place the patient at significant
 * risk, each with an ICD-10-CM code for claims. Consent and the care plan are reported beside it, with a
 * reason for every requirement not yet met, so a clinician sees what to do next. A deceased patient is
 * never eligible. APCM ("APCM") is reported beside it: any living patient may be enrolled (no condition
 * minimum); the level the attested conditions and QMB status give today, the APCM consent and plan.
 */
import type { ApcmLevel, BillingRules } from '../rules/types.js';
import { apcmLevel, apcmView, qmbDuring } from './apcm.js';
import { apcmMarker, type ApcmMarker } from './programme-marker.js';
import type { QmbRecord } from './record.js';
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

/** APCM for a patient today: who may enrol, at which level, and what enrolment still needs. */
export interface ApcmEligibility {
  /** Alive: APCM has no condition minimum (level 1 covers 0-1 conditions). */
  eligible: boolean;
  level: ApcmLevel;
  levelReason: string;
  qmb?: QmbRecord;
  consent: ConsentFinding;
  /** The APCM plan in effect this month, if any. */
  marker?: ApcmMarker;
  /** What enrolment still needs (alive, a consent naming APCM, an APCM care plan). */
  unmet: string[];
}

/** The eligibility of a patient. */
export interface Eligibility {
  patient: string;
  eligible: boolean;
  conditions: ConditionsFinding;
  consent: ConsentFinding;
  carePlan: CarePlanFinding;
  unmet: UnmetRequirement[];
  apcm: ApcmEligibility;
}

/** APCM today: the level from the usable attested conditions and QMB status, the APCM consent and plan. */
function apcmEligibility(
  record: PatientRecord,
  ctx: EngineContext,
  usable: number,
  dead: UnmetRequirement[],
  monthSoFar: MonthRange,
): ApcmEligibility {
  const qmb = qmbDuring(record, ctx.month);
  const level = apcmLevel(ctx.rules, usable, qmb !== undefined) as ApcmLevel;
  const consent = consentFinding(apcmView(record), monthSoFar, ctx.rules, ctx.tz, 'apcm');
  const marker = apcmMarker(record, ctx.month);
  const unmet = [
    ...dead.map((d) => d.reason),
    ...(consent.status === 'accepted' || consent.status === 'revoked-this-month' ? [] : consent.problems),
    ...(marker
      ? []
      : [
          `No APCM care plan (category ccm-program#apcm) in effect in ${ctx.month.month}: it marks APCM months`,
        ]),
  ];
  return {
    eligible: dead.length === 0,
    level,
    levelReason:
      `${usable} attested chronic condition(s); ` +
      `${qmb ? `a Qualified Medicare Beneficiary (${qmb.ref})` : 'not recorded as a Qualified Medicare Beneficiary'}: ${level.description}`,
    ...(qmb ? { qmb } : {}),
    consent,
    ...(marker ? { marker } : {}),
    unmet,
  };
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
  const monthSoFar = { ...month, end: Math.max(month.start, now + 1) };
  const consent = consentFinding(record, monthSoFar, ctx.rules, ctx.tz);
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
    apcm: apcmEligibility(record, ctx, usable, dead, monthSoFar),
  };
}
