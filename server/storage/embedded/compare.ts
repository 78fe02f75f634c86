/** MongoDB's comparison/sort order for JSON values (BSON type order, then value), and sorting by a spec. */
import type { SortSpec, StoredDocument } from '../document-collection.js';
import { EMPTY_ARRAY, pathValues, splitPath } from './paths.js';
import type { PlainObject } from './json.js';

/** BSON canonical type order restricted to what JSON documents contain. */
export function typeRank(value: unknown): number {
  if (value === EMPTY_ARRAY) return 0;
  if (value === undefined || value === null) return 1;
  switch (typeof value) {
    case 'number':
      return 2;
    case 'string':
      return 3;
    case 'boolean':
      return 8;
    case 'object':
      if (Array.isArray(value)) return 5;
      if (value instanceof RegExp) return 11;
      return 4;
    default:
      return 12;
  }
}

/** Compares two values in MongoDB order; strings by UTF-16 code units (as mingo does). */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 2:
      return compareNumbers(a as number, b as number);
    case 3:
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 4:
      return compareObjects(a as PlainObject, b as PlainObject);
    case 5:
      return compareArrays(a as unknown[], b as unknown[]);
    case 8:
      return a === b ? 0 : a ? 1 : -1;
    default:
      return 0;
  }
}

function compareNumbers(a: number, b: number): number {
  if (a === b) return 0;
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : 1;
}

function compareArrays(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

function compareObjects(a: PlainObject, b: PlainObject): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const va = a[ka[i]];
    const vb = b[kb[i]];
    const byType = typeRank(va) - typeRank(vb);
    if (byType !== 0) return byType < 0 ? -1 : 1;
    if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
    const c = compareValues(va, vb);
    if (c !== 0) return c;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}

interface SortField {
  parts: string[];
  dir: 1 | -1;
}

/** The sort key of one field: the smallest array element ascending, the largest descending (MongoDB rule). */
function sortKey(doc: StoredDocument, field: SortField): unknown {
  const { values } = pathValues(doc, field.parts);
  let best = values[0];
  for (let i = 1; i < values.length; i++) {
    const c = compareValues(values[i], best);
    if (field.dir === 1 ? c < 0 : c > 0) best = values[i];
  }
  return best;
}

/** Sorts documents by a MongoDB sort specification (stable, so ties keep natural order). */
export function sortDocuments<D extends StoredDocument>(docs: D[], spec: SortSpec): D[] {
  const fields: SortField[] = Object.entries(spec).map(([path, dir]) => ({
    parts: splitPath(path),
    dir: dir === -1 ? -1 : 1,
  }));
  if (fields.length === 0) return docs;
  const keyed = docs.map((doc) => ({ doc, keys: fields.map((f) => sortKey(doc, f)) }));
  keyed.sort((x, y) => {
    for (let i = 0; i < fields.length; i++) {
      const c = compareValues(x.keys[i], y.keys[i]);
      if (c !== 0) return c * fields[i].dir;
    }
    return 0;
  });
  return keyed.map((k) => k.doc);
}
