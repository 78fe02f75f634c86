/**
 * The last line of confinement: resources in a reply that the token may not read are left out of
 * Bundles and turn a single-resource reply into 404 (SMART App Launch 2.2 scopes-and-launch-context.html
 * "results may be omitted"; R4 security.html#AccessDenied). Used where reads do not go through the
 * confined store: history (whose versions carry no index), vread and operation results.
 */
import type { Bundle, BundleEntry, Resource } from 'fhir/r4.js';
import { notFound } from '../outcomes.js';
import type { FhirResponse } from '../request.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { READ_PERMS, ruleAllows, ruleFor, type Rule } from './policy.js';

const NOT_CONFINED = new Set(['OperationOutcome', 'Parameters', 'Binary', 'Bundle']);

/** A per-reply cache of read rules by type. */
function ruleCache(services: FhirServices, auth: AccessContext): (type: string) => Rule {
  const rules = new Map<string, Rule>();
  return (type) => {
    let r = rules.get(type);
    if (!r) {
      r = ruleFor(services, auth, type, READ_PERMS);
      rules.set(type, r);
    }
    return r;
  };
}

function entryAllowed(services: FhirServices, rule: (t: string) => Rule, e: BundleEntry): boolean {
  const res = e.resource;
  if (!res) {
    // A deletion in a history Bundle: kept only when the whole type is readable.
    const type = e.request?.url?.split('/')[0];
    return e.search?.mode === 'outcome' || (type !== undefined && rule(type).kind === 'all');
  }
  if (res.resourceType === 'OperationOutcome') return true;
  return ruleAllows(services, rule(res.resourceType), res);
}

/** Drops the entries the token may not read; `total` goes when anything was dropped. */
export function filterBundle(services: FhirServices, auth: AccessContext, bundle: Bundle): Bundle {
  if (bundle.type === 'transaction-response' || bundle.type === 'batch-response') return bundle;
  const rule = ruleCache(services, auth);
  const entries = bundle.entry ?? [];
  const kept = entries.filter((e) => entryAllowed(services, rule, e));
  if (kept.length === entries.length) return bundle;
  const out: Bundle = { ...bundle, entry: kept };
  delete out.total;
  return out;
}

/** Filters a reply: Bundles lose unreadable entries; an unreadable single resource becomes 404. */
export function filterResponse(services: FhirServices, auth: AccessContext, res: FhirResponse): FhirResponse {
  if (res.status >= 300 || typeof res.body !== 'object' || res.body === null) return res;
  const body = res.body as Resource;
  if (body.resourceType === 'Bundle') return { ...res, body: filterBundle(services, auth, body as Bundle) };
  if (NOT_CONFINED.has(body.resourceType)) return res;
  if (ruleAllows(services, ruleFor(services, auth, body.resourceType, READ_PERMS), body)) return res;
  throw notFound(`${body.resourceType}/${body.id ?? ''} is not known`);
}
