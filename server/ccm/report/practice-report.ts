/**
 * The practice's billing report for a month: every patient with CCM or PCM time that month or a consent in
 * force, evaluated by the same pure function as $ccm-month-summary, with totals per billing code and counts
 * of gate failures. Pure: records in, report out.
 */
import type { EngineContext } from '../engine/context.js';
import { evaluateMonth, type MonthSummary } from '../engine/month-summary.js';
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
  gateFailures: Array<{ gate: GateName; patients: number }>;
}

/** Whether a patient belongs in the month's report: enrolled that month, or with time entries in it. */
export function inPopulation(record: PatientRecord, summary: MonthSummary, ctx: EngineContext): boolean {
  const enrolled = summary.consent.status === 'accepted' || summary.consent.status === 'revoked-this-month';
  return enrolled || entriesInMonth(record.timeEntries, ctx.month).length > 0;
}

/** Totals per code, in the order codes first appear in the rules. */
function totalsOf(summaries: MonthSummary[], ctx: EngineContext): CodeTotal[] {
  const order = ctx.rules.families
    .flatMap((f) => [f.base.code, f.addOn.code])
    .concat(ctx.rules.initiation.code);
  const map = new Map<string, CodeTotal>();
  for (const s of summaries) {
    for (const l of s.lines) {
      const t = map.get(l.code) ?? { code: l.code, system: l.system, units: 0, patients: 0 };
      t.units += l.units;
      t.patients += 1;
      map.set(l.code, t);
    }
  }
  return [...map.values()].sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code));
}

/** Whether a record can belong in any month's report (it has a consent or time entries). */
export function mayReport(record: PatientRecord): boolean {
  return record.consents.length > 0 || record.timeEntries.length > 0;
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
  const gateFailures = ctx.rules.gates.map((gate) => ({
    gate,
    patients: summaries.filter((s) => s.gates.some((g) => g.name === gate && !g.passed)).length,
  }));
  return {
    month: ctx.month.month,
    timezone: ctx.tz,
    rulesVersion: ctx.rules.version,
    summaries,
    totals: totalsOf(summaries, ctx),
    gateFailures,
  };
}
