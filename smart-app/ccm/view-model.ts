/**
 * What the Conditions and Time screens show about eligibility and a month, built either from the server's
 * CCM operations (`$ccm-eligibility`, `$ccm-month-summary` Parameters) or from the engine run in the app,
 * and the progress toward the next billing threshold computed from the billing rules data.
 */
import type { Parameters, ParametersParameter } from 'fhir/r4.js';
import type { Eligibility } from '../../server/ccm/engine/eligibility.js';
import type { MonthSummary } from '../../server/ccm/engine/month-summary.js';
import { rulesFor } from '../../server/ccm/rules/billing-rules.js';
import type { CodeFamily } from '../../server/ccm/rules/types.js';

/** Eligibility as the Conditions screen shows it. */
export interface EligibilityView {
  eligible: boolean;
  groups: Array<{ name: string; chronic: string; attested: boolean; icd10?: string; conditions: string[] }>;
  toReview: Array<{ ref: string; name: string; reason: string }>;
  notCounted: Array<{ ref: string; name: string; reason: string }>;
  reasons: string[];
  consentStatus: string;
  carePlanStatus: string;
  source: 'server' | 'app';
}

/**
 * The programme of a month as the Time screen shows it: APCM with its level when the month carries the APCM
 * marker, else CCM or PCM with the documented family.
 */
export interface ProgrammeView {
  code: string;
  /** `APCM G0557`, `CCM 99490`, `PCM`. */
  label: string;
  /** APCM: whether every APCM gate passed. */
  billable?: boolean;
  /** APCM: what is missing (one line per reason of a failed gate). */
  missing: string[];
}

/** A month as the Time screen shows it. */
export interface MonthView {
  programme: ProgrammeView;
  /**
   * BHI and CoCM months beside it (each with its marker plan or work this month): `BHI 99484`, `CoCM 99493`,
   * billable, the codes reached, what is missing.
   */
  behavioural: Array<ProgrammeView & { lines: string[] }>;
  countedSeconds: number;
  familyId?: string;
  lines: Array<{ code: string; units: number }>;
  gates: Array<{ name: string; passed: boolean; reasons: string[] }>;
  /** Overlaps of one person's entries and entries cut at death (ccm-rules.md, "Overlaps", "Death"). */
  warnings: string[];
  source: 'server' | 'app';
}

type P = ParametersParameter;
const parts = (p: P, name: string) => (p.part ?? []).filter((x) => x.name === name);
const part = (p: P, name: string) => parts(p, name)[0];
const all = (ps: Parameters, name: string) => (ps.parameter ?? []).filter((x) => x.name === name);

/** A note (condition to review / not chronic) from its parameter. */
function note(p: P) {
  return {
    ref: part(p, 'condition')?.valueReference?.reference ?? '',
    name: part(p, 'name')?.valueString ?? '',
    reason: part(p, 'reason')?.valueString ?? '',
  };
}

/** EligibilityView from `$ccm-eligibility`. */
export function eligibilityFromParameters(ps: Parameters): EligibilityView {
  return {
    eligible: all(ps, 'eligible')[0]?.valueBoolean === true,
    groups: all(ps, 'condition-group').map((g) => ({
      name: part(g, 'name')?.valueString ?? '',
      chronic: part(g, 'chronic')?.valueCode ?? '',
      attested: part(g, 'attested')?.valueBoolean === true,
      icd10: part(g, 'icd10')?.valueCoding?.code,
      conditions: parts(g, 'evidence').flatMap((e) => e.valueReference?.reference ?? []),
    })),
    toReview: all(ps, 'condition-to-review').map(note),
    notCounted: all(ps, 'not-chronic').map(note),
    reasons: all(ps, 'reason').flatMap((r) => part(r, 'text')?.valueString ?? []),
    consentStatus: part(all(ps, 'consent')[0] ?? {}, 'status')?.valueCode ?? 'none',
    carePlanStatus: part(all(ps, 'care-plan')[0] ?? {}, 'status')?.valueCode ?? 'none',
    source: 'server',
  };
}

/** EligibilityView from the engine run in the app. */
export function eligibilityFromEngine(e: Eligibility): EligibilityView {
  return {
    eligible: e.eligible,
    groups: e.conditions.groups.map((g) => ({
      name: g.name,
      chronic: g.chronic,
      attested: g.attested,
      icd10: g.icd10,
      conditions: g.conditions,
    })),
    toReview: e.conditions.toReview,
    notCounted: e.conditions.notCounted,
    reasons: e.unmet.map((u) => u.reason),
    consentStatus: e.consent.status,
    carePlanStatus: e.carePlan.status,
    source: 'app',
  };
}

/** The programme line of a month from `$ccm-month-summary`. */
function programmeFromParameters(ps: Parameters): ProgrammeView {
  const apcm = all(ps, 'programme-summary').find((p) => part(p, 'programme')?.valueCode === 'apcm');
  if (apcm) {
    return {
      code: 'apcm',
      label: `APCM ${part(apcm, 'level')?.valueCoding?.code ?? ''}`.trim(),
      billable: part(apcm, 'billable')?.valueBoolean === true,
      missing: parts(apcm, 'missing').flatMap((m) => part(m, 'reason')?.valueString ?? []),
    };
  }
  const code = all(ps, 'programme')[0]?.valueCode ?? 'ccm';
  const family = all(ps, 'family')[0]?.valueCode;
  return { code, label: `${code.toUpperCase()}${family ? ` ${family}` : ''}`, missing: [] };
}

/** The programme line of a month from the engine. */
function programmeFromEngine(s: MonthSummary): ProgrammeView {
  if (s.apcm) {
    return {
      code: 'apcm',
      label: `APCM ${s.apcm.level.code}`,
      billable: s.apcm.billable,
      missing: s.apcm.gates.flatMap((g) => g.reasons),
    };
  }
  return {
    code: s.programme,
    label: `${s.programme.toUpperCase()}${s.family ? ` ${s.family.id}` : ''}`,
    missing: [],
  };
}

/** `BHI`, `CoCM`. */
const bhLabel = (code: string) => (code === 'cocm' ? 'CoCM' : code.toUpperCase());

/** The BHI and CoCM lines of a month from `$ccm-month-summary`. */
function behaviouralFromParameters(ps: Parameters): MonthView['behavioural'] {
  return all(ps, 'programme-summary')
    .filter((p) => ['bhi', 'cocm'].includes(part(p, 'programme')?.valueCode ?? ''))
    .map((p) => {
      const code = part(p, 'programme')?.valueCode ?? '';
      const lines = parts(p, 'line').map((l) => part(l, 'code')?.valueCoding?.code ?? '');
      const apcm = part(p, 'billed-with-apcm')?.valueCoding?.code;
      return {
        code,
        label: `${bhLabel(code)} ${lines[0] ?? apcm ?? ''}`.trim(),
        billable: part(p, 'billable')?.valueBoolean === true,
        missing: parts(p, 'missing').flatMap((m) => part(m, 'reason')?.valueString ?? []),
        lines: apcm ? [`${apcm} (with APCM)`] : lines,
      };
    });
}

/** The BHI and CoCM lines of a month from the engine. */
function behaviouralFromEngine(s: MonthSummary): MonthView['behavioural'] {
  return s.behavioural.map((b) => ({
    code: b.programme,
    label: `${bhLabel(b.programme)} ${b.lines[0]?.code ?? b.billedWithApcm ?? ''}`.trim(),
    billable: b.billable,
    missing: b.gates.flatMap((g) => g.reasons),
    lines: b.billedWithApcm ? [`${b.billedWithApcm} (with APCM)`] : b.lines.map((l) => l.code),
  }));
}

/** MonthView from `$ccm-month-summary`. */
export function monthFromParameters(ps: Parameters): MonthView {
  return {
    programme: programmeFromParameters(ps),
    behavioural: behaviouralFromParameters(ps),
    countedSeconds: all(ps, 'counted-seconds')[0]?.valueInteger ?? 0,
    familyId: all(ps, 'family')[0]?.valueCode,
    lines: all(ps, 'line').map((l) => ({
      code: part(l, 'code')?.valueCoding?.code ?? '',
      units: part(l, 'units')?.valueInteger ?? 1,
    })),
    gates: all(ps, 'gate').map((g) => ({
      name: part(g, 'name')?.valueCode ?? '',
      passed: part(g, 'passed')?.valueBoolean === true,
      reasons: parts(g, 'reason').flatMap((r) => r.valueString ?? []),
    })),
    warnings: all(ps, 'warning').flatMap((w) => part(w, 'message')?.valueString ?? []),
    source: 'server',
  };
}

/** MonthView from the engine run in the app. */
export function monthFromEngine(s: MonthSummary): MonthView {
  return {
    programme: programmeFromEngine(s),
    behavioural: behaviouralFromEngine(s),
    countedSeconds: s.countedSeconds,
    familyId: s.family?.id,
    lines: s.lines.map((l) => ({ code: l.code, units: l.units })),
    gates: s.gates.map((g) => ({ name: g.name, passed: g.passed, reasons: g.reasons })),
    warnings: s.warnings.map((w) => w.message),
    source: 'app',
  };
}

/** `6 minutes`, `5 min 30 s`. */
export function duration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (s === 0) return `${m} minute${m === 1 ? '' : 's'}`;
  return m === 0 ? `${s} s` : `${m} min ${s} s`;
}

/** Progress of a month toward the next threshold of its code family (full minutes only, never rounded up). */
export interface Progress {
  family: string;
  /** `14 of 20 minutes toward 99490` */
  toward: string;
  /** `6 minutes to 99439`, absent at the cap. */
  remaining?: string;
  /** Codes whose threshold is reached, e.g. `99490`, `99439 ×1`. */
  reached: string[];
  percent: number;
}

/** The family the month is billed under (the staff family of CCM when nothing was chosen yet). */
function familyFor(month: string, id?: string): CodeFamily | undefined {
  const rules = rulesFor(month);
  if (!rules) return undefined;
  return (
    rules.families.find((f) => f.id === id) ??
    rules.families.find((f) => f.programme === 'ccm' && f.selection === 'staff')
  );
}

/** Progress toward the next threshold, from the billing rules in force that month. */
export function progressOf(month: string, countedSeconds: number, familyId?: string): Progress | undefined {
  const f = familyFor(month, familyId);
  if (!f) return undefined;
  const minutes = Math.floor(countedSeconds / 60);
  const base = f.base.thresholdMinutes * 60;
  if (countedSeconds < base) {
    return {
      family: f.id,
      toward: `${minutes} of ${f.base.thresholdMinutes} minutes toward ${f.base.code}`,
      remaining: `${duration(base - countedSeconds)} to ${f.base.code}`,
      reached: [],
      percent: Math.floor((countedSeconds / base) * 100),
    };
  }
  const block = f.addOn.blockMinutes * 60;
  const done = Math.floor((countedSeconds - base) / block);
  const units = f.addOn.cap === null ? done : Math.min(done, f.addOn.cap);
  const reached = [`${f.base.code} reached`, ...(units > 0 ? [`${f.addOn.code} ×${units} reached`] : [])];
  if (f.addOn.cap !== null && done >= f.addOn.cap) {
    return {
      family: f.id,
      toward: `${minutes} minutes: every code of ${f.id} reached`,
      reached,
      percent: 100,
    };
  }
  const nextAt = base + (done + 1) * block;
  const target = nextAt / 60;
  return {
    family: f.id,
    toward: `${minutes} of ${target} minutes toward ${f.addOn.code}`,
    remaining: `${duration(nextAt - countedSeconds)} to ${f.addOn.code}`,
    reached,
    percent: Math.floor(((countedSeconds - (nextAt - block)) / block) * 100),
  };
}
