/**
 * The monthly gates (ccm-rules.md, "Gates"): patient alive at some point of the month, consent, two or more chronic conditions, comprehensive care
 * plan, initiating visit, no conflicting programme. Every gate reports passed/failed with structured reasons;
 * a failure is never a silent drop.
 */
import type { CodeFamily, GateName } from '../rules/types.js';
import { monthOf, monthRange, shiftMonth } from '../time/zone.js';
import type { CarePlanFinding } from './care-plan.js';
import type { ConditionsFinding } from './conditions.js';
import type { ConsentFinding } from './consent.js';
import type { EngineContext } from './context.js';
import type { MonthRange } from '../time/zone.js';
import { APCM, apcmMarker } from './programme-marker.js';
import { practitionerOf, type PatientRecord, type TimeEntryRecord, type VisitRecord } from './record.js';

/** The result of one gate. */
export interface GateResult {
  name: GateName;
  passed: boolean;
  reasons: string[];
}

/** A gate result from its reasons (no reasons = passed). */
function gate(name: GateName, reasons: string[]): GateResult {
  return { name, passed: reasons.length === 0, reasons };
}

/**
 * Gate 0: the patient was alive at some point of the month (ccm-rules.md, "Death"): the month of death
 * bills what was reached before it, later months fail. A death recorded without a date
 * (deceasedBoolean = true) fails every month, since no month can be shown to precede it.
 */
export function patientAliveGate(record: PatientRecord, month: MonthRange): GateResult {
  const death = record.death;
  if (!death) return gate('patient-alive', []);
  if (death.at === undefined) {
    return gate('patient-alive', [
      `${record.patient} is recorded as deceased without a date (deceasedBoolean): record deceasedDateTime to bill the months before death`,
    ]);
  }
  if (death.at > month.start) return gate('patient-alive', []);
  return gate('patient-alive', [
    `${record.patient} died before ${month.month} (deceased ${new Date(death.at).toISOString()})`,
  ]);
}

/** Gate 1: consent on file, complete, naming the practitioner who bills this month (the assigned one). */
export function consentGate(
  consent: ConsentFinding,
  inMonth: TimeEntryRecord[],
  record: PatientRecord,
): GateResult {
  const reasons = [...consent.problems];
  if (consent.practitioner && (consent.status === 'accepted' || consent.status === 'revoked-this-month')) {
    const others = new Set<string>();
    for (const e of inMonth) {
      const who = practitionerOf(record, e.individual);
      if (e.programme === 'ccm' && e.role === 'billing-practitioner' && who && who !== consent.practitioner)
        others.add(who);
    }
    for (const who of others) {
      const named = consent.assignment
        ? `the month's billing practitioner is ${consent.practitioner} (${consent.assignment.ref})`
        : `${consent.consent?.ref} names ${consent.practitioner}`;
      reasons.push(
        `Billing-practitioner time this month by ${who}, but ${named}: record the change of billing practitioner; ` +
          'a new consent is needed when the billing practitioner changes',
      );
    }
  }
  return gate('consent', reasons);
}

/** Gate 2: enough distinct chronic conditions, each with an ICD-10-CM code for the claim. */
export function conditionsGate(
  found: ConditionsFinding,
  family: CodeFamily | undefined,
  ctx: EngineContext,
): GateResult {
  const needed = family?.minChronicGroups ?? 2;
  const requireCode = ctx.rules.chronicConditions.requireClaimCode;
  const usable = found.groups.filter((g) => !requireCode || g.icd10);
  const reasons: string[] = [];
  if (usable.length < needed) {
    const names = usable.map((g) => g.name).join('; ') || 'none';
    reasons.push(
      `${usable.length} distinct chronic condition(s) (${names}); ${family?.id ?? 'CCM'} needs at least ${needed}`,
    );
    for (const g of found.groups)
      if (requireCode && !g.icd10) reasons.push(`${g.name} has no ICD-10-CM code for the claim`);
    for (const n of found.toReview) reasons.push(`${n.ref} (${n.name}) ${n.reason}`);
  }
  return gate('chronic-conditions', reasons);
}

/** Gate 3: a care plan in effect and a copy given to the patient. */
export function carePlanGate(found: CarePlanFinding): GateResult {
  return gate('care-plan', found.problems);
}

/** The practitioners of a programme's work (`undefined` for staff work under nobody known). */
export function workers(
  record: PatientRecord,
  entries: TimeEntryRecord[],
  staffUnder: string | undefined,
): Set<string | undefined> {
  return new Set(
    entries.map((e) =>
      e.role === 'billing-practitioner' ? practitionerOf(record, e.individual) : staffUnder,
    ),
  );
}

/** The qualifying initiating visits of the billing practitioner, oldest first. */
export function qualifyingVisits(
  record: PatientRecord,
  practitioner: string,
  ctx: EngineContext,
): VisitRecord[] {
  return record.visits
    .filter(
      (v) =>
        v.start !== undefined &&
        !['cancelled', 'entered-in-error', 'planned'].includes(v.status) &&
        v.codes.some((c) => ctx.visitCodes.has(c)) &&
        v.participants.some((p) => practitionerOf(record, p) === practitioner),
    )
    .sort((a, b) => (a.start as number) - (b.start as number));
}

/**
 * The practitioner's latest qualifying visit from `lookbackMonths` months before the month `startedAt` falls in
 * to the end of that month (the initiating-visit window of CCM, APCM, BHI and CoCM), with the window's months.
 */
export function latestVisitWithin(
  record: PatientRecord,
  practitioner: string,
  startedAt: number,
  lookbackMonths: number,
  ctx: EngineContext,
): { visit?: VisitRecord; fromMonth: string; firstMonth: string } {
  const firstMonth = monthOf(startedAt, ctx.tz);
  const fromMonth = shiftMonth(firstMonth, -lookbackMonths);
  const from = monthRange(fromMonth, ctx.tz).start;
  const to = monthRange(firstMonth, ctx.tz).end;
  const seen = qualifyingVisits(record, practitioner, ctx).filter(
    (v) => (v.start as number) >= from && (v.start as number) < to,
  );
  return { visit: seen[seen.length - 1], fromMonth, firstMonth };
}

/** Gate 4: an E/M, AWV or IPPE visit by the billing practitioner within the year before CCM started. */
export function initiatingVisitGate(
  record: PatientRecord,
  consent: ConsentFinding,
  ctx: EngineContext,
): GateResult & { visit?: VisitRecord } {
  if (!consent.practitioner || consent.startedAt === undefined) {
    return gate('initiating-visit', [
      'Cannot check the initiating visit: no consent naming the billing practitioner',
    ]);
  }
  const { visit, fromMonth, firstMonth } = latestVisitWithin(
    record,
    consent.practitioner,
    consent.startedAt,
    ctx.rules.initiatingVisit.lookbackMonths,
    ctx,
  );
  if (visit) return { ...gate('initiating-visit', []), visit };
  const { cptRange, hcpcs } = ctx.rules.initiatingVisit;
  return gate('initiating-visit', [
    `No initiating visit (E/M ${cptRange[0]}-${cptRange[1]}, AWV or IPPE ${hcpcs.join('/')}) by ${consent.practitioner} ` +
      `from ${fromMonth} to ${firstMonth} (CCM started ${firstMonth})`,
  ]);
}

/**
 * Gate 5: no conflicting programme (PCM, APCM) by the same practitioner in the month; APCM staff time counts as
 * the APCM practitioner's (the author of the month's APCM plan, programme-marker.ts).
 */
export function conflictGate(
  record: PatientRecord,
  inMonth: TimeEntryRecord[],
  primary: string,
  practitioner: string | undefined,
  ctx: EngineContext,
): GateResult {
  const reasons: string[] = [];
  const hasPrimaryTime = inMonth.some((e) => e.programme === primary && e.status === 'finished');
  for (const programme of ctx.rules.conflictingProgrammes) {
    if (programme === primary || !hasPrimaryTime) continue;
    const entries = inMonth.filter((e) => e.programme === programme && e.status === 'finished');
    if (entries.length === 0) continue;
    const who = new Set(
      entries
        .filter((e) => e.role === 'billing-practitioner')
        .map((e) => practitionerOf(record, e.individual)),
    );
    // APCM staff work is furnished under the month's APCM practitioner (the marked plan's author)
    const apcmPractitioner = programme === APCM ? apcmMarker(record, ctx.month)?.practitioner : undefined;
    if (apcmPractitioner && entries.some((e) => e.role !== 'billing-practitioner')) who.add(apcmPractitioner);
    if (who.size === 0) {
      reasons.push(
        `${programme.toUpperCase()} time this month whose practitioner is not identified: it may conflict with ${primary.toUpperCase()}`,
      );
    } else if (practitioner === undefined || who.has(practitioner)) {
      reasons.push(
        `${programme.toUpperCase()} by ${practitioner ?? 'the same practitioner'} in the same month as ${primary.toUpperCase()}: bill one programme`,
      );
    }
  }
  return gate('no-conflict', reasons);
}
