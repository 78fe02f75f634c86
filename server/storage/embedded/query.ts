/** Query execution: compiled mingo predicates over planned candidates, then sort, skip, limit and projection. */
import { Query } from 'mingo/query';
import type { FindOptions, StoredDocument } from '../document-collection.js';
import { sortDocuments } from './compare.js';
import { compileFast } from './fast-filter.js';
import { cloneDoc, cloneJson, type PlainObject } from './json.js';
import { MINGO_OPTIONS } from './mingo-context.js';
import { ID_INDEX_NAME, planQuery, type PlannerSource } from './planner.js';

/** A compiled filter. */
export type Predicate = (doc: StoredDocument) => boolean;

/** Documents that matched, and how they were found. */
export interface MatchResult {
  docs: StoredDocument[];
  examined: number;
  indexName: string | null;
}

/**
 * Compiles a filter with mingo (MongoDB semantics), with fast paths for `{}`, `{_id: string}` and simple
 * filters (fast-filter.ts), which fall back to mingo, compiled on first need, for what they cannot decide.
 */
export function compileFilter(filter: PlainObject): Predicate {
  const keys = Object.keys(filter);
  if (keys.length === 0) return () => true;
  if (keys.length === 1 && keys[0] === '_id' && typeof filter._id === 'string') {
    const id = filter._id;
    return (doc) => doc._id === id;
  }
  const fast = compileFast(filter);
  if (!fast) {
    const query = new Query(filter, MINGO_OPTIONS);
    return (doc) => query.test(doc);
  }
  let query: Query | undefined;
  return (doc) => {
    const decided = fast(doc as unknown as PlainObject);
    if (decided !== undefined) return decided;
    query ??= new Query(filter, MINGO_OPTIONS);
    return query.test(doc);
  };
}

/**
 * Finds the committed documents of `src` matching `filter`, skipping ids for which `exclude` is true and
 * stopping after `stopAfter` matches.
 */
export function matchDocuments(
  src: PlannerSource,
  filter: PlainObject,
  exclude: ((id: string) => boolean) | null,
  stopAfter = Infinity,
): MatchResult {
  const byId = idOnly(filter);
  if (byId !== undefined && stopAfter > 0) {
    // `{_id: string}`: the planner would pick the `_id` index with this one candidate
    const doc = exclude && exclude(byId) ? undefined : src.docs.get(byId);
    return { docs: doc ? [doc] : [], examined: doc ? 1 : 0, indexName: ID_INDEX_NAME };
  }
  const test = compileFilter(filter);
  const plan = planQuery(filter, src);
  const docs: StoredDocument[] = [];
  let examined = 0;
  if (stopAfter <= 0) return { docs, examined, indexName: plan ? plan.indexName : null };
  const ids: Iterable<string> = plan ? plan.ids : src.docs.keys();
  for (const id of ids) {
    if (exclude && exclude(id)) continue;
    const doc = src.docs.get(id);
    if (!doc) continue;
    examined++;
    if (test(doc)) {
      docs.push(doc);
      if (docs.length >= stopAfter) break;
    }
  }
  return { docs, examined, indexName: plan ? plan.indexName : null };
}

/** The id of a `{_id: string}` filter, else undefined. */
function idOnly(filter: PlainObject): string | undefined {
  if (typeof filter._id !== 'string') return undefined;
  for (const k in filter) if (k !== '_id') return undefined;
  return filter._id;
}

/** How many matches a find needs before it can stop early (no sort: skip + limit). */
export function matchesNeeded(options: FindOptions | undefined): number {
  if (!options || (options.sort && Object.keys(options.sort).length > 0)) return Infinity;
  const limit = Math.abs(options.limit ?? 0);
  return limit === 0 ? Infinity : (options.skip ?? 0) + limit;
}

/** Applies sort, skip, limit and projection, and returns private copies for the caller. */
export function finishFind(matches: StoredDocument[], options: FindOptions | undefined): StoredDocument[] {
  let docs = matches;
  if (options?.sort && Object.keys(options.sort).length > 0) docs = sortDocuments(docs, options.sort);
  const skip = Math.max(0, options?.skip ?? 0);
  const limit = Math.abs(options?.limit ?? 0);
  if (skip > 0 || limit > 0) docs = docs.slice(skip, limit > 0 ? skip + limit : undefined);
  if (options?.projection && Object.keys(options.projection).length > 0) {
    const fields = topLevelInclusion(options.projection as PlainObject);
    if (fields) return docs.map((d) => cloneFields(d, fields));
    const projected = new Query({}, MINGO_OPTIONS).find(docs, options.projection).all() as StoredDocument[];
    return projected.map(cloneDoc);
  }
  return docs.map(cloneDoc);
}

/**
 * The fields of an inclusion projection of top-level fields, in the order mingo returns them (sorted, `_id`
 * last unless named); null for any other projection (dotted paths, exclusions, expressions).
 */
export function topLevelInclusion(projection: PlainObject): string[] | null {
  const keys = Object.keys(projection).sort();
  const fields: string[] = [];
  let namesId = false;
  for (const k of keys) {
    const v = projection[k];
    if (k === '_id') namesId = true;
    if (k.includes('.') || k.startsWith('$')) return null;
    if (v === 1 || v === true) fields.push(k);
    else if (!(k === '_id' && (v === 0 || v === false))) return null;
  }
  if (fields.length === 0) return null;
  if (!namesId) fields.push('_id');
  return fields;
}

/** A private copy of only `fields` of a document (the projection clones nothing else). */
function cloneFields(doc: StoredDocument, fields: string[]): StoredDocument {
  const out: PlainObject = {};
  for (const f of fields) {
    const v = (doc as PlainObject)[f];
    if (v !== undefined) out[f] = cloneJson(v);
  }
  return out as StoredDocument;
}
