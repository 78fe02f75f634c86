/**
 * Reads a MongoDB filter document and lists, per dotted path, the predicates an index can answer:
 * equality / `$eq` / `$in` / `$all` on scalars, ranges on numbers or strings, and anchored regex prefixes.
 * `$and` members and `$elemMatch` sub-documents are folded in; top-level `$or` groups are kept aside.
 * Every probe describes a superset of the matching documents: the candidates are then checked with mingo.
 */
import type { RangeBound } from './sorted-list.js';
import { isPlainObject, type PlainObject } from './json.js';
import type { Scalar } from './secondary-index.js';

/** A predicate on one path that an index can answer. */
export type Probe =
  | { kind: 'values'; values: Scalar[] }
  | { kind: 'range'; lo: RangeBound<number | string> | null; hi: RangeBound<number | string> | null }
  | { kind: 'prefix'; prefix: string };

/** What a filter constrains. */
export interface FilterAnalysis {
  probes: Map<string, Probe[]>;
  /** Each `$or` found among the top-level conjuncts: a document matches one of the branches. */
  ors: PlainObject[][];
}

/** True for a value an index bucket can be looked up by. */
export function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === 'string' ||
    (typeof value === 'number' && !Number.isNaN(value)) ||
    typeof value === 'boolean'
  );
}

/** Analyses a filter document. */
export function analyzeFilter(filter: PlainObject): FilterAnalysis {
  const out: FilterAnalysis = { probes: new Map(), ors: [] };
  analyzeDocument(filter, '', out);
  return out;
}

function addProbe(out: FilterAnalysis, path: string, probe: Probe): void {
  const list = out.probes.get(path);
  if (list) list.push(probe);
  else out.probes.set(path, [probe]);
}

function analyzeDocument(filter: PlainObject, prefix: string, out: FilterAnalysis): void {
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    if (key === '$and' && Array.isArray(value)) {
      for (const member of value) if (isPlainObject(member)) analyzeDocument(member, prefix, out);
    } else if (key === '$or' && Array.isArray(value) && prefix === '') {
      if (value.length > 0 && value.every(isPlainObject)) out.ors.push(value as PlainObject[]);
    } else if (!key.startsWith('$')) {
      analyzeField(prefix ? `${prefix}.${key}` : key, value, out);
    }
  }
}

function analyzeField(path: string, value: unknown, out: FilterAnalysis): void {
  if (isScalar(value)) {
    addProbe(out, path, { kind: 'values', values: [value] });
  } else if (value instanceof RegExp) {
    addRegex(path, value.source, value.flags, out);
  } else if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
    analyzeOperators(path, value, out);
  }
}

function analyzeOperators(path: string, ops: PlainObject, out: FilterAnalysis): void {
  const range: { lo: RangeBound<number | string> | null; hi: RangeBound<number | string> | null } = {
    lo: null,
    hi: null,
  };
  for (const op of Object.keys(ops)) {
    const arg = ops[op];
    if (op === '$eq' && isScalar(arg)) addProbe(out, path, { kind: 'values', values: [arg] });
    else if (op === '$in' && Array.isArray(arg) && arg.length > 0 && arg.every(isScalar)) {
      addProbe(out, path, { kind: 'values', values: arg });
    } else if (op === '$all' && Array.isArray(arg) && arg.length > 0 && isScalar(arg[0])) {
      addProbe(out, path, { kind: 'values', values: [arg[0]] });
    } else if (op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') {
      addBound(path, op, arg, out, range);
    } else if (op === '$regex') {
      addRegexOperator(path, arg, ops.$options, out);
    } else if (op === '$elemMatch' && isPlainObject(arg)) {
      analyzeElemMatch(path, arg, out);
    }
  }
  if (range.lo && range.hi) addProbe(out, path, { kind: 'range', lo: range.lo, hi: range.hi });
}

/** `$elemMatch` on a sub-document constrains `path.field`; with operators it constrains `path` itself. */
function analyzeElemMatch(path: string, arg: PlainObject, out: FilterAnalysis): void {
  const keys = Object.keys(arg);
  if (
    keys.length > 0 &&
    keys.every((k) => k.startsWith('$') && k !== '$and' && k !== '$or' && k !== '$nor')
  ) {
    analyzeOperators(path, arg, out);
  } else {
    analyzeDocument(arg, path, out);
  }
}

function addBound(
  path: string,
  op: string,
  arg: unknown,
  out: FilterAnalysis,
  range: { lo: RangeBound<number | string> | null; hi: RangeBound<number | string> | null },
): void {
  if (!(typeof arg === 'string' || (typeof arg === 'number' && !Number.isNaN(arg)))) return;
  const bound = { value: arg, inclusive: op === '$gte' || op === '$lte' };
  const isLow = op === '$gt' || op === '$gte';
  addProbe(out, path, { kind: 'range', lo: isLow ? bound : null, hi: isLow ? null : bound });
  const side = isLow ? 'lo' : 'hi';
  const other = isLow ? range.hi : range.lo;
  if (!other || typeof other.value === typeof arg) range[side] = bound;
}

function addRegexOperator(path: string, arg: unknown, options: unknown, out: FilterAnalysis): void {
  const flags = typeof options === 'string' ? options : '';
  if (arg instanceof RegExp) addRegex(path, arg.source, arg.flags + flags, out);
  else if (typeof arg === 'string') addRegex(path, arg, flags, out);
}

function addRegex(path: string, source: string, flags: string, out: FilterAnalysis): void {
  if (/[imx]/.test(flags)) return;
  const prefix = literalPrefix(source);
  if (prefix) addProbe(out, path, { kind: 'prefix', prefix });
}

/** The literal text an anchored regex must start with (`^abc\.d` → `abc.d`), or '' when there is none. */
export function literalPrefix(source: string): string {
  if (!source.startsWith('^') || source.includes('|')) return '';
  let prefix = '';
  for (let i = 1; i < source.length; i++) {
    let ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1];
      if (next === undefined || /[A-Za-z0-9]/.test(next)) break;
      ch = next;
      i++;
    } else if ('.*+?()[]{}^$'.includes(ch)) {
      if ('*?{'.includes(ch)) prefix = prefix.slice(0, -1);
      break;
    }
    const following = source[i + 1];
    if (following !== undefined && '*?{'.includes(following)) break;
    prefix += ch;
  }
  return prefix;
}
