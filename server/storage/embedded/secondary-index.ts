/**
 * An in-memory secondary index: hash buckets per key for equality and `$in`, sorted lists of the distinct
 * number and string keys of the first field for ranges and anchored regex prefixes, and (for compound
 * indexes) buckets per full key. Multikey through arrays, like MongoDB; `null` and missing share a key.
 */
import type { IndexKeys, StoredDocument } from '../document-collection.js';
import { duplicateKeyError, parallelArraysError } from './errors.js';
import { EMPTY_ARRAY, pathValues, splitPath } from './paths.js';
import { SortedList, type RangeBound } from './sorted-list.js';

/** A persisted index definition. */
export interface IndexDefinition {
  name: string;
  keys: IndexKeys;
  unique: boolean;
  sparse: boolean;
}

/** A value the planner can look up directly. */
export type Scalar = string | number | boolean;

/** The ids held under one key. */
export type IdSet = ReadonlySet<string>;

/** Candidate id sets and their total size (an upper bound of the candidates). */
export interface Lookup {
  sets: IdSet[];
  cost: number;
}

/** MongoDB's default index name: `a_1_b_-1`. */
export function defaultIndexName(keys: IndexKeys): string {
  return Object.entries(keys)
    .map(([field, dir]) => `${field}_${dir}`)
    .join('_');
}

/** Encodes one key component so that equal values (MongoDB equality) give equal strings. */
export function encodeKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 's' + value;
    case 'number':
      return 'n' + String(value);
    case 'boolean':
      return value ? 'bt' : 'bf';
    case 'undefined':
      return 'z';
    default:
      if (value === null) return 'z';
      if (value === EMPTY_ARRAY) return 'u';
      return 'o' + JSON.stringify(value);
  }
}

/** The keys one document contributes to an index. */
interface DocKeys {
  /** Distinct raw values of the first field. */
  first: unknown[];
  /** levels[k - 1]: the distinct encoded keys of the first k fields (the last level is the full key). */
  levels: string[][];
  /** Raw value tuples matching the full keys, for error messages. */
  tuples: unknown[][];
  multikey: boolean;
}

function distinctValues(values: unknown[]): unknown[] {
  if (values.length < 2) return values;
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = encodeKey(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function cartesian(lists: unknown[][]): unknown[][] {
  let acc: unknown[][] = [[]];
  for (const list of lists) acc = acc.flatMap((prefix) => list.map((v) => [...prefix, v]));
  return acc;
}

/** Encodes the key of the first `tuple.length` fields (a single field uses `encodeKey` alone). */
function encodeTuple(tuple: readonly unknown[]): string {
  if (tuple.length === 1) return encodeKey(tuple[0]);
  return tuple
    .map((v) => {
      const k = encodeKey(v);
      return `${k.length}:${k}`;
    })
    .join('');
}

/** One secondary index over a collection. */
export class SecondaryIndex {
  readonly fields: string[];
  private readonly parts: string[][];
  /** True once any indexed document reached the key through an array. */
  multikey = false;
  /** prefixMaps[k - 1]: ids by the encoded values of the first k fields. */
  private readonly prefixMaps: Map<string, Set<string>>[];
  private readonly numbers = new SortedList<number>();
  private readonly strings = new SortedList<string>();

  constructor(
    readonly def: IndexDefinition,
    private readonly collectionName: string,
  ) {
    this.fields = Object.keys(def.keys);
    this.parts = this.fields.map(splitPath);
    this.prefixMaps = this.fields.map(() => new Map<string, Set<string>>());
  }

  /** The first key field (the only one usable for a prefix-less lookup). */
  get firstPath(): string {
    return this.fields[0];
  }

  /** Number of fields in the key. */
  get width(): number {
    return this.fields.length;
  }

  /** Computes the keys of `doc`, or null when a sparse index skips it. */
  private keysOf(doc: StoredDocument): DocKeys | null {
    const per = this.parts.map((p) => pathValues(doc, p));
    if (this.def.sparse && per.every((pv) => pv.values.every((v) => v === undefined))) return null;
    const arrays = per.filter((pv) => pv.throughArray);
    // Like MongoDB, two key fields may not reach different arrays (fields under one shared array are fine).
    if (new Set(arrays.map((pv) => pv.arrayAt)).size > 1) {
      throw parallelArraysError(this.fields.filter((_f, i) => per[i].throughArray));
    }
    const lists = per.map((pv) => distinctValues(pv.values));
    const tuples = lists.length === 1 ? lists[0].map((v) => [v]) : cartesian(lists);
    const levels = lists.map((_l, k) =>
      k === lists.length - 1
        ? tuples.map(encodeTuple)
        : [...new Set(tuples.map((t) => encodeTuple(t.slice(0, k + 1))))],
    );
    return { first: lists[0], levels, tuples, multikey: arrays.length > 0 };
  }

  /** Adds a document's keys. */
  add(id: string, doc: StoredDocument): void {
    const keys = this.keysOf(doc);
    if (!keys) return;
    if (keys.multikey) this.multikey = true;
    for (const value of keys.first) this.addToBucket(this.prefixMaps[0], encodeKey(value), id, value);
    for (let k = 1; k < keys.levels.length; k++) {
      for (const key of keys.levels[k]) this.addToBucket(this.prefixMaps[k], key, id, undefined);
    }
  }

  /** Removes a document's keys. */
  remove(id: string, doc: StoredDocument): void {
    const keys = this.keysOf(doc);
    if (!keys) return;
    for (const value of keys.first) this.removeFromBucket(this.prefixMaps[0], encodeKey(value), id, value);
    for (let k = 1; k < keys.levels.length; k++) {
      for (const key of keys.levels[k]) this.removeFromBucket(this.prefixMaps[k], key, id, undefined);
    }
  }

  /** Moves a document from its old keys to its new keys (no work when the keys did not change). */
  update(id: string, before: StoredDocument, after: StoredDocument): void {
    const a = this.keysOf(before);
    const b = this.keysOf(after);
    if (!a && !b) return;
    if (a && b && sameKeys(a.levels[a.levels.length - 1], b.levels[b.levels.length - 1])) return;
    this.remove(id, before);
    this.add(id, after);
  }

  private addToBucket(map: Map<string, Set<string>>, key: string, id: string, raw: unknown): void {
    let set = map.get(key);
    if (!set) {
      set = new Set();
      map.set(key, set);
      if (typeof raw === 'number' && !Number.isNaN(raw)) this.numbers.insert(raw);
      else if (typeof raw === 'string') this.strings.insert(raw);
    }
    set.add(id);
  }

  private removeFromBucket(map: Map<string, Set<string>>, key: string, id: string, raw: unknown): void {
    const set = map.get(key);
    if (!set) return;
    set.delete(id);
    if (set.size > 0) return;
    map.delete(key);
    if (typeof raw === 'number') this.numbers.delete(raw);
    else if (typeof raw === 'string') this.strings.delete(raw);
  }

  /**
   * Checks that `doc` can be indexed (no parallel arrays) and, for a unique index, that no other document
   * (not `selfId`, not ignored) already holds one of its keys; throws a duplicate-key error otherwise.
   */
  check(doc: StoredDocument, selfId: string, ignore?: (id: string) => boolean): void {
    const keys = this.keysOf(doc);
    if (!keys || !this.def.unique) return;
    const buckets = this.prefixMaps[this.width - 1];
    keys.levels[this.width - 1].forEach((k, i) => {
      const set = buckets.get(k);
      if (!set) return;
      for (const other of set) {
        if (other !== selfId && !(ignore && ignore(other))) throw this.duplicate(keys.tuples[i]);
      }
    });
  }

  /** The encoded unique keys of `doc` (empty for a non-unique index or a skipped sparse document). */
  uniqueKeys(doc: StoredDocument): { key: string; tuple: unknown[] }[] {
    if (!this.def.unique) return [];
    const keys = this.keysOf(doc);
    if (!keys) return [];
    return keys.levels[this.width - 1].map((key, i) => ({ key, tuple: keys.tuples[i] }));
  }

  /** Builds the duplicate-key error for a key tuple. */
  duplicate(tuple: unknown[]): Error {
    const keyValue: Record<string, unknown> = {};
    this.fields.forEach((f, i) => (keyValue[f] = tuple[i] === EMPTY_ARRAY ? [] : (tuple[i] ?? null)));
    return duplicateKeyError(this.collectionName, this.def.name, { ...this.def.keys }, keyValue);
  }

  /** Buckets for equality on the first field with any of `values`. */
  lookupValues(values: readonly Scalar[]): Lookup {
    return this.collect(values.map((v) => this.prefixMaps[0].get(encodeKey(v))));
  }

  /** Buckets for equality on the first `tuple.length` fields (one tuple per combination of `$in` values). */
  lookupTuples(tuples: readonly Scalar[][]): Lookup {
    return this.collect(tuples.map((t) => this.prefixMaps[t.length - 1].get(encodeTuple(t))));
  }

  private collect(found: (Set<string> | undefined)[]): Lookup {
    const sets: IdSet[] = [];
    let cost = 0;
    for (const set of found) {
      if (set) {
        sets.push(set);
        cost += set.size;
      }
    }
    return { sets, cost };
  }

  /** Buckets for a range on the first field; null once the candidates exceed `cap`. */
  lookupRange<V extends number | string>(
    lo: RangeBound<V> | null,
    hi: RangeBound<V> | null,
    cap: number,
  ): Lookup | null {
    const probe = lo ?? hi;
    if (!probe) return null;
    const list = (typeof probe.value === 'number' ? this.numbers : this.strings) as SortedList<V>;
    return this.walk(list.range(lo, hi), () => true, cap);
  }

  /** Buckets for strings starting with `prefix` (an anchored regex); null once above `cap`. */
  lookupPrefix(prefix: string, cap: number): Lookup | null {
    const values = this.strings.range({ value: prefix, inclusive: true }, null);
    return this.walk(values, (v) => v.startsWith(prefix), cap);
  }

  private walk<V extends number | string>(
    values: Iterable<V>,
    keepGoing: (v: V) => boolean,
    cap: number,
  ): Lookup | null {
    const sets: IdSet[] = [];
    let cost = 0;
    for (const v of values) {
      if (!keepGoing(v)) break;
      const set = this.prefixMaps[0].get(encodeKey(v));
      if (!set) continue;
      sets.push(set);
      cost += set.size;
      if (cost > cap) return null;
    }
    return { sets, cost };
  }
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
