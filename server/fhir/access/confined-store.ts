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

/**
 * A read view of the store confined to what one token may read (a class, so that a request builds one
 * object rather than a closure per method).
 */
class ConfinedStore implements ResourceStore {
  private readonly filters = new Map<string, Where | undefined>();
  constructor(
    private readonly base: ResourceStore,
    private readonly services: FhirServices,
    private readonly auth: AccessContext,
  ) {}

  private filterOf(type: string): Where | undefined {
    if (!this.filters.has(type))
      this.filters.set(type, ruleFilter(ruleFor(this.services, this.auth, type, READ_PERMS)));
    return this.filters.get(type);
  }

  async read(...[type, id, opts = {}]: Parameters<ResourceStore['read']>): ReturnType<ResourceStore['read']> {
    const f = this.filterOf(type);
    if (!f) return this.base.read(type, id, opts);
    const where = and({ kind: 'id', name: '_id', ids: [id] }, f);
    const [doc] = await this.base.find(type, where, {
      ...opts,
      fields: opts.fields ?? 'resource',
      includeDeleted: true,
      limit: 1,
    });
    return doc ?? null;
  }

  // History entries (vread, history) are not confined: versions are checked after reading
  // (filter-response.ts), like the history itself.
  vread(...a: Parameters<ResourceStore['vread']>): ReturnType<ResourceStore['vread']> {
    return this.base.vread(...a);
  }

  put(...a: Parameters<ResourceStore['put']>): ReturnType<ResourceStore['put']> {
    return this.base.put(...a);
  }

  delete(...a: Parameters<ResourceStore['delete']>): ReturnType<ResourceStore['delete']> {
    return this.base.delete(...a);
  }

  find(...[type, where, opts]: Parameters<ResourceStore['find']>): ReturnType<ResourceStore['find']> {
    const f = this.filterOf(type);
    return this.base.find(type, f ? and(where, f) : where, opts);
  }

  count(...[type, where, opts]: Parameters<ResourceStore['count']>): ReturnType<ResourceStore['count']> {
    const f = this.filterOf(type);
    return this.base.count(type, f ? and(where, f) : where, opts);
  }

  history(...a: Parameters<ResourceStore['history']>): ReturnType<ResourceStore['history']> {
    return this.base.history(...a);
  }

  historyCount(...a: Parameters<ResourceStore['historyCount']>): ReturnType<ResourceStore['historyCount']> {
    return this.base.historyCount(...a);
  }

  types(): ReturnType<ResourceStore['types']> {
    return this.base.types();
  }

  // Reindexing is a maintenance write of the whole type, never confined (its operation is system-only).
  reindex(...a: Parameters<ResourceStore['reindex']>): ReturnType<ResourceStore['reindex']> {
    return this.base.reindex(...a);
  }

  explain(
    ...[type, where, opts]: Parameters<ResourceStore['explain']>
  ): ReturnType<ResourceStore['explain']> {
    const f = this.filterOf(type);
    return this.base.explain(type, f ? and(where, f) : where, opts);
  }
}

/** The services of one request with reads of current versions confined to what `auth` may read. */
export function confinedServices(services: FhirServices, auth: AccessContext): FhirServices {
  return { ...services, resources: new ConfinedStore(services.resources, services, auth) };
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
