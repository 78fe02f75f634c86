/**
 * Enforcement of SMART scopes on every FHIR interaction (SMART App Launch 2.2
 * scopes-and-launch-context.html "Scopes for requesting clinical data": `r` read, vread and instance
 * history; `s` type and system search and history; `c` create; `u` update and patch; `d` delete). The
 * router calls `guard` with the interaction it matched; requests without an access context (the open mode
 * of in-process test apps) pass unchanged.
 */
import type { FhirRequest, FhirResponse } from '../request.js';
import { notFound } from '../outcomes.js';
import type { FhirServices } from '../services.js';
import { confinedServices, reachingServices } from './confined-store.js';
import type { AccessContext } from './context.js';
import { forbidden } from './errors.js';
import { filterResponse } from './filter-response.js';
import { instanceReadable } from './instance-access.js';
import { checkOperation } from './operation-checks.js';
import { needsInstanceCheck, READ_PERMS, ruleFor } from './policy.js';
import { checkWrite, requireRule } from './write-checks.js';

/** Runs an interaction with the services it gets (confined for reads). */
export type Run = (services: FhirServices) => Promise<FhirResponse>;

/** Params of the matched route (`type`, `id`, `vid`, `op`). */
export type RouteParams = Record<string, string>;

/** True when some grant allows `perm` on every type (system-level search and history need `*.s`). */
function anyGrant(auth: AccessContext, perm: 's'): boolean {
  return auth.grants.some((g) => g.perms.has(perm));
}

/**
 * vread and instance history read stored versions, which carry no index: the instance is checked first
 * (a deleted one by its last content), then every version in the reply.
 */
async function readVersions(
  services: FhirServices,
  auth: AccessContext,
  p: RouteParams,
  run: Run,
): Promise<FhirResponse> {
  requireRule(services, auth, p.type, 'r');
  // A token that reads the whole type passes both checks whatever the versions hold: they are skipped.
  if (ruleFor(services, auth, p.type, READ_PERMS).kind === 'all') return run(services);
  if ((await instanceReadable(services, auth, p.type, p.id)) === false) {
    throw notFound(`${p.type}/${p.id} is not known`);
  }
  return filterResponse(services, auth, await run(services));
}

/** read: through the confined store, or per instance where the rule needs other resources (reach.ts). */
async function readOne(services: FhirServices, auth: AccessContext, p: RouteParams, run: Run) {
  const rule = requireRule(services, auth, p.type, 'r');
  if (!needsInstanceCheck(rule)) return run(confinedServices(services, auth));
  if ((await instanceReadable(services, auth, p.type, p.id)) === false) {
    throw notFound(`${p.type}/${p.id} is not known`);
  }
  return run(services);
}

/** Writes are checked, then run with conditional criteria confined to the token's reach. */
async function guardWrite(services: FhirServices, req: FhirRequest, p: RouteParams, run: Run) {
  const auth = req.auth as AccessContext;
  const method = req.method as 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  await checkWrite(services, auth, {
    method,
    type: p.type,
    id: p.id,
    body: method === 'PATCH' ? undefined : req.body,
    patch: method === 'PATCH' ? req.body : undefined,
  });
  return run(reachingServices(services, auth));
}

/** Checks `code` on the matched route against the request's access context, then runs it. */
export async function guard(
  services: FhirServices,
  req: FhirRequest,
  code: string | undefined,
  p: RouteParams,
  run: Run,
): Promise<FhirResponse> {
  const auth = req.auth;
  if (!auth || code === 'capabilities') return run(services);
  switch (code) {
    case 'read':
      // openid fhirUser: "permission to retrieve information about the current logged-in user".
      if (auth.scopes.includes('fhirUser') && auth.fhirUser === `${p.type}/${p.id}`) return run(services);
      return readOne(services, auth, p, run);
    case 'vread':
    case 'history-instance':
      return readVersions(services, auth, p, run);
    case 'search-type':
      requireRule(services, auth, p.type, 's');
      return run(confinedServices(services, auth));
    case 'history-type':
      requireRule(services, auth, p.type, 's');
      return filterResponse(services, auth, await run(services));
    case 'history-system':
      if (!anyGrant(auth, 's')) throw forbidden("The access token's scopes allow no search", 'system/*.s');
      return filterResponse(services, auth, await run(services));
    case 'create':
    case 'update':
    case 'patch':
    case 'delete':
      return guardWrite(services, req, p, run);
    case 'transaction':
      // The entries are checked as parsed for the executor (bundles/interaction.ts → checkEntries).
      return run(reachingServices(services, auth));
    case 'operation':
      await checkOperation(services, auth, req, p);
      return filterResponse(services, auth, await run(confinedServices(services, auth)));
    case undefined:
      if (req.segments[0] === 'Patient' && req.segments.length >= 3) {
        // Compartment search (R4 compartmentdefinition.html#search): a search, confined like any other.
        if (p.type !== undefined) requireRule(services, auth, p.type, 's');
        else if (!anyGrant(auth, 's')) throw forbidden("The access token's scopes allow no search");
        return run(confinedServices(services, auth));
      }
      throw forbidden(`No scope can allow ${req.method} /${req.segments.join('/').slice(0, 100)}`);
    default:
      throw forbidden(`No scope can allow ${req.method} /${req.segments.join('/').slice(0, 100)}`);
  }
}
