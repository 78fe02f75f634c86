/**
 * ValueSet expansion from `compose` over the bundled CodeSystems (R4 valueset.html#compose): include minus
 * exclude; an include is a concept list, a whole complete system, filters on a bundled system (is-a,
 * descendent-of, is-not-a, =, in, not-in, exists on concept properties) and/or other ValueSets
 * (intersected). Anything that needs an external terminology server makes the expansion fail with a reason.
 */
import type { ValueSet, ValueSetComposeInclude, ValueSetComposeIncludeFilter } from 'fhir/r4.js';
import type { CodeSystemIndex, ConceptEntry } from './code-system-index.js';

/** One code of an expansion. */
export interface ExpansionEntry {
  readonly system: string;
  readonly code: string;
  readonly display?: string;
  readonly version?: string;
}

/** An expansion, or why there is none. */
export type ExpansionResult = { entries: ExpansionEntry[] } | { error: string };

/** What expansion needs to find. */
export interface ExpansionSources {
  codeSystem(url: string): CodeSystemIndex | undefined;
  /** Expansion of another ValueSet by canonical (for include.valueSet). */
  expandUrl(url: string, depth: number): ExpansionResult;
}

/** The deepest chain of ValueSets including each other that is expanded. */
export const MAX_NESTING = 10;

const key = (e: ExpansionEntry) => `${e.system}|${e.code}`;

function entry(cs: CodeSystemIndex | undefined, system: string, c: ConceptEntry): ExpansionEntry {
  const out: ExpansionEntry = { system, code: c.code, display: c.concept.display };
  return cs?.resource.version ? { ...out, version: cs.resource.version } : out;
}

function matchesFilter(
  cs: CodeSystemIndex,
  c: ConceptEntry,
  f: ValueSetComposeIncludeFilter,
): boolean | undefined {
  const values = f.op === 'in' || f.op === 'not-in' ? f.value.split(',').map((v) => v.trim()) : [f.value];
  const own = f.property === 'concept' || f.property === 'code' ? [c.code] : cs.property(c, f.property);
  switch (f.op) {
    case '=':
      return own.includes(f.value);
    case 'in':
      return own.some((v) => values.includes(v));
    case 'not-in':
      return !own.some((v) => values.includes(v));
    case 'exists':
      return own.length > 0 === (f.value === 'true');
    default:
      return undefined;
  }
}

/** The concepts of a bundled system selected by one filter; undefined when the filter is not supported. */
function applyFilter(cs: CodeSystemIndex, f: ValueSetComposeIncludeFilter): ConceptEntry[] | undefined {
  const hierarchical = f.property === 'concept' || f.property === 'parent' || f.property === 'child';
  if (hierarchical && (f.op === 'is-a' || f.op === 'descendent-of'))
    return cs.subsumed(f.value, f.op === 'is-a');
  if (hierarchical && f.op === 'is-not-a') {
    const below = new Set(cs.subsumed(f.value, true).map((c) => c.code));
    return cs.concepts.filter((c) => !below.has(c.code));
  }
  const out: ConceptEntry[] = [];
  for (const c of cs.concepts) {
    const m = matchesFilter(cs, c, f);
    if (m === undefined) return undefined;
    if (m) out.push(c);
  }
  return out;
}

/** The codes an include (or exclude) entry selects from its system. */
function selectFromSystem(inc: ValueSetComposeInclude, src: ExpansionSources): ExpansionResult {
  const system = inc.system as string;
  const cs = src.codeSystem(system);
  if (inc.concept && inc.concept.length > 0) {
    return {
      entries: inc.concept.map((c) => {
        const known = cs?.get(c.code);
        return known ? entry(cs, system, known) : { system, code: c.code, display: c.display };
      }),
    };
  }
  if (!cs) return { error: `code system ${system} is not available on this server` };
  if (!cs.complete)
    return { error: `code system ${system} is not complete here (content = ${cs.resource.content})` };
  let selected: ConceptEntry[] = cs.concepts;
  for (const f of inc.filter ?? []) {
    const picked = applyFilter(cs, f);
    if (!picked) return { error: `filter ${f.property} ${f.op} is not supported on ${system}` };
    const keep = new Set(picked.map((c) => c.code));
    selected = selected.filter((c) => keep.has(c.code));
  }
  return { entries: selected.map((c) => entry(cs, system, c)) };
}

/** One include/exclude: its system part intersected with each of its ValueSets. */
function selectCodes(inc: ValueSetComposeInclude, src: ExpansionSources, depth: number): ExpansionResult {
  let result: ExpansionResult | undefined = inc.system ? selectFromSystem(inc, src) : undefined;
  for (const url of inc.valueSet ?? []) {
    const other = src.expandUrl(url, depth + 1);
    if ('error' in other) return other;
    if (!result) result = other;
    else if ('entries' in result) {
      const keep = new Set(other.entries.map(key));
      result = { entries: result.entries.filter((e) => keep.has(key(e))) };
    }
  }
  return result ?? { error: 'an include names neither a system nor a value set' };
}

/** Expands a ValueSet's compose (valueset.html#expansion); a stored expansion is used when there is no compose. */
export function expandCompose(vs: ValueSet, src: ExpansionSources, depth = 0): ExpansionResult {
  if (depth > MAX_NESTING) return { error: `value sets are nested deeper than ${MAX_NESTING} levels` };
  if (!vs.compose) {
    const contains = vs.expansion?.contains;
    if (!contains) return { error: `value set ${vs.url ?? vs.id} has neither compose nor expansion` };
    return {
      entries: contains
        .filter((c) => c.system && c.code)
        .map((c) => ({ system: c.system as string, code: c.code as string, display: c.display })),
    };
  }
  const out = new Map<string, ExpansionEntry>();
  for (const inc of vs.compose.include) {
    const r = selectCodes(inc, src, depth);
    if ('error' in r) return r;
    for (const e of r.entries) if (!out.has(key(e))) out.set(key(e), e);
  }
  for (const exc of vs.compose.exclude ?? []) {
    const r = selectCodes(exc, src, depth);
    if ('error' in r) return r;
    for (const e of r.entries) out.delete(key(e));
  }
  return { entries: [...out.values()] };
}
