/**
 * Scopes for extended operations (R4 operations.html). SMART defines no operation scopes, so an operation
 * needs the access its effect needs: reading the type (`r` or `s`), and at instance level reading that
 * instance; an operation that may write (POST, other than `$validate`, `$everything` and the terminology
 * reads) also needs `u` on the type (so never on conformance types for user tokens, reach.ts); at
 * system level it needs unconfined read of every type. `$export` (FHIR Bulk Data Access) writes files
 * that the resource server cannot filter afterwards, so it needs unconfined read of every type at any
 * level (`system/*.rs` or `user/*.rs`). `$reindex` rewrites the search index of whole types and makes
 * SearchParameters active: it needs a `system/` scope that creates or updates SearchParameter (the
 * conformance types are never written by `user/` or `patient/` tokens, reach.ts), at any level.
 */
import { notFound } from '../outcomes.js';
import type { FhirRequest } from '../request.js';
import type { FhirServices } from '../services.js';
import { confinedServices } from './confined-store.js';
import type { AccessContext } from './context.js';
import { forbidden } from './errors.js';
import { requireRule } from './write-checks.js';

/** Operations whose POST form only reads (R4 operations.html; valueset-operation-expand.html, ...). */
const READ_ONLY_POST = new Set(['validate', 'everything', 'meta', 'expand', 'validate-code', 'lookup']);

/** True when a grant reads every resource of every type without confinement. */
export function readsEverything(auth: AccessContext): boolean {
  return auth.grants.some(
    (g) => g.type === '*' && g.context !== 'patient' && !g.query && (g.perms.has('r') || g.perms.has('s')),
  );
}

/**
 * True when a grant lets the token manage search parameters: a `system/` scope without a query that
 * creates or updates SearchParameter (or every type), e.g. `system/SearchParameter.cu`, `system/*.cruds`.
 */
export function managesSearchParameters(auth: AccessContext): boolean {
  return auth.grants.some(
    (g) =>
      g.context === 'system' &&
      (g.type === '*' || g.type === 'SearchParameter') &&
      !g.query &&
      (g.perms.has('c') || g.perms.has('u')),
  );
}

/** Checks an operation call; throws 403 (or 404 for an instance the token may not read). */
export async function checkOperation(
  services: FhirServices,
  auth: AccessContext,
  req: FhirRequest,
  p: Record<string, string>,
): Promise<void> {
  const name = (p.op ?? '').slice(1);
  if (name === 'reindex') {
    if (!managesSearchParameters(auth)) {
      throw forbidden(
        '$reindex needs a system scope that writes SearchParameter',
        'system/SearchParameter.cu',
      );
    }
    return;
  }
  if (name === 'export' || p.type === undefined) {
    if (!readsEverything(auth)) {
      throw forbidden(`$${name} needs a scope that reads every resource type`, 'system/*.rs');
    }
    return;
  }
  const rule = requireRule(services, auth, p.type, 'r', ['s']);
  if (req.method !== 'GET' && !READ_ONLY_POST.has(name)) requireRule(services, auth, p.type, 'u');
  if (p.id !== undefined && rule.kind !== 'all') {
    const visible = await confinedServices(services, auth).resources.read(p.type, p.id);
    if (!visible) throw notFound(`${p.type}/${p.id} is not known`);
  }
}
