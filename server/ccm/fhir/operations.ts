/**
 * The CCM operations (R4 operations.html), registered in the operation table from createFhirServices:
 *   GET [base]/Patient/{id}/$ccm-eligibility
 *   GET [base]/Patient/{id}/$ccm-month-summary?month=YYYY-MM
 *   GET [base]/$ccm-billing-report?month=YYYY-MM   (Bundle of Parameters; CSV with Accept: text/csv)
 * Patient-level operations read through the request's (possibly access-confined) services with indexed
 * patient-scoped queries; the practice report is built by the report service on the cached practice model
 * of the unconfined services (a system-level operation: the access layer requires a token reading all).
 */
import type { FhirRequest, FhirResponse } from '../../fhir/request.js';
import { queryValue } from '../../fhir/request.js';
import { badRequest, FhirError, issue, notFound } from '../../fhir/outcomes.js';
import type { OperationSpec } from '../../fhir/operations.js';
import type { FhirServices } from '../../fhir/services.js';
import type { ConditionClassifier } from '../classification/classify.js';
import { engineContext, NoRulesError, type EngineContext, type PracticeSettings } from '../engine/context.js';
import { evaluateEligibility } from '../engine/eligibility.js';
import { evaluateMonth } from '../engine/month-summary.js';
import { monthOf, parseMonth } from '../time/zone.js';
import {
  BILLING_REPORT_DEFINITION,
  ELIGIBILITY_DEFINITION,
  MONTH_SUMMARY_DEFINITION,
  operationUrl,
} from './operation-definitions.js';
import { eligibilityParameters, monthSummaryParameters } from './parameters.js';
import { loadPatientRecord } from './patient-loader.js';
import type { ReportService } from './report-service.js';

/** What the CCM operations need. */
export interface CcmOperationDeps {
  timezone: string;
  classifier: ConditionClassifier;
  /** The practice's settings (CCM_REQUIRE_ATTESTATION). */
  practice: PracticeSettings;
}

/** The engine context of the `month` parameter; 400 when missing, malformed or before every rules entry. */
export function contextOf(req: FhirRequest, deps: CcmOperationDeps): EngineContext {
  const month = queryValue(req, 'month');
  if (month === undefined || parseMonth(month) === null) {
    throw badRequest(
      `Parameter 'month' is required as YYYY-MM (got ${JSON.stringify(month?.slice(0, 20) ?? null)})`,
      'month',
    );
  }
  try {
    return engineContext(month, deps.timezone, deps.classifier, deps.practice);
  } catch (err) {
    if (err instanceof NoRulesError) throw new FhirError(400, [issue('not-supported', err.message, 'month')]);
    throw err;
  }
}

/** Whether the caller asked for CSV: `_format=csv|text/csv`, or text/csv preferred in Accept. */
export function wantsCsv(req: FhirRequest): boolean {
  const format = queryValue(req, '_format')?.trim().toLowerCase();
  if (format !== undefined) return format === 'csv' || format === 'text/csv';
  const ranges = (req.headers.accept ?? '')
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((r) => r.q > 0 && r.type !== '')
    .sort((a, b) => b.q - a.q);
  const first = ranges.find((r) =>
    /^(text\/csv|application\/(fhir\+)?json|application\/json\+fhir|text\/json|\*\/\*|application\/\*)$/.test(
      r.type,
    ),
  );
  return first?.type === 'text/csv';
}

/** 404 unless the patient exists; otherwise its record. */
async function recordOf(services: FhirServices, id: string | undefined, tz: string) {
  const record = id ? await loadPatientRecord(services, id, tz) : null;
  if (!record) throw notFound(`Patient/${id ?? ''} is not known`);
  return record;
}

/** The three operation specs; `reports` reads the unconfined services' practice model. */
export function ccmOperations(deps: CcmOperationDeps, reports: ReportService): OperationSpec[] {
  return [
    {
      name: 'ccm-eligibility',
      levels: ['instance'],
      types: ['Patient'],
      methods: ['GET'],
      definition: operationUrl('ccm-eligibility'),
      operationDefinition: ELIGIBILITY_DEFINITION,
      async handler({ services, id }): Promise<FhirResponse> {
        const record = await recordOf(services, id, deps.timezone);
        const now = services.clock().getTime();
        const ctx = engineContextNow(now, deps);
        const body = eligibilityParameters(
          evaluateEligibility(record, ctx, now),
          new Date(now).toISOString(),
        );
        return { status: 200, headers: {}, body };
      },
    },
    {
      name: 'ccm-month-summary',
      levels: ['instance'],
      types: ['Patient'],
      methods: ['GET'],
      definition: operationUrl('ccm-month-summary'),
      operationDefinition: MONTH_SUMMARY_DEFINITION,
      async handler({ services, req, id }): Promise<FhirResponse> {
        const ctx = contextOf(req, deps);
        const record = await recordOf(services, id, deps.timezone);
        return { status: 200, headers: {}, body: monthSummaryParameters(evaluateMonth(record, ctx)) };
      },
    },
    {
      name: 'ccm-billing-report',
      levels: ['system'],
      methods: ['GET'],
      definition: operationUrl('ccm-billing-report'),
      operationDefinition: BILLING_REPORT_DEFINITION,
      async handler({ services, req }): Promise<FhirResponse> {
        const started = performance.now();
        const ctx = contextOf(req, deps);
        const result = await reports.build(ctx);
        // W3C Server Timing: the time spent building and serialising the report in this process
        const timing = () => ({ 'server-timing': `report;dur=${(performance.now() - started).toFixed(1)}` });
        if (wantsCsv(req)) {
          const text = result.csv();
          const headers = {
            'content-type': 'text/csv; charset=utf-8; header=present',
            'content-disposition': `attachment; filename="ccm-billing-${ctx.month.month}.csv"`,
            ...timing(),
          };
          return { status: 200, headers, text };
        }
        const json = result.bundleJson(services.clock().toISOString());
        return { status: 200, headers: timing(), json };
      },
    },
  ];
}

/** The context of the current month in the practice zone (eligibility is evaluated "now"). */
function engineContextNow(now: number, deps: CcmOperationDeps): EngineContext {
  try {
    return engineContext(monthOf(now, deps.timezone), deps.timezone, deps.classifier, deps.practice);
  } catch (err) {
    if (err instanceof NoRulesError) throw new FhirError(422, [issue('not-supported', err.message)]);
    throw err;
  }
}
