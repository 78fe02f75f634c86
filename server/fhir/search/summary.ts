/**
 * `_summary` and `_elements` (R4 search.html#summary, #elements): the matches are returned as subsets of
 * the resource. `_summary=true` keeps the elements the base definition marks `isSummary`; `text` keeps the
 * narrative and the mandatory elements; `data` removes the narrative; `_elements` keeps the listed top-level
 * elements plus the mandatory ones. `id`, `meta` and `resourceType` are always kept, and a subsetted resource
 * is tagged SUBSETTED (http://terminology.hl7.org/CodeSystem/v3-ObservationValue) as R4 asks.
 * `_summary=count` (only the total) is handled by the search itself.
 */
import type { Coding, Resource, StructureDefinition } from 'fhir/r4.js';
import type { R4Definitions } from '../definitions.js';
import type { SummaryMode } from './controls.js';

/** The tag of a resource returned as a subset (R4 search.html#summary). */
export const SUBSETTED: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
};

const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/** Top-level elements of a resource type: summary and mandatory names, choice names (`value[x]` as `value`). */
interface TypeElements {
  summary: Set<string>;
  mandatory: Set<string>;
  choices: string[];
}

const cache = new WeakMap<StructureDefinition, TypeElements>();

function elementsOf(sd: StructureDefinition): TypeElements {
  let found = cache.get(sd);
  if (found) return found;
  found = { summary: new Set(), mandatory: new Set(), choices: [] };
  for (const ed of sd.snapshot?.element ?? []) {
    const parts = ed.path.split('.');
    if (parts.length !== 2) continue;
    const name = parts[1].replace(/\[x\]$/, '');
    if (name !== parts[1]) found.choices.push(name);
    if (ed.isSummary) found.summary.add(name);
    if ((ed.min ?? 0) > 0) found.mandatory.add(name);
  }
  cache.set(sd, found);
  return found;
}

/** The element a JSON property belongs to (`valueQuantity` → `value`, `_birthDate` → `birthDate`). */
function elementName(property: string, els: TypeElements): string {
  const bare = property.startsWith('_') ? property.slice(1) : property;
  const choice = els.choices.find(
    (c) => bare.length > c.length && bare.startsWith(c) && /[A-Z]/.test(bare[c.length]),
  );
  return choice ?? bare;
}

/** Keeps the properties whose element passes `keep`, then tags the copy SUBSETTED. */
function subset(resource: Resource, keep: (element: string) => boolean, els: TypeElements): Resource {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) {
    if (ALWAYS.has(k) || keep(elementName(k, els))) out[k] = v;
  }
  const meta = resource.meta ?? {};
  const tags = (meta.tag ?? []).filter((t) => !(t.system === SUBSETTED.system && t.code === SUBSETTED.code));
  out.meta = { ...meta, tag: [...tags, SUBSETTED] };
  return out as unknown as Resource;
}

/** Whether a search's matches are returned as subsets. */
export function isSubsetting(summary: SummaryMode, elements: string[] | undefined): boolean {
  return (
    summary === 'true' || summary === 'text' || summary === 'data' || (summary === 'false' && !!elements)
  );
}

/** The resource as `_summary` / `_elements` ask for it (unchanged when neither applies). */
export function shapeResource(
  defs: R4Definitions,
  resource: Resource,
  summary: SummaryMode,
  elements: string[] | undefined,
): Resource {
  const sd = defs.resources.get(resource.resourceType);
  if (!sd || !isSubsetting(summary, elements)) return resource;
  const els = elementsOf(sd);
  switch (summary) {
    case 'true':
      return subset(resource, (n) => els.summary.has(n) || els.mandatory.has(n), els);
    case 'text':
      return subset(resource, (n) => n === 'text' || els.mandatory.has(n), els);
    case 'data':
      return subset(resource, (n) => n !== 'text', els);
    default: {
      const wanted = new Set((elements ?? []).map((e) => e.split('.').pop() as string));
      return subset(resource, (n) => wanted.has(n) || els.mandatory.has(n), els);
    }
  }
}
