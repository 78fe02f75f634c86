/**
 * `_sort` (R4 search.html#sort): a comma-separated list of parameters, each optionally prefixed with `-`
 * for descending order, in priority order. Sort values come from the index entries stored beside each
 * resource, and are compared above the storage seam so that both engines order identically:
 * when a parameter has several values, ascending order uses the lowest and descending order the highest
 * ("the item ... that comes earliest in the specified sort order"); a date or quantity range sorts by its
 * low end ascending and its high end descending, quantities in canonical units where known; resources
 * without a value come last in either direction; ties are broken by resource type (in the order the
 * search lists them) and then by id.
 */
import type { SearchParamType } from './index-entry.js';
import type { IgnoredParam } from './ir.js';
import type { SearchRegistry } from './registry.js';

/** One sort key. */
export interface SortKey {
  code: string;
  desc: boolean;
  /** The parameter type, or `id` for `_id`. */
  type: SearchParamType | 'id';
}

/** A stored document as sorting sees it. */
export interface SortableDoc {
  _id: string;
  sp?: Record<string, unknown[]>;
}

/** A document of a known type, as searches over several types return them. */
export interface TypedDoc<D extends SortableDoc = SortableDoc> {
  type: string;
  doc: D;
}

const SORTABLE = new Set<SearchParamType>([
  'string',
  'token',
  'reference',
  'date',
  'number',
  'quantity',
  'uri',
]);

/** Parses `_sort`; keys that cannot be applied to every one of `types` are returned as ignored. */
export function parseSort(
  registry: SearchRegistry,
  types: readonly string[],
  value: string,
): { keys: SortKey[]; ignored: IgnoredParam[] } {
  const keys: SortKey[] = [];
  const ignored: IgnoredParam[] = [];
  for (const raw of value.split(',').map((s) => s.trim())) {
    if (raw === '') continue;
    const desc = raw.startsWith('-');
    const code = desc ? raw.slice(1) : raw;
    if (code === '_id') {
      keys.push({ code, desc, type: 'id' });
      continue;
    }
    const defs = types.map((t) => registry.get(t, code));
    const type = defs[0]?.type;
    const ok = type !== undefined && SORTABLE.has(type) && defs.every((d) => d?.supported && d.type === type);
    if (ok && !keys.some((k) => k.code === code)) keys.push({ code, desc, type });
    else ignored.push({ name: '_sort', value: raw, reason: `cannot sort by ${code}` });
  }
  return { keys, ignored };
}

/** The `_sort` value of applied keys (for the self link). */
export function sortText(keys: readonly SortKey[]): string {
  return keys.map((k) => `${k.desc ? '-' : ''}${k.code}`).join(',');
}

/** Fields a projection needs to sort by `keys`. */
export function sortFields(keys: readonly SortKey[]): string[] {
  return keys.filter((k) => k.type !== 'id').map((k) => `sp.${k.code}`);
}

type Value = number | string;
type Entry = Record<string, unknown>;

/** The candidate values of one entry for a key: range ends for dates and quantities, else one value. */
function entryValues(e: Entry, key: SortKey): unknown[] {
  switch (key.type) {
    case 'date':
      return [key.desc ? e.hi : e.lo];
    case 'quantity': // in canonical UCUM units when the server converts the unit (ucum.ts)
      if (e.n !== undefined) return [key.desc ? e.nhi : e.nlo];
      return [e.v ?? (key.desc ? e.hi : e.lo)];
    case 'reference':
      return [e.r];
    case 'token':
      return [e.c ?? e.t];
    default:
      return [e.v];
  }
}

/** The sort value of a document for one key (lowest ascending, highest descending), or undefined. */
export function sortValue(doc: SortableDoc, key: SortKey): Value | undefined {
  if (key.type === 'id') return doc._id;
  let best: Value | undefined;
  for (const entry of doc.sp?.[key.code] ?? []) {
    for (const v of entryValues(entry as Entry, key)) {
      if (typeof v !== 'number' && typeof v !== 'string') continue;
      if (best === undefined || (key.desc ? v > best : v < best)) best = v;
    }
  }
  return best;
}

/** Compares two sort values of one key; missing values come last in both directions. */
function compareValues(a: Value | undefined, b: Value | undefined, desc: boolean): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (a === b) return 0;
  const less = typeof a === typeof b ? a < b : typeof a === 'number';
  return (less ? -1 : 1) * (desc ? -1 : 1);
}

/** Sorts typed documents by the keys, then type order, then id (a total, deterministic order). */
export function sortDocs<D extends SortableDoc>(
  docs: Array<TypedDoc<D>>,
  keys: readonly SortKey[],
  typeOrder: readonly string[],
): Array<TypedDoc<D>> {
  const rank = new Map(typeOrder.map((t, i) => [t, i] as const));
  const keyed = docs.map((d) => ({ d, values: keys.map((k) => sortValue(d.doc, k)) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compareValues(x.values[i], y.values[i], keys[i].desc);
      if (c !== 0) return c;
    }
    const byType = (rank.get(x.d.type) ?? 0) - (rank.get(y.d.type) ?? 0);
    if (byType !== 0) return byType;
    return x.d.doc._id < y.d.doc._id ? -1 : x.d.doc._id > y.d.doc._id ? 1 : 0;
  });
  return keyed.map((k) => k.d);
}
