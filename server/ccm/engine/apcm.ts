/**
 * Advanced Primary Care Management for one month (ccm-rules.md, "APCM"), evaluated when the month carries
 * the APCM marker (programme-marker.ts). No time threshold: the level follows the month's attested chronic
 * conditions (CCM definition) and QMB status (G0558 for 2+ conditions and a QMB, G0557 for 2+, G0556
 * otherwise). The month bills when every APCM gate passes: patient alive, a consent naming APCM (a CCM
 * consent does not cover it), the APCM care plan and its copy, an initiating visit when the patient was not
 * seen by the practitioner within 3 years before APCM began, at least one element furnished and recorded
 * that month [decision], one practitioner, and no conflicting programme (CCM or PCM by the same practitioner
 * with documented work of both; TCM by the same practitioner: unsettled, denied by default). The CY2026
 * behavioural-health add-ons bill only with an APCM code by the same practitioner in the same month; every
 * refusal is a reason. All numbers come from `rules.apcm`.
 */
import type { ApcmBehaviouralAddOn, ApcmLevel, BillingRules } from '../rules/types.js';
import type { MonthRange } from '../time/zone.js';
import { SYSTEM } from '../vocabulary.js';
import { carePlanFinding, type CarePlanFinding } from './care-plan.js';
import type { ConditionsFinding } from './conditions.js';
import { consentFinding, type ConsentFinding } from './consent.js';
import type { EngineContext } from './context.js';
import { episodeOf } from './behavioural.js';
import type { BillingLine } from './families.js';
import { patientAliveGate, latestVisitWithin, workers, type GateResult } from './gates.js';
import { APCM, apcmMarker, apcmPlans, type ApcmMarker } from './programme-marker.js';
import {
  practitionerOf,
  type PatientRecord,
  type QmbRecord,
  type TimeEntryRecord,
  type VisitRecord,
} from './record.js';
import { countedSecondsOf, secondsOfRoles, type TimeTally } from './time.js';

/** One APCM element furnished in the month and the time entry that records it. */
export interface FurnishedElement {
  /** The element (rules.apcm.elements), or `other` when the activity names none. */
  element: string;
  entry: string;
}

/** A behavioural-health add-on that does not bill, and why. */
export interface RefusedAddOn {
  code: string;
  reason: string;
}

/** The APCM month of a patient. */
export interface ApcmSummary {
  programme: 'apcm';
  /** The level the month's conditions and QMB status give (reported even when a gate fails). */
  level: ApcmLevel;
  levelReason: string;
  /** Distinct attested chronic conditions with a claim code. */
  chronicGroups: number;
  /** The Coverage that makes the patient a QMB during the month, if any. */
  qmb?: QmbRecord;
  practitioner?: string;
  marker: ApcmMarker;
  consent: ConsentFinding;
  carePlan: CarePlanFinding;
  initiatingVisit?: VisitRecord;
  /** When APCM began (the consent chain, else the plan), as an instant. */
  startedAt?: number;
  elements: FurnishedElement[];
  gates: GateResult[];
  lines: BillingLine[];
  billable: boolean;
  addOnsRefused: RefusedAddOn[];
  warnings: string[];
}

/** What the month's CCM evaluation already knows. */
export interface ApcmInputs {
  inMonth: TimeEntryRecord[];
  tally: TimeTally;
  conditions: ConditionsFinding;
  /** The month's CCM/PCM billing practitioner (staff CCM/PCM time is furnished under them). */
  ccmPractitioner?: string;
}

/** A gate result from its reasons (no reasons = passed). */
function gate(name: GateResult['name'], reasons: string[]): GateResult {
  return { name, passed: reasons.length === 0, reasons };
}

/** The QMB coverage in force during part of the month, if any (unknown counts as not a QMB). */
export function qmbDuring(record: PatientRecord, month: MonthRange): QmbRecord | undefined {
  return record.qmb.find(
    (q) => (q.start === undefined || q.start < month.end) && (q.end === undefined || q.end >= month.start),
  );
}

/** The level of the month: the first level, highest first, whose conditions the month meets. */
export function apcmLevel(rules: BillingRules, chronicGroups: number, qmb: boolean): ApcmLevel | undefined {
  return rules.apcm.levels.find((l) => chronicGroups >= l.minChronicGroups && (!l.requiresQmb || qmb));
}

/** The record as APCM sees it: its marked plans only and no CareTeam assignment (the plan author decides). */
export function apcmView(record: PatientRecord): PatientRecord {
  return { ...record, careTeams: [], carePlans: apcmPlans(record) };
}

/** Gate: an initiating visit, needed only when the patient was not seen within the lookback before APCM began. */
function initiatingVisit(
  record: PatientRecord,
  practitioner: string | undefined,
  startedAt: number | undefined,
  ctx: EngineContext,
): GateResult & { visit?: VisitRecord } {
  if (!practitioner || startedAt === undefined) {
    return gate('initiating-visit', [
      'Cannot check the initiating visit: no APCM practitioner (care plan author) or start date',
    ]);
  }
  const months = ctx.rules.apcm.initiatingVisitLookbackMonths;
  const { visit, fromMonth, firstMonth } = latestVisitWithin(record, practitioner, startedAt, months, ctx);
  if (visit) return { ...gate('initiating-visit', []), visit };
  const { cptRange, hcpcs } = ctx.rules.initiatingVisit;
  return gate('initiating-visit', [
    `No visit (E/M ${cptRange[0]}-${cptRange[1]}, AWV or IPPE ${hcpcs.join('/')}) by ${practitioner} from ` +
      `${fromMonth} to ${firstMonth} (APCM started ${firstMonth}): the patient is new or not seen within ` +
      `${months / 12} years, so APCM needs an initiating visit`,
  ]);
}

/** The APCM elements recorded this month: counted time entries under programme apcm. */
function furnished(tally: TimeTally, rules: BillingRules): FurnishedElement[] {
  return tally.counted
    .filter((e) => e.programme === APCM)
    .map((e) => ({
      element: (e.activity && rules.apcm.elementOfActivity[e.activity]) || 'other',
      entry: e.ref,
    }));
}

/** Gate: one practitioner per month (one author of the month's APCM plans; no APCM time by another practitioner). */
function onePractitioner(record: PatientRecord, marker: ApcmMarker, inMonth: TimeEntryRecord[]): GateResult {
  const reasons: string[] = [];
  if (marker.practitioners.length > 1) {
    reasons.push(
      `APCM plans by ${marker.practitioners.join(' and ')} are in effect in the same month ` +
        `(${marker.plans.map((p) => p.ref).join(', ')}): APCM is billed by one practitioner per month`,
    );
  }
  if (!marker.practitioner) {
    reasons.push(`${marker.plans[0].ref} names no author: the APCM practitioner is the care plan author`);
  }
  const others = new Set<string>();
  for (const e of inMonth) {
    const who = practitionerOf(record, e.individual);
    if (e.programme === APCM && e.role === 'billing-practitioner' && who && who !== marker.practitioner)
      others.add(who);
  }
  for (const who of others) {
    reasons.push(
      `APCM billing-practitioner time this month by ${who}, but the APCM practitioner is ` +
        `${marker.practitioner ?? 'not named'} (${marker.plans[0].ref}): one practitioner per month`,
    );
  }
  return gate('one-practitioner', reasons);
}

/** TCM by the practitioner this month: TCM visits (rules' codes) or TCM time by them. */
function tcmEvidence(
  record: PatientRecord,
  practitioner: string,
  inMonth: TimeEntryRecord[],
  ctx: EngineContext,
): string[] {
  const codes = new Set(ctx.rules.apcm.tcm.codes.map((c) => `${SYSTEM.cpt}|${c}`));
  const visits = record.visits.filter(
    (v) =>
      v.start !== undefined &&
      v.start >= ctx.month.start &&
      v.start < ctx.month.end &&
      !['cancelled', 'entered-in-error', 'planned'].includes(v.status) &&
      v.codes.some((c) => codes.has(c)) &&
      v.participants.some((p) => practitionerOf(record, p) === practitioner),
  );
  const time = inMonth.filter(
    (e) =>
      e.programme === 'tcm' &&
      e.status === 'finished' &&
      e.role === 'billing-practitioner' &&
      practitionerOf(record, e.individual) === practitioner,
  );
  return [...visits.map((v) => v.ref), ...time.map((e) => e.ref)];
}

/** Gate: no conflicting programme by the same practitioner in the month (and the APCM–TCM setting). */
function noConflict(
  record: PatientRecord,
  practitioner: string | undefined,
  hasApcmWork: boolean,
  inputs: ApcmInputs,
  ctx: EngineContext,
  warnings: string[],
): GateResult {
  const reasons: string[] = [];
  for (const programme of ctx.rules.apcm.conflictingProgrammes) {
    const entries = inputs.inMonth.filter((e) => e.programme === programme && e.status === 'finished');
    if (entries.length === 0) continue;
    const who = workers(record, entries, inputs.ccmPractitioner);
    const clash = who.has(undefined) || practitioner === undefined || who.has(practitioner);
    if (!clash) continue;
    const name = programme.toUpperCase();
    const by = practitioner ?? 'the same practitioner';
    if (hasApcmWork) {
      reasons.push(
        `${name} by ${who.has(undefined) ? 'a practitioner not identified' : by} in the same month as APCM: ` +
          'APCM cannot be billed with CCM or PCM by the same practitioner; nothing bills until one programme is chosen',
      );
    } else {
      warnings.push(
        `${name} time by ${by} this month: an APCM element recorded this month would conflict with it`,
      );
    }
  }
  if (practitioner) {
    const tcm = tcmEvidence(record, practitioner, inputs.inMonth, ctx);
    if (tcm.length > 0) {
      const text = `TCM by ${practitioner} this month (${tcm.join(', ')}): ${ctx.rules.apcm.tcm.note}`;
      if (ctx.rules.apcm.tcm.default === 'deny' && hasApcmWork)
        reasons.push(`${text}; this practice does not bill both (the default)`);
      else warnings.push(`${text}; this practice allows both`);
    }
  }
  return gate('no-conflict', reasons);
}

/** The behavioural-health add-ons of the month (CY2026): lines, and the reason each other one does not bill. */
function behaviouralAddOns(
  record: PatientRecord,
  summary: { billable: boolean; practitioner?: string },
  inputs: ApcmInputs,
  ctx: EngineContext,
): { lines: BillingLine[]; refused: RefusedAddOn[] } {
  const lines: BillingLine[] = [];
  const refused: RefusedAddOn[] = [];
  for (const addOn of ctx.rules.apcm.behaviouralAddOns) {
    const entries = inputs.tally.counted.filter((e) => e.programme === addOn.programme);
    if (entries.length === 0 || !episodeMatches(addOn, record, ctx)) continue;
    const reason = addOnRefusal(record, addOn, entries, summary, inputs, ctx);
    if (reason) refused.push({ code: addOn.code, reason });
    else lines.push({ code: addOn.code, system: addOn.system, units: 1 });
  }
  return { lines, refused };
}

/** CoCM add-ons follow the episode (first month: none in the 6 months before); BHI has no episode. */
function episodeMatches(addOn: ApcmBehaviouralAddOn, record: PatientRecord, ctx: EngineContext): boolean {
  if (!addOn.episode) return true;
  return addOn.episode === episodeOf(record, addOn.programme, ctx);
}

/** Why an add-on does not bill, or undefined when it does. */
function addOnRefusal(
  record: PatientRecord,
  addOn: ApcmBehaviouralAddOn,
  entries: TimeEntryRecord[],
  summary: { billable: boolean; practitioner?: string },
  inputs: ApcmInputs,
  ctx: EngineContext,
): string | undefined {
  const label = `${addOn.code} (mirrors ${addOn.mirrors})`;
  if (!summary.billable) {
    return `${label} bills only with an APCM code billed by the same practitioner in the same month; APCM does not bill in ${ctx.month.month}`;
  }
  const by = [...workers(record, entries, summary.practitioner)].filter((w) => w !== summary.practitioner);
  if (by.length > 0) {
    return `${label}: ${addOn.programme.toUpperCase()} work by ${by.map((w) => w ?? 'a practitioner not identified').join(', ')}, not by the APCM practitioner ${summary.practitioner}`;
  }
  // the mirrored code's minutes: the time of the roles that count toward it (CoCM: care manager, practitioner)
  const family = ctx.rules.behavioural.families.find((f) => f.programme === addOn.programme);
  const seconds = inputs.tally.byProgramme.get(addOn.programme);
  const counted = family ? secondsOfRoles(seconds, family.countedRoles) : countedSecondsOf(seconds);
  if (ctx.rules.apcm.addOnsNeedMirroredTime && counted < addOn.mirroredThresholdMinutes * 60) {
    return (
      `${label}: ${Math.floor(counted / 60)} full minutes of ${addOn.programme.toUpperCase()} time, under the ` +
      `${addOn.mirroredThresholdMinutes} minutes of ${addOn.mirrors} (whether the add-on needs them is unsettled; ` +
      'this practice requires them, the default)'
    );
  }
  return undefined;
}

/** Evaluates the APCM month, or undefined when the month carries no APCM marker. */
export function evaluateApcm(
  record: PatientRecord,
  ctx: EngineContext,
  inputs: ApcmInputs,
): ApcmSummary | undefined {
  const marker = apcmMarker(record, ctx.month);
  if (!marker) return undefined;
  const rules = ctx.rules;
  const view = apcmView(record);
  const consent = consentFinding(view, ctx.month, rules, ctx.tz, 'apcm');
  const carePlan = carePlanFinding(view.carePlans, ctx.month);
  const practitioner = marker.practitioner;
  const earliestPlan = Math.min(...marker.plans.map((p) => p.periodStart ?? p.created ?? Infinity));
  const startedAt = consent.startedAt ?? (Number.isFinite(earliestPlan) ? earliestPlan : undefined);
  const visit = initiatingVisit(record, practitioner, startedAt, ctx);
  const elements = furnished(inputs.tally, rules);
  const warnings: string[] = [];
  const elementReasons =
    elements.length > 0
      ? []
      : [
          `No APCM element furnished and recorded in ${ctx.month.month} (a time entry with serviceType ` +
            'ccm-program#apcm by the practitioner or clinical staff under them): a month bills only when ' +
            'at least one element was furnished',
        ];
  const byName: Partial<Record<GateResult['name'], GateResult>> = {
    'patient-alive': patientAliveGate(record, ctx.month),
    consent: gate('consent', consent.problems),
    'care-plan': gate('care-plan', carePlan.problems),
    'initiating-visit': { name: 'initiating-visit', passed: visit.passed, reasons: visit.reasons },
    'element-furnished': gate('element-furnished', elementReasons),
    'one-practitioner': onePractitioner(record, marker, inputs.inMonth),
    'no-conflict': noConflict(record, practitioner, elements.length > 0, inputs, ctx, warnings),
  };
  const gates = rules.apcm.gates.flatMap((g) => byName[g] ?? []);
  const usable = inputs.conditions.groups.filter(
    (g) => !rules.chronicConditions.requireClaimCode || g.icd10,
  ).length;
  const qmb = qmbDuring(record, ctx.month);
  const level = apcmLevel(rules, usable, qmb !== undefined) as ApcmLevel;
  const qmbText = qmb
    ? `a Qualified Medicare Beneficiary during ${ctx.month.month} (${qmb.ref})`
    : `not recorded as a Qualified Medicare Beneficiary during ${ctx.month.month}`;
  const billable = gates.every((g) => g.passed);
  const addOns = behaviouralAddOns(record, { billable, practitioner }, inputs, ctx);
  if (addOns.lines.length > 0)
    warnings.push(
      `${addOns.lines.map((l) => l.code).join(', ')} bill this month's behavioural-health work with APCM: never also as 99484 or 99492-99494`,
    );
  return {
    programme: 'apcm',
    level,
    levelReason: `${usable} attested chronic condition(s); ${qmbText}: ${level.description}`,
    chronicGroups: usable,
    ...(qmb ? { qmb } : {}),
    ...(practitioner ? { practitioner } : {}),
    marker,
    consent,
    carePlan,
    ...(visit.visit ? { initiatingVisit: visit.visit } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    elements,
    gates,
    lines: billable ? [{ code: level.code, system: level.system, units: 1 }, ...addOns.lines] : [],
    billable,
    addOnsRefused: addOns.refused,
    warnings,
  };
}
