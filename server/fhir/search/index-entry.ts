/**
 * The typed index entries stored beside every resource (`doc.sp[code]: IndexEntry[]`), one shape per
 * search-parameter type (R4 search.html "Search Parameter Types"). Keys are short because they are stored
 * once per value on every write. A parameter with no value has no key at all (never an empty array), so
 * `:missing` is a plain `$exists`.
 */

/** Search parameter types of R4 (SearchParameter.type, search.html#ptypes). */
export type SearchParamType =
  'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

/** Lowest epoch ms that survives JSON and `Date`: the open start of a Period or Range. */
export const MIN_BOUND = -8.64e15;
/** Highest epoch ms that survives JSON and `Date`: the open end of a Period or Range. */
export const MAX_BOUND = 8.64e15;

/**
 * token (search.html#token): `s` system, `c` code / identifier value / contact value / 'true'|'false',
 * `t` normalised display or text (for `:text`), `ts`/`tc` the Identifier.type coding (for `:of-type`).
 * A CodeableConcept gives one entry per coding plus `{ t }` for its text.
 */
export interface TokenEntry {
  s?: string;
  c?: string;
  t?: string;
  ts?: string;
  tc?: string;
}

/**
 * string (search.html#string): `v` normalised (lowercase, no diacritics, whitespace collapsed) for the
 * default prefix match and `:contains`; `e` the raw value for `:exact`. HumanName and Address give one entry
 * per part plus one for the whole.
 */
export interface StringEntry {
  v: string;
  e: string;
}

/**
 * date (search.html#date): the value as an inclusive UTC range of epoch ms. A partial date covers its whole
 * year/month/day; an open Period end is MIN_BOUND / MAX_BOUND; a Timing covers its outer limits.
 */
export interface DateEntry {
  lo: number;
  hi: number;
}

/**
 * reference (search.html#reference): `r` the reference ('Type/id' for local references, an absolute URL as
 * given, a canonical URL without `|version`), `t` the target type when known, `is`/`iv` the
 * Reference.identifier system/value (for `:identifier`). An identifier-only reference has no `r`.
 */
export interface ReferenceEntry {
  r?: string;
  t?: string;
  is?: string;
  iv?: string;
}

/**
 * quantity (search.html#quantity): `lo`/`hi` the value as a range (equal for a plain Quantity, open ends
 * for a comparator or a Range), `v` the value itself (absent for a Range), `s` system, `c` code (or the
 * unit when there is no code), `u` the human unit when it differs from `c`; for a UCUM code the server
 * understands, `n` the canonical unit and `nlo`/`nhi` the range in it (ucum.ts).
 */
export interface QuantityEntry {
  v?: number;
  lo: number;
  hi: number;
  s?: string;
  c?: string;
  u?: string;
  n?: string;
  nlo?: number;
  nhi?: number;
}

/** number (search.html#number): the value. */
export interface NumberEntry {
  v: number;
}

/** uri (search.html#uri): the URI exactly as stored (a canonical keeps its `|version`). */
export interface UriEntry {
  v: string;
}

/** Any non-composite entry. */
export type SimpleEntry =
  TokenEntry | StringEntry | DateEntry | ReferenceEntry | QuantityEntry | NumberEntry | UriEntry;

/**
 * composite (search.html#composite): one entry per combination of component values taken from the same
 * base element; component i is stored under `c<i>` in the shape of its own type.
 */
export type CompositeEntry = { [component: `c${number}`]: SimpleEntry };

/** One index entry of any parameter type. */
export type IndexEntry = SimpleEntry | CompositeEntry;

/** The index of one resource: entries per parameter code, and the patient compartments it belongs to. */
export interface ResourceIndex {
  sp: Record<string, IndexEntry[]>;
  comp: string[];
}
