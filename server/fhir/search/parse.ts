/**
 * Parses FHIR search query parameters into the search IR (R4 search.html): repeated parameter = AND,
 * comma = OR (`\,` escapes), modifiers, prefixes, chains and `_has` (inner searches, run first by
 * resolve.ts), `_list`, and the result-control parameters collected apart. Unknown or unsupported
 * parameters and modifiers are ignored and listed, or with `strict` (`Prefer: handling=strict`,
 * search.html#errors) rejected with a 400 naming the parameter.
 */
import { badRequest } from '../outcomes.js';
import type { Clause, IgnoredParam, SearchIR } from './ir.js';
import { checkParameterCount, checkValueCount, DEFAULT_SEARCH_LIMITS, type SearchLimits } from './limits.js';
import { parseValue, type ValueContext } from './parse-values.js';
import type { SearchParamDef, SearchRegistry } from './registry.js';
import type { SearchParamType } from './index-entry.js';
import { splitEscaped, unescapeValue } from './text.js';

/** How to treat what the server cannot apply. */
export interface ParseOptions {
  /** Reject unknown/unsupported parameters and modifiers (400) instead of ignoring them. */
  strict: boolean;
  /** The server's base URL: absolute references under it are compared in relative form. */
  baseUrl?: string;
  /** Epoch ms used as "now" for `ap` on dates; defaults to the current time. */
  now?: number;
  /** Nesting level of chained and `_has` searches (internal). */
  depth?: number;
  /** Values per parameter and parameters per query (default DEFAULT_SEARCH_LIMITS). */
  limits?: Pick<SearchLimits, 'maxValues' | 'maxParameters'>;
}

/** Deepest nesting of chains and `_has` (search.html#chaining leaves the depth to the server). */
export const MAX_DEPTH = 4;

/** Result-control parameters (search.html#return): collected for the caller, never turned into clauses. */
export const RESULT_PARAMETERS: ReadonlySet<string> = new Set([
  '_count',
  '_offset',
  '_page',
  '_sort',
  '_include',
  '_revinclude',
  '_total',
  '_summary',
  '_elements',
  '_contained',
  '_containedType',
  '_format',
  '_pretty',
  '_score',
]);

/** Modifiers each parameter type accepts here (search.html#modifiers); a reference also takes `:[Type]`. */
const MODIFIERS: Record<SearchParamType, ReadonlySet<string>> = {
  string: new Set(['missing', 'exact', 'contains']),
  token: new Set(['missing', 'not', 'text', 'of-type', 'in', 'not-in', 'above', 'below']),
  reference: new Set(['missing', 'identifier']),
  date: new Set(['missing']),
  number: new Set(['missing']),
  quantity: new Set(['missing']),
  uri: new Set(['missing', 'below', 'above']),
  composite: new Set(['missing']),
  special: new Set(),
};

/** Why a parameter cannot be applied (a clause is returned when it can). */
type Outcome = Clause | { ignored: string };

type Options = ParseOptions & { now: number; depth: number; maxValues: number };

/** The number of non-empty comma-separated values (`\,` escapes), counting no further than `max + 1`. */
function countValues(value: string, max: number): number {
  let count = 0;
  let empty = true;
  for (let i = 0; i < value.length && count <= max; i++) {
    const ch = value[i];
    if (ch === ',') {
      if (!empty) count++;
      empty = true;
    } else {
      if (ch === '\\') i++;
      empty = false;
    }
  }
  return empty ? count : count + 1;
}

/** The non-empty comma-separated values of a parameter; 400 naming it when there are more than allowed. */
function alternativesOf(name: string, value: string, o: Options): string[] {
  checkValueCount(name, countValues(value, o.maxValues), o.maxValues);
  return splitEscaped(value, ',').filter((v) => v !== '');
}

/** Parses `_id=a,b` (search.html#id). */
function idClause(name: string, modifier: string | undefined, value: string, o: Options): Outcome {
  if (modifier) return { ignored: `modifier ':${modifier}' is not supported on _id` };
  const ids = alternativesOf(name, value, o).map(unescapeValue);
  return ids.length ? { kind: 'id', name, ids } : { ignored: 'empty value' };
}

/** Parses `:missing=true|false`. */
function missingClause(name: string, def: SearchParamDef, value: string): Clause {
  if (value !== 'true' && value !== 'false') {
    throw badRequest(`Invalid value '${value}' for search parameter '${name}': expected true or false`);
  }
  return { kind: 'missing', name, code: def.code, missing: value === 'true' };
}

/** Whether the modifier is valid for the parameter. */
function modifierAllowed(def: SearchParamDef, modifier: string, registry: SearchRegistry): boolean {
  if (MODIFIERS[def.type].has(modifier)) return true;
  return def.type === 'reference' && registry.isResourceType(modifier);
}

/** Why an inner search (of a chain or `_has`) cannot be applied, or undefined when it can. */
function innerProblem(inner: SearchIR[]): string | undefined {
  const first = inner.flatMap((ir) => ir.ignored)[0];
  return first ? `${first.name}: ${first.reason}` : undefined;
}

/** Parses `rest=value` on `type` as an inner search, one level deeper. */
function innerSearch(registry: SearchRegistry, type: string, rest: string, value: string, o: Options) {
  return parseSearch(registry, type, [[rest, value]], { ...o, strict: false, depth: o.depth + 1 });
}

/** A chained parameter `code[:Type].rest` (search.html#chaining): the inner search per target type. */
function chainParam(registry: SearchRegistry, type: string, rawName: string, value: string, o: Options) {
  const dot = rawName.indexOf('.');
  const [code, modifier] = rawName.slice(0, dot).split(':');
  const rest = rawName.slice(dot + 1);
  alternativesOf(rawName, value, o);
  const def = registry.get(type, code);
  if (!def?.supported || def.type !== 'reference') return { ignored: `${code} is not a reference parameter` };
  if (o.depth >= MAX_DEPTH) return { ignored: `chains are limited to ${MAX_DEPTH} levels` };
  if (modifier !== undefined && !def.targets.includes(modifier)) {
    return { ignored: `${modifier} is not a target type of ${code}` };
  }
  const first = /^[^.:]+/.exec(rest)?.[0] ?? '';
  const targets = (modifier ? [modifier] : def.targets).filter(
    (t) => registry.isResourceType(t) && registry.get(t, first)?.supported,
  );
  if (targets.length === 0) return { ignored: `no target type of ${code} has the parameter ${first}` };
  const inner = targets.map((t) => innerSearch(registry, t, rest, value, o));
  const problem = innerProblem(inner);
  return problem ? { ignored: problem } : ({ kind: 'chain', name: rawName, code, inner } satisfies Clause);
}

/** `_has:Type:ref:rest` (search.html#has): resources some `Type` matching `rest` refers to by `ref`. */
function hasParam(registry: SearchRegistry, type: string, rawName: string, value: string, o: Options) {
  const m = /^_has:([A-Za-z]+):([A-Za-z0-9_-]+):(.+)$/.exec(rawName);
  if (!m) throw badRequest(`Search parameter '${rawName}' must be _has:[type]:[reference]:[parameter]`);
  const [, source, refCode, rest] = m;
  alternativesOf(rawName, value, o);
  if (!registry.isResourceType(source)) return { ignored: `${source} is not a resource type` };
  const ref = registry.get(source, refCode);
  if (!ref?.supported || ref.type !== 'reference') {
    return { ignored: `${refCode} is not a reference parameter of ${source}` };
  }
  if (ref.targets.length > 0 && !ref.targets.includes(type)) {
    return { ignored: `${source}.${refCode} does not refer to ${type}` };
  }
  if (o.depth >= MAX_DEPTH) return { ignored: `chains are limited to ${MAX_DEPTH} levels` };
  const inner = innerSearch(registry, source, rest, value, o);
  const problem = innerProblem([inner]);
  return problem ? { ignored: problem } : ({ kind: 'has', name: rawName, refCode, inner } satisfies Clause);
}

/** `_list=id` (search.html#list); functional lists (`$current-allergies`) are not supported. */
function listParam(rawName: string, value: string, o: Options): Outcome {
  if (rawName !== '_list') return { ignored: `modifiers are not supported on _list` };
  checkValueCount(rawName, countValues(value, o.maxValues), o.maxValues);
  const ids = splitEscaped(value, ',').map(unescapeValue);
  if (ids.some((id) => id.startsWith('$'))) return { ignored: 'functional lists are not supported' };
  if (ids.length === 0 || ids.some((id) => !/^[A-Za-z0-9\-.]{1,64}$/.test(id))) {
    throw badRequest(`Invalid value '${value}' for search parameter '${rawName}': expected List ids`);
  }
  return { kind: 'list', name: rawName, listIds: ids };
}

/** Parses one query parameter of a resource type into a clause, or says why it is ignored. */
function parseParam(
  registry: SearchRegistry,
  type: string,
  rawName: string,
  value: string,
  options: Options,
): Outcome {
  if (rawName.startsWith('_has:') || rawName === '_has')
    return hasParam(registry, type, rawName, value, options);
  const colon = rawName.indexOf(':');
  const dot = rawName.indexOf('.');
  if (dot > 0) return chainParam(registry, type, rawName, value, options);
  const code = colon < 0 ? rawName : rawName.slice(0, colon);
  const modifier = colon < 0 ? undefined : rawName.slice(colon + 1);
  if (code === '_list') return listParam(rawName, value, options);
  const def = registry.get(type, code);
  if (!def) return { ignored: `unknown search parameter for ${type}` };
  if (!def.supported) return { ignored: def.reason ?? 'not supported' };
  if (code === '_id') return idClause(rawName, modifier, value, options);
  if (modifier !== undefined && !modifierAllowed(def, modifier, registry)) {
    return { ignored: `modifier ':${modifier}' is not supported on ${def.type} parameters` };
  }
  if (modifier === 'missing') return missingClause(rawName, def, value);
  const alternatives = alternativesOf(rawName, value, options);
  if (alternatives.length === 0) return { ignored: 'empty value' };
  const ctx: ValueContext = {
    name: rawName,
    modifier,
    baseUrl: options.baseUrl,
    now: options.now,
    isResourceType: (t) => registry.isResourceType(t),
    terminology: registry.terminology,
    boundSystems: def.boundSystems,
  };
  const anyOf = alternatives.map((v) => parseValue(v, def, ctx));
  const not = modifier === 'not' || modifier === 'not-in';
  return { kind: 'match', name: rawName, code: def.code, not, anyOf };
}

/** Parses the query parameters of a search on `type` into the IR. */
export function parseSearch(
  registry: SearchRegistry,
  type: string,
  params: Array<[string, string]>,
  options: ParseOptions,
): SearchIR {
  const ir: SearchIR = { resourceType: type, clauses: [], control: [], ignored: [] };
  const limits = options.limits ?? DEFAULT_SEARCH_LIMITS;
  const opts: Options = {
    ...options,
    now: options.now ?? Date.now(),
    depth: options.depth ?? 0,
    maxValues: limits.maxValues,
  };
  if (opts.depth === 0) checkParameterCount(params.length, limits.maxParameters);
  for (const [name, value] of params) {
    // R4 datatypes.html#string excludes control characters; MongoDB also refuses NUL in a regex (a 500).
    if (value.includes('\u0000')) {
      throw badRequest(`Invalid value for search parameter '${name}': it contains a NUL character`);
    }
    const base = name.split(':')[0];
    if (RESULT_PARAMETERS.has(base)) {
      ir.control.push([name, value]);
      continue;
    }
    const outcome = parseParam(registry, type, name, value, opts);
    if ('kind' in outcome) ir.clauses.push(outcome);
    else if (options.strict) throw rejected(name, outcome.ignored);
    else ir.ignored.push({ name, value, reason: outcome.ignored } satisfies IgnoredParam);
  }
  return ir;
}

/** The 400 for a parameter strict handling does not accept. */
function rejected(name: string, reason: string): Error {
  return badRequest(`Search parameter '${name}' cannot be applied: ${reason}`, undefined, 'not-supported');
}
