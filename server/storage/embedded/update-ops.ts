/** Update documents (`$set`, `$inc`, ...) applied with mingo's updater, plus upsert seeding from the filter. */
import { update as mingoUpdate } from 'mingo';
import type { Modifier } from 'mingo/updater';
import type { StoredDocument } from '../document-collection.js';
import { badValueError, immutableIdError } from './errors.js';
import { cloneJson, isPlainObject, jsonEqual, type PlainObject } from './json.js';
import { setPath } from './paths.js';

/** Throws unless every top-level key of `update` is an update operator. */
export function assertUpdateDocument(update: PlainObject): void {
  const keys = Object.keys(update);
  if (keys.length === 0) throw badValueError('Update document requires atomic operators');
  for (const key of keys) {
    if (!key.startsWith('$')) throw badValueError('Update document requires atomic operators');
  }
}

/** The operators to apply: `$setOnInsert` folds into `$set` when inserting and is dropped otherwise. */
function effectiveModifier(update: PlainObject, inserting: boolean): PlainObject {
  const { $setOnInsert, ...rest } = update;
  if (!inserting || !isPlainObject($setOnInsert)) return rest;
  const set = isPlainObject(rest.$set) ? rest.$set : {};
  return { ...rest, $set: { ...set, ...$setOnInsert } };
}

/**
 * Applies `update` to a private copy of `current` and returns the new document, or null when nothing
 * changed (MongoDB then reports modifiedCount 0). Changing `_id` throws ImmutableField.
 */
export function applyUpdate(
  current: StoredDocument,
  update: PlainObject,
  inserting: boolean,
): StoredDocument | null {
  const modifier = effectiveModifier(update, inserting);
  if (Object.keys(modifier).length === 0) return inserting ? cloneJson(current) : null;
  const next = cloneJson(current);
  mingoUpdate(next as PlainObject, modifier as Modifier<PlainObject>, undefined, undefined, {
    cloneMode: 'deep',
  });
  const normalised = cloneJson(next);
  if (normalised._id !== current._id) throw immutableIdError();
  if (!inserting && jsonEqual(normalised, current)) return null;
  return normalised;
}

/** Collects the equality conditions of a filter into a new document, as MongoDB does for an upsert. */
export function seedFromFilter(filter: PlainObject): PlainObject {
  const seed: PlainObject = {};
  collectEqualities(filter, seed);
  return seed;
}

function collectEqualities(filter: PlainObject, seed: PlainObject): void {
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    if (key === '$and' && Array.isArray(value)) {
      for (const member of value) if (isPlainObject(member)) collectEqualities(member, seed);
      continue;
    }
    if (key.startsWith('$') || value instanceof RegExp) continue;
    if (isPlainObject(value)) {
      const ops = Object.keys(value);
      if (ops.length > 0 && ops.every((op) => op.startsWith('$'))) {
        if (ops.length === 1 && ops[0] === '$eq') setPath(seed, key, cloneJson(value.$eq));
        continue;
      }
    }
    setPath(seed, key, cloneJson(value));
  }
}
