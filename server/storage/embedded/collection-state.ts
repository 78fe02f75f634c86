/**
 * The committed state of one collection: documents by `_id` (never mutated in place: a write installs a new
 * object, so a reference taken earlier stays a consistent snapshot of that version) and secondary indexes.
 */
import type { IndexKeys, IndexOptions, StoredDocument } from '../document-collection.js';
import { badValueError, duplicateKeyError, indexConflictError } from './errors.js';
import { ID_INDEX_NAME, type PlannerSource } from './planner.js';
import { defaultIndexName, SecondaryIndex, type IndexDefinition } from './secondary-index.js';

/** Normalises createIndex arguments into a definition (validating the key directions). */
export function indexDefinition(keys: IndexKeys, options: IndexOptions | undefined): IndexDefinition {
  const fields = Object.keys(keys);
  if (fields.length === 0) throw badValueError('Index keys cannot be empty');
  const copy: IndexKeys = {};
  for (const field of fields) {
    const dir = keys[field];
    if (dir !== 1 && dir !== -1)
      throw badValueError(`Unsupported index direction for ${field}: ${String(dir)}`);
    if (field === '' || field.startsWith('$')) throw badValueError(`Invalid index field name: ${field}`);
    copy[field] = dir;
  }
  return {
    name: options?.name ?? defaultIndexName(copy),
    keys: copy,
    unique: options?.unique === true,
    sparse: options?.sparse === true,
  };
}

function sameKeys(a: IndexKeys, b: IndexKeys): boolean {
  const ka = Object.entries(a);
  const kb = Object.entries(b);
  return ka.length === kb.length && ka.every(([f, d], i) => kb[i][0] === f && kb[i][1] === d);
}

/** One collection's committed documents and indexes. */
export class CollectionState implements PlannerSource {
  readonly docs = new Map<string, StoredDocument>();
  readonly indexes = new Map<string, SecondaryIndex>();

  constructor(readonly name: string) {}

  /** Throws a duplicate-key error on `_id`. */
  idTaken(id: string): Error {
    return duplicateKeyError(this.name, ID_INDEX_NAME, { _id: 1 }, { _id: id });
  }

  /**
   * Checks `doc` against every index (parallel arrays, unique keys held by another document); `ignore`
   * names documents whose committed keys do not count (those a transaction rewrites).
   */
  checkIndexes(doc: StoredDocument, ignore?: (id: string) => boolean): void {
    for (const index of this.indexes.values()) index.check(doc, doc._id, ignore);
  }

  /** Installs `doc` as the committed version of its `_id`, maintaining the indexes. */
  put(doc: StoredDocument): void {
    const before = this.docs.get(doc._id);
    for (const index of this.indexes.values()) {
      if (before) index.update(doc._id, before, doc);
      else index.add(doc._id, doc);
    }
    this.docs.set(doc._id, doc);
  }

  /** Removes the committed document `id` (no-op when absent). */
  remove(id: string): void {
    const before = this.docs.get(id);
    if (!before) return;
    for (const index of this.indexes.values()) index.remove(id, before);
    this.docs.delete(id);
  }

  /**
   * Declares an index; returns true when it was created, false when an identical one exists.
   * Throws 85/86 on a clashing definition and 11000 when a unique index meets duplicate keys.
   */
  createIndex(def: IndexDefinition): boolean {
    if (sameKeys(def.keys, { _id: 1 })) return false;
    if (def.name === ID_INDEX_NAME) throw indexConflictError(`Index name ${ID_INDEX_NAME} is reserved`, 86);
    for (const existing of this.indexes.values()) {
      const keysMatch = sameKeys(existing.def.keys, def.keys);
      if (existing.def.name === def.name && !keysMatch) {
        throw indexConflictError(`An existing index has the same name (${def.name}) but different keys`, 86);
      }
      if (!keysMatch) continue;
      if (existing.def.name !== def.name) {
        throw indexConflictError(`Index already exists with a different name: ${existing.def.name}`, 85);
      }
      if (existing.def.unique !== def.unique || existing.def.sparse !== def.sparse) {
        throw indexConflictError(
          `An existing index has the same name (${def.name}) but different options`,
          85,
        );
      }
      return false;
    }
    this.indexes.set(def.name, this.buildIndex(def, true));
    return true;
  }

  /** Builds an index over the current documents (`strict`: enforce uniqueness; false during recovery). */
  buildIndex(def: IndexDefinition, strict: boolean): SecondaryIndex {
    const index = new SecondaryIndex(def, this.name);
    for (const doc of this.docs.values()) {
      if (strict) index.check(doc, doc._id);
      index.add(doc._id, doc);
    }
    return index;
  }

  /** The declared index definitions (for snapshots). */
  indexDefinitions(): IndexDefinition[] {
    return [...this.indexes.values()].map((i) => i.def);
  }
}
