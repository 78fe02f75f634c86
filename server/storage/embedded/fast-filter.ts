/**
 * A direct evaluator for the common simple filters (field paths compared with scalars: equality, `$eq`,
 * `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in` of scalars, and `$and` of such filters). It decides a document
 * only when every path it reads resolves through plain objects to a scalar or to nothing, and the compared
 * types agree; in every other case (arrays on the path, nested documents, nulls, mixed types) it answers
 * `undefined` and the caller asks mingo, so the result is always mingo's.
 */
import { isPlainObject, type PlainObject } from './json.js';

/** true/false when decided here, undefined when mingo must decide. */
export type FastTest = (doc: PlainObject) => boolean | undefined;

type Scalar = string | number | boolean;

const UNDECIDED = Symbol('undecided');

function isScalar(v: unknown): v is Scalar {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** mingo's equality of two scalars. */
function same(a: Scalar, b: Scalar): boolean {
  return a === b || Object.is(a, b);
}

/**
 * The values at a dotted path, MongoDB style: arrays met on the way are traversed element by element and an
 * array at the end gives its elements. UNDECIDED for what is left to mingo: arrays inside arrays, numeric
 * path parts over an array, and an array at the end reached through an array.
 */
function collect(cur: unknown, parts: string[], i: number, viaArray: boolean, out: unknown[]): boolean {
  if (i === parts.length) {
    if (!Array.isArray(cur)) {
      if (cur !== undefined) out.push(cur);
      return true;
    }
    if (viaArray) return false;
    for (const item of cur) {
      if (Array.isArray(item)) return false;
      out.push(item);
    }
    return true;
  }
  if (Array.isArray(cur)) {
    if (/^\d+$/.test(parts[i])) return false;
    for (const item of cur) {
      if (Array.isArray(item)) return false;
      if (isPlainObject(item) && !collect(item[parts[i]], parts, i + 1, true, out)) return false;
    }
    return true;
  }
  if (!isPlainObject(cur)) return true;
  return collect(cur[parts[i]], parts, i + 1, viaArray, out);
}

/** The scalar at a path through plain objects only (the common case), else the values (or UNDECIDED). */
function resolvePath(doc: PlainObject, parts: string[]): Scalar | undefined | unknown[] | typeof UNDECIDED {
  let cur: unknown = doc;
  for (const part of parts) {
    if (cur === undefined) return undefined;
    if (!isPlainObject(cur)) {
      if (Array.isArray(cur)) break;
      return undefined;
    }
    cur = cur[part];
  }
  if (cur === undefined || isScalar(cur)) return cur;
  const out: unknown[] = [];
  return collect(doc, parts, 0, false, out) ? out : UNDECIDED;
}

/** A condition on the values at a path: true when any value passes (`none`: when no value does). */
interface Cond {
  none: boolean;
  pass: (value: unknown) => boolean;
}

/** A comparison with mingo's rule: only values of the bound's type compare (simpleCmp). */
function ordered(bound: Scalar, accept: (cmp: number) => boolean): Cond | null {
  if (typeof bound !== 'number' && typeof bound !== 'string') return null;
  const type = typeof bound;
  return {
    none: false,
    pass: (v) => typeof v === type && accept((v as Scalar) < bound ? -1 : (v as Scalar) > bound ? 1 : 0),
  };
}

/** One operator condition, or null when it is not simple. */
function operatorCond(op: string, arg: unknown): Cond | null {
  if (op === '$in') {
    if (!Array.isArray(arg) || !arg.every(isScalar)) return null;
    const list = arg as Scalar[];
    return { none: false, pass: (v) => isScalar(v) && list.some((x) => same(x, v)) };
  }
  if (!isScalar(arg)) return null;
  switch (op) {
    case '$eq':
      return equals(arg, false);
    case '$ne':
      return equals(arg, true);
    case '$gt':
      return ordered(arg, (c) => c > 0);
    case '$gte':
      return ordered(arg, (c) => c >= 0);
    case '$lt':
      return ordered(arg, (c) => c < 0);
    case '$lte':
      return ordered(arg, (c) => c <= 0);
    default:
      return null;
  }
}

/** Equality with a scalar (`none`: `$ne`, no value equal). */
function equals(arg: Scalar, none: boolean): Cond {
  return { none, pass: (v) => isScalar(v) && same(v, arg) };
}

/** The conditions on one field, or null when they are not simple. */
function fieldConds(spec: unknown): Cond[] | null {
  if (isScalar(spec)) return [equals(spec, false)];
  if (!isPlainObject(spec)) return null;
  const keys = Object.keys(spec);
  if (keys.length === 0) return null;
  const out: Cond[] = [];
  for (const k of keys) {
    const c = operatorCond(k, spec[k]);
    if (!c) return null;
    out.push(c);
  }
  return out;
}

/** Whether the values at a path (one value, undefined for none, or a list) meet a condition. */
function holds(c: Cond, v: unknown): boolean {
  const any = Array.isArray(v) ? v.some(c.pass) : v !== undefined && c.pass(v);
  return c.none ? !any : any;
}

/** Compiles a simple filter; null when some part of it is not simple. */
export function compileFast(filter: PlainObject): FastTest | null {
  const tests: FastTest[] = [];
  for (const key of Object.keys(filter)) {
    if (key === '$and') {
      const parts = filter.$and;
      if (!Array.isArray(parts) || parts.length === 0 || !parts.every(isPlainObject)) return null;
      for (const part of parts) {
        const t = compileFast(part);
        if (!t) return null;
        tests.push(t);
      }
      continue;
    }
    if (key.startsWith('$') || key === '') return null;
    const conds = fieldConds(filter[key]);
    if (!conds) return null;
    const parts = key.split('.');
    tests.push((doc) => {
      const v = resolvePath(doc, parts);
      if (v === UNDECIDED) return undefined;
      for (const c of conds) if (!holds(c, v)) return false;
      return true;
    });
  }
  return (doc) => {
    let undecided = false;
    for (const t of tests) {
      const r = t(doc);
      if (r === false) return false;
      if (r === undefined) undecided = true;
    }
    return undecided ? undefined : true;
  };
}
