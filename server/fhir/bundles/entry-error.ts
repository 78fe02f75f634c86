/**
 * Errors of one Bundle entry: the OperationOutcome names the entry (`Bundle.entry[n]`) in every issue's
 * diagnostics and expression, so that a failed transaction says which entry failed (R4 http.html#transaction).
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { FhirError } from '../outcomes.js';
import { staleToFhir } from '../interactions/write.js';

/** A FhirError raised while processing entry `index` of a Bundle. */
export class BundleEntryError extends FhirError {
  constructor(
    readonly index: number,
    status: number,
    issues: OperationOutcomeIssue[],
    headers: Record<string, string> = {},
  ) {
    super(status, issues, headers);
    this.name = 'BundleEntryError';
  }
}

/** Rewrites a resource-relative FHIRPath (`Patient.name[0]`) to its place in the Bundle. */
function inBundle(index: number, expression: string, type: string | undefined): string {
  const entry = `Bundle.entry[${index}]`;
  if (expression.startsWith('Bundle.')) return expression;
  if (type && (expression === type || expression.startsWith(`${type}.`))) {
    return `${entry}.resource${expression.slice(type.length)}`;
  }
  return `${entry}.resource.${expression}`;
}

/**
 * Maps an error of entry `index` to a BundleEntryError (FHIR errors and If-Match failures); storage and
 * programming errors pass through unchanged (they are retried or become a logged 500).
 */
export function entryError(index: number, err: unknown, type?: string): unknown {
  if (err instanceof BundleEntryError) return err;
  const e = staleToFhir(err);
  if (!(e instanceof FhirError)) return e;
  const issues = e.issues.map((i) => ({
    ...i,
    diagnostics: `Bundle.entry[${index}]: ${i.diagnostics ?? i.code}`,
    expression: i.expression?.map((x) => inBundle(index, x, type)) ?? [`Bundle.entry[${index}]`],
  }));
  return new BundleEntryError(index, e.status, issues, e.headers);
}

/** Runs `fn` for entry `index`, naming the entry in any FHIR error it throws. */
export async function forEntry<R>(index: number, type: string | undefined, fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    throw entryError(index, err, type);
  }
}
