/**
 * The query planner: picks, among `_id`, the declared secondary indexes and unions over `$or` branches,
 * the candidate set with the fewest documents. Candidates are a superset of the matches; the caller checks
 * each one with the compiled filter.
 */
import type { StoredDocument } from '../document-collection.js';
import { analyzeFilter, isScalar, type FilterAnalysis, type Probe } from './constraints.js';
import type { PlainObject } from './json.js';
import type { Lookup, Scalar, SecondaryIndex } from './secondary-index.js';
import type { RangeBound } from './sorted-list.js';

/** What the planner reads from a collection. */
export interface PlannerSource {
  readonly docs: ReadonlyMap<string, StoredDocument>;
  readonly indexes: ReadonlyMap<string, SecondaryIndex>;
}

/** The chosen access path. */
export interface CandidatePlan {
  /** Index name(s) used, comma-separated for an `$or` over several indexes. */
  indexName: string;
  ids: Iterable<string>;
}

interface Choice {
  names: string[];
  sets: Iterable<string>[];
  cost: number;
}

const MAX_TUPLES = 256;
/** The name MongoDB gives the `_id` index. */
export const ID_INDEX_NAME = '_id_';

/** Plans `filter` against `src`; null means a collection scan. */
export function planQuery(filter: PlainObject, src: PlannerSource): CandidatePlan | null {
  const choice = planDocument(filter, src, Infinity);
  if (!choice) return null;
  const names = [...new Set(choice.names)];
  return { indexName: names.join(','), ids: materialize(choice.sets) };
}

function materialize(sets: Iterable<string>[]): Iterable<string> {
  if (sets.length === 1) return sets[0];
  const union = new Set<string>();
  for (const set of sets) for (const id of set) union.add(id);
  return union;
}

function planDocument(filter: PlainObject, src: PlannerSource, cap: number): Choice | null {
  const analysis = analyzeFilter(filter);
  let best: Choice | null = null;
  const limit = (): number => Math.min(cap, best ? best.cost : Infinity);
  const consider = (c: Choice | null): void => {
    if (c && c.cost <= cap && (!best || c.cost < best.cost)) best = c;
  };
  consider(planById(analysis, src));
  for (const index of src.indexes.values()) {
    for (const probe of analysis.probes.get(index.firstPath) ?? []) {
      consider(fromLookup(index.def.name, lookupProbe(index, probe, limit())));
    }
    if (index.width > 1) consider(fromLookup(index.def.name, lookupEqualityPrefix(index, analysis)));
  }
  for (const branches of analysis.ors) consider(planOr(branches, src, limit()));
  return best;
}

function fromLookup(name: string, lookup: Lookup | null): Choice | null {
  return lookup ? { names: [name], sets: lookup.sets, cost: lookup.cost } : null;
}

function planById(analysis: FilterAnalysis, src: PlannerSource): Choice | null {
  let best: Choice | null = null;
  for (const probe of analysis.probes.get('_id') ?? []) {
    if (probe.kind !== 'values') continue;
    const ids = probe.values.filter((v): v is string => typeof v === 'string' && src.docs.has(v));
    if (!best || ids.length < best.cost) best = { names: [ID_INDEX_NAME], sets: [ids], cost: ids.length };
  }
  return best;
}

function lookupProbe(index: SecondaryIndex, probe: Probe, cap: number): Lookup | null {
  switch (probe.kind) {
    case 'values':
      return index.lookupValues(probe.values);
    case 'prefix':
      return index.lookupPrefix(probe.prefix, cap);
    case 'range':
      // Two bounds may be met by different elements of an array: only a non-multikey index may intersect them.
      if (probe.lo && probe.hi && index.multikey) return null;
      return index.lookupRange(
        probe.lo as RangeBound<string> | null,
        probe.hi as RangeBound<string> | null,
        cap,
      );
  }
}

/** Equality on the longest prefix (two fields or more) of a compound index: look up those keys. */
function lookupEqualityPrefix(index: SecondaryIndex, analysis: FilterAnalysis): Lookup | null {
  let tuples: Scalar[][] = [[]];
  for (const field of index.fields) {
    const probe = (analysis.probes.get(field) ?? []).find((p) => p.kind === 'values');
    if (!probe || probe.kind !== 'values') break;
    const next = tuples.flatMap((t) => probe.values.filter(isScalar).map((v) => [...t, v]));
    if (next.length > MAX_TUPLES) break;
    tuples = next;
  }
  return tuples[0].length >= 2 ? index.lookupTuples(tuples) : null;
}

function planOr(branches: PlainObject[], src: PlannerSource, cap: number): Choice | null {
  const names: string[] = [];
  const sets: Iterable<string>[] = [];
  let cost = 0;
  for (const branch of branches) {
    const choice = planDocument(branch, src, cap - cost);
    if (!choice) return null;
    names.push(...choice.names);
    sets.push(...choice.sets);
    cost += choice.cost;
  }
  return { names, sets, cost };
}
