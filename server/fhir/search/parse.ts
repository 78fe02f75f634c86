/**
 * Parses FHIR search query parameters into the search IR (R4 search.html): repeated parameter = AND,
 * comma = OR (`\,` escapes), modifiers, prefixes, and the result-control parameters collected apart.
 * Unknown or unsupported parameters and modifiers are ignored and listed, or with `strict`
 * (`Prefer: handling=strict`, search.html#errors) rejected with a 400 naming the parameter.
 */
import { badRequest } from '../outcomes.js';
import type { Clause, IgnoredParam, SearchIR } from './ir.js';
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
}

/** Result-control parameters (search.html#return): collected for the caller, never turned into clauses. */
export const RESULT_PARAMETERS: ReadonlySet<string> = new Set([
  '_count',
  '_offset',
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
  token: new Set(['missing', 'not', 'text', 'of-type']),
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

/** Parses `_id=a,b` (search.html#id). */
function idClause(name: string, modifier: string | undefined, value: string): Outcome {
  if (modifier) return { ignored: `modifier ':${modifier}' is not supported on _id` };
  const ids = splitEscaped(value, ',')
    .map(unescapeValue)
    .filter((v) => v !== '');
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

/** Parses one query parameter of a resource type into a clause, or says why it is ignored. */
function parseParam(
  registry: SearchRegistry,
  type: string,
  rawName: string,
  value: string,
  options: ParseOptions & { now: number },
): Outcome {
  const colon = rawName.indexOf(':');
  const code = colon < 0 ? rawName : rawName.slice(0, colon);
  const modifier = colon < 0 ? undefined : rawName.slice(colon + 1);
  if (code.includes('.')) return { ignored: 'chained parameters are not supported' };
  if (code === '_has') return { ignored: 'reverse chaining (_has) is not supported' };
  const def = registry.get(type, code);
  if (!def) return { ignored: `unknown search parameter for ${type}` };
  if (!def.supported) return { ignored: def.reason ?? 'not supported' };
  if (code === '_id') return idClause(rawName, modifier, value);
  if (modifier !== undefined && !modifierAllowed(def, modifier, registry)) {
    return { ignored: `modifier ':${modifier}' is not supported on ${def.type} parameters` };
  }
  if (modifier === 'missing') return missingClause(rawName, def, value);
  const alternatives = splitEscaped(value, ',').filter((v) => v !== '');
  if (alternatives.length === 0) return { ignored: 'empty value' };
  const ctx: ValueContext = {
    name: rawName,
    modifier,
    baseUrl: options.baseUrl,
    now: options.now,
    isResourceType: (t) => registry.isResourceType(t),
  };
  const anyOf = alternatives.map((v) => parseValue(v, def, ctx));
  return { kind: 'match', name: rawName, code: def.code, not: modifier === 'not', anyOf };
}

/** Parses the query parameters of a search on `type` into the IR. */
export function parseSearch(
  registry: SearchRegistry,
  type: string,
  params: Array<[string, string]>,
  options: ParseOptions,
): SearchIR {
  const ir: SearchIR = { resourceType: type, clauses: [], control: [], ignored: [] };
  const opts = { ...options, now: options.now ?? Date.now() };
  for (const [name, value] of params) {
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
