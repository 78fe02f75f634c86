/**
 * Parameters whose index entries are exactly the entries of other parameters of the same type, together.
 * R4 defines several for Observation: `combo-code` is `Observation.code | Observation.component.code`, the
 * union of `code` and `component-code`; `combo-value-quantity`, `combo-value-concept`,
 * `combo-data-absent-reason` likewise, and the composites `combo-code-value-quantity` (base `Observation |
 * Observation.component`) and `combo-code-value-concept` are the union of `code-value-*` (base
 * `Observation`) and `component-code-value-*` (base `Observation.component`) with the same components. A
 * storage engine may keep such a parameter's entries only under its members and search the members instead
 * (a quarter of the index rows of a Synthea Observation). The search semantics are the same: an entry
 * matches under the union exactly when it matches under one of the members (search.html: a parameter
 * matches when any of its values matches).
 *
 * A parameter is a union when its expression's parts (split on top-level `|`) are exactly the parts of two
 * or more other parameters of the type, disjoint; of the same parameter type; for composites, with the same
 * component expressions and types in the same order; never for references (their entries also decide
 * compartments and `_include`) nor for tokens with a bound code system (their entries depend on the
 * parameter).
 */
import { splitTopLevel } from './expression.js';
import type { SearchParamDef, SearchRegistry } from './registry.js';

/** The members of each union parameter of one type, by code. */
type Unions = ReadonlyMap<string, readonly string[]>;

function partsOf(def: SearchParamDef): string[] {
  return def.expression ? splitTopLevel(def.expression, '|') : [];
}

/** Whether `def` may take part in a union (as the union or as a member). */
function eligible(def: SearchParamDef): boolean {
  if (!def.supported || !def.evaluate || def.expression === undefined) return false;
  if (def.type === 'reference' || def.type === 'special') return false;
  return !(def.codeSystems && def.codeSystems.size > 0);
}

/** Whether composites `a` and `b` combine the same components (relative expressions and types, in order). */
function sameComponents(a: SearchParamDef, b: SearchParamDef): boolean {
  const ca = a.components ?? [];
  const cb = b.components ?? [];
  return (
    ca.length === cb.length && ca.every((c, i) => c.expression === cb[i].expression && c.type === cb[i].type)
  );
}

/** The members of `def` among `params` (disjoint, covering every part), or undefined when it is no union. */
function membersOf(def: SearchParamDef, params: readonly SearchParamDef[]): string[] | undefined {
  const parts = partsOf(def);
  if (parts.length < 2 || new Set(parts).size !== parts.length) return undefined;
  const wanted = new Set(parts);
  const candidates = params
    .filter((q) => q !== def && eligible(q) && q.type === def.type)
    .filter((q) => def.type !== 'composite' || sameComponents(def, q))
    .map((q) => ({ code: q.code, parts: partsOf(q) }))
    .filter((q) => q.parts.length > 0 && q.parts.length < parts.length && q.parts.every((p) => wanted.has(p)))
    .sort((a, b) => b.parts.length - a.parts.length || (a.code < b.code ? -1 : 1));
  const members: string[] = [];
  const covered = new Set<string>();
  for (const q of candidates) {
    if (q.parts.some((p) => covered.has(p))) continue;
    members.push(q.code);
    for (const p of q.parts) covered.add(p);
  }
  return covered.size === wanted.size && members.length >= 2 ? members : undefined;
}

/** The union parameters of one type. */
function unionsOf(registry: SearchRegistry, type: string): Unions {
  const params = registry.params(type);
  const out = new Map<string, readonly string[]>();
  for (const def of params) {
    if (!eligible(def)) continue;
    const members = membersOf(def, params);
    if (members) out.set(def.code, members);
  }
  return out;
}

const cache = new WeakMap<SearchRegistry, Map<string, Unions>>();

/** The members of parameter `code` of `type` when it is a union of them (see the module comment), else undefined. */
export function unionMembers(
  registry: SearchRegistry,
  type: string,
  code: string,
): readonly string[] | undefined {
  let byType = cache.get(registry);
  if (!byType) {
    byType = new Map();
    cache.set(registry, byType);
  }
  let unions = byType.get(type);
  if (!unions) {
    unions = unionsOf(registry, type);
    byType.set(type, unions);
  }
  return unions.get(code);
}
