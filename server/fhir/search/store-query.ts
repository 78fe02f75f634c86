/**
 * Reads of current resource versions for search: like ResourceStore.find, restricted to resources that are
 * not deleted, with the projection and limit options search needs (ids of inner searches, sort fields).
 */
import type { Filter } from 'mongodb';
import type { FindOptions, Projection } from '../../storage/document-collection.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';

/** The fields of a search result that is only returned: its resource and version, not its index. */
export const RESULT_FIELDS: Projection = { _id: 1, vid: 1, lu: 1, resource: 1 };

/** The fields of a search result that is also sorted by or followed (`_include`): with its index. */
export const INDEXED_RESULT_FIELDS: Projection = { ...RESULT_FIELDS, sp: 1 };

/** Restricts a filter to resources that are not deleted. */
export function liveFilter(filter: Filter<ResourceDoc>): Filter<ResourceDoc> {
  const notDeleted: Filter<ResourceDoc> = { deleted: { $ne: true } };
  return Object.keys(filter).length === 0 ? notDeleted : { $and: [filter, notDeleted] };
}

/** Current (not deleted) documents of `type` matching `filter`. */
export async function findLive(
  resources: ResourceStore,
  type: string,
  filter: Filter<ResourceDoc>,
  options: Omit<FindOptions, 'session'> = {},
): Promise<ResourceDoc[]> {
  const coll = await resources.current(type);
  return coll.find(liveFilter(filter), options).toArray();
}

/** Current documents of `type` with one of `ids` (only `projection`'s fields, if given), in no particular order. */
export async function findByIds(
  resources: ResourceStore,
  type: string,
  ids: string[],
  projection?: Projection,
): Promise<ResourceDoc[]> {
  if (ids.length === 0) return [];
  return findLive(resources, type, { _id: ids.length === 1 ? ids[0] : { $in: ids } }, { projection });
}

/** Splits a `Type/id` key. */
export function splitKey(key: string): [type: string, id: string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** Reads the current versions of `Type/id` keys; the result follows `keys`, skipping deleted ones. */
export async function findByKeys(
  resources: ResourceStore,
  keys: readonly string[],
  projection?: Projection,
): Promise<Array<{ type: string; doc: ResourceDoc }>> {
  const byType = new Map<string, string[]>();
  for (const key of keys) {
    const [type, id] = splitKey(key);
    const ids = byType.get(type);
    if (ids) ids.push(id);
    else byType.set(type, [id]);
  }
  const found = new Map<string, ResourceDoc>();
  await Promise.all(
    [...byType].map(async ([type, ids]) => {
      for (const doc of await findByIds(resources, type, ids, projection))
        found.set(`${type}/${doc._id}`, doc);
    }),
  );
  return keys.flatMap((key) => {
    const doc = found.get(key);
    return doc ? [{ type: splitKey(key)[0], doc }] : [];
  });
}
