/**
 * The practice's billing report for a month: every patient with care-management time that month, a CCM
 * consent in force, or a month marked for APCM, BHI or CoCM, evaluated by the same pure function as
 * $ccm-month-summary, with totals per billing code over every programme's lines (CCM/PCM, APCM, BHI, CoCM) and
 * counts of gate failures per programme. Pure: records in, report out.
 */
import type { EngineContext } from '../engine/context.js';
import { evaluateMonth, monthLines, type MonthSummary } from '../engine/month-summary.js';
import type { PatientRecord } from '../engine/record.js';
import { entriesInMonth } from '../engine/time.js';
import type { GateName } from '../rules/types.js';

/** Units and patients of one code. */
export interface CodeTotal {
  code: string;
  system: 'cpt' | 'hcpcs';
  units: number;
  patients: number;
}

/** The report of a month. */
export interface PracticeReport {
  month: string;
  timezone: string;
  rulesVersion: string;
  summaries: MonthSummary[];
  totals: CodeTotal[];
  /** Patients with a failed gate, per programme (`ccm` stands for the CCM/PCM month) and gate. */
  gateFailures: Array<{ programme: string; gate: GateName; patients: number }>;
}

/** Whether a patient belongs in the month's report: enrolled that month, or with time entries in it. */
export function inPopulation(record: PatientRecord, summary: MonthSummary, ctx: EngineContext): boolean {
  const enrolled = summary.consent.status === 'accepted' || summary.consent.status === 'revoked-this-month';
  return (
    enrolled ||
    summary.apcm !== undefined ||
    summary.behavioural.length > 0 ||
    entriesInMonth(record.timeEntries, ctx.month).length > 0
  );
}

/** Every billing code of the rules, in report order: CCM/PCM, G0506, APCM and its add-ons, BHI, CoCM. */
export function codeOrder(ctx: EngineContext): string[] {
  const r = ctx.rules;
  return [
    ...r.families.flatMap((f) => [f.base.code, f.addOn.code]),
    r.initiation.code,
    ...[...r.apcm.levels].reverse().map((l) => l.code),
    ...r.apcm.behaviouralAddOns.map((a) => a.code),
    ...r.behavioural.families.flatMap((f) => [
      ...f.bases.map((b) => b.code),
      ...(f.addOn ? [f.addOn.code] : []),
      ...(f.shortMonth ? [f.shortMonth.code] : []),
    ]),
  ];
}

/** Totals per code over every programme's lines (a patient counts once per code), in the rules' order. */
function totalsOf(summaries: MonthSummary[], ctx: EngineContext): CodeTotal[] {
  const order = codeOrder(ctx);
  const map = new Map<string, CodeTotal>();
  for (const s of summaries) {
    const seen = new Set<string>();
    for (const l of monthLines(s)) {
      const t = map.get(l.code) ?? { code: l.code, system: l.system, units: 0, patients: 0 };
      t.units += l.units;
      if (!seen.has(l.code)) t.patients += 1;
      seen.add(l.code);
      map.set(l.code, t);
    }
  }
  return [...map.values()].sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code));
}

/** Whether a record can belong in any month's report (a consent, time entries, or a programme-marked plan). */
export function mayReport(record: PatientRecord): boolean {
  return (
    record.consents.length > 0 ||
    record.timeEntries.length > 0 ||
    record.carePlans.some((p) => p.programmes.some((x) => x === 'apcm' || x === 'bhi' || x === 'cocm'))
  );
}

/** Whether any programme of the month bills. */
export function billsAnything(s: MonthSummary): boolean {
  return monthLines(s).length > 0;
}

/**
 * Whether the month is a CCM/PCM month for the report: CCM or PCM time recorded, or a CCM consent in force. A
 * patient reported only for APCM, BHI or CoCM is not listed as failing CCM's gates.
 */
export function ccmActive(s: MonthSummary): boolean {
  const ccm = (p: string) => p === 'ccm' || p === 'pcm';
  return (
    s.consent.status === 'accepted' ||
    s.consent.status === 'revoked-this-month' ||
    s.timeEntries.some((e) => ccm(e.programme)) ||
    s.excluded.some((x) => ccm(x.entry.programme))
  );
}

/** The gates of each programme of a month (`ccm` for the CCM/PCM month, when it is one). */
export function programmeGates(s: MonthSummary): Array<{ programme: string; gates: MonthSummary['gates'] }> {
  return [
    ...(ccmActive(s) ? [{ programme: s.programme as string, gates: s.gates }] : []),
    ...(s.apcm ? [{ programme: 'apcm', gates: s.apcm.gates }] : []),
    ...s.behavioural.map((b) => ({ programme: b.programme, gates: b.gates })),
  ];
}

/** Builds the report from every patient's record. */
export function practiceReport(records: Iterable<PatientRecord>, ctx: EngineContext): PracticeReport {
  const summaries: MonthSummary[] = [];
  for (const record of records) {
    if (!mayReport(record)) continue;
    const summary = evaluateMonth(record, ctx);
    if (inPopulation(record, summary, ctx)) summaries.push(summary);
  }
  return reportOf(summaries, ctx);
}

/** The report of the population's summaries (sorted by patient here). */
export function reportOf(summaries: MonthSummary[], ctx: EngineContext): PracticeReport {
  summaries.sort((a, b) => (a.patient < b.patient ? -1 : a.patient > b.patient ? 1 : 0));
  const lists: Array<[string, GateName[]]> = [
    ['ccm', ctx.rules.gates],
    ['apcm', ctx.rules.apcm.gates],
    ...ctx.rules.behavioural.families.map((f): [string, GateName[]] => [f.programme, f.gates]),
  ];
  const failed = (s: MonthSummary, programme: string, gate: GateName) =>
    programmeGates(s).some(
      (p) =>
        (p.programme === programme || (programme === 'ccm' && p.programme === 'pcm')) &&
        p.gates.some((g) => g.name === gate && !g.passed),
    );
  const gateFailures = lists.flatMap(([programme, gates]) =>
    gates.map((gate) => ({
      programme,
      gate,
      patients: summaries.filter((s) => failed(s, programme, gate)).length,
    })),
  );
  return {
    month: ctx.month.month,
    timezone: ctx.tz,
    rulesVersion: ctx.rules.version,
    summaries,
    totals: totalsOf(summaries, ctx),
    gateFailures,
  };
}
