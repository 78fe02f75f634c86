/**
 * Output of the CCM operations as FHIR Parameters (R4 parameters.html): one named parameter per fact, with
 * `part`s for structured facts (a line, a gate, a condition group). The OperationDefinitions in
 * operation-definitions.ts describe the same names.
 */
import type { Coding, Parameters, ParametersParameter, Reference } from 'fhir/r4.js';
import type { GroupFinding } from '../engine/conditions.js';
import type { Eligibility } from '../engine/eligibility.js';
import type { ApcmSummary } from '../engine/apcm.js';
import type { BehaviouralSummary } from '../engine/behavioural.js';
import type { BillingLine } from '../engine/families.js';
import type { GateResult } from '../engine/gates.js';
import type { MonthSummary } from '../engine/month-summary.js';
import type { TimeWarning } from '../engine/time.js';
import { codeSystemUri } from '../rules/billing-rules.js';
import { SYSTEM } from '../vocabulary.js';

type P = ParametersParameter;

const ref = (reference: string, display?: string): Reference =>
  display ? { reference, display } : { reference };
const str = (name: string, valueString: string): P => ({ name, valueString });
const code = (name: string, valueCode: string): P => ({ name, valueCode });
const int = (name: string, valueInteger: number): P => ({ name, valueInteger });
const bool = (name: string, valueBoolean: boolean): P => ({ name, valueBoolean });
const refP = (name: string, reference: string, display?: string): P => ({
  name,
  valueReference: ref(reference, display),
});

/** The Coding of a billing code (CPT or HCPCS). */
export function billingCoding(line: Pick<BillingLine, 'code' | 'system'>): Coding {
  return { system: codeSystemUri(line.system), code: line.code };
}

/** One billable line. */
function lineParam(line: BillingLine): P {
  return {
    name: 'line',
    part: [{ name: 'code', valueCoding: billingCoding(line) }, int('units', line.units)],
  };
}

/** One gate with its reasons. */
function gateParam(g: GateResult): P {
  return {
    name: 'gate',
    part: [code('name', g.name), bool('passed', g.passed), ...g.reasons.map((r) => str('reason', r))],
  };
}

/** One distinct chronic condition. */
export function groupParam(g: GroupFinding): P {
  const part: P[] = [str('name', g.name)];
  if (g.groupId) part.push(code('group', g.groupId));
  part.push(code('chronic', g.chronic), bool('attested', g.attested));
  if (g.icd10) part.push({ name: 'icd10', valueCoding: { system: SYSTEM.icd10cm, code: g.icd10 } });
  for (const c of g.conditions) part.push(refP('evidence', c));
  return { name: 'condition-group', part };
}

/** Seconds of each programme with time (always ccm). */
function secondsParams(s: MonthSummary): P[] {
  return [...s.seconds.entries()].map(([programme, sec]) => ({
    name: 'seconds',
    part: [
      code('programme', programme),
      int('clinical-staff', sec['clinical-staff']),
      ...(sec['bh-care-manager'] > 0 ? [int('bh-care-manager', sec['bh-care-manager'])] : []),
      int('billing-practitioner', sec['billing-practitioner']),
      int('excluded', sec.excluded),
    ],
  }));
}

/** One warning about the month's time (an overlap, an entry cut at death) naming its entries. */
function warningParam(w: TimeWarning): P {
  return {
    name: 'warning',
    part: [
      code('kind', w.kind),
      ...w.entries.map((e) => refP('time-entry', e)),
      int('seconds-not-counted', w.seconds),
      str('message', w.message),
    ],
  };
}

/** The evidence references of a month. */
function evidenceParam(s: MonthSummary): P {
  const part: P[] = s.timeEntries.map((e) => refP('time-entry', e.ref));
  if (s.consent.consent) part.push(refP('consent', s.consent.consent.ref));
  if (s.carePlan.plan) part.push(refP('care-plan', s.carePlan.plan.ref));
  for (const g of s.conditions.groups) for (const c of g.conditions) part.push(refP('condition', c));
  if (s.initiatingVisit) part.push(refP('initiating-visit', s.initiatingVisit.ref));
  return { name: 'evidence', part };
}

/** The parameters of one patient's month, shared by $ccm-month-summary and each report entry. */
export function monthSummaryParameters(s: MonthSummary): Parameters {
  const parameter: P[] = [
    refP('patient', s.patient, s.name),
    str('month', s.month),
    str('timezone', s.timezone),
    str('rules-version', s.rulesVersion),
    code('programme', s.programme),
  ];
  if (s.family) parameter.push(code('family', s.family.id), str('family-reason', s.familyReason ?? ''));
  parameter.push(bool('billable', s.billable), code('consent-status', s.consent.status));
  if (s.practitioner) parameter.push(refP('billing-practitioner', s.practitioner));
  parameter.push(...secondsParams(s), int('counted-seconds', s.countedSeconds));
  parameter.push(...s.lines.map(lineParam));
  if (s.next) {
    parameter.push({
      name: 'next-threshold',
      part: [
        { name: 'code', valueCoding: billingCoding(nextLine(s)) },
        int('seconds-to-go', s.next.secondsToGo),
      ],
    });
  }
  parameter.push(...s.gates.map(gateParam));
  parameter.push(...s.conditions.groups.map(groupParam));
  for (const x of s.excluded)
    parameter.push({
      name: 'excluded-time',
      part: [refP('time-entry', x.entry.ref), str('reason', x.reason)],
    });
  parameter.push(...s.warnings.map(warningParam));
  parameter.push(evidenceParam(s));
  if (s.apcm) parameter.push(apcmParam(s.apcm));
  parameter.push(...s.behavioural.map(behaviouralParam));
  return { resourceType: 'Parameters', parameter };
}

/**
 * A BHI or CoCM month (present when the month carries the programme's marker or work under it): the family,
 * time, lines, what is missing (one `missing` per reason of a failed gate), the gates, notes and evidence.
 */
export function behaviouralParam(b: BehaviouralSummary): P {
  const part: P[] = [
    code('programme', b.programme),
    code('family', b.family.id),
    bool('billable', b.billable),
  ];
  part.push(code('consent-status', b.consent.status));
  if (b.practitioner) part.push(refP('billing-practitioner', b.practitioner));
  if (b.episode) part.push(code('episode', b.episode));
  part.push(
    int('counted-seconds', b.countedSeconds),
    int('counted-minutes', Math.floor(b.countedSeconds / 60)),
  );
  part.push(...b.lines.map(lineParam));
  if (b.billedWithApcm)
    part.push({
      name: 'billed-with-apcm',
      valueCoding: billingCoding({ code: b.billedWithApcm, system: 'hcpcs' }),
    });
  for (const g of b.gates)
    for (const r of g.reasons) part.push({ name: 'missing', part: [code('gate', g.name), str('reason', r)] });
  part.push(...b.gates.map(gateParam));
  part.push(...b.notes.map((n) => str('note', n)));
  part.push({ name: 'evidence', part: behaviouralEvidence(b) });
  return { name: 'programme-summary', part };
}

/** The evidence references of a BHI or CoCM month. */
function behaviouralEvidence(b: BehaviouralSummary): P[] {
  const evidence: P[] = b.timeEntries.map((e) => refP('time-entry', e));
  for (const p of b.marker?.plans ?? []) evidence.push(refP('care-plan', p.ref));
  if (b.consent.consent) evidence.push(refP('consent', b.consent.consent.ref));
  for (const c of b.conditions) evidence.push(refP('condition', c.ref));
  if (b.initiatingVisit) evidence.push(refP('initiating-visit', b.initiatingVisit.ref));
  for (const t of new Set(b.team.map((x) => x.ref))) evidence.push(refP('care-team', t));
  return evidence;
}

/**
 * The APCM month (present only for a month with the APCM marker): the level and why, what the patient has
 * (elements furnished, evidence) and what is missing (one `missing` per reason of a failed gate).
 */
export function apcmParam(a: ApcmSummary): P {
  const part: P[] = [
    code('programme', a.programme),
    { name: 'level', valueCoding: billingCoding(a.level) },
    str('level-reason', a.levelReason),
    bool('billable', a.billable),
    code('consent-status', a.consent.status),
  ];
  if (a.practitioner) part.push(refP('billing-practitioner', a.practitioner));
  part.push(int('chronic-conditions', a.chronicGroups), bool('qmb', a.qmb !== undefined));
  part.push(...a.lines.map(lineParam));
  for (const g of a.gates)
    for (const r of g.reasons) part.push({ name: 'missing', part: [code('gate', g.name), str('reason', r)] });
  part.push(...a.gates.map(gateParam));
  for (const e of a.elements)
    part.push({ name: 'element', part: [code('element', e.element), refP('time-entry', e.entry)] });
  for (const r of a.addOnsRefused) {
    part.push({
      name: 'add-on-refused',
      part: [
        { name: 'code', valueCoding: billingCoding({ code: r.code, system: 'hcpcs' }) },
        str('reason', r.reason),
      ],
    });
  }
  part.push(...a.warnings.map((w) => str('warning', w)));
  const evidence: P[] = a.marker.plans.map((p) => refP('care-plan', p.ref));
  if (a.consent.consent) evidence.push(refP('consent', a.consent.consent.ref));
  if (a.initiatingVisit) evidence.push(refP('initiating-visit', a.initiatingVisit.ref));
  if (a.qmb) evidence.push(refP('coverage', a.qmb.ref));
  part.push({ name: 'evidence', part: evidence });
  return { name: 'programme-summary', part };
}

/** The code system of the next threshold's code (the family's base or add-on). */
function nextLine(s: MonthSummary): Pick<BillingLine, 'code' | 'system'> {
  const f = s.family;
  const next = s.next as { code: string };
  const system = f && f.addOn.code === next.code ? f.addOn.system : (f?.base.system ?? 'cpt');
  return { code: next.code, system };
}

/** The parameters of $ccm-eligibility. */
export function eligibilityParameters(e: Eligibility, asOf: string): Parameters {
  const parameter: P[] = [refP('patient', e.patient), bool('eligible', e.eligible), str('as-of', asOf)];
  parameter.push(...e.conditions.groups.map(groupParam));
  for (const n of e.conditions.toReview) {
    parameter.push({
      name: 'condition-to-review',
      part: [refP('condition', n.ref), str('name', n.name), str('reason', n.reason)],
    });
  }
  for (const n of e.conditions.notCounted) {
    parameter.push({
      name: 'not-chronic',
      part: [refP('condition', n.ref), str('name', n.name), str('reason', n.reason)],
    });
  }
  const consent: P[] = [code('status', e.consent.status)];
  if (e.consent.consent) consent.push(refP('consent', e.consent.consent.ref));
  if (e.consent.practitioner) consent.push(refP('billing-practitioner', e.consent.practitioner));
  parameter.push({ name: 'consent', part: consent });
  const plan: P[] = [code('status', e.carePlan.status)];
  if (e.carePlan.plan) plan.push(refP('care-plan', e.carePlan.plan.ref));
  parameter.push({ name: 'care-plan', part: plan });
  for (const u of e.unmet)
    parameter.push({ name: 'reason', part: [code('requirement', u.requirement), str('text', u.reason)] });
  const a = e.apcm;
  const apcm: P[] = [
    bool('eligible', a.eligible),
    { name: 'level', valueCoding: billingCoding(a.level) },
    str('level-reason', a.levelReason),
    code('consent-status', a.consent.status),
  ];
  if (a.consent.consent) apcm.push(refP('consent', a.consent.consent.ref));
  for (const p of a.marker?.plans ?? []) apcm.push(refP('care-plan', p.ref));
  if (a.qmb) apcm.push(refP('coverage', a.qmb.ref));
  apcm.push(...a.unmet.map((u) => str('missing', u)));
  parameter.push({ name: 'apcm', part: apcm });
  return { resourceType: 'Parameters', parameter };
}
