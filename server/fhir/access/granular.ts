/**
 * Finer-grained scope constraints (SMART App Launch 2.2 scopes-and-launch-context.html "Finer-grained
 * resource constraints using search parameters"): `patient/Observation.rs?category=...`. The server supports
 * token parameters with a code, a `system|code` or a `|code` (what `category` needs); a constraint is parsed
 * with the search parser, turned into the same storage condition search uses, and tested in memory on index entries.
 * Modifiers, chains and other parameter types are the spec's "experimental features": such a scope is
 * not granted.
 */
import type { MatchClause, TokenMatcher } from '../search/ir.js';
import type { IndexEntry, TokenEntry } from '../search/index-entry.js';
import { parseSearch } from '../search/parse.js';
import type { SearchRegistry } from '../search/registry.js';
import { whereOf } from '../search/where.js';
import type { Where } from '../../storage/repository.js';

/** A compiled constraint: a storage condition and the same test over a resource's index entries. */
export interface Granular {
  filter: Where;
  test(sp: Record<string, IndexEntry[] | unknown[]>): boolean;
}

/** A token matcher the server evaluates in memory: system and/or code only. */
function plainToken(m: { type: string }): m is TokenMatcher {
  if (m.type !== 'token') return false;
  const t = m as TokenMatcher;
  return t.code !== undefined && !t.codes && t.text === undefined && t.typeSystem === undefined;
}

function tokenMatches(m: TokenMatcher, e: TokenEntry): boolean {
  if (m.system === null && e.s !== undefined) return false;
  if (typeof m.system === 'string' && e.s !== m.system) return false;
  return e.c === m.code;
}

function clauseMatches(c: MatchClause, sp: Record<string, unknown[]>): boolean {
  const entries = (sp[c.code] ?? []) as TokenEntry[];
  return c.anyOf.some((m) => entries.some((e) => tokenMatches(m as TokenMatcher, e)));
}

/**
 * Compiles the constraint of a scope for `type`; null when the server does not support it there
 * (unknown parameter, modifier, chain, non-token parameter).
 */
export function compileGranular(
  registry: SearchRegistry,
  type: string,
  query: Array<[string, string]>,
  baseUrl: string,
): Granular | null {
  let clauses: MatchClause[];
  try {
    const ir = parseSearch(registry, type, query, { strict: true, baseUrl });
    if (ir.control.length > 0) return null;
    if (!ir.clauses.every((c) => c.kind === 'match' && !c.not && c.anyOf.every(plainToken))) return null;
    clauses = ir.clauses as MatchClause[];
    if (clauses.length === 0) return null;
    const filter = whereOf(ir);
    return { filter, test: (sp) => clauses.every((c) => clauseMatches(c, sp as Record<string, unknown[]>)) };
  } catch {
    return null;
  }
}
