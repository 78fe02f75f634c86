/**
 * Index extraction on write ("index on write, never FHIRPath on read"): runs every supported (or pending)
 * search parameter of the resource's type once and stores typed entries per code, plus the patient compartments
 * the resource belongs to (R4 compartmentdefinition-patient.html). Call it after `meta.lastUpdated` is set:
 * `_lastUpdated` is indexed from it like any date parameter.
 */
import type { Resource } from 'fhir/r4.js';
import { entriesFor, type EntryOptions } from './entries.js';
import type { Focus } from './evaluator.js';
import type {
  CompositeEntry,
  IndexEntry,
  ReferenceEntry,
  ResourceIndex,
  SearchParamType,
  SimpleEntry,
  TokenEntry,
} from './index-entry.js';
import type { CodeSystemMap } from './code-systems.js';
import type { SearchParamDef, SearchRegistry } from './registry.js';

/** At most this many combinations are stored per composite base element (guards a cartesian blow-up). */
const MAX_COMBINATIONS = 64;

/** An injective text of an entry (keys in order, typed values), cheaper than JSON.stringify. */
function entryKey(e: object): string {
  let key = '';
  const o = e as Record<string, unknown>;
  for (const f in o) {
    const v = o[f];
    if (typeof v === 'string')
      key += v.includes('\u0000') ? `${f}'${JSON.stringify(v)}\u0000` : `${f}"${v}\u0000`;
    else if (typeof v === 'number') key += `${f}#${v}\u0000`;
    else if (typeof v === 'object' && v !== null) key += `${f}{${entryKey(v)}}\u0000`;
    else key += `${f}?${JSON.stringify(v)}\u0000`;
  }
  return key;
}

/** Removes duplicate entries (same keys and values), keeping the first. */
function dedupe<T extends IndexEntry>(entries: T[]): T[] {
  if (entries.length < 2) return entries;
  const seen = new Set<string>();
  const out: T[] = [];
  for (const e of entries) {
    const key = entryKey(e);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

/**
 * Entries already computed for an element during one extraction, by element object, then parameter type
 * and element type (`Observation.code` feeds `code`, `combo-code` and every `code-value-*` composite).
 * Only elements that are objects are kept; the entry arrays are shared and never mutated.
 */
type Memo = Map<object, Map<string, SimpleEntry[]>>;

/** The entries of one value, computed once per extraction for object values. */
function entriesOf(memo: Memo, type: SearchParamType, focus: Focus, options: EntryOptions): SimpleEntry[] {
  if (typeof focus.data !== 'object' || focus.data === null) return entriesFor(type, focus, options);
  let byKind = memo.get(focus.data);
  if (!byKind) {
    byKind = new Map();
    memo.set(focus.data, byKind);
  }
  const kind = `${type}|${focus.type}`;
  let entries = byKind.get(kind);
  if (!entries) {
    entries = entriesFor(type, focus, options);
    byKind.set(kind, entries);
  }
  return entries;
}

/** Entries of a simple (non-composite) parameter. */
function simpleEntries(
  def: SearchParamDef,
  resource: Resource,
  options: EntryOptions,
  memo: Memo,
): SimpleEntry[] {
  const out: SimpleEntry[] = [];
  for (const focus of def.evaluate?.(resource) ?? []) {
    if (def.codeSystems && focus.type === 'code') {
      // A bound system is added to these entries: computed afresh (a `code` is a string, never memoised).
      const entries = entriesFor(def.type, focus, options);
      addBoundSystem(entries as TokenEntry[], def.codeSystems);
      for (const e of entries) out.push(e);
    } else for (const e of entriesOf(memo, def.type, focus, options)) out.push(e);
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
function compositeEntries(
  def: SearchParamDef,
  resource: Resource,
  options: EntryOptions,
  memo: Memo,
): CompositeEntry[] {
  const out: CompositeEntry[] = [];
  const components = def.components ?? [];
  for (const base of def.evaluate?.(resource) ?? []) {
    const perComponent: SimpleEntry[][] = [];
    for (const comp of components) {
      const entries: SimpleEntry[] = [];
      for (const focus of comp.evaluate(base))
        for (const e of entriesOf(memo, comp.type, focus, options)) entries.push(e);
      if (entries.length === 0) break; // a component without entries: no combination for this base
      perComponent.push(entries);
    }
    if (perComponent.length === components.length) out.push(...combine(perComponent));
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
  const memo: Memo = new Map();
  for (const def of registry.params(resource.resourceType)) {
    // pending parameters are extracted too: writes from their registration on need no reindex
    if (!def.evaluate || !(def.supported || def.pending)) continue;
    const entries =
      def.type === 'composite'
        ? compositeEntries(def, resource, options, memo)
        : simpleEntries(def, resource, options, memo);
    if (entries.length > 0) sp[def.code] = dedupe<IndexEntry>(entries);
  }
  return { sp, comp: patientCompartments(registry, resource, sp) };
}
