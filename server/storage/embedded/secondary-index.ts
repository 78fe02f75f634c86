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

/** The ids held under one key, as the planner iterates them. */
export type IdSet = Iterable<string>;

/**
 * The ids under one key as stored: the id itself while it is the only one (most keys of near-unique values
 * such as dates and identifiers), a Set from the second id on.
 */
type Bucket = string | Set<string>;

/** The ids of a bucket, iterable, and how many. */
function idsOf(bucket: Bucket): { ids: IdSet; size: number } {
  return typeof bucket === 'string' ? { ids: [bucket], size: 1 } : { ids: bucket, size: bucket.size };
}

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
  /** levels[k - 1]: the distinct encoded keys of the first k fields (null: one field, see `first`). */
  levels: string[][] | null;
  /** Raw value tuples matching the full keys, for error messages (null: one field, see `first`). */
  tuples: unknown[][] | null;
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

/** Distinct values without encoding strings (a string is its own key in the first-field map). */
function distinctFirst(values: unknown[]): unknown[] {
  if (values.length < 2) return values;
  const strings = new Set<string>();
  const others = new Set<string>();
  const out: unknown[] = [];
  for (const v of values) {
    const seen = typeof v === 'string' ? strings : others;
    const k = typeof v === 'string' ? v : encodeKey(v);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(v);
  }
  return out;
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
  /** prefixMaps[k - 1]: ids by the encoded values of the first k fields (first field: non-strings only). */
  private readonly prefixMaps: Map<string, Bucket>[];
  /** Ids by first-field string value, keyed by the string itself (no encoded copy to build and hash). */
  private readonly firstStrings = new Map<string, Bucket>();
  private readonly numbers = new SortedList<number>();
  private readonly strings = new SortedList<string>();

  constructor(
    readonly def: IndexDefinition,
    private readonly collectionName: string,
  ) {
    this.fields = Object.keys(def.keys);
    this.parts = this.fields.map(splitPath);
    this.prefixMaps = this.fields.map(() => new Map<string, Bucket>());
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
    if (this.parts.length === 1) return this.singleKeysOf(doc);
    const per = this.parts.map((p) => pathValues(doc, p));
    if (this.def.sparse && per.every((pv) => pv.values.every((v) => v === undefined))) return null;
    const arrays = per.filter((pv) => pv.throughArray);
    // Like MongoDB, two key fields may not reach different arrays (fields under one shared array are fine).
    if (new Set(arrays.map((pv) => pv.arrayAt)).size > 1) {
      throw parallelArraysError(this.fields.filter((_f, i) => per[i].throughArray));
    }
    const lists = per.map((pv) => distinctValues(pv.values));
    if (lists.every((l) => l.length === 1)) return this.singleTupleKeys(lists, arrays.length > 0);
    const tuples = cartesian(lists);
    const levels = lists.map((_l, k) =>
      k === lists.length - 1
        ? tuples.map(encodeTuple)
        : [...new Set(tuples.map((t) => encodeTuple(t.slice(0, k + 1))))],
    );
    return { first: lists[0], levels, tuples, multikey: arrays.length > 0 };
  }

  /** The keys of a compound index when every field has one value: one tuple, one key per level. */
  private singleTupleKeys(lists: unknown[][], multikey: boolean): DocKeys {
    const tuple = lists.map((l) => l[0]);
    const first = encodeKey(tuple[0]);
    const levels: string[][] = [[first]];
    let prefixed = `${first.length}:${first}`; // encodeTuple's form once there are two fields or more
    for (let i = 1; i < tuple.length; i++) {
      const k = encodeKey(tuple[i]);
      prefixed += `${k.length}:${k}`;
      levels.push([prefixed]);
    }
    return { first: lists[0], levels, tuples: [tuple], multikey };
  }

  /** The keys of a one-field index: its distinct values (encoded only when needed, see `fullKeys`). */
  private singleKeysOf(doc: StoredDocument): DocKeys | null {
    const pv = pathValues(doc, this.parts[0]);
    if (this.def.sparse && pv.values.every((v) => v === undefined)) return null;
    return { first: distinctFirst(pv.values), levels: null, tuples: null, multikey: pv.throughArray };
  }

  /** The encoded full keys of a document. */
  private fullKeys(keys: DocKeys): string[] {
    return keys.levels ? keys.levels[keys.levels.length - 1] : keys.first.map(encodeKey);
  }

  /** The bucket of a first-field value. */
  private firstBucket(value: unknown): Bucket | undefined {
    return typeof value === 'string'
      ? this.firstStrings.get(value)
      : this.prefixMaps[0].get(encodeKey(value));
  }

  /** The raw value tuple of full key `i` (for error messages). */
  private tupleAt(keys: DocKeys, i: number): unknown[] {
    return keys.tuples ? keys.tuples[i] : [keys.first[i]];
  }

  /** Adds a document's keys. */
  add(id: string, doc: StoredDocument): void {
    const keys = this.keysOf(doc);
    if (!keys) return;
    if (keys.multikey) this.multikey = true;
    for (const value of keys.first) {
      if (typeof value === 'string') this.addToBucket(this.firstStrings, value, id, value);
      else this.addToBucket(this.prefixMaps[0], encodeKey(value), id, value);
    }
    const levels = keys.levels ?? [];
    for (let k = 1; k < levels.length; k++) {
      for (const key of levels[k]) this.addToBucket(this.prefixMaps[k], key, id, undefined);
    }
  }

  /** Removes a document's keys. */
  remove(id: string, doc: StoredDocument): void {
    const keys = this.keysOf(doc);
    if (!keys) return;
    for (const value of keys.first) {
      if (typeof value === 'string') this.removeFromBucket(this.firstStrings, value, id, value);
      else this.removeFromBucket(this.prefixMaps[0], encodeKey(value), id, value);
    }
    const levels = keys.levels ?? [];
    for (let k = 1; k < levels.length; k++) {
      for (const key of levels[k]) this.removeFromBucket(this.prefixMaps[k], key, id, undefined);
    }
  }

  /** Moves a document from its old keys to its new keys (no work when the keys did not change). */
  update(id: string, before: StoredDocument, after: StoredDocument): void {
    const a = this.keysOf(before);
    const b = this.keysOf(after);
    if (!a && !b) return;
    if (a && b && sameKeys(this.fullKeys(a), this.fullKeys(b))) return;
    this.remove(id, before);
    this.add(id, after);
  }

  private addToBucket(map: Map<string, Bucket>, key: string, id: string, raw: unknown): void {
    const bucket = map.get(key);
    if (bucket === undefined) {
      map.set(key, id);
      if (typeof raw === 'number' && !Number.isNaN(raw)) this.numbers.insert(raw);
      else if (typeof raw === 'string') this.strings.insert(raw);
    } else if (typeof bucket === 'string') {
      if (bucket !== id) map.set(key, new Set([bucket, id]));
    } else bucket.add(id);
  }

  private removeFromBucket(map: Map<string, Bucket>, key: string, id: string, raw: unknown): void {
    const bucket = map.get(key);
    if (bucket === undefined) return;
    if (typeof bucket === 'string') {
      if (bucket !== id) return;
    } else {
      bucket.delete(id);
      if (bucket.size > 0) return;
    }
    map.delete(key);
    if (typeof raw === 'number') this.numbers.delete(raw);
    else if (typeof raw === 'string') this.strings.delete(raw);
  }

  /**
   * Checks that `doc` can be indexed (no parallel arrays) and, for a unique index, that no other document
   * (not `selfId`, not ignored) already holds one of its keys; throws a duplicate-key error otherwise.
   */
  check(doc: StoredDocument, selfId: string, ignore?: (id: string) => boolean): void {
    // A one-field index has no parallel arrays to reject: only a unique one has anything to check.
    if (this.width === 1 && !this.def.unique) return;
    const keys = this.keysOf(doc);
    if (!keys || !this.def.unique) return;
    const buckets = this.prefixMaps[this.width - 1];
    this.fullKeys(keys).forEach((k, i) => {
      const bucket = this.width === 1 ? this.firstBucket(keys.first[i]) : buckets.get(k);
      if (bucket === undefined) return;
      for (const other of idsOf(bucket).ids) {
        if (other !== selfId && !(ignore && ignore(other))) throw this.duplicate(this.tupleAt(keys, i));
      }
    });
  }

  /** The encoded unique keys of `doc` (empty for a non-unique index or a skipped sparse document). */
  uniqueKeys(doc: StoredDocument): { key: string; tuple: unknown[] }[] {
    if (!this.def.unique) return [];
    const keys = this.keysOf(doc);
    if (!keys) return [];
    return this.fullKeys(keys).map((key, i) => ({ key, tuple: this.tupleAt(keys, i) }));
  }

  /** Builds the duplicate-key error for a key tuple. */
  duplicate(tuple: unknown[]): Error {
    const keyValue: Record<string, unknown> = {};
    this.fields.forEach((f, i) => (keyValue[f] = tuple[i] === EMPTY_ARRAY ? [] : (tuple[i] ?? null)));
    return duplicateKeyError(this.collectionName, this.def.name, { ...this.def.keys }, keyValue);
  }

  /** Buckets for equality on the first field with any of `values`. */
  lookupValues(values: readonly Scalar[]): Lookup {
    return this.collect(values.map((v) => this.firstBucket(v)));
  }

  /** Buckets for equality on the first `tuple.length` fields (one tuple per combination of `$in` values). */
  lookupTuples(tuples: readonly Scalar[][]): Lookup {
    return this.collect(
      tuples.map((t) =>
        t.length === 1 ? this.firstBucket(t[0]) : this.prefixMaps[t.length - 1].get(encodeTuple(t)),
      ),
    );
  }

  private collect(found: (Bucket | undefined)[]): Lookup {
    const sets: IdSet[] = [];
    let cost = 0;
    for (const bucket of found) {
      if (bucket === undefined) continue;
      const { ids, size } = idsOf(bucket);
      sets.push(ids);
      cost += size;
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
      const bucket = this.firstBucket(v);
      if (bucket === undefined) continue;
      const { ids, size } = idsOf(bucket);
      sets.push(ids);
      cost += size;
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
