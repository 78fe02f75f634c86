/**
 * Converts the values a search expression selects (fhirpath.js nodes carrying their FHIR type) into typed
 * index entries, one converter per search-parameter type (R4 search.html, the "Search Parameter Types"
 * tables that say which data types each type matches and how).
 */
import { dateRange } from './date-range.js';
import {
  MAX_BOUND,
  MIN_BOUND,
  type DateEntry,
  type NumberEntry,
  type QuantityEntry,
  type ReferenceEntry,
  type SearchParamType,
  type SimpleEntry,
  type StringEntry,
  type TokenEntry,
  type UriEntry,
} from './index-entry.js';
import { normaliseString } from './text.js';
import { canonicalUnit, UCUM_SYSTEM } from './ucum.js';

/** A selected value with its FHIR data type name (`Coding`, `dateTime`, ...): a Focus without its path. */
export interface TypedValue {
  type: string;
  data: unknown;
}

/** Options that change how references are recorded. */
export interface EntryOptions {
  /** The server's own base URL: absolute references under it are stored in relative form. */
  baseUrl?: string;
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null ? (v as Obj) : undefined);
const str = (o: Obj | undefined, key: string): string | undefined =>
  typeof o?.[key] === 'string' && o[key] !== '' ? (o[key] as string) : undefined;
const num = (o: Obj | undefined, key: string): number | undefined =>
  typeof o?.[key] === 'number' && Number.isFinite(o[key]) ? (o[key] as number) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Copies `o` without its undefined-valued keys (the MongoDB driver would store them as null). */
function compact<T extends object>(o: T): T {
  const src = o as Obj;
  for (const k in src) {
    if (src[k] !== undefined) continue;
    const out: Obj = {};
    for (const key in src) if (src[key] !== undefined) out[key] = src[key];
    return out as T;
  }
  return o;
}

const PRIMITIVE_TEXT = new Set([
  'string',
  'code',
  'id',
  'uri',
  'url',
  'canonical',
  'oid',
  'uuid',
  'markdown',
]);

/** The normalised text of a token (undefined when empty). */
function text(t: string | undefined): string | undefined {
  return t ? normaliseString(t) || undefined : undefined;
}

/** token entries of Coding, CodeableConcept, Identifier, ContactPoint, boolean and text primitives. */
function tokens(v: TypedValue): TokenEntry[] {
  const o = obj(v.data);
  switch (v.type) {
    case 'Coding':
      return [compact({ s: str(o, 'system'), c: str(o, 'code'), t: text(str(o, 'display')) })];
    case 'CodeableConcept': {
      const out: TokenEntry[] = [];
      for (const c of list(o?.coding)) out.push(...tokens({ type: 'Coding', data: c }));
      const t = text(str(o, 'text'));
      if (t) out.push({ t });
      return out;
    }
    case 'Identifier': {
      const type = obj(o?.type);
      const base = compact({ s: str(o, 'system'), c: str(o, 'value'), t: text(str(type, 'text')) });
      const typed = list(type?.coding).map((c) =>
        compact({ ...base, ts: str(obj(c), 'system'), tc: str(obj(c), 'code') }),
      );
      return typed.length ? typed : [base];
    }
    case 'ContactPoint':
      return [compact({ s: str(o, 'system'), c: str(o, 'value') })];
    case 'boolean':
      return typeof v.data === 'boolean' ? [{ c: String(v.data) }] : [];
    default:
      return PRIMITIVE_TEXT.has(v.type) && typeof v.data === 'string' ? [{ c: v.data }] : [];
  }
}

/** The parts of a HumanName or Address that a string search matches, plus the whole. */
function nameParts(v: TypedValue, o: Obj): string[] {
  const strings = (keys: string[]): string[] =>
    keys.flatMap((k) => list(o[k])).filter((x): x is string => typeof x === 'string' && x !== '');
  const order =
    v.type === 'HumanName'
      ? ['prefix', 'given', 'family', 'suffix']
      : ['line', 'city', 'district', 'state', 'postalCode', 'country'];
  const parts = strings(order);
  const text = str(o, 'text');
  return [...parts, ...(text ? [text] : []), parts.join(' ')];
}

/** The non-empty strings among `values`. */
const present = (...values: Array<string | undefined>): string[] => values.filter((x): x is string => !!x);

/** The texts a string search matches in a value of a complex type (search.html#string). */
function textsOf(v: TypedValue, o: Obj): string[] {
  if (v.type === 'HumanName' || v.type === 'Address') return nameParts(v, o);
  if (v.type === 'CodeableConcept')
    return present(str(o, 'text'), ...list(o.coding).map((c) => str(obj(c), 'display')));
  if (v.type === 'Coding') return present(str(o, 'display'));
  if (v.type === 'Annotation') return present(str(o, 'text'));
  return [];
}

/** string entries of text primitives, HumanName, Address and the text of concepts. */
function strings(v: TypedValue): StringEntry[] {
  const o = obj(v.data);
  const raw = typeof v.data === 'string' ? [v.data] : o ? textsOf(v, o) : [];
  const seen = new Set<string>();
  const out: StringEntry[] = [];
  for (const e of raw) {
    const n = normaliseString(e);
    if (n && !seen.has(e)) out.push({ v: n, e });
    seen.add(e);
  }
  return out;
}

/** The range of a Period with open ends as MIN_BOUND / MAX_BOUND (search.html#date, Period row). */
function periodRange(o: Obj | undefined): DateEntry | undefined {
  const start = str(o, 'start');
  const end = str(o, 'end');
  if (!start && !end) return undefined;
  const lo = start ? dateRange(start)?.lo : MIN_BOUND;
  const hi = end ? dateRange(end)?.hi : MAX_BOUND;
  return lo === undefined || hi === undefined ? undefined : { lo, hi };
}

/** The outer limits of a Timing: its events and its repeat.boundsPeriod (search.html#date, Timing row). */
function timingRange(o: Obj | undefined): DateEntry | undefined {
  const ranges: DateEntry[] = [];
  for (const e of list(o?.event)) {
    const r = typeof e === 'string' ? dateRange(e) : undefined;
    if (r) ranges.push(r);
  }
  const bounds = periodRange(obj(obj(o?.repeat)?.boundsPeriod));
  if (bounds) ranges.push(bounds);
  if (ranges.length === 0) return undefined;
  return { lo: Math.min(...ranges.map((r) => r.lo)), hi: Math.max(...ranges.map((r) => r.hi)) };
}

/** date entries of date, dateTime, instant, Period and Timing. */
function dates(v: TypedValue): DateEntry[] {
  let r: DateEntry | undefined;
  if (typeof v.data === 'string') r = dateRange(v.data);
  else if (v.type === 'Period') r = periodRange(obj(v.data));
  else if (v.type === 'Timing') r = timingRange(obj(v.data));
  return r ? [r] : [];
}

const LOCAL_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const ABSOLUTE_REF = /\/([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** `r`/`t` of a reference string: relative 'Type/id' for local ones (history stripped), else as given. */
export function referenceTarget(ref: string, baseUrl?: string): { r: string; t?: string } | undefined {
  if (ref.startsWith('#') || ref === '') return undefined;
  const rel = baseUrl && ref.startsWith(`${baseUrl}/`) ? ref.slice(baseUrl.length + 1) : ref;
  const m = LOCAL_REF.exec(rel);
  if (m) return { r: `${m[1]}/${m[2]}`, t: m[1] };
  return compact({ r: ref, t: ABSOLUTE_REF.exec(ref)?.[1] });
}

/** reference entries of Reference, canonical and uri values (search.html#reference). */
function references(v: TypedValue, options: EntryOptions): ReferenceEntry[] {
  if (typeof v.data === 'string') {
    const r = v.type === 'canonical' ? v.data.split('|')[0] : v.data;
    return r ? [{ r }] : [];
  }
  const o = obj(v.data);
  if (v.type !== 'Reference' || !o) return [];
  const ref = str(o, 'reference');
  const target = ref ? referenceTarget(ref, options.baseUrl) : undefined;
  const ident = obj(o.identifier);
  const entry = compact({
    r: target?.r,
    t: target?.t ?? str(o, 'type'),
    is: str(ident, 'system'),
    iv: str(ident, 'value'),
  });
  return entry.r || entry.iv ? [entry] : [];
}

/** quantity entries of Quantity (and its profiles), Money and Range (search.html#quantity). */
function quantities(v: TypedValue): QuantityEntry[] {
  const o = obj(v.data);
  if (!o) return [];
  if (v.type === 'Range') {
    const low = obj(o.low);
    const high = obj(o.high);
    const unit = low ?? high;
    if (num(low, 'value') === undefined && num(high, 'value') === undefined) return [];
    const range = { lo: num(low, 'value') ?? MIN_BOUND, hi: num(high, 'value') ?? MAX_BOUND };
    return [withCanonical(compact({ ...range, ...unitOf(unit) }))];
  }
  const value = num(o, 'value');
  if (value === undefined) return [];
  if (v.type === 'Money')
    return [compact({ v: value, lo: value, hi: value, s: 'urn:iso:std:iso:4217', c: str(o, 'currency') })];
  const cmp = str(o, 'comparator');
  const lo = cmp === '<' || cmp === '<=' ? MIN_BOUND : value;
  const hi = cmp === '>' || cmp === '>=' ? MAX_BOUND : value;
  const e: QuantityEntry = { v: value, lo, hi };
  addUnit(e, o);
  return [withCanonical(e)];
}

/** Sets system, code (or unit when there is no code) and the unit when it differs from the code. */
function addUnit(e: QuantityEntry, o: Obj): void {
  const system = str(o, 'system');
  const code = str(o, 'code');
  const unit = str(o, 'unit');
  if (system !== undefined) e.s = system;
  if ((code ?? unit) !== undefined) e.c = code ?? unit;
  if (code && unit && unit !== code) e.u = unit;
}

/** Adds the canonical unit and range of a UCUM quantity the server can convert (ucum.ts), in place. */
function withCanonical(e: QuantityEntry): QuantityEntry {
  const canonical = e.s === UCUM_SYSTEM && e.c ? canonicalUnit(e.c) : undefined;
  if (!canonical) return e;
  e.n = canonical.unit;
  e.nlo = e.lo === MIN_BOUND || e.lo === MAX_BOUND ? e.lo : canonical.toCanonical(e.lo);
  e.nhi = e.hi === MIN_BOUND || e.hi === MAX_BOUND ? e.hi : canonical.toCanonical(e.hi);
  return e;
}

/** system, code (or unit when there is no code) and the unit when it differs from the code. */
function unitOf(o: Obj | undefined): { s?: string; c?: string; u?: string } {
  const code = str(o, 'code');
  const unit = str(o, 'unit');
  return { s: str(o, 'system'), c: code ?? unit, u: code && unit && unit !== code ? unit : undefined };
}

/** number entries of decimal and integer values. */
function numbers(v: TypedValue): NumberEntry[] {
  return typeof v.data === 'number' && Number.isFinite(v.data) ? [{ v: v.data }] : [];
}

/** uri entries of uri, url, canonical, oid, uuid and string values. */
function uris(v: TypedValue): UriEntry[] {
  return typeof v.data === 'string' && v.data !== '' ? [{ v: v.data }] : [];
}

const hasTokenPart = (e: TokenEntry): boolean => e.s !== undefined || e.c !== undefined || e.t !== undefined;

/** The entries one value gives for a parameter of `type`. */
export function entriesFor(type: SearchParamType, v: TypedValue, options: EntryOptions): SimpleEntry[] {
  switch (type) {
    case 'token':
      return tokens(v).filter(hasTokenPart);
    case 'string':
      return strings(v);
    case 'date':
      return dates(v);
    case 'reference':
      return references(v, options);
    case 'quantity':
      return quantities(v);
    case 'number':
      return numbers(v);
    case 'uri':
      return uris(v);
    default:
      return [];
  }
}
