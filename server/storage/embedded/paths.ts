/** Dotted-path traversal with MongoDB's implicit array expansion (used for index keys and sort keys). */
import { isPlainObject, type PlainObject } from './json.js';

/** Marks an empty array at the end of a path (MongoDB indexes it as `undefined`, sorting below null). */
export const EMPTY_ARRAY: unique symbol = Symbol('emptyArray');

/** What a path resolves to in one document. */
export interface PathValues {
  /** Leaf values; arrays at the leaf are expanded one level; `undefined` stands for a missing field. */
  values: unknown[];
  /** True when an array was traversed or expanded on the way. */
  throughArray: boolean;
  /** The dotted path of the first array met (null when none). */
  arrayAt: string | null;
}

/** Splits a dotted path once (callers cache the result). */
export function splitPath(path: string): string[] {
  return path.split('.');
}

/** Collects the values reached by `parts` in `doc`, expanding arrays like a multikey index does. */
export function pathValues(doc: unknown, parts: readonly string[]): PathValues {
  const out: PathValues = { values: [], throughArray: false, arrayAt: null };
  walk(doc, parts, 0, out);
  if (out.values.length === 0) out.values.push(undefined);
  return out;
}

function walk(value: unknown, parts: readonly string[], i: number, out: PathValues): void {
  if (i === parts.length) {
    pushLeaf(value, out, parts);
    return;
  }
  if (Array.isArray(value)) {
    markArray(out, parts, i);
    walkArray(value, parts, i, out);
    return;
  }
  if (isPlainObject(value)) {
    walk((value as PlainObject)[parts[i]], parts, i + 1, out);
    return;
  }
  out.values.push(undefined);
}

function markArray(out: PathValues, parts: readonly string[], i: number): void {
  if (!out.throughArray) out.arrayAt = parts.slice(0, i).join('.');
  out.throughArray = true;
}

function walkArray(value: unknown[], parts: readonly string[], i: number, out: PathValues): void {
  const part = parts[i];
  if (/^\d+$/.test(part)) {
    const idx = Number(part);
    if (idx < value.length) walk(value[idx], parts, i + 1, out);
  }
  if (value.length === 0) out.values.push(undefined);
  for (const item of value) {
    if (isPlainObject(item)) walk(item, parts, i, out);
  }
}

function pushLeaf(value: unknown, out: PathValues, parts: readonly string[]): void {
  if (!Array.isArray(value)) {
    out.values.push(value);
    return;
  }
  markArray(out, parts, parts.length);
  if (value.length === 0) out.values.push(EMPTY_ARRAY);
  for (const item of value) out.values.push(item);
}

/** Sets `value` at a dotted path, creating intermediate objects (used to seed upserts from the filter). */
export function setPath(target: PlainObject, path: string, value: unknown): void {
  const parts = splitPath(path);
  let cur: PlainObject = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]];
    if (isPlainObject(next)) {
      cur = next;
    } else {
      const created: PlainObject = {};
      cur[parts[i]] = created;
      cur = created;
    }
  }
  cur[parts[parts.length - 1]] = value;
}
