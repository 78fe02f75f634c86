/**
 * The two forms of the billing report: a FHIR Bundle (type collection, R4 bundle.html) whose first entry is
 * a Parameters of totals and whose other entries are one Parameters per patient (the $ccm-month-summary
 * shape); and a CSV for spreadsheets (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs detect
 * the encoding): one row per patient and billable code, one per failed gate, one per patient with nothing
 * billable, then one total row per code.
 */
import type { Bundle, Parameters, ParametersParameter } from 'fhir/r4.js';
import { toCsv } from '../csv.js';
import type { MonthSummary } from '../engine/month-summary.js';
import { billingCoding, monthSummaryParameters } from '../fhir/parameters.js';
import { codeSystemUri } from '../rules/billing-rules.js';
import type { PracticeReport } from './practice-report.js';

/** The totals entry of the Bundle. */
export function totalsParameters(r: PracticeReport): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'month', valueString: r.month },
    { name: 'timezone', valueString: r.timezone },
    { name: 'rules-version', valueString: r.rulesVersion },
    { name: 'patients', valueInteger: r.summaries.length },
    { name: 'billable-patients', valueInteger: r.summaries.filter((s) => s.billable).length },
  ];
  for (const t of r.totals) {
    parameter.push({
      name: 'total',
      part: [
        { name: 'code', valueCoding: billingCoding(t) },
        { name: 'units', valueInteger: t.units },
        { name: 'patients', valueInteger: t.patients },
      ],
    });
  }
  for (const g of r.gateFailures) {
    parameter.push({
      name: 'gate-failures',
      part: [
        { name: 'name', valueCode: g.gate },
        { name: 'patients', valueInteger: g.patients },
      ],
    });
  }
  return { resourceType: 'Parameters', parameter };
}

/** The report as a FHIR Bundle of Parameters. */
export function reportBundle(r: PracticeReport, timestamp: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp,
    entry: [
      { resource: totalsParameters(r) },
      ...r.summaries.map((s) => ({ resource: monthSummaryParameters(s) })),
    ],
  };
}

export const CSV_HEADER = [
  'row_type',
  'patient',
  'patient_name',
  'month',
  'code_system',
  'code',
  'units',
  'patients',
  'family',
  'billing_practitioner',
  'clinical_staff_seconds',
  'billing_practitioner_seconds',
  'excluded_seconds',
  'counted_seconds',
  'counted_minutes',
  'gate',
  'reason',
] as const;

export type Cell = string | number | null;

/** The rows of one patient. */
export function patientRows(s: MonthSummary): Cell[][] {
  const sec = s.seconds.get(s.programme) ?? { 'clinical-staff': 0, 'billing-practitioner': 0, excluded: 0 };
  const common = (
    rowType: string,
    system: string,
    code: string,
    units: Cell,
    gate: string,
    reason: string,
  ): Cell[] => [
    rowType,
    s.patient,
    s.name ?? '',
    s.month,
    system,
    code,
    units,
    null,
    s.family?.id ?? '',
    s.practitioner ?? '',
    sec['clinical-staff'],
    sec['billing-practitioner'],
    sec.excluded,
    s.countedSeconds,
    Math.floor(s.countedSeconds / 60),
    gate,
    reason,
  ];
  const rows = s.lines.map((l) => common('line', codeSystemUri(l.system), l.code, l.units, '', ''));
  for (const g of s.gates)
    if (!g.passed) rows.push(common('gate-failure', '', '', null, g.name, g.reasons.join('; ')));
  if (rows.length === 0) {
    const why = s.next
      ? `${Math.ceil(s.next.secondsToGo / 60)} more minute(s) needed for ${s.next.code}`
      : 'no billable time';
    rows.push(common('no-billable-time', '', '', null, '', why));
  }
  return rows;
}

/** The total rows of the CSV. */
export function totalRows(r: PracticeReport): Cell[][] {
  return r.totals.map((t) => [
    'total',
    '',
    '',
    r.month,
    codeSystemUri(t.system),
    t.code,
    t.units,
    t.patients,
    '',
    '',
    null,
    null,
    null,
    null,
    null,
    '',
    '',
  ]);
}

/** The report as CSV text (with a UTF-8 byte-order mark). */
export function reportCsv(
  r: PracticeReport,
  rowsOf: (s: MonthSummary) => string = (s) => toCsv(patientRows(s)),
): string {
  return `\uFEFF${toCsv([[...CSV_HEADER]])}${r.summaries.map(rowsOf).join('')}${toCsv(totalRows(r))}`;
}

/** The report as FHIR JSON text, from each patient's serialised Parameters. */
export function reportBundleJson(
  r: PracticeReport,
  timestamp: string,
  jsonOf: (s: MonthSummary) => string,
): string {
  const head = `{"resourceType":"Bundle","type":"collection","timestamp":${JSON.stringify(timestamp)},"entry":[`;
  const parts = [`{"resource":${JSON.stringify(totalsParameters(r))}}`];
  for (const s of r.summaries) parts.push(`{"resource":${jsonOf(s)}}`);
  return `${head}${parts.join(',')}]}`;
}
