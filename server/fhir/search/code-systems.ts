/**
 * The implicit code system of plain `code` elements: a `code` has no system of its own, but a required
 * binding fixes it (R4 search.html#token: "the system is implied by the element's binding", datatypes.html#code),
 * so `Patient?gender=http://hl7.org/fhir/administrative-gender|male` must match `gender: "male"`. For each
 * token parameter whose expression reaches `code` elements with a required binding, the registry keeps
 * the code → system map of the bound ValueSet; extraction adds the system to those entries.
 */
import type { ElementDefinition, StructureDefinition } from 'fhir/r4.js';
import type { R4Definitions } from '../definitions.js';
import { parseSimplePath } from './evaluator.js';
import type { Terminology } from './terminology.js';

/** Maps a code to the one system the required binding allows it from. */
export type CodeSystemMap = ReadonlyMap<string, string>;

type Elements = Map<string, ElementDefinition>;

const byPath = new WeakMap<StructureDefinition, Elements>();

/** The snapshot elements of a StructureDefinition keyed by path (cached). */
function elementsOf(sd: StructureDefinition): Elements {
  let map = byPath.get(sd);
  if (!map) {
    map = new Map((sd.snapshot?.element ?? []).map((ed) => [ed.path, ed] as const));
    byPath.set(sd, map);
  }
  return map;
}

/** Finds the element a simple path part reaches, crossing into data type definitions when needed. */
function elementOf(defs: R4Definitions, root: string, part: string): ElementDefinition | undefined {
  const steps = parseSimplePath(part);
  let sd = defs.resources.get(root);
  if (!steps || !sd) return undefined;
  let path = root;
  let ed: ElementDefinition | undefined;
  for (const step of steps) {
    if (step.kind !== 'member') continue;
    let els = elementsOf(sd);
    let found = els.get(`${path}.${step.name}`);
    if (!found && ed) {
      const typeCode = ed.type?.length === 1 ? ed.type[0].code : undefined;
      const typeSd = typeCode ? defs.types.get(typeCode) : undefined;
      if (!typeSd || !typeCode) return undefined;
      sd = typeSd;
      path = typeCode;
      els = elementsOf(sd);
      found = els.get(`${path}.${step.name}`);
    }
    if (!found) return undefined;
    ed = found;
    path = `${path}.${step.name}`;
  }
  return ed;
}

/** The code → system map of the required bindings the parts reach, or undefined when there is none. */
export function codeSystemsFor(
  defs: R4Definitions,
  terminology: Terminology,
  root: string,
  parts: string[],
): CodeSystemMap | undefined {
  const out = new Map<string, string>();
  const ambiguous = new Set<string>();
  for (const part of parts) {
    const ed = elementOf(defs, root, part);
    const isCode = ed?.type?.length === 1 && ed.type[0].code === 'code';
    const url = ed?.binding?.strength === 'required' ? ed.binding.valueSet : undefined;
    if (!isCode || !url) continue;
    for (const { system, code } of terminology.expand(url) ?? []) {
      const known = out.get(code);
      if (known !== undefined && known !== system) ambiguous.add(code);
      out.set(code, system);
    }
  }
  for (const code of ambiguous) out.delete(code);
  return out.size > 0 ? out : undefined;
}

/**
 * The code systems of the required bindings the parts reach, whatever the element's type (code, Coding,
 * CodeableConcept): the system a token value without one is read in for `:below` / `:above`
 * (`Condition?clinical-status:below=active`). Undefined when there is no such binding.
 */
export function boundSystemsFor(
  defs: R4Definitions,
  terminology: Terminology,
  root: string,
  parts: string[],
): readonly string[] | undefined {
  const out = new Set<string>();
  for (const part of parts) {
    const ed = elementOf(defs, root, part);
    const url = ed?.binding?.strength === 'required' ? ed.binding.valueSet : undefined;
    if (!url) continue;
    for (const { system } of terminology.expand(url) ?? []) out.add(system);
  }
  return out.size > 0 ? [...out].sort() : undefined;
}
