/**
 * Batch processing (R4 http.html#batch, #brules): every entry is an independent interaction with its own
 * outcome; a failing entry answers its status and OperationOutcome in its response entry while the others
 * go on. Entries may not reference each other. Each write entry runs as its own one-entry transaction.
 * Entries are processed in slices, yielding to the event loop between them (limits.ts).
 */
import type { BundleEntry } from 'fhir/r4.js';
import { FhirError } from '../outcomes.js';
import { applyRead } from './apply.js';
import { forEntry } from './entry-error.js';
import { slicer } from './limits.js';
import type { ParsedEntry } from './parse-entries.js';
import { failedEntry } from './response.js';
import { PHASES, phaseOf, runTransaction, type BundleRun } from './transaction.js';

async function runOne(run: BundleRun, e: ParsedEntry, fullUrls: ReadonlySet<string>): Promise<BundleEntry> {
  if (phaseOf(e.method) === 'read') {
    return forEntry(e.index, e.type, () => applyRead(run.route, run.services, run.req, e));
  }
  return (await runTransaction(run, [e], fullUrls))[0];
}

/** Processes a batch; returns one response entry per request entry, in request order. */
export async function runBatch(
  run: BundleRun,
  parsed: Array<ParsedEntry | FhirError>,
): Promise<BundleEntry[]> {
  const fullUrls = new Set<string>();
  for (const p of parsed) if (!(p instanceof FhirError) && p.fullUrl) fullUrls.add(p.fullUrl);
  const out: BundleEntry[] = new Array(parsed.length);
  parsed.forEach((p, k) => {
    if (p instanceof FhirError) out[k] = failedEntry(p);
  });
  const pause = slicer(run.services);
  for (const phase of PHASES) {
    for (let k = 0; k < parsed.length; k++) {
      const p = parsed[k];
      if (p instanceof FhirError || phaseOf(p.method) !== phase) continue;
      await pause();
      try {
        out[k] = await runOne(run, p, fullUrls);
      } catch (err) {
        if (!(err instanceof FhirError)) throw err;
        out[k] = failedEntry(err);
      }
    }
  }
  return out;
}
