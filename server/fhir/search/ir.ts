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

/** quantity: a number plus optional system and code (`5.4|http://unitsofmeasure.org|mg`, `5.4||mg`). */
export interface QuantityMatcher extends Omit<NumberMatcher, 'type'> {
  type: 'quantity';
  system?: string;
  code?: string;
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

/** One ANDed condition of a search. */
export type Clause = IdClause | MissingClause | MatchClause;

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
