/**
 * Index extraction on write ("index on write, never FHIRPath on read"): runs every supported search
 * parameter of the resource's type once and stores typed entries per code, plus the patient compartments
 * the resource belongs to (R4 compartmentdefinition-patient.html). Call it after `meta.lastUpdated` is set:
 * `_lastUpdated` is indexed from it like any date parameter.
 */
import type { Resource } from 'fhir/r4.js';
import { entriesFor, type EntryOptions } from './entries.js';
import type {
  CompositeEntry,
  IndexEntry,
  ReferenceEntry,
  ResourceIndex,
  SimpleEntry,
  TokenEntry,
} from './index-entry.js';
import type { CodeSystemMap } from './code-systems.js';
import type { SearchParamDef, SearchRegistry } from './registry.js';

/** At most this many combinations are stored per composite base element (guards a cartesian blow-up). */
const MAX_COMBINATIONS = 64;

/** Removes duplicate entries (same keys and values), keeping the first. */
function dedupe<T extends IndexEntry>(entries: T[]): T[] {
  if (entries.length < 2) return entries;
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = JSON.stringify(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Entries of a simple (non-composite) parameter. */
function simpleEntries(def: SearchParamDef, resource: Resource, options: EntryOptions): SimpleEntry[] {
  const out: SimpleEntry[] = [];
  for (const focus of def.evaluate?.(resource) ?? []) {
    const entries = entriesFor(def.type, focus, options);
    if (def.codeSystems && focus.type === 'code') addBoundSystem(entries as TokenEntry[], def.codeSystems);
    out.push(...entries);
  }
  return out;
}

/** A plain `code` takes the system of its required binding (search.html#token; code-systems.ts). */
function addBoundSystem(entries: TokenEntry[], systems: CodeSystemMap): void {
  for (const e of entries) {
    const system = e.s === undefined && e.c !== undefined ? systems.get(e.c) : undefined;
    if (system !== undefined) e.s = system;
  }
}

/** The cartesian product of the component entries, as `{ c0, c1, ... }` (R4 search.html#composite). */
function combine(perComponent: SimpleEntry[][]): CompositeEntry[] {
  let acc: CompositeEntry[] = [{}];
  perComponent.forEach((entries, i) => {
    const next: CompositeEntry[] = [];
    for (const partial of acc) {
      for (const e of entries) {
        if (next.length >= MAX_COMBINATIONS) break;
        next.push({ ...partial, [`c${i}`]: e });
      }
    }
    acc = next;
  });
  return acc;
}

/** Entries of a composite parameter: components are evaluated per base element, then combined. */
function compositeEntries(def: SearchParamDef, resource: Resource, options: EntryOptions): CompositeEntry[] {
  const out: CompositeEntry[] = [];
  for (const base of def.evaluate?.(resource) ?? []) {
    const perComponent = (def.components ?? []).map((comp) =>
      comp.evaluate(base).flatMap((focus) => entriesFor(comp.type, focus, options)),
    );
    if (perComponent.every((entries) => entries.length > 0)) out.push(...combine(perComponent));
  }
  return out;
}

/** The patient compartments of a resource, from its compartment parameters' reference entries. */
function patientCompartments(
  registry: SearchRegistry,
  resource: Resource,
  sp: Record<string, IndexEntry[]>,
): string[] {
  const comp = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) comp.add(`Patient/${resource.id}`);
  for (const code of registry.patientCompartmentParams(resource.resourceType)) {
    for (const e of (sp[code] ?? []) as ReferenceEntry[]) {
      if (e.r?.startsWith('Patient/')) comp.add(e.r);
    }
  }
  return [...comp];
}

/** Extracts the search index (`sp`) and patient compartments (`comp`) of a resource. */
export function extractIndex(
  registry: SearchRegistry,
  resource: Resource,
  options: EntryOptions = {},
): ResourceIndex {
  const sp: Record<string, IndexEntry[]> = {};
  for (const def of registry.params(resource.resourceType)) {
    if (!def.supported || !def.evaluate) continue;
    const entries =
      def.type === 'composite'
        ? compositeEntries(def, resource, options)
        : simpleEntries(def, resource, options);
    if (entries.length > 0) sp[def.code] = dedupe<IndexEntry>(entries);
  }
  return { sp, comp: patientCompartments(registry, resource, sp) };
}
