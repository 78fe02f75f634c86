/**
 * Reads of current resource versions for search: by condition, by ids and by `Type/id` keys, with the
 * parts of each version search needs (ids of inner searches, the index of sorted results).
 */
import type { Fields } from '../../storage/repository.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';

/** The fields of a search result that is only returned: its resource and version, not its index. */
export const RESULT_FIELDS: Fields = 'resource';

/** The fields of a search result that is also sorted by or followed (`_include`): with its index. */
export const INDEXED_RESULT_FIELDS: Fields = 'indexed';

/** The fields that also hold the index (what sorting reads) for a caller that reads `fields`. */
export function withIndex(fields: Fields | undefined): Fields {
  if (fields === undefined || fields === 'all') return 'all';
  if (fields === 'id' || fields === 'index') return 'index';
  return 'indexed';
}

/** Current documents of `type` with one of `ids` (only `fields`, if given), in no particular order. */
export async function findByIds(
  resources: ResourceStore,
  type: string,
  ids: string[],
  fields?: Fields,
): Promise<ResourceDoc[]> {
  if (ids.length === 0) return [];
  // At most one match per id: the limit never cuts, and lets the engine answer a few ids in one statement
  // (SQLite: its cached statement on the reader instead of a long read on a connection of its own).
  return resources.find(type, { kind: 'id', name: '_id', ids }, { fields, limit: ids.length });
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
  fields?: Fields,
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
      for (const doc of await findByIds(resources, type, ids, fields)) found.set(`${type}/${doc._id}`, doc);
    }),
  );
  return keys.flatMap((key) => {
    const doc = found.get(key);
    return doc ? [{ type: splitKey(key)[0], doc }] : [];
  });
}
