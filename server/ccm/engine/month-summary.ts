/**
 * Evaluates one patient for one calendar month in the practice zone: time per programme and role, the one
 * code family documented, the billable lines, every gate, and the evidence behind them (ccm-rules.md).
 * Lines are billable only when every gate passes; the reasons of failed gates are always reported.
 */
import { codeSystemUri } from '../rules/billing-rules.js';
import { evaluateApcm, type ApcmSummary } from './apcm.js';
import {
  behaviouralPreludes,
  evaluateBehavioural,
  withApcmAddOns,
  type BehaviouralSummary,
} from './behavioural.js';
import type { CodeFamily } from '../rules/types.js';
import { carePlanFinding, type CarePlanFinding } from './care-plan.js';
import { chronicGroups, type ConditionsFinding } from './conditions.js';
import { consentFinding, type ConsentFinding } from './consent.js';
import type { EngineContext } from './context.js';
import { chooseFamily, familySeconds, linesFor, nextThreshold, type BillingLine } from './families.js';
import {
  carePlanGate,
  conditionsGate,
  conflictGate,
  consentGate,
  initiatingVisitGate,
  patientAliveGate,
  qualifyingVisits,
  type GateResult,
} from './gates.js';
import type { PatientRecord, TimeEntryRecord, VisitRecord } from './record.js';
import {
  countedSecondsOf,
  entriesInMonth,
  tallyTime,
  type ProgrammeSeconds,
  type TimeTally,
  type TimeWarning,
} from './time.js';

/** The evaluation of one patient and month. */
export interface MonthSummary {
  patient: string;
  name?: string;
  month: string;
  timezone: string;
  rulesVersion: string;
  /** The programme billed this month (ccm unless only PCM time was documented). */
  programme: 'ccm' | 'pcm';
  family?: CodeFamily;
  familyReason?: string;
  /** Seconds per programme and role. */
  seconds: Map<string, ProgrammeSeconds>;
  /** Seconds counting toward the chosen family. */
  countedSeconds: number;
  lines: BillingLine[];
  gates: GateResult[];
  billable: boolean;
  next?: { code: string; secondsToGo: number };
  practitioner?: string;
  consent: ConsentFinding;
  conditions: ConditionsFinding;
  carePlan: CarePlanFinding;
  initiatingVisit?: VisitRecord;
  timeEntries: TimeEntryRecord[];
  excluded: TimeTally['excluded'];
  /** Overlaps and entries cut at death (ccm-rules.md, "Overlaps", "Death"). */
  warnings: TimeWarning[];
  /** The APCM month, present when the month carries the APCM marker (programme-marker.ts). */
  apcm?: ApcmSummary;
  /** The BHI and CoCM months: each programme with its marker or work recorded this month. */
  behavioural: BehaviouralSummary[];
}

/** The gates in the rules' order. */
function evaluateGates(
  record: PatientRecord,
  ctx: EngineContext,
  parts: {
    consent: ConsentFinding;
    conditions: ConditionsFinding;
    carePlan: CarePlanFinding;
    family?: CodeFamily;
  },
  inMonth: TimeEntryRecord[],
  programme: string,
): { gates: GateResult[]; visit?: VisitRecord } {
  const visitGate = initiatingVisitGate(record, parts.consent, ctx);
  const byName: Record<string, GateResult> = {
    'patient-alive': patientAliveGate(record, ctx.month),
    consent: consentGate(parts.consent, inMonth, record),
    'chronic-conditions': conditionsGate(parts.conditions, parts.family, ctx),
    'care-plan': carePlanGate(parts.carePlan),
    'initiating-visit': { name: visitGate.name, passed: visitGate.passed, reasons: visitGate.reasons },
    'no-conflict': conflictGate(record, inMonth, programme, parts.consent.practitioner, ctx),
  };
  return { gates: ctx.rules.gates.map((g) => byName[g]), visit: visitGate.visit };
}

/** The G0506 line when the patient's first initiating visit carrying it falls in this month. */
function initiationLine(
  record: PatientRecord,
  practitioner: string | undefined,
  ctx: EngineContext,
): BillingLine[] {
  if (!practitioner) return [];
  const code = `${codeSystemUri(ctx.rules.initiation.system)}|${ctx.rules.initiation.code}`;
  const first = qualifyingVisits(record, practitioner, ctx).find((v) => v.codes.includes(code));
  if (!first || (first.start as number) < ctx.month.start || (first.start as number) >= ctx.month.end)
    return [];
  return [{ code: ctx.rules.initiation.code, system: ctx.rules.initiation.system, units: 1 }];
}

/** Evaluates a patient's month. */
export function evaluateMonth(record: PatientRecord, ctx: EngineContext): MonthSummary {
  const inMonth = entriesInMonth(record.timeEntries, ctx.month);
  const consent = consentFinding(record, ctx.month, ctx.rules, ctx.tz);
  const preludes = behaviouralPreludes(record, ctx, inMonth);
  const tally = tallyTime(inMonth, consent, ctx.rules, {
    death: record.death,
    roleToPractitioner: record.roleToPractitioner,
    consents: Object.fromEntries(preludes.map((p) => [p.family.programme, p.consent])),
    otherServices: record.otherServices,
  });
  const ccm = tally.byProgramme.get('ccm') as ProgrammeSeconds;
  const pcm = tally.byProgramme.get('pcm');
  const programme = countedSecondsOf(ccm) === 0 && countedSecondsOf(pcm) > 0 ? 'pcm' : 'ccm';
  const seconds = programme === 'ccm' ? ccm : (pcm as ProgrammeSeconds);
  const carePlan = carePlanFinding(record.carePlans, ctx.month);
  const mdm = tally.counted.some(
    (e) => e.programme === programme && e.mdm !== undefined && ctx.rules.complex.mdmLevels.includes(e.mdm),
  );
  const choice = chooseFamily(ctx.rules, programme, seconds, { mdm, revised: carePlan.revisedInMonth });
  const conditions = chronicGroups(
    record.conditions,
    ctx.classifier,
    ctx.rules,
    ctx.month.start,
    ctx.month.end,
  );
  const parts = { consent, conditions, carePlan, family: choice?.family };
  const { gates, visit } = evaluateGates(record, ctx, parts, inMonth, programme);
  const counted = choice ? familySeconds(choice.family, seconds) : 0;
  const allPassed = gates.every((g) => g.passed);
  const lines =
    allPassed && choice
      ? [...linesFor(choice.family, counted), ...initiationLine(record, consent.practitioner, ctx)]
      : [];
  const apcm = evaluateApcm(record, ctx, {
    inMonth,
    tally,
    conditions,
    ccmPractitioner: consent.practitioner,
  });
  const behavioural = withApcmAddOns(
    evaluateBehavioural(record, ctx, preludes, inMonth, tally),
    apcm,
    ctx.rules,
  );
  return {
    ...(apcm ? { apcm } : {}),
    behavioural,
    patient: record.patient,
    ...(record.name ? { name: record.name } : {}),
    month: ctx.month.month,
    timezone: ctx.tz,
    rulesVersion: ctx.rules.version,
    programme,
    family: choice?.family,
    familyReason: choice?.reason,
    seconds: tally.byProgramme,
    countedSeconds: counted,
    lines,
    gates,
    billable: allPassed && lines.length > 0,
    next: choice ? nextThreshold(choice.family, counted) : undefined,
    practitioner: consent.practitioner,
    consent,
    conditions,
    carePlan,
    initiatingVisit: visit,
    timeEntries: tally.counted,
    excluded: tally.excluded,
    warnings: tally.warnings,
  };
}

/** One billable line of a month and the programme whose work it bills. */
export interface ProgrammeLine extends BillingLine {
  programme: string;
}

/** Every billable line of a month: CCM/PCM (with G0506), then APCM (with its add-ons), then BHI and CoCM. */
export function monthLines(s: MonthSummary): ProgrammeLine[] {
  return [
    ...s.lines.map((l) => ({ ...l, programme: s.programme })),
    ...(s.apcm?.lines ?? []).map((l) => ({ ...l, programme: 'apcm' })),
    ...s.behavioural.flatMap((b) => b.lines.map((l) => ({ ...l, programme: b.programme }))),
  ];
}
