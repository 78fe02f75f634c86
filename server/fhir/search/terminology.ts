/**
 * Local terminology for search, from the bundled R4 ValueSets and CodeSystems only (no terminology server):
 * ValueSet expansion for the token modifiers `:in` / `:not-in`, subsumption in hierarchical CodeSystems for
 * `:above` / `:below` (R4 search.html#token, terminologies.html), and the CodeSystem implied by a required
 * binding on a plain `code` element (so `gender=http://hl7.org/fhir/administrative-gender|male` matches).
 */
import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from 'fhir/r4.js';
import type { R4Definitions } from '../definitions.js';

/** One code of a code system. */
export interface CodePair {
  system: string;
  code: string;
}

/** The terminology operations search needs. */
export interface Terminology {
  /** The codes of a bundled ValueSet (canonical URL, `|version` ignored); undefined when not expandable here. */
  expand(url: string): readonly CodePair[] | undefined;
  /** `code` and every code it subsumes in a bundled CodeSystem; undefined when the code is unknown. */
  below(system: string, code: string): readonly string[] | undefined;
  /** `code` and every code that subsumes it in a bundled CodeSystem; undefined when the code is unknown. */
  above(system: string, code: string): readonly string[] | undefined;
}

const MAX_NESTING = 8;

/** Parent links and children of a CodeSystem's concept tree (nested `concept` = is-a, as R4 bundles it). */
interface Hierarchy {
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
  complete: boolean;
}

function buildHierarchy(cs: CodeSystem): Hierarchy {
  const h: Hierarchy = { parents: new Map(), children: new Map(), complete: cs.content === 'complete' };
  const visit = (concepts: CodeSystemConcept[] | undefined, parent: string | undefined): void => {
    for (const c of concepts ?? []) {
      if (!h.children.has(c.code)) h.children.set(c.code, []);
      if (parent !== undefined) {
        h.children.get(parent)?.push(c.code);
        h.parents.set(c.code, [...(h.parents.get(c.code) ?? []), parent]);
      }
      visit(c.concept, c.code);
    }
  };
  visit(cs.concept, undefined);
  return h;
}

/** The transitive closure of `start` over `next` (start included). */
function closure(start: string, next: (code: string) => readonly string[] | undefined): string[] {
  const out = new Set<string>([start]);
  const stack = [start];
  while (stack.length > 0) {
    for (const n of next(stack.pop() as string) ?? []) {
      if (!out.has(n)) {
        out.add(n);
        stack.push(n);
      }
    }
  }
  return [...out];
}

const stripVersion = (url: string): string => url.split('|')[0];

/** Builds the terminology over the bundled definitions; expansions are computed once and cached. */
export function createTerminology(defs: Pick<R4Definitions, 'valueSets' | 'codeSystems'>): Terminology {
  const hierarchies = new Map<string, Hierarchy | null>();
  const expansions = new Map<string, CodePair[] | null>();

  const hierarchy = (system: string): Hierarchy | undefined => {
    let h = hierarchies.get(system);
    if (h === undefined) {
      const cs = defs.codeSystems.get(system);
      h = cs ? buildHierarchy(cs) : null;
      hierarchies.set(system, h);
    }
    return h ?? undefined;
  };

  const below = (system: string, code: string): string[] | undefined => {
    const h = hierarchy(system);
    if (!h?.children.has(code)) return undefined;
    return closure(code, (c) => h.children.get(c));
  };
  const above = (system: string, code: string): string[] | undefined => {
    const h = hierarchy(system);
    if (!h?.children.has(code)) return undefined;
    return closure(code, (c) => h.parents.get(c));
  };

  const expand = (url: string, depth: number): CodePair[] | null => {
    const key = stripVersion(url);
    const hit = expansions.get(key);
    if (hit !== undefined) return hit;
    const vs = defs.valueSets.get(key);
    const result =
      vs && depth <= MAX_NESTING ? expandValueSet(vs, { hierarchy, below, expand, depth }) : null;
    expansions.set(key, result);
    return result;
  };

  return {
    expand: (url) => expand(url, 0) ?? undefined,
    below,
    above,
  };
}

interface ExpandContext {
  hierarchy(system: string): Hierarchy | undefined;
  below(system: string, code: string): string[] | undefined;
  expand(url: string, depth: number): CodePair[] | null;
  depth: number;
}

const pairKey = (p: CodePair): string => `${p.system}|${p.code}`;

/** Expands a ValueSet: its `expansion` when present, else `compose` include minus exclude. */
function expandValueSet(vs: ValueSet, ctx: ExpandContext): CodePair[] | null {
  if (vs.expansion?.contains?.length) {
    const flat: CodePair[] = [];
    const walk = (items: NonNullable<ValueSet['expansion']>['contains']): void => {
      for (const c of items ?? []) {
        if (c.system && c.code) flat.push({ system: c.system, code: c.code });
        walk(c.contains);
      }
    };
    walk(vs.expansion.contains);
    return flat;
  }
  const includes = vs.compose?.include ?? [];
  if (includes.length === 0) return null;
  const out = new Map<string, CodePair>();
  for (const inc of includes) {
    const pairs = selectPairs(inc, ctx);
    if (!pairs) return null;
    for (const p of pairs) out.set(pairKey(p), p);
  }
  for (const exc of vs.compose?.exclude ?? []) {
    const pairs = selectPairs(exc, ctx);
    if (!pairs) return null;
    for (const p of pairs) out.delete(pairKey(p));
  }
  return [...out.values()];
}

/** The codes one include/exclude selects; null when it cannot be resolved from the bundled content. */
function selectPairs(inc: ValueSetComposeInclude, ctx: ExpandContext): CodePair[] | null {
  let out: CodePair[] | null = null;
  const system = inc.system;
  if (system && inc.concept?.length) {
    out = inc.concept.map((c) => ({ system, code: c.code }));
  } else if (system && inc.filter?.length) {
    out = filtered(system, inc.filter, ctx);
    if (!out) return null;
  } else if (system) {
    const h = ctx.hierarchy(system);
    if (!h?.complete) return null;
    out = [...h.children.keys()].map((code) => ({ system, code }));
  }
  for (const url of inc.valueSet ?? []) {
    const sub = ctx.expand(url, ctx.depth + 1);
    if (!sub) return null;
    const keys = new Set(sub.map(pairKey));
    out = out ? out.filter((p) => keys.has(pairKey(p))) : sub;
  }
  return out;
}

/** `is-a` / `descendent-of` filters on the concept hierarchy; anything else is not resolvable locally. */
function filtered(
  system: string,
  filters: NonNullable<ValueSetComposeInclude['filter']>,
  ctx: ExpandContext,
): CodePair[] | null {
  const sets: Array<Set<string>> = [];
  for (const f of filters) {
    if (f.property !== 'concept' || (f.op !== 'is-a' && f.op !== 'descendent-of')) return null;
    const sub = ctx.below(system, f.value);
    if (!sub) return null;
    sets.push(new Set<string>(f.op === 'is-a' ? sub : sub.filter((c) => c !== f.value)));
  }
  const codes = sets.length ? [...sets[0]].filter((c) => sets.every((set) => set.has(c))) : [];
  return codes.map((code) => ({ system, code }));
}
