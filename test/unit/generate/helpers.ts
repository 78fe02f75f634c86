/** Shared helpers of the generator tests: an in-memory practice and a reference walker. */
import type { Bundle, Resource } from 'fhir/r4.js';
import { buildContext, type GenContext, type GenerateOptions } from '../../../scripts/generate/context.js';
import { parseMonth } from '../../../scripts/generate/dates.js';
import { buildPatientRecord } from '../../../scripts/generate/patient.js';

/** Options with a fixed end month (so the output never depends on the clock). */
export function options(patients: number, seed = 7): GenerateOptions {
  return { patients, seed, ccmShare: 0.3, months: 3, endMonth: parseMonth('2026-10'), claimProfiles: false };
}

/** The context of a run. */
export function context(patients: number, seed = 7): GenContext {
  return buildContext(options(patients, seed), null);
}

/** Patient bundles 1..n of a context, in memory. */
export function* patientBundles(ctx: GenContext): Generator<Bundle> {
  for (let n = 1; n <= ctx.opts.patients; n++) yield buildPatientRecord(ctx, n).toTransaction();
}

/** Every `reference` string in a JSON value. */
export function referencesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else referencesIn(v, out);
    }
  }
  return out;
}

/** The resources of a bundle with their fullUrl. */
export function entriesOf(bundle: Bundle): Array<{ fullUrl: string; resource: Resource }> {
  return (bundle.entry ?? []).map((e) => ({ fullUrl: e.fullUrl ?? '', resource: e.resource as Resource }));
}
