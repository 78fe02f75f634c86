/**
 * How a refused write is shown: what the server said, issue by issue, with the FHIRPath of the element at
 * fault, so the clinician sees what to fix while the form keeps their input.
 */
import { FhirWriteError } from '../context.js';

/** Clock skew between the user's device and the server tolerated when a form says "now" (ms). */
export const SKEW_MS = 60_000;

/** A refusal of a form itself, before anything is sent to the FHIR server (shown like a server refusal). */
export function formRefusal(diagnostics: string, code: 'invalid' | 'required' = 'invalid'): FhirWriteError {
  return new FhirWriteError(400, {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, diagnostics }],
  });
}

/** The `writeError` view data of a refused write. */
export interface WriteErrorView {
  title: string;
  issues: Array<{ text: string; where?: string }>;
}

/** The view of a FhirWriteError; rethrows anything else. */
export function writeErrorView(err: unknown): WriteErrorView {
  if (!(err instanceof FhirWriteError)) throw err;
  const title =
    err.status === 0
      ? 'The FHIR server could not be reached.'
      : err.status === 412
        ? 'Someone changed this record meanwhile (reload the page to see their change).'
        : `The FHIR server refused the change (${err.status}).`;
  const issues = err.outcome.issue
    .filter((i) => i.severity === 'error' || i.severity === 'fatal')
    .map((i) => ({
      text: i.diagnostics ?? i.details?.text ?? i.code,
      ...(i.expression?.length ? { where: i.expression.join(', ') } : {}),
    }));
  return { title, issues: issues.length ? issues : [{ text: err.message }] };
}

/** A form's string field (first value), trimmed, or ''. */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s.trim().slice(0, 2000) : '';
}

/** A form's repeated field as a list of strings. */
export function fields(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 200));
}
