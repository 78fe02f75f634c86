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
tokens carry it). Each page is one query per type for the rows past the cursor, ordered by id and limited
(an index walk on both engines).
 */
import { and, type Fields, type IdRange, type Where } from '../../storage/repository.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';
import { sortDocs, type SortKey, type TypedDoc } from './sort.js';

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

/** One type searched and its condition. */
export interface KeysetSource {
  type: string;
  where: Where;
}

type Op = IdRange['op'];
const range = (op: Op, id: string): Where => ({ kind: 'id-range', op, id });
const ALL: Where = { kind: 'all' };

/**
 * The condition on `_id` that keeps the rows of the type of rank `rank` strictly after (or, backward,
 * before) `c`; null when no row of that type qualifies, `{}` when every row does.
 */
function idBound(order: KeysetOrder, rank: number, c: Cursor, backward: boolean): Where | null {
  if (order === 'type-id') {
    if (rank === c.rank) return range(backward ? 'lt' : 'gt', c.id);
    return rank > c.rank !== backward ? ALL : null;
  }
  // (id, rank) order: the same id comes after the cursor only in a type of higher rank
  const up = (order === 'id') !== backward;
  const strict = backward ? rank >= c.rank : rank <= c.rank;
  const op: Op = up ? (strict ? 'gt' : 'gte') : strict ? 'lt' : 'lte';
  return range(op, c.id);
}

/** What a key-set read needs. */
export interface KeysetContext {
  resources: ResourceStore;
  fields?: Fields;
}

/** The first `limit` documents of one type matching `where` in id order (ascending or not). */
function firstById(
  ctx: KeysetContext,
  type: string,
  where: Where,
  ascending: boolean,
  limit: number,
): Promise<ResourceDoc[]> {
  return ctx.resources.find(type, where, { order: ascending ? 'id' : '-id', limit, fields: ctx.fields });
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
      const bound = window.cursor ? idBound(order, rank, window.cursor, window.backward) : ALL;
      if (bound === null) return [];
      const docs = await firstById(ctx, s.type, and(s.where, bound), ascending, window.take + 1);
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
