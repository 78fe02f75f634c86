/**
 * Runs a compiled search over one or more resource types (a type search, a compartment search, or
 * $everything) and returns one page (R4 search.html#count, #total, http.html#paging):
 * - a result that fits in one page is read with one query per type (limit offset + count + 1, no engine
 *   sort, so the engine can stop early and never prefers an index for ordering over a selective one),
 *   sorted above the seam (sort.ts) and returned without a snapshot;
 * - a larger result saves the ordered keys of all its matches as a snapshot (snapshot.ts) and returns the
 *   page from it; the next pages read the snapshot named by the `_page` token, never the live query again;
 * - `_count=0` (and `_summary=count`) only counts.
 * Both engines execute the same filter documents; the only engine-side ordering used is by `_id`, when
 * reading all the keys of a large result (so that a result cut at MAX_SNAPSHOT is a deterministic prefix).
 * A `_sort` by anything but `_id` is not served by that order: at most `sortMaxMatches` matches are read
 * for it, and a search matching more is refused as `too-costly` (limits.ts) instead of being sorted.
 */
import type { Filter } from 'mongodb';
import { FhirError, issue, STATUS } from '../outcomes.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';
import type { DocumentStore, Projection } from '../../storage/document-collection.js';
import { DEFAULT_SEARCH_LIMITS, sortTooCostly } from './limits.js';
import { readSnapshot, saveSnapshot, snapshotSlice } from './snapshot.js';
import { sortDocs, sortFields, type SortKey, type TypedDoc } from './sort.js';
import { findByKeys, findLive } from './store-query.js';

/** Most matches a snapshot holds; beyond it paging stops (and a custom `_sort` is refused). */
export const MAX_SNAPSHOT = 100_000;

/** One resource type and the filter selecting its matches. */
export interface SearchSource {
  type: string;
  filter: Filter<ResourceDoc>;
}

/** What to run. */
export interface SearchPlan {
  sources: SearchSource[];
  sort: SortKey[];
  count: number;
  offset: number;
  /** The `_page` token of a continuing search. */
  page?: string;
  /** Identity of the search (path, selection, sort) that a `_page` token must belong to. */
  key: string;
  /** Most matches a sort not served by the store's order may order (default DEFAULT_SEARCH_LIMITS). */
  sortMaxMatches?: number;
}

/** One page of results. */
export interface SearchPage {
  matches: Array<TypedDoc<ResourceDoc>>;
  total: number;
  /** How many results can be paged through (the snapshot size; `total` unless truncated). */
  size: number;
  offset: number;
  /** The snapshot the page came from (absent when the whole result fitted in one page). */
  snapshot?: string;
  hasNext: boolean;
  /** True when more resources matched than MAX_SNAPSHOT and paging stops there. */
  truncated: boolean;
}

/** What execution reads and writes. */
export interface ExecuteContext {
  resources: ResourceStore;
  store: DocumentStore;
  now: number;
  /** The fields of the matches that the caller reads (all when absent); sorting adds the index itself. */
  fields?: Projection;
}

const keyOf = (d: TypedDoc): string => `${d.type}/${d.doc._id}`;

/** How many matches the plan may read to sort them; undefined when the store's `_id` order serves it. */
export function sortBound(plan: Pick<SearchPlan, 'sort' | 'sortMaxMatches'>): number | undefined {
  if (plan.sort.every((k) => k.type === 'id')) return undefined;
  return plan.sortMaxMatches ?? DEFAULT_SEARCH_LIMITS.sortMaxMatches;
}

/** Runs a search plan and returns the requested page. */
export async function executeSearch(ctx: ExecuteContext, plan: SearchPlan): Promise<SearchPage> {
  if (plan.page) return continuePage(ctx, plan, plan.page);
  if (plan.count === 0) {
    const total = await countAll(ctx, plan);
    return { matches: [], total, size: total, offset: 0, hasNext: false, truncated: false };
  }
  const need = plan.offset + plan.count;
  const bound = sortBound(plan);
  const projection = plan.sort.length > 0 && ctx.fields ? { ...ctx.fields, sp: 1 as const } : ctx.fields;
  const limit = Math.min(need, bound ?? need) + 1;
  const found = await Promise.all(
    plan.sources.map(async (s) =>
      (await findLive(ctx.resources, s.type, s.filter, { limit, projection })).map((doc) => ({
        type: s.type,
        doc,
      })),
    ),
  );
  const all = found.flat();
  if (bound !== undefined && all.length > bound) throw sortTooCostly(bound);
  if (all.length <= need) {
    const sorted = sortDocs(
      all,
      plan.sort,
      plan.sources.map((s) => s.type),
    );
    const matches = sorted.slice(plan.offset, need);
    const total = all.length;
    return { matches, total, size: total, offset: plan.offset, hasNext: false, truncated: false };
  }
  return snapshotPage(ctx, plan);
}

/** Counts the matches of every source. */
async function countAll(ctx: ExecuteContext, plan: SearchPlan): Promise<number> {
  const counts = await Promise.all(plan.sources.map((s) => ctx.resources.count(s.type, s.filter)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Reads the ordered keys of all matches, saves them as a snapshot and returns the first requested page. */
async function snapshotPage(ctx: ExecuteContext, plan: SearchPlan): Promise<SearchPage> {
  const projection: Record<string, 1> = { _id: 1 };
  for (const f of sortFields(plan.sort)) projection[f] = 1;
  const bound = sortBound(plan);
  const found = await Promise.all(
    plan.sources.map(async (s) =>
      // Ordered by _id only when the cut at MAX_SNAPSHOT must be a deterministic prefix; a bounded sort
      // is refused rather than cut, so the engine may stop at the first bound + 1 matches.
      (
        await findLive(ctx.resources, s.type, s.filter, {
          ...(bound === undefined ? { sort: { _id: 1 as const } } : {}),
          projection,
          limit: (bound ?? MAX_SNAPSHOT) + 1,
        })
      ).map((doc) => ({ type: s.type, doc })),
    ),
  );
  let all = found.flat();
  if (bound !== undefined && all.length > bound) throw sortTooCostly(bound);
  const truncated = all.length > MAX_SNAPSHOT;
  if (truncated && plan.sort.length > 0) {
    throw new FhirError(STATUS.badRequest, [
      issue('too-costly', `More than ${MAX_SNAPSHOT} resources match; add criteria before sorting them`),
    ]);
  }
  const total = truncated ? await countAll(ctx, plan) : all.length;
  all = sortDocs(
    all,
    plan.sort,
    plan.sources.map((s) => s.type),
  ).slice(0, MAX_SNAPSHOT);
  const keys = all.map(keyOf);
  const snapshot = await saveSnapshot(ctx.store, ctx.now, plan.key, keys, total);
  const pageKeys = keys.slice(plan.offset, plan.offset + plan.count);
  const matches = await findByKeys(ctx.resources, pageKeys, ctx.fields);
  const hasNext = plan.offset + plan.count < keys.length;
  return { matches, total, size: keys.length, offset: plan.offset, snapshot, hasNext, truncated };
}

/** A later page of a snapshot: the current versions of its keys, in snapshot order. */
async function continuePage(ctx: ExecuteContext, plan: SearchPlan, sid: string): Promise<SearchPage> {
  const head = await readSnapshot(ctx.store, ctx.now, sid, plan.key);
  const keys = plan.count === 0 ? [] : await snapshotSlice(ctx.store, head, plan.offset, plan.count);
  const matches = await findByKeys(ctx.resources, keys, ctx.fields);
  const truncated = head.matched !== undefined;
  const hasNext = plan.count > 0 && plan.offset + plan.count < head.total;
  const total = head.matched ?? head.total;
  return { matches, total, size: head.total, offset: plan.offset, snapshot: sid, hasNext, truncated };
}
