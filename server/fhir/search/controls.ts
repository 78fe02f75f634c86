/**
 * The result-control parameters of a search (R4 search.html#return): `_count` (default 20, clamped to
 * 1000, `_count=0` = only the total), `_sort`, `_include` / `_revinclude` (with `:iterate`), `_summary`,
 * `_elements`, `_total`, and the paging state the server's own links carry (`_page`, `_offset`).
 * What cannot be applied is listed as ignored (or, with `Prefer: handling=strict`, a 400 naming it); the
 * applied ones are returned in order for the `self` link.
 */
import { badRequest } from '../outcomes.js';
import type { IgnoredParam } from './ir.js';
import { checkValueCount, DEFAULT_SEARCH_LIMITS, type SearchLimits } from './limits.js';
import type { SearchRegistry } from './registry.js';
import { parseSort, sortText, type SortKey } from './sort.js';

/** Page size when `_count` is absent (search.html#count leaves it to the server). */
export const DEFAULT_COUNT = 20;
/** Largest page; a larger `_count` is clamped to it. */
export const MAX_COUNT = 1000;

/** `_include` / `_revinclude` (search.html#include): `source:param[:target]`, `*` = every reference. */
export interface IncludeSpec {
  /** The type holding the reference, or `*` (with `param` `*`: every reference of every type). */
  source: string;
  /** The reference parameter, or `*` for all of them. */
  param: string;
  target?: string;
  iterate: boolean;
}

/** `_summary` values (search.html#summary). */
export type SummaryMode = 'true' | 'false' | 'text' | 'data' | 'count';
/** `_total` values (search.html#total). */
export type TotalMode = 'none' | 'estimate' | 'accurate';

/** The parsed result controls. */
export interface Controls {
  count: number;
  offset: number;
  page?: string;
  sort: SortKey[];
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  summary: SummaryMode;
  elements?: string[];
  total: TotalMode;
  /** Applied controls as `[name, value]`, paging excluded, for the links. */
  applied: Array<[string, string]>;
  ignored: IgnoredParam[];
}

const SUMMARY = new Set(['true', 'false', 'text', 'data', 'count']);
const TOTAL = new Set(['none', 'estimate', 'accurate']);
const PASS_THROUGH = new Set(['_format', '_pretty']);

/** A non-negative integer parameter value; 400 otherwise. */
function nonNegative(name: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) {
    throw badRequest(`${name} must be a non-negative integer, not ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return Number(raw);
}

/** One of the allowed values; 400 otherwise. */
function oneOf<T extends string>(name: string, raw: string, allowed: ReadonlySet<string>): T {
  if (!allowed.has(raw)) throw badRequest(`${name} must be one of ${[...allowed].join(', ')}`);
  return raw as T;
}

/** Parses an include value, or returns why it cannot be applied. */
function includeSpec(
  registry: SearchRegistry,
  value: string,
  iterate: boolean,
  reverse: boolean,
): IncludeSpec | string {
  if (value === '*') {
    return reverse ? 'the wildcard * is supported for _include only' : { source: '*', param: '*', iterate };
  }
  const [source, param, target, extra] = value.split(':');
  if (extra !== undefined || !param) return 'expected [type]:[parameter][:target type]';
  if (!registry.isResourceType(source)) return `${source} is not a resource type`;
  if (target !== undefined && !registry.isResourceType(target)) return `${target} is not a resource type`;
  if (param !== '*') {
    const def = registry.get(source, param);
    if (!def?.supported || def.type !== 'reference')
      return `${param} is not a reference parameter of ${source}`;
    if (target !== undefined && def.targets.length > 0 && !def.targets.includes(target)) {
      return `${target} is not a target of ${source}:${param}`;
    }
  }
  return { source, param, ...(target ? { target } : {}), iterate };
}

/** Modifier of `_include` / `_revinclude`: `iterate` (R4; `recurse` is its R3 name). */
function includeModifier(name: string): boolean | undefined {
  const modifier = name.split(':')[1];
  if (modifier === undefined) return false;
  return modifier === 'iterate' || modifier === 'recurse' ? true : undefined;
}

interface Acc {
  c: Controls;
  registry: SearchRegistry;
  types: readonly string[];
  limits: Pick<SearchLimits, 'maxValues' | 'sortMaxKeys'>;
}

/** The comma-separated items of `_sort` or `_elements`; 400 naming the parameter when over `max`. */
function listOf(name: string, value: string, max: number): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  checkValueCount(name, items.length, max);
  return items;
}

/** Applies one control parameter to the accumulator; returns why it was ignored, if it was. */
function applyControl(acc: Acc, name: string, value: string): string | undefined {
  const { c } = acc;
  const base = name.split(':')[0];
  if (base !== '_include' && base !== '_revinclude' && name !== base)
    return `modifiers are not supported on ${base}`;
  switch (base) {
    case '_count':
      c.count = Math.min(nonNegative(name, value), MAX_COUNT);
      return undefined;
    case '_offset':
      c.offset = nonNegative(name, value);
      return undefined;
    case '_page':
      c.page = value;
      return undefined;
    case '_sort': {
      listOf(name, value, acc.limits.sortMaxKeys);
      const { keys, ignored } = parseSort(acc.registry, acc.types, value);
      c.sort = keys;
      c.ignored.push(...ignored);
      if (keys.length > 0) c.applied.push(['_sort', sortText(keys)]);
      return undefined;
    }
    case '_include':
    case '_revinclude':
      return applyInclude(acc, name, value, base === '_revinclude');
    case '_summary':
      c.summary = oneOf<SummaryMode>(name, value, SUMMARY);
      break;
    case '_elements':
      c.elements = listOf(name, value, acc.limits.maxValues);
      break;
    case '_total':
      c.total = oneOf<TotalMode>(name, value, TOTAL);
      break;
    case '_contained':
      if (value !== 'false') return 'contained resources are not searched';
      break;
    default:
      if (!PASS_THROUGH.has(base)) return `${base} is not supported`;
  }
  c.applied.push([name, value]);
  return undefined;
}

function applyInclude(acc: Acc, name: string, value: string, reverse: boolean): string | undefined {
  const iterate = includeModifier(name);
  if (iterate === undefined) return `modifier of ${name} is not supported`;
  const spec = includeSpec(acc.registry, value, iterate, reverse);
  if (typeof spec === 'string') return spec;
  (reverse ? acc.c.revinclude : acc.c.include).push(spec);
  acc.c.applied.push([name, value]);
  return undefined;
}

/** Parses the result-control parameters of a search over `types` (within `limits`, default the defaults). */
export function parseControls(
  registry: SearchRegistry,
  types: readonly string[],
  control: ReadonlyArray<[string, string]>,
  strict: boolean,
  limits: Pick<SearchLimits, 'maxValues' | 'sortMaxKeys'> = DEFAULT_SEARCH_LIMITS,
): Controls {
  const c: Controls = {
    count: DEFAULT_COUNT,
    offset: 0,
    sort: [],
    include: [],
    revinclude: [],
    summary: 'false',
    total: 'accurate',
    applied: [],
    ignored: [],
  };
  const acc: Acc = { c, registry, types, limits };
  for (const [name, value] of control) {
    const reason = applyControl(acc, name, value);
    if (reason !== undefined) c.ignored.push({ name, value, reason });
  }
  if (strict && c.ignored.length > 0) {
    const first = c.ignored[0];
    throw badRequest(
      `Search parameter '${first.name}' cannot be applied: ${first.reason}`,
      undefined,
      'not-supported',
    );
  }
  if (c.summary === 'count') c.count = 0;
  return c;
}
