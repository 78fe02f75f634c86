/**
 * The write operations, each one synchronous from matching the filter to installing the change, so that
 * concurrent callers observe them as atomic (a compare-and-swap on a version field works).
 */
import { randomUUID } from 'node:crypto';
import type { StoredDocument, UpdateResult } from '../document-collection.js';
import { badValueError, EmbeddedStoreError, immutableIdError } from './errors.js';
import { cloneDoc, jsonEqual, type PlainObject } from './json.js';
import { applyUpdate, assertUpdateDocument, seedFromFilter } from './update-ops.js';
import type { CollectionView } from './view.js';

const NO_MATCH: UpdateResult = { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };

function assertDocument(doc: unknown): asserts doc is StoredDocument {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw badValueError('Document must be an object');
  const id = (doc as { _id?: unknown })._id;
  if (typeof id !== 'string') throw badValueError('Document _id must be a string chosen by the caller');
}

/** Puts `_id` first, as the MongoDB server does on insert. */
function idFirst(doc: StoredDocument): StoredDocument {
  for (const key in doc) {
    if (key === '_id') return doc;
    break;
  }
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

/** Inserts a private copy of `doc`; returns its `_id`. */
export function insertDoc(view: CollectionView, doc: StoredDocument): string {
  assertDocument(doc);
  const copy = idFirst(cloneDoc(doc));
  view.check(copy, true);
  view.put(copy);
  return copy._id;
}

/** Ordered insert: stops at the first failure, keeping the documents inserted before it. */
export function insertDocs(
  view: CollectionView,
  docs: StoredDocument[],
): { inserted: number; error: unknown } {
  let inserted = 0;
  for (const doc of docs) {
    try {
      insertDoc(view, doc);
    } catch (error) {
      if (error instanceof EmbeddedStoreError) error.insertedCount = inserted;
      return { inserted, error };
    }
    inserted++;
  }
  return { inserted, error: null };
}

/** The `_id` for a document created by an upsert. */
function upsertId(filter: PlainObject, candidate: unknown): string {
  if (typeof candidate === 'string') return candidate;
  const seeded = seedFromFilter(filter)._id;
  return typeof seeded === 'string' ? seeded : randomUUID();
}

/** replaceOne: swaps the first match for a copy of `doc`, or inserts it when `upsert`. */
export function replaceDoc(
  view: CollectionView,
  filter: PlainObject,
  doc: StoredDocument,
  upsert: boolean,
): UpdateResult {
  const target = view.match(filter, 1).docs[0];
  if (!target) return upsert ? upsertReplacement(view, filter, doc) : NO_MATCH;
  const next = cloneDoc(doc) as PlainObject;
  if (next._id === undefined) next._id = target._id;
  else if (next._id !== target._id) throw immutableIdError();
  const replacement = { _id: target._id, ...next } as StoredDocument;
  if (jsonEqual(replacement, target)) return { ...NO_MATCH, matchedCount: 1 };
  view.check(replacement, false);
  view.put(replacement);
  return { ...NO_MATCH, matchedCount: 1, modifiedCount: 1 };
}

function upsertReplacement(view: CollectionView, filter: PlainObject, doc: StoredDocument): UpdateResult {
  const next = cloneDoc(doc) as PlainObject;
  const id = upsertId(filter, next._id);
  const created = { ...next, _id: id } as StoredDocument;
  view.check(created, true);
  view.noteAbsence(filter);
  view.put(created);
  return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id };
}

/** updateOne: applies update operators to the first match, or to a document seeded from the filter. */
export function updateDoc(
  view: CollectionView,
  filter: PlainObject,
  update: PlainObject,
  upsert: boolean,
): UpdateResult {
  assertUpdateDocument(update);
  const target = view.match(filter, 1).docs[0];
  if (!target) return upsert ? upsertUpdate(view, filter, update) : NO_MATCH;
  const next = applyUpdate(target, update, false);
  if (!next) return { ...NO_MATCH, matchedCount: 1 };
  view.check(next, false);
  view.put(next);
  return { ...NO_MATCH, matchedCount: 1, modifiedCount: 1 };
}

function upsertUpdate(view: CollectionView, filter: PlainObject, update: PlainObject): UpdateResult {
  const seed = seedFromFilter(filter);
  const set = update.$set as PlainObject | undefined;
  const setOnInsert = update.$setOnInsert as PlainObject | undefined;
  const id = upsertId(filter, seed._id ?? set?._id ?? setOnInsert?._id);
  const base = { ...seed, _id: id } as StoredDocument;
  const created = applyUpdate(base, update, true) ?? base;
  view.check(created, true);
  view.noteAbsence(filter);
  view.put(created);
  return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id };
}

/** deleteOne / deleteMany: returns the number of documents removed. */
export function deleteDocs(view: CollectionView, filter: PlainObject, many: boolean): number {
  const { docs } = view.match(filter, many ? Infinity : 1);
  for (const doc of docs) view.remove(doc._id);
  return docs.length;
}
