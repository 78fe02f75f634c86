/**
 * A read view of the resource store confined to what a token may read: every query on a current-version
 * collection is ANDed with the access rule of its type, so searches, `_include`/`_revinclude`, chains,
 * compartment searches and `$everything` only ever see permitted resources, and totals and paging stay
 * right (SMART App Launch 2.2 scopes-and-launch-context.html; R4 security.html#AccessDenied).
 */
import type { Filter } from 'mongodb';
import type { DocumentCollection } from '../../storage/document-collection.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';
import type { FhirServices } from '../services.js';
import type { AccessContext } from './context.js';
import { needsInstanceCheck, NOTHING, READ_PERMS, ruleFilter, ruleFor } from './policy.js';
import type { Permission } from './scopes.js';

function and(a: Filter<ResourceDoc>, b: Filter<ResourceDoc>): Filter<ResourceDoc> {
  return Object.keys(a).length === 0 ? b : { $and: [a, b] };
}

/** A collection whose queries are ANDed with `restriction`; writes pass through unchanged. */
function restricted(
  coll: DocumentCollection<ResourceDoc>,
  restriction: Filter<ResourceDoc>,
): DocumentCollection<ResourceDoc> {
  return {
    collectionName: coll.collectionName,
    find: (f, o) => coll.find(and(f, restriction), o),
    findOne: (f, o) => coll.findOne(and(f, restriction), o),
    countDocuments: (f, o) => coll.countDocuments(and(f, restriction), o),
    explain: (f, o) => coll.explain(and(f, restriction), o),
    insertOne: (d, o) => coll.insertOne(d, o),
    insertMany: (d, o) => coll.insertMany(d, o),
    replaceOne: (f, d, o) => coll.replaceOne(f, d, o),
    updateOne: (f, u, o) => coll.updateOne(f, u, o),
    deleteOne: (f, o) => coll.deleteOne(f, o),
    deleteMany: (f, o) => coll.deleteMany(f, o),
    createIndex: (k, o) => coll.createIndex(k, o),
  };
}

/** The services of one request with reads of current versions confined to what `auth` may read. */
export function confinedServices(services: FhirServices, auth: AccessContext): FhirServices {
  const base = services.resources;
  const filters = new Map<string, Filter<ResourceDoc> | undefined>();
  const filterOf = (type: string) => {
    if (!filters.has(type)) filters.set(type, ruleFilter(ruleFor(services, auth, type, READ_PERMS)));
    return filters.get(type);
  };
  const view = Object.create(base) as ResourceStore;
  view.current = async (type: string) => {
    const coll = await base.current(type);
    const f = filterOf(type);
    return f ? restricted(coll, f) : coll;
  };
  // History entries take the current version's body from the store as it is: versions are checked after
  // reading (filter-response.ts), like the history collection itself, which is not confined.
  view.hydrate = (entries) => base.hydrate(entries);
  return { ...services, resources: view };
}

/**
 * The services of one request with `reach` set: conditional criteria (interactions/criteria.ts) match only
 * what the token reaches with the interaction's permission, in plain requests and in Bundle entries alike.
 */
export function reachingServices(services: FhirServices, auth: AccessContext): FhirServices {
  const filters = new Map<string, Filter<ResourceDoc> | undefined>();
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
