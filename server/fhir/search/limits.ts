/**
 * Limits on the work one search may ask for (R4 search.html leaves them to the server; an over-limit
 * search is refused with a 400 OperationOutcome naming the parameter rather than tying up the process):
 * values per parameter (comma ORs), parameters per query, `_sort` keys, and how many matches a sort that
 * the store's own order does not serve may have to put in order (`too-costly`, search.html#errors).
 */
import { badRequest } from '../outcomes.js';

/** The search limits in force (configuration: SEARCH_MAX_VALUES, SEARCH_MAX_PARAMETERS, SEARCH_SORT_*). */
export interface SearchLimits {
  /** Most comma-separated values in one search parameter. */
  maxValues: number;
  /** Most parameters in one search query (selection and result controls). */
  maxParameters: number;
  /** Most keys in `_sort`. */
  sortMaxKeys: number;
  /** Most matches a `_sort` other than by `_id` puts in order; more is `too-costly`. */
  sortMaxMatches: number;
}

/** The defaults (README "Configuration"). */
export const DEFAULT_SEARCH_LIMITS: SearchLimits = {
  maxValues: 100,
  maxParameters: 50,
  sortMaxKeys: 5,
  sortMaxMatches: 10_000,
};

/** 400 when a parameter carries more comma-separated values than allowed. */
export function checkValueCount(name: string, count: number, max: number): void {
  if (count > max) {
    throw badRequest(
      `Search parameter '${name}' has ${count} values; at most ${max} are accepted in one parameter`,
      name,
      'too-costly',
    );
  }
}

/** 400 when a query has more parameters than allowed. */
export function checkParameterCount(count: number, max: number): void {
  if (count > max) {
    throw badRequest(
      `The search has ${count} parameters; at most ${max} are accepted in one search`,
      undefined,
      'too-costly',
    );
  }
}

/** 400 naming the matched count and the limit, when a sort the store does not serve would order too many. */
export function sortTooCostly(max: number): Error {
  return badRequest(
    `More than ${max} resources match; add criteria to narrow the search before sorting, or sort by _id`,
    '_sort',
    'too-costly',
  );
}
