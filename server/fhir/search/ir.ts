/**
 * The search IR: what a FHIR search query asks for, independent of storage (R4 search.html). `parse.ts`
 * builds it from the query parameters; `to-mongo.ts` compiles it to one MongoDB filter document.
 * Clauses are ANDed (repeated parameters); the matchers of one clause are ORed (comma-separated values).
 */

/** Comparison prefixes of ordered types (search.html#prefix). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/**
 * token: `system` undefined = any system, null = no system (`|code`), a string = that system;
 * `text` (normalised) for `:text`; `typeSystem`/`typeCode` + `code` for `:of-type`.
 */
export interface TokenMatcher {
  type: 'token';
  system?: string | null;
  code?: string;
  text?: string;
  typeSystem?: string;
  typeCode?: string;
  /** `:in`, `:not-in`, `:above`, `:below`: the entry's system and code are one of these pairs. */
  codes?: Array<{ system: string; code: string }>;
}

/** string: `value` is normalised for `prefix` and `contains`, raw for `exact`. */
export interface StringMatcher {
  type: 'string';
  mode: 'prefix' | 'contains' | 'exact';
  value: string;
}

/** date: the parameter value's inclusive range in epoch ms (for `ap`, already widened). */
export interface DateMatcher {
  type: 'date';
  prefix: Prefix;
  lo: number;
  hi: number;
}

/**
 * number: `value` as given; `lo`/`hi` its implicit-precision range [lo, hi) used by eq/ne
 * (search.html#number: 100 means [99.5, 100.5)), or the ±10% range [lo, hi] for `ap`.
 */
export interface NumberMatcher {
  type: 'number';
  prefix: Prefix;
  value: number;
  lo: number;
  hi: number;
}

/**
 * quantity: a number plus optional system and code (`5.4|http://unitsofmeasure.org|mg`, `5.4||mg`);
 * `canonical` the same comparison in canonical UCUM units when the code is one the server converts.
 */
export interface QuantityMatcher extends Omit<NumberMatcher, 'type'> {
  type: 'quantity';
  system?: string;
  code?: string;
  canonical?: { unit: string; value: number; lo: number; hi: number };
}

/**
 * reference: `refs` the accepted `r` values (any of); `idPattern` a regex source for "any type with this
 * id"; `identifierSystem`/`identifierValue` for `:identifier`.
 */
export interface ReferenceMatcher {
  type: 'reference';
  refs?: string[];
  idPattern?: string;
  identifierSystem?: string;
  identifierValue?: string;
}

/** uri: exact match, `:below` (the stored URI starts with the value) or `:above` (the value starts with it). */
export interface UriMatcher {
  type: 'uri';
  mode: 'exact' | 'below' | 'above';
  value: string;
}

/** composite: one matcher per component, all matched by the same stored combination. */
export interface CompositeMatcher {
  type: 'composite';
  parts: SimpleMatcher[];
}

/** Any non-composite matcher. */
export type SimpleMatcher =
  | TokenMatcher
  | StringMatcher
  | DateMatcher
  | NumberMatcher
  | QuantityMatcher
  | ReferenceMatcher
  | UriMatcher;

/** Any matcher. */
export type Matcher = SimpleMatcher | CompositeMatcher;

/** `_id=a,b`: the logical id is one of `ids` (search.html#id). */
export interface IdClause {
  kind: 'id';
  name: string;
  ids: string[];
}

/** `[code]:missing=true|false` (search.html#modifiers). */
export interface MissingClause {
  kind: 'missing';
  name: string;
  code: string;
  missing: boolean;
}

/** `[code][:modifier]=v1,v2`: some index entry of `code` matches one of `anyOf`; with `not`, none does. */
export interface MatchClause {
  kind: 'match';
  name: string;
  code: string;
  not: boolean;
  anyOf: Matcher[];
}

/**
 * A chained parameter (search.html#chaining): `code[:Type].rest=value`. `inner` holds, per target type, the
 * parsed search of `rest=value` on that type; it is resolved by running the inner searches first.
 */
export interface ChainClause {
  kind: 'chain';
  name: string;
  code: string;
  inner: SearchIR[];
}

/**
 * Reverse chaining (search.html#has): `_has:Type:ref:rest=value` keeps the resources that some `Type`
 * matching `inner` references through its parameter `refCode`.
 */
export interface HasClause {
  kind: 'has';
  name: string;
  refCode: string;
  inner: SearchIR;
}

/** `_list=id[,id]` (search.html#list): the resources one of the Lists `listIds` has as entries. */
export interface ListClause {
  kind: 'list';
  name: string;
  listIds: string[];
}

/** A resolved chain: the reference parameter `code` points to one of `refs` (`Type/id`). */
export interface RefsClause {
  kind: 'refs';
  name: string;
  code: string;
  refs: string[];
}

/** Compartment search (compartmentdefinition.html): the resource is in the compartment `Patient/id`. */
export interface CompartmentClause {
  kind: 'compartment';
  name: string;
  compartment: string;
}

/** One ANDed condition of a search. */
export type Clause =
  | IdClause
  | MissingClause
  | MatchClause
  | ChainClause
  | HasClause
  | ListClause
  | RefsClause
  | CompartmentClause;

/** Clauses that need other searches or reads before they become one filter (resolve.ts). */
export type DeferredClause = ChainClause | HasClause | ListClause;

/** A parameter that was not applied, and why (reported to clients, e.g. in the `self` link). */
export interface IgnoredParam {
  name: string;
  value: string;
  reason: string;
}

/** A parsed search. */
export interface SearchIR {
  resourceType: string;
  /** ANDed conditions, in query order. */
  clauses: Clause[];
  /** Result-control parameters (`_count`, `_sort`, `_include`, ...) as given, in query order; not applied here. */
  control: Array<[string, string]>;
  /** Parameters left out in lenient mode (unknown, unsupported, empty). */
  ignored: IgnoredParam[];
}
