/**
 * Runs a compiled search over one or more resource types (a type search, a compartment search, or
 * $everything) and returns one page (R4 search.html#count, #total, http.html#paging):
 * - a result that fits in one page is read with one query per type (limit offset + count + 1, no engine
 *   sort, so the engine can stop early and never prefers an index for ordering over a selective one),
 *   sorted above the seam (sort.ts) and returned without paging state;
 * - a larger result in the default order or sorted by `_id` is paged by key (keyset.ts): each page reads
 *   the rows after (or before) the cursor its `_page` token carries, and nothing is stored;
 * - a larger result in any other order keeps the ordered keys of its matches in the bounded snapshot cache
 *   (snapshot.ts) and the next pages read their slice of it;
 * - `_count=0` (and `_summary=count`) only counts.
 * Every `_page` token is signed for the search and its holder (page-token.ts).
 * A `_sort` by anything but `_id` is not served by the store's order: at most `sortMaxMatches` matches are
 * read for it, and a search matching more is refused as `too-costly` (limits.ts) instead of being sorted.
 */
import { FhirError, issue, STATUS } from '../outcomes.js';
import type { ResourceDoc, ResourceStore } from '../resource-store.js';
import type { Fields, Where } from '../../storage/repository.js';
import { DEFAULT_SEARCH_LIMITS, sortTooCostly } from './limits.js';
import { keysetOrder, keysetRows, type Cursor } from './keyset.js';
import type { KeysetLinks } from './links.js';
import { foreignToken, type PageHolder, type PageTokens } from './page-token.js';
import type { Snapshot, SnapshotCache } from './snapshot.js';
import { sortDocs, type SortKey, type TypedDoc } from './sort.js';
import { findByKeys, withIndex } from './store-query.js';

/** Most matches one snapshot holds (when the cache allows as many); a larger sorted result is refused. */
export const MAX_SNAPSHOT = 100_000;

/** One resource type and the condition selecting its matches. */
export interface SearchSource {
  type: string;
  where: Where;
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
  /** Who asks (pageHolder): a `_page` token is only valid for its holder. */
  holder: PageHolder;
  /** Most matches a sort not served by the store's order may order (default DEFAULT_SEARCH_LIMITS). */
  sortMaxMatches?: number;
}

/** One page of results. */
export interface SearchPage {
  matches: Array<TypedDoc<ResourceDoc>>;
  total: number;
  /** How many results can be paged through. */
  size: number;
  offset: number;
  /** Snapshot paging: the `_page` token of the snapshot the page came from. */
  snapshot?: string;
  /** Key-set paging: the `_page` tokens of this page and its neighbours. */
  keyset?: KeysetLinks;
  hasNext: boolean;
}

/** The paging state of an app: token signing and the snapshot cache. */
export interface SearchPaging {
  tokens: PageTokens;
  snapshots: SnapshotCache;
}

/** What execution reads. */
export interface ExecuteContext {
  resources: ResourceStore;
  paging: SearchPaging;
  now: number;
  /** The fields of the matches that the caller reads (all when absent); sorting adds the index itself. */
  fields?: Fields;
}

/** The state a key-set token carries: after a cursor (`a`), before one (`b`), or the end (`e`). */
interface KeysetState {
  k: 'a' | 'b' | 'e';
  /** Cursor: type rank and id. */
  r?: number;
  i?: string;
  /** Offset of the page in the result (for the links). */
  o: number;
  /** Rows of a page read from the end. */
  n?: number;
  /** The total counted by the first page (R4 search.html#total: the matches of the search). */
  t?: number;
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
    return { matches: [], total, size: total, offset: 0, hasNext: false };
  }
  const need = plan.offset + plan.count;
  const bound = sortBound(plan);
  const fields = plan.sort.length > 0 ? withIndex(ctx.fields) : ctx.fields;
  const limit = Math.min(need, bound ?? need) + 1;
  const found = await Promise.all(
    plan.sources.map(async (s) =>
      (await ctx.resources.find(s.type, s.where, { limit, fields })).map((doc) => ({
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
    return { matches, total, size: total, offset: plan.offset, hasNext: false };
  }
  if (keysetOrder(plan.sort)) return keysetPage(ctx, plan, { k: 'a', o: plan.offset }, undefined);
  return snapshotPage(ctx, plan);
}

/** Counts the matches of every source. */
async function countAll(ctx: ExecuteContext, plan: SearchPlan): Promise<number> {
  const counts = await Promise.all(plan.sources.map((s) => ctx.resources.count(s.type, s.where)));
  return counts.reduce((a, b) => a + b, 0);
}

/** A later page: the token is checked for this search and holder, then read as a cursor or a snapshot. */
async function continuePage(ctx: ExecuteContext, plan: SearchPlan, token: string): Promise<SearchPage> {
  const state = await ctx.paging.tokens.verify(token, plan.key, plan.holder.key);
  if (typeof state !== 'object' || state === null) throw foreignToken();
  if ('s' in state && typeof state.s === 'string') return snapshotContinue(ctx, plan, state.s, token);
  if ('k' in state && keysetOrder(plan.sort)) return keysetPage(ctx, plan, state as KeysetState, token);
  throw foreignToken();
}

/** One key-set page (keyset.ts) and the tokens of its neighbours. */
async function keysetPage(
  ctx: ExecuteContext,
  plan: SearchPlan,
  state: KeysetState,
  self: string | undefined,
): Promise<SearchPage> {
  const total = typeof state.t === 'number' ? state.t : await countAll(ctx, plan);
  if (plan.count === 0) return { matches: [], total, size: total, offset: state.o, hasNext: false };
  const backward = state.k !== 'a';
  const cursor: Cursor | undefined =
    state.k !== 'e' && typeof state.i === 'string' ? { rank: Number(state.r), id: state.i } : undefined;
  // a first page asked with `_offset` skips that many rows from the start
  const skip = state.k === 'a' && !cursor ? state.o : 0;
  const take = backward ? Math.min(state.n ?? plan.count, plan.count) : skip + plan.count;
  const { rows, more } = await keysetRows(ctx, plan.sources, plan.sort, { cursor, backward, take });
  const matches = rows.slice(skip);
  const offset = backward && !more ? 0 : state.o;
  const hasNext = backward ? state.k === 'b' : more;
  const hasPrevious = backward ? more : offset > 0;
  const ranks = new Map(plan.sources.map((s, i) => [s.type, i] as const));
  const at = (m: TypedDoc | undefined) => (m ? { r: ranks.get(m.type) ?? 0, i: m.doc._id } : undefined);
  const first = at(matches[0]);
  const last = at(matches[matches.length - 1]);
  const sign = (s: KeysetState) => ctx.paging.tokens.sign({ ...s, t: total }, plan.key, plan.holder.key);
  const lastOffset = total > 0 ? Math.floor((total - 1) / plan.count) * plan.count : 0;
  const keyset: KeysetLinks = {
    self,
    next: hasNext && last ? await sign({ k: 'a', ...last, o: offset + matches.length }) : undefined,
    previous:
      hasPrevious && first
        ? await sign({ k: 'b', ...first, o: Math.max(0, offset - plan.count) })
        : undefined,
    last: total > 0 ? await sign({ k: 'e', o: lastOffset, n: total - lastOffset }) : undefined,
  };
  return { matches, total, size: total, offset, keyset, hasNext: keyset.next !== undefined };
}

/** Reads the ordered keys of all matches, keeps them as a snapshot and returns the first requested page. */
async function snapshotPage(ctx: ExecuteContext, plan: SearchPlan): Promise<SearchPage> {
  const bound = sortBound(plan);
  const limit = Math.min(MAX_SNAPSHOT, ctx.paging.snapshots.limits.maxKeys, bound ?? MAX_SNAPSHOT);
  const found = await Promise.all(
    plan.sources.map(async (s) =>
      (await ctx.resources.find(s.type, s.where, { fields: 'index', limit: limit + 1 })).map((doc) => ({
        type: s.type,
        doc,
      })),
    ),
  );
  const all = found.flat();
  if (all.length > limit) {
    if (bound === limit) throw sortTooCostly(bound);
    throw new FhirError(STATUS.badRequest, [
      issue('too-costly', `More than ${limit} resources match; add criteria before sorting them`, '_sort'),
    ]);
  }
  const keys = sortDocs(
    all,
    plan.sort,
    plan.sources.map((s) => s.type),
  ).map(keyOf);
  const snap = ctx.paging.snapshots.save(ctx.now, plan.holder, plan.key, keys);
  const token = await ctx.paging.tokens.sign({ s: snap.id }, plan.key, plan.holder.key);
  return slicePage(ctx, plan, snap, token);
}

/** A later page of a snapshot: the current versions of its keys, in snapshot order. */
async function snapshotContinue(
  ctx: ExecuteContext,
  plan: SearchPlan,
  sid: string,
  token: string,
): Promise<SearchPage> {
  const snap = ctx.paging.snapshots.read(ctx.now, sid, plan.holder.key, plan.key);
  return slicePage(ctx, plan, snap, token);
}

/** The page at the plan's offset of a snapshot's keys. */
async function slicePage(
  ctx: ExecuteContext,
  plan: SearchPlan,
  snap: Snapshot,
  snapshot: string,
): Promise<SearchPage> {
  const pageKeys = plan.count === 0 ? [] : snap.slice(plan.offset, plan.offset + plan.count);
  const matches = await findByKeys(ctx.resources, pageKeys, ctx.fields);
  const hasNext = plan.count > 0 && plan.offset + plan.count < snap.size;
  const size = snap.size;
  return { matches, total: size, size, offset: plan.offset, snapshot, hasNext };
}
