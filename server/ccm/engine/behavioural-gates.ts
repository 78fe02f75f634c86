/**
 * The gates of a BHI or CoCM month (ccm-rules.md, "BHI and CoCM", gates 1, 4, 5; behavioural.ts evaluates the
 * month): the condition the marker plan addresses, the initiating visit, the CoCM team, one practitioner, and
 * 99484 with CoCM by the same practitioner. Each failure is a reason.
 */
import type { BehaviouralFamily, GateName } from '../rules/types.js';
import { SYSTEM } from '../vocabulary.js';
import type { ConsentFinding } from './consent.js';
import type { EngineContext } from './context.js';
import { latestVisitWithin, workers, type GateResult } from './gates.js';
import { programmeMarker, type ProgrammeMarker } from './programme-marker.js';
import {
  practitionerOf,
  type ConditionRecord,
  type PatientRecord,
  type TeamRoleRecord,
  type TimeEntryRecord,
  type VisitRecord,
} from './record.js';

/** What a programme's month knows before its time is tallied (its consent decides which minutes count). */
export interface BehaviouralPrelude {
  family: BehaviouralFamily;
  marker?: ProgrammeMarker;
  consent: ConsentFinding;
}

/** A gate result from its reasons (no reasons = passed). */
export function gate(name: GateName, reasons: string[]): GateResult {
  return { name, passed: reasons.length === 0, reasons };
}

/** Finished entries of a programme in the month. */
export function workOf(inMonth: TimeEntryRecord[], programme: string): TimeEntryRecord[] {
  return inMonth.filter((e) => e.programme === programme && e.status === 'finished');
}

/** Whether a condition is in force at some point of the month. */
function inForce(c: ConditionRecord, month: { start: number; end: number }): boolean {
  if (['resolved', 'inactive', 'remission'].includes(c.clinicalStatus ?? '')) return false;
  if (['entered-in-error', 'refuted'].includes(c.verificationStatus ?? '')) return false;
  if (c.onset !== undefined && c.onset >= month.end) return false;
  return c.abatement === undefined || c.abatement >= month.start;
}

/** Gate: the marker plan addresses a mental, behavioural or substance-use condition (with its claim code). */
export function conditionGate(
  record: PatientRecord,
  p: BehaviouralPrelude,
  ctx: EngineContext,
): { gate: GateResult; conditions: Array<{ ref: string; icd10: string }> } {
  const label = labelOf(p.family);
  if (!p.marker) {
    return {
      conditions: [],
      gate: gate('behavioural-condition', [
        `No ${label} plan in effect during ${ctx.month.month}: a CarePlan (category ccm-care-plan and ` +
          `ccm-program#${p.family.programme}) by the billing practitioner, addressing the mental, behavioural or ` +
          `substance-use condition they judge to warrant ${label}, marks the month`,
      ]),
    };
  }
  const prefixes = ctx.rules.behavioural.conditionIcd10Prefixes;
  const addressed = new Set(p.marker.plans.flatMap((plan) => plan.addresses));
  const conditions = record.conditions.flatMap((c) => {
    if (!addressed.has(c.ref) || !inForce(c, ctx.month)) return [];
    const icd10 = c.codings.find(
      (x) => x.system === SYSTEM.icd10cm && x.code && prefixes.some((f) => x.code?.startsWith(f)),
    )?.code;
    return icd10 ? [{ ref: c.ref, icd10 }] : [];
  });
  const reasons =
    conditions.length > 0
      ? []
      : [
          `${p.marker.plans.map((x) => x.ref).join(', ')} addresses no mental, behavioural or substance-use ` +
            `condition in force during ${ctx.month.month} with an ICD-10-CM code (${prefixes.join(', ')}…) for the claim`,
        ];
  return { gate: gate('behavioural-condition', reasons), conditions };
}

/** Gate: an E/M, AWV or IPPE by the practitioner within the lookback before the programme began. */
export function visitGate(
  record: PatientRecord,
  p: BehaviouralPrelude,
  ctx: EngineContext,
): GateResult & { visit?: VisitRecord } {
  const practitioner = p.marker?.practitioner ?? p.consent.practitioner;
  const plans = p.marker?.plans ?? [];
  const earliest = Math.min(...plans.map((x) => x.periodStart ?? x.created ?? Infinity));
  const startedAt = p.consent.startedAt ?? (Number.isFinite(earliest) ? earliest : undefined);
  const label = labelOf(p.family);
  if (!practitioner || startedAt === undefined) {
    return gate('initiating-visit', [
      `Cannot check the initiating visit: no ${label} practitioner (plan author) or start date`,
    ]);
  }
  const months = ctx.rules.behavioural.initiatingVisitLookbackMonths;
  const { visit, fromMonth, firstMonth } = latestVisitWithin(record, practitioner, startedAt, months, ctx);
  if (visit) return { ...gate('initiating-visit', []), visit };
  const { cptRange, hcpcs } = ctx.rules.initiatingVisit;
  return gate('initiating-visit', [
    `No initiating visit (E/M ${cptRange[0]}-${cptRange[1]}, AWV or IPPE ${hcpcs.join('/')}) by ${practitioner} ` +
      `from ${fromMonth} to ${firstMonth} (${label} started ${firstMonth})`,
  ]);
}

/** Gate: the care-team roles the family needs (CoCM: a care manager and a psychiatric consultant) in the month. */
export function teamGate(
  record: PatientRecord,
  family: BehaviouralFamily,
  ctx: EngineContext,
): { gate: GateResult; team: TeamRoleRecord[] } {
  const team = (record.bhTeam ?? []).filter(
    (t) =>
      !(t.status === 'inactive' && t.end === undefined) &&
      (t.start === undefined || t.start < ctx.month.end) &&
      (t.end === undefined || t.end >= ctx.month.start),
  );
  const reasons = family.teamRoles
    .filter((role) => !team.some((t) => t.role === role))
    .map(
      (role) =>
        `No ${role.replace(/-/g, ' ')} on the patient's care team during ${ctx.month.month} (CareTeam.participant.role ` +
        `ccm-time-role#${role}): ${labelOf(family)} needs a behavioural-health care manager and a psychiatric consultant`,
    );
  return { gate: gate('cocm-team', reasons), team };
}

/** Gate: one practitioner per month (one author of the marker plans; no practitioner time by another). */
export function onePractitioner(
  record: PatientRecord,
  p: BehaviouralPrelude,
  inMonth: TimeEntryRecord[],
): GateResult {
  const reasons: string[] = [];
  const label = labelOf(p.family);
  const practitioner = p.marker?.practitioner ?? p.consent.practitioner;
  if (p.marker && p.marker.practitioners.length > 1) {
    reasons.push(
      `${label} plans by ${p.marker.practitioners.join(' and ')} are in effect in the same month ` +
        `(${p.marker.plans.map((x) => x.ref).join(', ')}): ${label} is billed by one practitioner per month`,
    );
  }
  const others = new Set<string>();
  for (const e of workOf(inMonth, p.family.programme)) {
    const who = practitionerOf(record, e.individual);
    if (e.role === 'billing-practitioner' && who && who !== practitioner) others.add(who);
  }
  for (const who of others) {
    reasons.push(
      `${label} billing-practitioner time this month by ${who}, but the ${label} practitioner is ` +
        `${practitioner ?? 'not named'}: one billing practitioner per programme per month`,
    );
  }
  return gate('one-practitioner', reasons);
}

/** Gate 5: no conflicting programme (99484 with CoCM) by the same practitioner with documented work of both. */
export function noConflict(
  record: PatientRecord,
  p: BehaviouralPrelude,
  inMonth: TimeEntryRecord[],
  ctx: EngineContext,
): GateResult {
  const mine = workOf(inMonth, p.family.programme);
  const practitioner = p.marker?.practitioner ?? p.consent.practitioner;
  if (mine.length === 0) return gate('no-conflict', []);
  const reasons: string[] = [];
  for (const pair of ctx.rules.behavioural.conflicts) {
    if (!pair.includes(p.family.programme)) continue;
    const other = pair[0] === p.family.programme ? pair[1] : pair[0];
    const theirs = workOf(inMonth, other);
    if (theirs.length === 0) continue;
    const otherPractitioner = programmeMarker(record, ctx.month, other)?.practitioner;
    const who = workers(record, theirs, otherPractitioner);
    if (!(who.has(undefined) || practitioner === undefined || who.has(practitioner))) continue;
    const otherLabel = labelOf(ctx.rules.behavioural.families.find((f) => f.programme === other));
    reasons.push(
      `${otherLabel} work by ${who.has(undefined) || !practitioner ? 'a practitioner not identified' : practitioner} ` +
        `in the same month as ${labelOf(p.family)}: 99484 and CoCM are not billed by the same practitioner in one ` +
        'month; nothing bills until one programme is chosen',
    );
  }
  return gate('no-conflict', reasons);
}

/** `BHI (99484)` or `CoCM`. */
export function labelOf(family: BehaviouralFamily | undefined): string {
  return family?.programme === 'cocm' ? 'CoCM' : 'BHI (99484)';
}
