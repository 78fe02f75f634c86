/**
 * POST [base] with a transaction or batch Bundle (R4 http.html#transaction): the answer is a
 * transaction-response or batch-response Bundle with one entry per request entry.
 */
import type { FhirRequest, FhirResponse } from '../request.js';
import { FhirError } from '../outcomes.js';
import { checkEntries } from '../access/bundle-checks.js';
import { parsePrefer } from '../preconditions.js';
import type { FhirServices } from '../services.js';
import type { RouteFn } from './apply.js';
import { runBatch } from './batch.js';
import { checkBundle, parseEntries, type ParsedEntry } from './parse-entries.js';
import { responseBundle } from './response.js';
import { checkFullUrls, runTransaction, type BundleRun } from './transaction.js';

/** POST [base]: processes a transaction (all or nothing) or a batch (independent entries). */
export async function bundleInteraction(
  services: FhirServices,
  req: FhirRequest,
  route: RouteFn,
): Promise<FhirResponse> {
  const bundle = checkBundle(services, req.body);
  const kind = bundle.type === 'batch' ? 'batch' : 'transaction';
  const entries = parseEntries(services, bundle);
  // The access check reads the entries as parsed here, which are what runs (SMART "Batches and Transactions");
  // a refused entry becomes its 403, answered like an entry that failed to parse.
  const parsed = req.auth ? await checkEntries(services, req.auth, entries, kind) : entries;
  const run: BundleRun = { services, req, route, prefer: parsePrefer(req.headers.prefer).return };
  if (kind === 'batch') {
    return {
      status: 200,
      headers: {},
      body: responseBundle(services, 'batch-response', await runBatch(run, parsed)),
    };
  }
  const failed = parsed.find((p): p is FhirError => p instanceof FhirError);
  if (failed) throw failed;
  const valid = parsed as ParsedEntry[];
  checkFullUrls(valid);
  const out = await runTransaction(run, valid);
  return { status: 200, headers: {}, body: responseBundle(services, 'transaction-response', out) };
}
