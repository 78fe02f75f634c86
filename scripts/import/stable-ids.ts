/**
 * Loading the same file twice must not create anything twice. Decision: a transaction entry that creates
 * (POST, no `ifNoneExist`) a resource whose fullUrl is `urn:uuid:<uuid>` becomes an update-as-create
 * `PUT [type]/<uuid>` with `id` = the uuid, lower-cased (a UUID is a valid FHIR id: [A-Za-z0-9\-\.]{1,64}).
 * The fullUrl stays, so references to it inside the Bundle are still resolved by the server, now to
 * `[type]/<uuid>` (R4 http.html#trules: an update entry's fullUrl identifies the resource it writes). A
 * second load writes the same ids: no new resource, and no new version of a resource whose content has
 * not changed (the server answers such an update with the current version).
 *
 * Kept as they are: conditional creates (`ifNoneExist` already makes them idempotent), PUT/DELETE/PATCH,
 * and POSTs without a urn:uuid fullUrl (they would be duplicated by a second load: there is no stable id
 * to give them; the state file keeps a completed file from being sent again). A resource's own `id` in a
 * POST entry is ignored by the server (R4 http.html#create), so replacing it loses nothing.
 */
import type { Bundle, BundleEntry } from 'fhir/r4.js';

const UUID_URN = /^urn:uuid:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The id an entry gets, or null when it stays as it is. */
export function stableIdOf(entry: BundleEntry): string | null {
  const r = entry.request;
  const type = entry.resource?.resourceType;
  if (!r || r.method !== 'POST' || r.ifNoneExist !== undefined || !type) return null;
  if (r.url.replace(/^\/+/, '').split('?')[0] !== type) return null; // not a plain type-level create
  const m = UUID_URN.exec(entry.fullUrl ?? '');
  return m ? m[1].toLowerCase() : null;
}

/** The transaction with its urn:uuid creates turned into PUTs to stable ids (the input is not changed). */
export function withStableIds(bundle: Bundle): Bundle {
  if (!bundle.entry?.some((e) => stableIdOf(e) !== null)) return bundle;
  const entry = bundle.entry.map((e): BundleEntry => {
    const id = stableIdOf(e);
    if (id === null || !e.resource) return e;
    const type = e.resource.resourceType;
    return { ...e, resource: { ...e.resource, id }, request: { method: 'PUT', url: `${type}/${id}` } };
  });
  return { ...bundle, entry };
}
