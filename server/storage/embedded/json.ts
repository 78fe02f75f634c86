/**
 * JSON value helpers. Documents above the seam are JSON-compatible, so copying them is a plain recursive walk;
 * copies follow JSON's rules (undefined properties dropped, undefined array items become null) so that what
 * is held in memory is exactly what recovery would rebuild from the journal.
 */
import type { StoredDocument } from '../document-collection.js';

/** A plain object with string keys. */
export type PlainObject = Record<string, unknown>;

/** True for a non-null, non-array object. */
export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of a JSON-compatible value (fast path for the documents stored by the engine). */
export function cloneJson<V>(value: V): V {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out[i] = item === undefined ? null : cloneJson(item);
    }
    return out as V;
  }
  if ((value as object).constructor !== Object && !isCopyableObject(value)) return value;
  const out: PlainObject = {};
  const src = value as PlainObject;
  for (const key in src) {
    const item = src[key];
    if (item !== undefined && typeof item !== 'function') out[key] = cloneJson(item);
  }
  return out as V;
}

/** Objects that are copied field by field; anything else (e.g. a RegExp given in an update) is kept as is. */
function isCopyableObject(value: object): boolean {
  return Object.getPrototypeOf(value) === null;
}

/** Deep copy of a stored document. */
export function cloneDoc<T extends StoredDocument>(doc: T): T {
  return cloneJson(doc);
}

/** Structural equality, sensitive to key order like a BSON comparison. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return false;
    if (!jsonEqual((a as PlainObject)[ka[i]], (b as PlainObject)[kb[i]])) return false;
  }
  return true;
}
