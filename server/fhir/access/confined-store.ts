/**
 * A read view of the resource store confined to what a token may read: every query on a current-version
 * collection is ANDed with the access rule of its type, so searches, `_include`/`_revinclude`, chains,
 * compartment searches and `$everything` only ever see permitted resources, and totals and paging stay
 * right (SMART App Launch 2.2 scopes-and-launch-context.html; R4 security.html#AccessDenied).
 */
import { and, type Where } from '../../storage/repository.js';
import type { ResourceStore } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { needsInstanceCheck, NOTHING, READ_PERMS, ruleFilter, ruleFor } from './policy.js';
import type { Permission } from './scopes.js';

/** The services of one request with reads of current versions confined to what `auth` may read. */
export function confinedServices(services: FhirServices, auth: AccessContext): FhirServices {
  const base = services.resources;
  const filters = new Map<string, Where | undefined>();
  const filterOf = (type: string) => {
    if (!filters.has(type)) filters.set(type, ruleFilter(ruleFor(services, auth, type, READ_PERMS)));
    return filters.get(type);
  };
  // History entries (vread, history) are not confined: versions are checked after reading
  // (filter-response.ts), like the history itself.
  const view: ResourceStore = {
    read: async (type, id, opts = {}) => {
      const f = filterOf(type);
      if (!f) return base.read(type, id, opts);
      const where = and({ kind: 'id', name: '_id', ids: [id] }, f);
      const [doc] = await base.find(type, where, {
        ...opts,
        fields: opts.fields ?? 'resource',
        includeDeleted: true,
        limit: 1,
      });
      return doc ?? null;
    },
    vread: (type, id, vid, opts) => base.vread(type, id, vid, opts),
    put: (type, id, resource, opts) => base.put(type, id, resource, opts),
    delete: (type, id, opts) => base.delete(type, id, opts),
    find: (type, where, opts) => {
      const f = filterOf(type);
      return base.find(type, f ? and(where, f) : where, opts);
    },
    count: (type, where, opts) => {
      const f = filterOf(type);
      return base.count(type, f ? and(where, f) : where, opts);
    },
    history: (q, opts) => base.history(q, opts),
    historyCount: (q, opts) => base.historyCount(q, opts),
    types: () => base.types(),
    explain: (type, where, opts) => {
      const f = filterOf(type);
      return base.explain(type, f ? and(where, f) : where, opts);
    },
  };
  return { ...services, resources: view };
}

/**
 * The services of one request with `reach` set: conditional criteria (interactions/criteria.ts) match only
 * what the token reaches with the interaction's permission, in plain requests and in Bundle entries alike.
 */
export function reachingServices(services: FhirServices, auth: AccessContext): FhirServices {
  const filters = new Map<string, Where | undefined>();
  const reach = (type: string, perms: readonly Permission[]) => {
    const key = `${type} ${perms.join('')}`;
    if (!filters.has(key)) {
      // A rule that needs other resources per instance (reach.ts `deep`) cannot be a filter: conditional
      // criteria then match nothing of the type rather than something the per-instance check would refuse.
      const rule = ruleFor(services, auth, type, perms);
      filters.set(key, needsInstanceCheck(rule) ? NOTHING : ruleFilter(rule));
    }
    return filters.get(key);
  };
  return { ...services, reach };
}
