/**
 * The mingo operator context used by the engine.
 *
 * - One shared, slim context (query, expression and projection operators): mingo's default `Query` copies
 *   its whole operator table into a new context on every construction, which doubles the cost of compiling
 *   a filter.
 * - `$elemMatch` with field conditions only considers array elements that are documents, as MongoDB does
 *   (mingo 7 resolves any field of a scalar element to the scalar itself, so `{a: {$elemMatch: {v: 'x'}}}`
 *   would match `a: ['x']`).
 */
import { Context } from 'mingo/core';
import * as expressionOperators from 'mingo/operators/expression';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import { Query } from 'mingo/query';
import type { AnyObject, ArrayOrObject } from 'mingo/types';
import { resolve } from 'mingo/util';
import { isPlainObject } from './json.js';

type QueryOperator = typeof queryOperators.$elemMatch;

/** True when `$elemMatch` criteria name fields (rather than being operators applied to each element). */
function hasFieldConditions(criteria: AnyObject): boolean {
  const keys = Object.keys(criteria);
  return (
    keys.length > 0 && keys.some((k) => !k.startsWith('$') || k === '$and' || k === '$or' || k === '$nor')
  );
}

const elemMatch: QueryOperator = (selector, value, options) => {
  if (!hasFieldConditions(value)) return queryOperators.$elemMatch(selector, value, options);
  const inner = new Query(value, options);
  return (doc: AnyObject): boolean => {
    const items: unknown = resolve(doc as ArrayOrObject, selector, { unwrapArray: true });
    return Array.isArray(items) && items.some((item) => isPlainObject(item) && inner.test(item));
  };
};

/** The shared context. */
export const MINGO_CONTEXT = Context.init({
  query: { ...queryOperators, $elemMatch: elemMatch },
  expression: { ...expressionOperators },
  projection: { ...projectionOperators },
});

/** Options for `new Query(filter, MINGO_OPTIONS)`. */
export const MINGO_OPTIONS = { context: MINGO_CONTEXT };
