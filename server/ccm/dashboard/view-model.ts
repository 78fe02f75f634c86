/**
 * What the dashboard shows for a month, computed from the practice report and the practice records by pure
 * functions: enrolled patients, the minutes distribution, patients per billable code, patients close to the
 * next threshold, eligible patients not enrolled, and gate failures with links to the evidence.
 */
import type { EngineContext } from '../engine/context.js';
import { evaluateEligibility } from '../engine/eligibility.js';
import { monthLines, type MonthSummary } from '../engine/month-summary.js';
import type { PatientRecord } from '../engine/record.js';
import { evidenceByProgramme } from '../report/evidence.js';
import { billsAnything, programmeGates, type PracticeReport } from '../report/practice-report.js';
import { shiftMonth } from '../time/zone.js';

/** A bar chart's data. */
export interface ChartData {
  label: string;
  labels: string[];
  values: number[];
}

/** One table row (already display strings). */
export type Row = Record<string, string>;

/** Everything the dashboard page renders. */
export interface DashboardView {
  month: string;
  previousMonth: string;
  nextMonth: string;
  timezone: string;
  rulesVersion: string;
  enrolled: number;
  billable: number;
  reported: number;
  totals: Row[];
  /** One row per patient and billable code of every programme, with the evidence behind it. */
  lines: Row[];
  lineCount: number;
  minutesChart: ChartData;
  codesChart: ChartData;
  closeToThreshold: Row[];
  eligibleNotEnrolled: Row[];
  eligibleNotEnrolledCount: number;
  gateFailures: Row[];
  gateFailureCount: number;
}

/** Table rows shown at most (the CSV has everything). */
export const MAX_ROWS = 100;
/** "Close to the next threshold": at most this many seconds to go. */
export const CLOSE_SECONDS = 5 * 60;

const BUCKETS: Array<[string, number, number]> = [
  ['0-9', 0, 10],
  ['10-19', 10, 20],
  ['20-29', 20, 30],
  ['30-39', 30, 40],
  ['40-59', 40, 60],
  ['60-89', 60, 90],
  ['90+', 90, Infinity],
];

/** `m:ss` of a number of seconds. */
export function minSec(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

const isEnrolled = (s: MonthSummary) =>
  s.consent.status === 'accepted' || s.consent.status === 'revoked-this-month';
/** The dashboard page of a patient's month. */
export function patientLink(patientRef: string, month: string): string {
  return `/dashboard/patients/${encodeURIComponent(patientRef.slice('Patient/'.length))}?month=${month}`;
}

/** Counted minutes of enrolled patients, in buckets. */
function minutesChart(summaries: MonthSummary[]): ChartData {
  const values = BUCKETS.map(() => 0);
  for (const s of summaries.filter(isEnrolled)) {
    const minutes = s.countedSeconds / 60;
    const i = BUCKETS.findIndex(([, lo, hi]) => minutes >= lo && minutes < hi);
    values[i] += 1;
  }
  return { label: 'Patients', labels: BUCKETS.map((b) => `${b[0]} min`), values };
}

/** Patients close to their next threshold, nearest first. */
function closeRows(summaries: MonthSummary[], month: string): Row[] {
  return summaries
    .filter((s) => isEnrolled(s) && s.next && s.next.secondsToGo <= CLOSE_SECONDS)
    .sort((a, b) => (a.next?.secondsToGo ?? 0) - (b.next?.secondsToGo ?? 0))
    .slice(0, MAX_ROWS)
    .map((s) => ({
      patient: s.name ?? s.patient,
      family: s.family?.id ?? '',
      counted: minSec(s.countedSeconds),
      nextCode: s.next?.code ?? '',
      toGo: minSec(s.next?.secondsToGo ?? 0),
      link: patientLink(s.patient, month),
    }));
}

/** Programme labels of the tables. */
const PROGRAMME_LABEL: Record<string, string> = {
  ccm: 'CCM',
  pcm: 'PCM',
  apcm: 'APCM',
  bhi: 'BHI',
  cocm: 'CoCM',
};

/** Failed gates, one row per patient, programme and gate. */
function gateRows(summaries: MonthSummary[], month: string): Row[] {
  return summaries.flatMap((s) =>
    programmeGates(s).flatMap((p) =>
      p.gates
        .filter((g) => !g.passed)
        .map((g) => ({
          patient: s.name ?? s.patient,
          gate: g.name,
          reason: g.reasons.join('; '),
          programme: PROGRAMME_LABEL[p.programme] ?? p.programme,
          link: patientLink(s.patient, month),
        })),
    ),
  );
}

/** Billable lines of every programme, one row per patient and code, with the evidence behind the line. */
function lineRows(summaries: MonthSummary[], month: string): Row[] {
  return summaries.flatMap((s) => {
    const evidence = evidenceByProgramme(s);
    return monthLines(s).map((l) => ({
      patient: s.name ?? s.patient,
      programme: PROGRAMME_LABEL[l.programme] ?? l.programme,
      code: l.code,
      units: String(l.units),
      evidence: (evidence.get(l.programme) ?? []).join(', '),
      link: patientLink(s.patient, month),
    }));
  });
}

/** Patients with two or more chronic conditions and no consent in force. */
function eligibleRows(
  records: Iterable<PatientRecord>,
  report: PracticeReport,
  ctx: EngineContext,
  now: number,
): Row[] {
  const enrolled = new Set(report.summaries.filter(isEnrolled).map((s) => s.patient));
  const at = Math.min(ctx.month.end - 1, Math.max(ctx.month.start, now));
  const out: Row[] = [];
  for (const r of records) {
    if (enrolled.has(r.patient) || r.conditions.length < 2) continue;
    const e = evaluateEligibility(r, ctx, at);
    if (!e.eligible) continue;
    out.push({
      patient: r.name ?? r.patient,
      conditions: e.conditions.groups.map((g) => g.name).join('; '),
      consent: e.consent.status,
      link: patientLink(r.patient, report.month),
    });
  }
  return out.sort((a, b) => a.patient.localeCompare(b.patient));
}

/** Builds the dashboard view of a month. */
export function dashboardView(
  report: PracticeReport,
  records: Iterable<PatientRecord>,
  ctx: EngineContext,
  now: number,
): DashboardView {
  const eligible = eligibleRows(records, report, ctx, now);
  const gates = gateRows(report.summaries, report.month);
  const lines = lineRows(report.summaries, report.month);
  return {
    month: report.month,
    previousMonth: shiftMonth(report.month, -1),
    nextMonth: shiftMonth(report.month, 1),
    timezone: report.timezone,
    rulesVersion: report.rulesVersion,
    enrolled: report.summaries.filter(isEnrolled).length,
    billable: report.summaries.filter(billsAnything).length,
    reported: report.summaries.length,
    totals: report.totals.map((t) => ({
      code: t.code,
      units: String(t.units),
      patients: String(t.patients),
    })),
    lines: lines.slice(0, MAX_ROWS),
    lineCount: lines.length,
    minutesChart: minutesChart(report.summaries),
    codesChart: {
      label: 'Patients',
      labels: report.totals.map((t) => t.code),
      values: report.totals.map((t) => t.patients),
    },
    closeToThreshold: closeRows(report.summaries, report.month),
    eligibleNotEnrolled: eligible.slice(0, MAX_ROWS),
    eligibleNotEnrolledCount: eligible.length,
    gateFailures: gates.slice(0, MAX_ROWS),
    gateFailureCount: gates.length,
  };
}
