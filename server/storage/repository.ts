/**
 * The storage seam: a repository of versioned FHIR resources. Above it the FHIR layer speaks resources,
 * versions, history and the search IR (`Where`); below it each engine stores them its own way and compiles
 * `Where` natively (the SQLite engine to SQL over its index tables, the MongoDB engine to one filter
 * document). Small auxiliary collections (auth state, signing keys, bulk jobs, conditional keys) keep a
 * document API (`AuxCollection`) because they are few documents read mostly by `_id`.
 * See server/storage/README.md.
 */
import type { Resource } from 'fhir/r4.js';
import type {
  CompartmentClause,
  IdClause,
  MatchClause,
  MissingClause,
  RefsClause,
} from '../fhir/search/ir.js';
import type { DocumentCollection, StorageSession, StoredDocument } from './document-collection.js';

/** The search index stored beside a resource (see fhir/search/index-entry.ts). */
export interface SearchIndex {
  sp: Record<string, unknown[]>;
  comp: string[];
}

/** The current version of a resource as stored; deleted resources keep a tombstone. */
export interface ResourceDoc {
  _id: string;
  vid: number;
  /** meta.lastUpdated as an ISO instant (UTC, milliseconds). */
  lu: string;
  deleted?: boolean;
  resource?: Resource;
  sp?: Record<string, unknown[]>;
  comp?: string[];
}

/** One version in the history of a resource; `_id` is `Type/id/vid`. */
export interface HistoryDoc {
  _id: string;
  t: string;
  rid: string;
  vid: number;
  lu: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  deleted?: boolean;
  resource?: Resource;
}

/** What a write produced. */
export interface WriteResult {
  doc: ResourceDoc;
  /** True when the write created the resource (or brought a deleted one back). */
  created: boolean;
  /**
   * True when the content equalled the current version's (apart from `meta.versionId` and
   * `meta.lastUpdated`): nothing was written and `doc` is the current version (unchangedUpdate).
   */
  unchanged?: boolean;
}

/** Thrown when a concurrent write changed the version this write was based on. */
export class VersionConflict extends Error {
  constructor(
    readonly type: string,
    readonly id: string,
  ) {
    super(`Concurrent write to ${type}/${id}`);
  }
}

/** Thrown when If-Match names a version other than the current one. */
export class StaleVersion extends Error {
  constructor(
    readonly type: string,
    readonly id: string,
    readonly current: number | null,
    readonly expected: number,
  ) {
    super(`${type}/${id} is at version ${current ?? 'none'}, not ${expected}`);
  }
}

/**
 * Which parts of a current version a read returns (the engine copies only those):
 * `id` = `_id`, `vid`, `lu`, `deleted`; `index` = those and `sp` (what sorting reads); `resource` = `id`'s
 * and the resource; `indexed` = also `sp`; `all` = also `comp` (everything).
 */
export type Fields = 'id' | 'index' | 'resource' | 'indexed' | 'all';

/** An `_id` bound: the ids after (or before) `id` in code-point order. */
export interface IdRange {
  kind: 'id-range';
  op: 'gt' | 'gte' | 'lt' | 'lte';
  id: string;
}

/** A `meta.lastUpdated` range on ISO instants (any bound may be absent). */
export interface UpdatedRange {
  kind: 'updated';
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
}

/** Resources in at least one patient compartment (bulk export at group and patient level). */
export interface InSomeCompartment {
  kind: 'in-some-compartment';
}

/**
 * A condition on current versions: search clauses (already resolved: no chains, `_has` or `_list`) and
 * a few storage predicates, combined with and/or. `{ kind: 'all' }` matches everything, `none` nothing.
 */
export type Where =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'and'; of: Where[] }
  | { kind: 'or'; of: Where[] }
  | IdClause
  | MissingClause
  | MatchClause
  | RefsClause
  | CompartmentClause
  | IdRange
  | UpdatedRange
  | InSomeCompartment;

export const ALL: Where = { kind: 'all' };
export const NONE: Where = { kind: 'none' };

/** Conjunction, dropping `all` and collapsing to `none`. */
export function and(...parts: Where[]): Where {
  const of: Where[] = [];
  for (const p of parts) {
    if (p.kind === 'none') return NONE;
    if (p.kind === 'all') continue;
    if (p.kind === 'and') of.push(...p.of);
    else of.push(p);
  }
  if (of.length === 0) return ALL;
  return of.length === 1 ? of[0] : { kind: 'and', of };
}

/** Disjunction, dropping `none` and collapsing to `all`. */
export function or(...parts: Where[]): Where {
  const of: Where[] = [];
  for (const p of parts) {
    if (p.kind === 'all') return ALL;
    if (p.kind === 'none') continue;
    if (p.kind === 'or') of.push(...p.of);
    else of.push(p);
  }
  if (of.length === 0) return NONE;
  return of.length === 1 ? of[0] : { kind: 'or', of };
}

/** An opaque transaction handle (the same handle auxiliary collections take as `session`). */
export type Tx = StorageSession;

/** Options of `find`. */
export interface FindOptions {
  /** Default `all`. */
  fields?: Fields;
  /** By `_id` ascending (`id`) or descending (`-id`); no order when absent (the engine's cheapest). */
  order?: 'id' | '-id';
  limit?: number;
  /** Also tombstones of deleted resources (they match only `id`, `id-range` and `updated` conditions). */
  includeDeleted?: boolean;
  tx?: Tx;
}

/** A page of history, newest first unless `order` says otherwise. */
export interface HistoryQuery {
  /** One type (type history), or with `id` one resource (instance history); neither: the whole system. */
  type?: string;
  id?: string;
  /** Any of these types (bulk export `_since`); ignored when `type` is given. */
  types?: string[];
  /** Versions with `lu` after this instant (`sinceInclusive`: at or after). */
  since?: string;
  sinceInclusive?: boolean;
  /** Versions with `lu` at or before this instant. */
  until?: string;
  /** Key-set paging: versions strictly beyond this one in the order read. */
  after?: HistoryCursor;
  limit?: number;
  /** `newest` (default: `lu` then `_id` descending) or `oldest`. */
  order?: 'newest' | 'oldest';
  /** Whether entries carry their resource (default true). */
  withResource?: boolean;
}

/** The position of a history entry in history order. */
export interface HistoryCursor {
  lu: string;
  key: string;
}

/** How a query was executed: tests use it to prove that a query does not scan a whole type. */
export interface QueryPlan {
  /** True when the engine reads every current version of the type to answer. */
  scansType: boolean;
  /** Indexes the engine uses (engine names), empty when none. */
  indexes: string[];
  /** The engine's own description (SQLite: EXPLAIN QUERY PLAN lines; MongoDB: winning plan stages). */
  detail: string[];
}

/** What a write is. */
export interface PutOptions {
  ifMatch?: number;
  method: HistoryDoc['method'];
  mustNotExist?: boolean;
  tx?: Tx;
}

/** Options of `reindex`: one chunk of a type's current versions, in `_id` order. */
export interface ReindexOptions {
  /** The chunk starts after this id (exclusive); at the first id when absent. */
  after?: string;
  /** Most resources in the chunk. */
  limit: number;
  /** The chunk stops early once this many milliseconds were spent (after at least one resource). */
  budgetMs?: number;
  tx?: Tx;
}

/** What one `reindex` chunk did. */
export interface ReindexChunk {
  /** Resources whose index was rewritten. */
  count: number;
  /** The last id rewritten (the cursor of the next chunk); `after` when none was. */
  last?: string;
  /** True when no current version of the type comes after `last`. */
  done: boolean;
}

/** Versioned FHIR resources. */
export interface ResourceRepository {
  /**
   * The current version (possibly a tombstone) of `type/id`, or null when it never existed; `fields`
   * default `resource` (without the search index).
   */
  read(type: string, id: string, opts?: { fields?: Fields; tx?: Tx }): Promise<ResourceDoc | null>;
  /** One historic version (with its resource unless it is a deletion), or null. */
  vread(type: string, id: string, vid: number, opts?: { tx?: Tx }): Promise<HistoryDoc | null>;
  /**
   * Writes a new version (create, update, update-as-create or resurrection after delete); `ifMatch` makes
   * it conditional on the current version (StaleVersion), `mustNotExist` on there being none
   * (VersionConflict).
   */
  put(type: string, id: string, resource: Resource, opts: PutOptions): Promise<WriteResult>;
  /** Marks `type/id` deleted (a new version without content); null when there was nothing to delete. */
  delete(type: string, id: string, opts?: { ifMatch?: number; tx?: Tx }): Promise<ResourceDoc | null>;
  /** Current (not deleted, unless `includeDeleted`) versions of `type` matching `where`. */
  find(type: string, where: Where, opts?: FindOptions): Promise<ResourceDoc[]>;
  /** How many current versions of `type` match `where` (at most `limit` when given). */
  count(type: string, where: Where, opts?: { limit?: number; tx?: Tx }): Promise<number>;
  /** Entries of history, in history order. */
  history(query: HistoryQuery, opts?: { tx?: Tx }): Promise<HistoryDoc[]>;
  /** How many entries `query` selects (ignoring `after` and `limit`). */
  historyCount(query: HistoryQuery, opts?: { tx?: Tx }): Promise<number>;
  /** Types that hold at least one version (current or deleted). */
  types(): Promise<string[]>;
  /** How the engine answers `find(type, where)`. */
  explain(type: string, where: Where, opts?: FindOptions): Promise<QueryPlan>;
  /**
   * Extracts the search index of one chunk of `type`'s current (not deleted) versions again with
   * `RepositoryDeps.extract` and stores it in place of the old one: no new version, no history, `lu`
   * unchanged. The chunk's reads and rewrites are one transaction (`tx`, or one of its own), so a write to
   * a resource of the chunk either comes before it (and is read) or after it (and extracts its own index).
   */
  reindex(type: string, opts: ReindexOptions): Promise<ReindexChunk>;
}

/** An auxiliary collection: few documents, MongoDB-style filters (evaluated in memory on SQLite). */
export type AuxCollection<T extends StoredDocument = StoredDocument> = DocumentCollection<T>;

/** What an engine needs from the FHIR layer. */
export interface RepositoryDeps {
  /** Extracts the search index of a resource (runs on every write, after `meta` is set). */
  extract: (resource: Resource) => SearchIndex;
  /** The type of search parameter `code` of `resourceType`, when it is one. */
  paramType: (resourceType: string, code: string) => string | undefined;
  /** MongoDB engine: index keys to declare on a type's collection. */
  indexKeys: (type: string) => Array<Record<string, 1 | -1>>;
  clock: () => Date;
  /**
   * The parameters whose entries are, together, exactly the entries of parameter `code` of `resourceType`
   * (fhir/search/unions.ts), or undefined: an engine may index only those and search them instead.
   */
  unionOf?: (resourceType: string, code: string) => readonly string[] | undefined;
}

/** An open storage engine. */
export interface Storage {
  readonly engine: 'sqlite' | 'mongodb';
  /** Binds the FHIR layer's dependencies; called once, before the first use of `resources`. */
  repository(deps: RepositoryDeps): ResourceRepository;
  aux<T extends StoredDocument = StoredDocument>(name: string): AuxCollection<T>;
  /**
   * Runs `fn` in a transaction: all its writes (resources and auxiliary documents) commit together or not
   * at all, and its reads see one consistent state plus its own writes. `fn` may run again when the engine
   * aborts it for a transient conflict.
   */
  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
  /** Resolves when the engine can serve requests; rejects otherwise. */
  ping(): Promise<void>;
  /** Makes every acknowledged write durable and releases resources. */
  close(): Promise<void>;
}

/** What every engine knows of the current version before a write (a truthy `deleted` marks a tombstone). */
export interface CurrentVersion {
  vid: number;
  lu: string;
  deleted?: boolean | number;
}

/**
 * The version rules every engine applies before a write (R4 http.html#concurrency): If-Match names the
 * current, live version (else StaleVersion with the current version or none); a write that must not exist
 * finds nothing, not even a tombstone (else VersionConflict).
 */
export function checkVersion(
  type: string,
  id: string,
  cur: CurrentVersion | null | undefined,
  opts: { ifMatch?: number; mustNotExist?: boolean },
): void {
  if (opts.ifMatch !== undefined && (!cur || cur.deleted || cur.vid !== opts.ifMatch)) {
    throw new StaleVersion(type, id, cur && !cur.deleted ? cur.vid : null, opts.ifMatch);
  }
  if (opts.mustNotExist && cur) throw new VersionConflict(type, id);
}

/** The clock's instant, kept strictly after the previous version's so that history order is total. */
export function nextInstant(now: Date, previous: string | undefined): string {
  const iso = now.toISOString();
  if (previous && iso <= previous) return new Date(Date.parse(previous) + 1).toISOString();
  return iso;
}

/**
 * An update whose content equals the current version's, apart from the `versionId` and `lastUpdated` the
 * server sets (R4 http.html#update: the server SHALL ignore those two), writes no new version: the current
 * one is the result, as if the update had been applied (PUT is idempotent, RFC 9110 section 9.2.2). A
 * repeated import or sync then costs a read, not a version, its history row and its index rows. Returns
 * the current version's body (`resource` with the current meta) when `currentText` (the current body as
 * stored, JSON) is exactly that body's JSON, else null. Any other difference, key order included, is a
 * change (a false "changed" only costs a version).
 */
export function unchangedUpdate(
  resource: Resource,
  id: string,
  cur: CurrentVersion | null | undefined,
  currentText: string | null | undefined,
): Resource | null {
  if (!cur || cur.deleted || typeof currentText !== 'string') return null;
  const same: Resource = {
    ...resource,
    id,
    meta: { ...resource.meta, versionId: String(cur.vid), lastUpdated: cur.lu },
  };
  return JSON.stringify(same) === currentText ? same : null;
}

/** The next version of `type/id` after `cur`: its number, instant and the body stored with its meta. */
export function nextVersion(
  resource: Resource,
  id: string,
  cur: CurrentVersion | null | undefined,
  now: Date,
): { vid: number; lu: string; stored: Resource } {
  const vid = (cur?.vid ?? 0) + 1;
  const lu = nextInstant(now, cur?.lu);
  return {
    vid,
    lu,
    stored: { ...resource, id, meta: { ...resource.meta, versionId: String(vid), lastUpdated: lu } },
  };
}
