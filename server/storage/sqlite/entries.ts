/**
 * Index entries as rows: each entry of `sp[code]` becomes one row of the entry table of the parameter's type
 * (schema.ts); composite entries, and entries of a type without a table, are stored as JSON.
 */
import type { EntryKind } from './schema.js';
import { ENTRY_TABLES } from './schema.js';

const KINDS: Record<string, EntryKind> = {
  token: 'token',
  string: 'string',
  date: 'date',
  number: 'number',
  quantity: 'quantity',
  reference: 'reference',
  uri: 'uri',
  composite: 'json',
};

/** The table of a parameter type (`composite` and unknown types: JSON). */
export function kindOfParamType(paramType: string | undefined): EntryKind | undefined {
  return paramType === undefined ? undefined : (KINDS[paramType] ?? 'json');
}

/** The table of an entry of a parameter whose type is not known, from the entry's shape. */
export function kindOfEntry(entry: unknown): EntryKind {
  if (typeof entry !== 'object' || entry === null) return 'json';
  const e = entry as Record<string, unknown>;
  if ('c0' in e) return 'json';
  if ('r' in e || 'is' in e || 'iv' in e) return 'reference';
  if ('lo' in e && 'hi' in e) {
    return 'v' in e || 's' in e || 'c' in e || 'u' in e || 'n' in e ? 'quantity' : 'date';
  }
  if (typeof e.v === 'number') return 'number';
  if (typeof e.v === 'string') return 'e' in e ? 'string' : 'uri';
  if ('s' in e || 'c' in e || 't' in e || 'ts' in e || 'tc' in e) return 'token';
  return 'json';
}

/** A value SQLite can bind (entries hold strings and numbers; anything else is kept as JSON text). */
export function bindable(v: unknown): string | number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}

/** The row of an entry in its table: type, rk, param, then its column values (one array, bound as is). */
export function entryRow(
  kind: EntryKind,
  type: string,
  rk: number,
  code: string,
  entry: unknown,
): Array<string | number | null> {
  const row: Array<string | number | null> = [type, rk, code];
  if (kind === 'json') {
    row.push(JSON.stringify(entry));
    return row;
  }
  const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
  for (const c of ENTRY_TABLES[kind].columns) row.push(bindable(e[c]));
  return row;
}
