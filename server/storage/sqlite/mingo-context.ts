/**
 * The mingo operator context of the auxiliary collections: one shared, slim context (query, expression and
 * projection operators), and `$elemMatch` with field conditions considering only array elements that are
 * documents, as MongoDB does.
 */
import { Context } from 'mingo/core';
import * as expressionOperators from 'mingo/operators/expression';
import * as projectionOperators from 'mingo/operators/projection';
import * as queryOperators from 'mingo/operators/query';
import { Query } from 'mingo/query';
import type { AnyObject, ArrayOrObject } from 'mingo/types';
import { resolve } from 'mingo/util';

type QueryOperator = typeof queryOperators.$elemMatch;

const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

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
    return Array.isArray(items) && items.some((item) => isPlainObject(item) && inner.test(item as AnyObject));
  };
};

/** Options for `new Query(filter, MINGO_OPTIONS)`. */
export const MINGO_OPTIONS = {
  context: Context.init({
    query: { ...queryOperators, $elemMatch: elemMatch },
    expression: { ...expressionOperators },
    projection: { ...projectionOperators },
  }),
};
