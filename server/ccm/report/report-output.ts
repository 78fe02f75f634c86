/**
 * The two forms of the billing report: a FHIR Bundle (type collection, R4 bundle.html) whose first entry is
 * a Parameters of totals and whose other entries are one Parameters per patient (the $ccm-month-summary
 * shape); and a CSV for spreadsheets (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs detect
 * the encoding): one row per patient and billable code, one per failed gate, one per patient with nothing
 * billable, then one total row per code.
 */
import type { Bundle, Parameters, ParametersParameter } from 'fhir/r4.js';
import { toCsv } from '../csv.js';
import { monthLines, type MonthSummary } from '../engine/month-summary.js';
import { billingCoding, monthSummaryParameters } from '../fhir/parameters.js';
import { codeSystemUri } from '../rules/billing-rules.js';
import { evidenceByProgramme } from './evidence.js';
import { billsAnything, programmeGates, type PracticeReport } from './practice-report.js';

/** The totals entry of the Bundle. */
export function totalsParameters(r: PracticeReport): Parameters {
  const parameter: ParametersParameter[] = [
    { name: 'month', valueString: r.month },
    { name: 'timezone', valueString: r.timezone },
    { name: 'rules-version', valueString: r.rulesVersion },
    { name: 'patients', valueInteger: r.summaries.length },
    { name: 'billable-patients', valueInteger: r.summaries.filter(billsAnything).length },
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
        { name: 'programme', valueCode: g.programme },
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
  'programme',
  'evidence',
] as const;

export type Cell = string | number | null;

/** The rows of one patient: a line per billable code of every programme, with the programme and its evidence. */
export function patientRows(s: MonthSummary): Cell[][] {
  const evidence = evidenceByProgramme(s);
  const common = (
    rowType: string,
    programme: string,
    system: string,
    code: string,
    units: Cell,
    gate: string,
    reason: string,
  ): Cell[] => {
    const ccm = programme === s.programme;
    const b = s.behavioural.find((x) => x.programme === programme);
    const sec = s.seconds.get(programme);
    const counted = ccm ? s.countedSeconds : (b?.countedSeconds ?? null);
    const family = ccm ? (s.family?.id ?? '') : (b?.family.id ?? (programme === 'apcm' ? 'apcm' : ''));
    const practitioner = ccm ? s.practitioner : programme === 'apcm' ? s.apcm?.practitioner : b?.practitioner;
    return [
      rowType,
      s.patient,
      s.name ?? '',
      s.month,
      system,
      code,
      units,
      null,
      family,
      practitioner ?? '',
      sec ? sec['clinical-staff'] + sec['bh-care-manager'] : null,
      sec ? sec['billing-practitioner'] : null,
      sec ? sec.excluded : null,
      counted,
      counted === null ? null : Math.floor(counted / 60),
      gate,
      reason,
      programme,
      rowType === 'line' ? (evidence.get(programme) ?? []).join(' ') : '',
    ];
  };
  const rows = monthLines(s).map((l) =>
    common('line', l.programme, codeSystemUri(l.system), l.code, l.units, '', ''),
  );
  for (const f of programmeGates(s))
    for (const g of f.gates)
      if (!g.passed)
        rows.push(common('gate-failure', f.programme, '', '', null, g.name, g.reasons.join('; ')));
  if (rows.length === 0) {
    const why = s.next
      ? `${Math.ceil(s.next.secondsToGo / 60)} more minute(s) needed for ${s.next.code}`
      : 'no billable time';
    rows.push(common('no-billable-time', s.programme, '', '', null, '', why));
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
