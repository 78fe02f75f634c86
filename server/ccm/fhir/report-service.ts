/**
 * The practice report with per-patient reuse: a patient's month summary (and its serialised FHIR JSON and CSV
 * rows) is computed once and reused until the patient's record changes (the practice model's stamps) or
 * the month, zone or rules differ. The evaluation is the same pure function as $ccm-month-summary; only
 * unchanged work is skipped. The last few months are kept.
 */
import type { EngineContext } from '../engine/context.js';
import { evaluateMonth, type MonthSummary } from '../engine/month-summary.js';
import { toCsv } from '../csv.js';
import { inPopulation, mayReport, reportOf, type PracticeReport } from '../report/practice-report.js';
import { patientRows, reportBundleJson, reportCsv } from '../report/report-output.js';
import { monthSummaryParameters } from './parameters.js';
import type { PracticeModel, PracticeRecords } from './practice-model.js';

/** One patient's cached evaluation. */
interface Memo {
  stamp: string;
  summary: MonthSummary;
  inPopulation: boolean;
  json?: string;
  csv?: string;
}

/** A built report and its serialisations. */
export interface ReportResult {
  report: PracticeReport;
  practice: PracticeRecords;
  /** The report as a FHIR Bundle, serialised. */
  bundleJson(timestamp: string): string;
  csv(): string;
}

/** Months of memos kept. */
const KEEP_MONTHS = 3;

/** Builds practice reports from the practice model, reusing unchanged patients' work. */
export class ReportService {
  private readonly memos = new Map<string, Map<string, Memo>>();
  /** Month evaluations run so far (a patient whose memo was reused is not evaluated again). */
  evaluations = 0;

  constructor(readonly model: PracticeModel) {}

  /** The memos of a month, zone and rules version (least recently used months dropped). */
  private memosOf(ctx: EngineContext): Map<string, Memo> {
    const key = `${ctx.month.month}|${ctx.tz}|${ctx.rules.version}`;
    let m = this.memos.get(key);
    if (m) this.memos.delete(key);
    else m = new Map();
    this.memos.set(key, m);
    while (this.memos.size > KEEP_MONTHS) this.memos.delete(this.memos.keys().next().value as string);
    return m;
  }

  /** Builds the report of a month. */
  async build(ctx: EngineContext): Promise<ReportResult> {
    const practice = await this.model.recordsFor(ctx);
    const memos = this.memosOf(ctx);
    const byPatient = new Map<string, Memo>();
    const summaries: MonthSummary[] = [];
    for (const [patient, record] of practice.records) {
      if (!mayReport(record)) continue;
      const stamp = `${practice.stamps.get(patient)}|${practice.globalStamp}`;
      let memo = memos.get(patient);
      if (!memo || memo.stamp !== stamp) {
        const summary = evaluateMonth(record, ctx);
        this.evaluations++;
        memo = { stamp, summary, inPopulation: inPopulation(record, summary, ctx) };
        memos.set(patient, memo);
      }
      if (memo.inPopulation) {
        summaries.push(memo.summary);
        byPatient.set(patient, memo);
      }
    }
    const report = reportOf(summaries, ctx);
    const memoOf = (s: MonthSummary) => byPatient.get(s.patient) as Memo;
    return {
      report,
      practice,
      bundleJson: (timestamp) =>
        reportBundleJson(report, timestamp, (s) => {
          const m = memoOf(s);
          m.json ??= JSON.stringify(monthSummaryParameters(s));
          return m.json;
        }),
      csv: () =>
        reportCsv(report, (s) => {
          const m = memoOf(s);
          m.csv ??= toCsv(patientRows(s));
          return m.csv;
        }),
    };
  }
}
