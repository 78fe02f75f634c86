/**
 * Key-set paging (R4 http.html#paging; search.html#paging leaves the paging mechanism to the server) for
 * the orders that end on the resource id and use nothing else: the default order (the search's types in
 * order, then id) and `_sort=_id` / `_sort=-_id` (id, then type). A page is "the `take` rows after (or
 * before) a cursor", the cursor being the last (or first) row of the page the client saw, so no list of
 * matches is kept anywhere and a page costs one bounded query per type.
 *
 * What a client paging while others write sees: ids never change, so a resource updated between pages
 * keeps its place and is served exactly once; a deleted one is simply not served; a resource created
 * between pages is served if its place is after the cursor and not otherwise. There is no duplicate and
 * no gap among the resources that matched throughout; `total` is the count when the search started (the
tokens carry it). Each page is one query per type for the rows past the cursor, sorted by id and limited
(an index walk on MongoDB). The embedded engine sorts every match before it limits, which is several
times slower than reading only the ids past the cursor and picking the smallest above the seam, so on it
a page reads those ids, then the page's documents by id.
 */
import type { Filter } from 'mongodb';
import type { Projection } from '../../storage/document-collection.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';
import { sortDocs, type SortKey, type TypedDoc } from './sort.js';
import { findByIds, findLive } from './store-query.js';

/** The orders key-set paging handles: default (type, id), id ascending, id descending (then type). */
export type KeysetOrder = 'type-id' | 'id' | '-id';

/** The key-set order of a `_sort`, or undefined when the order needs a snapshot. */
export function keysetOrder(sort: readonly SortKey[]): KeysetOrder | undefined {
  if (sort.length === 0) return 'type-id';
  if (sort.length === 1 && sort[0].type === 'id') return sort[0].desc ? '-id' : 'id';
  return undefined;
}

/** A row's place: the rank of its type among the search's types, and its id. */
export interface Cursor {
  rank: number;
  id: string;
}

/** Which rows to read: `take` rows after `cursor` (or from the start), or before it (or from the end). */
export interface KeysetWindow {
  cursor?: Cursor;
  backward: boolean;
  take: number;
}

/** One type searched and its filter. */
export interface KeysetSource {
  type: string;
  filter: Filter<ResourceDoc>;
}

type Op = '$gt' | '$gte' | '$lt' | '$lte';

/**
 * The condition on `_id` that keeps the rows of the type of rank `rank` strictly after (or, backward,
 * before) `c`; null when no row of that type qualifies, `{}` when every row does.
 */
function idBound(order: KeysetOrder, rank: number, c: Cursor, backward: boolean): Filter<ResourceDoc> | null {
  if (order === 'type-id') {
    if (rank === c.rank) return { _id: { [backward ? '$lt' : '$gt']: c.id } };
    return rank > c.rank !== backward ? {} : null;
  }
  // (id, rank) order: the same id comes after the cursor only in a type of higher rank
  const up = (order === 'id') !== backward;
  const strict = backward ? rank >= c.rank : rank <= c.rank;
  const op: Op = up ? (strict ? '$gt' : '$gte') : strict ? '$lt' : '$lte';
  return { _id: { [op]: c.id } };
}

function and(a: Filter<ResourceDoc>, b: Filter<ResourceDoc>): Filter<ResourceDoc> {
  if (Object.keys(b).length === 0) return a;
  return Object.keys(a).length === 0 ? b : { $and: [a, b] };
}

/** What a key-set read needs. */
export interface KeysetContext {
  resources: ResourceStore;
  fields?: Projection;
  engine: 'embedded' | 'mongodb';
}

/** The first `limit` documents of one type matching `filter` in id order (ascending or not). */
async function firstById(
  ctx: KeysetContext,
  type: string,
  filter: Filter<ResourceDoc>,
  ascending: boolean,
  limit: number,
): Promise<ResourceDoc[]> {
  if (ctx.engine !== 'embedded') {
    const sort = { _id: ascending ? 1 : -1 } as const;
    return findLive(ctx.resources, type, filter, { sort, limit, projection: ctx.fields });
  }
  const ids = (await findLive(ctx.resources, type, filter, { projection: { _id: 1 } })).map((d) => d._id);
  ids.sort();
  const chosen = ascending ? ids.slice(0, limit) : ids.slice(Math.max(0, ids.length - limit));
  return findByIds(ctx.resources, type, chosen, ctx.fields);
}

/** Reads a window of rows in the search's order; `more` says whether rows lie beyond it. */
export async function keysetRows(
  ctx: KeysetContext,
  sources: readonly KeysetSource[],
  sort: readonly SortKey[],
  window: KeysetWindow,
): Promise<{ rows: Array<TypedDoc<ResourceDoc>>; more: boolean }> {
  const order = keysetOrder(sort) ?? 'type-id';
  const ascending = (order !== '-id') !== window.backward;
  const found = await Promise.all(
    sources.map(async (s, rank) => {
      const bound = window.cursor ? idBound(order, rank, window.cursor, window.backward) : {};
      if (bound === null) return [];
      const docs = await firstById(ctx, s.type, and(s.filter, bound), ascending, window.take + 1);
      return docs.map((doc) => ({ type: s.type, doc }));
    }),
  );
  const sorted = sortDocs(
    found.flat(),
    sort,
    sources.map((s) => s.type),
  );
  const more = sorted.length > window.take;
  const rows = window.backward
    ? sorted.slice(Math.max(0, sorted.length - window.take))
    : sorted.slice(0, window.take);
  return { rows, more };
}
