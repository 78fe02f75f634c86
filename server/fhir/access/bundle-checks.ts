/**
 * Batches and transactions are checked entry by entry (SMART App Launch 2.2 scopes-and-launch-context.html
 * "Batches and Transactions": validated based on the actual requests within them). The check reads the
 * entries as parse-entries.ts parsed them for the executor, so it sees exactly what will run. Write entries
 * are checked here, before anything runs, so that a transaction never half-applies a refused entry and a
 * batch never runs one; read
 * entries go through the router with the Bundle's access context, like any read. An entry the check
 * cannot classify is refused, never skipped.
 */
import type { Resource } from 'fhir/r4.js';
import type { ParsedEntry } from '../bundles/parse-entries.js';
import { FhirError } from '../outcomes.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { forbidden } from './errors.js';
import type { PendingWrites } from './policy.js';
import { checkWrite, type WriteIntent } from './write-checks.js';

/** The write an entry asks for; null for reads; 403 for anything the checks cannot place. */
function intentOf(e: ParsedEntry): WriteIntent | null {
  switch (e.method) {
    case 'GET':
    case 'HEAD':
      return null;
    case 'POST':
    case 'PUT':
    case 'DELETE':
      return { method: e.method, type: e.type, id: e.id, body: e.resource };
    case 'PATCH':
      return { method: e.method, type: e.type, id: e.id, patch: e.patch };
    default: {
      const unknown: never = e.method;
      throw forbidden(`Bundle.entry[${e.index}]: ${String(unknown)} cannot be authorized`);
    }
  }
}

/**
 * What a transaction's POST and PUT entries write, by `urn:` `fullUrl` and (PUT to `Type/id`) by `Type/id`, with
 * the URL's type and id set as the executor sets them. A batch has none: its entries are independent.
 */
function pendingWrites(entries: ReadonlyArray<ParsedEntry | FhirError>): PendingWrites {
  const out = new Map<string, Resource>();
  for (const e of entries) {
    if (e instanceof FhirError || (e.method !== 'POST' && e.method !== 'PUT')) continue;
    if (typeof e.resource !== 'object' || e.resource === null) continue;
    const written = { ...e.resource, resourceType: e.type } as Resource;
    if (e.method === 'PUT' && e.id !== undefined) {
      written.id = e.id;
      out.set(`${e.type}/${e.id}`, written);
    }
    // Only `urn:uuid:`/`urn:oid:` names: a URL-shaped fullUrl could spell another resource's reference.
    if (e.fullUrl?.startsWith('urn:')) out.set(e.fullUrl, written);
  }
  return out;
}

/**
 * Checks every parsed write entry of a batch or transaction and returns the entries with each refused one
 * replaced by its 403 (naming `Bundle.entry[n]`). A transaction stops at the first refusal (it fails whole,
 * R4 http.html#trules); a batch answers each refused entry in its own response entry while the others run
 * (R4 http.html#brules). Entries that failed to parse (FhirError) are answered with their error and never
 * run, so they need no check.
 */
export async function checkEntries(
  services: FhirServices,
  auth: AccessContext,
  entries: ReadonlyArray<ParsedEntry | FhirError>,
  kind: 'batch' | 'transaction',
): Promise<Array<ParsedEntry | FhirError>> {
  const out = [...entries];
  const pending = kind === 'transaction' ? pendingWrites(entries) : undefined;
  for (const [k, e] of entries.entries()) {
    if (e instanceof FhirError) continue;
    const intent = intentOf(e);
    if (!intent) continue;
    try {
      await checkWrite(services, auth, intent, pending);
    } catch (err) {
      const x = err as { status?: number; message?: string };
      if (x.status !== 403) throw err;
      out[k] = forbidden(`Bundle.entry[${e.index}]: ${x.message ?? 'not allowed'}`);
      if (kind === 'transaction') break;
    }
  }
  return out;
}
