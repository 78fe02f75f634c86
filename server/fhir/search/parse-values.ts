/**
 * Parses one search value (one alternative of a comma list) into a matcher, per parameter type
 * (R4 search.html: #prefix, #number, #date, #string, #token, #reference, #quantity, #uri, #composite).
 * A malformed value throws a 400 `FhirError` naming the parameter.
 */
import { badRequest } from '../outcomes.js';
import { dateRange } from './date-range.js';
import { referenceTarget } from './entries.js';
import type {
  DateMatcher,
  Matcher,
  NumberMatcher,
  Prefix,
  QuantityMatcher,
  ReferenceMatcher,
  SimpleMatcher,
  StringMatcher,
  TokenMatcher,
  UriMatcher,
} from './ir.js';
import type { SearchParamDef } from './registry.js';
import type { Terminology } from './terminology.js';
import { escapeRegex, normaliseString, splitEscaped, unescapeValue } from './text.js';
import { canonicalUnit, UCUM_SYSTEM } from './ucum.js';

/** What value parsing needs besides the value itself. */
export interface ValueContext {
  /** The parameter name as given (with modifier), for error messages. */
  name: string;
  modifier?: string;
  /** The server base URL: absolute references under it are compared in relative form. */
  baseUrl?: string;
  /** Clock for `ap` on dates (10% of the gap between now and the date; search.html#prefix). */
  now: number;
  isResourceType(type: string): boolean;
  /** Bundled terminology for `:in`, `:not-in`, `:above`, `:below` on tokens. */
  terminology?: Terminology;
  /** token: the code systems of the parameter's required bindings (a `:below` value without a system). */
  boundSystems?: readonly string[];
}

const PREFIX_RE = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[0-9+\-.])/;
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const LOCAL_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** The 400 for a malformed value. */
function invalid(ctx: ValueContext, value: string, why: string): Error {
  return badRequest(`Invalid value '${value}' for search parameter '${ctx.name}': ${why}`);
}

/** Splits an optional comparison prefix off a value (default `eq`). */
function splitPrefix(value: string): [Prefix, string] {
  const m = PREFIX_RE.exec(value);
  return m ? [m[1] as Prefix, value.slice(2)] : ['eq', value];
}

/** `:in` / `:not-in` (a ValueSet URL) and `:above` / `:below` (`system|code`) as a set of codes. */
function codeSet(raw: string, ctx: ValueContext): TokenMatcher {
  const value = unescapeValue(raw);
  if (ctx.modifier === 'in' || ctx.modifier === 'not-in') {
    const codes = ctx.terminology?.expand(value);
    if (!codes) throw invalid(ctx, raw, 'not a ValueSet this server can expand');
    return { type: 'token', codes: [...codes] };
  }
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  // A code alone is read in the code system of the element's required binding, when there is exactly one.
  const bound = ctx.boundSystems?.length === 1 ? ctx.boundSystems[0] : undefined;
  if (parts.length === 1 && parts[0] && bound !== undefined) parts.unshift(bound);
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw invalid(
      ctx,
      raw,
      parts.length === 1
        ? 'expected system|code (the element has no single required code system to read a code alone in)'
        : 'expected system|code',
    );
  }
  const [system, code] = parts;
  const related =
    ctx.modifier === 'below' ? ctx.terminology?.below(system, code) : ctx.terminology?.above(system, code);
  if (!related) throw invalid(ctx, raw, 'not a code of a code system this server knows');
  return { type: 'token', codes: related.map((c) => ({ system, code: c })) };
}

const CODE_SET_MODIFIERS = new Set(['in', 'not-in', 'above', 'below']);

/** token: `code`, `system|code`, `|code`, `system|`; `:text`; `:of-type` system|code|value. */
function token(raw: string, ctx: ValueContext): TokenMatcher {
  if (ctx.modifier !== undefined && CODE_SET_MODIFIERS.has(ctx.modifier)) return codeSet(raw, ctx);
  if (ctx.modifier === 'text') {
    const text = normaliseString(unescapeValue(raw));
    if (!text) throw invalid(ctx, raw, 'empty text');
    return { type: 'token', text };
  }
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  if (ctx.modifier === 'of-type') {
    if (parts.length !== 3 || parts.some((p) => p === ''))
      throw invalid(ctx, raw, 'expected type-system|type-code|value');
    return { type: 'token', typeSystem: parts[0], typeCode: parts[1], code: parts[2] };
  }
  if (parts.length === 1) return { type: 'token', code: parts[0] };
  if (parts.length !== 2 || (parts[0] === '' && parts[1] === ''))
    throw invalid(ctx, raw, 'expected [system]|[code]');
  const m: TokenMatcher = { type: 'token', system: parts[0] === '' ? null : parts[0] };
  if (parts[1] !== '') m.code = parts[1];
  return m;
}

/** string: case- and accent-insensitive prefix by default, `:contains`, `:exact`. */
function string(raw: string, ctx: ValueContext): StringMatcher {
  const value = unescapeValue(raw);
  if (ctx.modifier === 'exact') return { type: 'string', mode: 'exact', value };
  const normalised = normaliseString(value);
  if (!normalised) throw invalid(ctx, raw, 'empty string');
  return { type: 'string', mode: ctx.modifier === 'contains' ? 'contains' : 'prefix', value: normalised };
}

/** date: `[prefix]YYYY[-MM[-DD[Thh:mm[:ss[.fff]][zone]]]]` as a range. */
function date(raw: string, ctx: ValueContext): DateMatcher {
  const [prefix, text] = splitPrefix(raw);
  const range = dateRange(text);
  if (!range) throw invalid(ctx, raw, 'not a FHIR date');
  if (prefix !== 'ap') return { type: 'date', prefix, ...range };
  const gap = Math.round(Math.abs(ctx.now - (range.lo + range.hi) / 2) * 0.1);
  return { type: 'date', prefix, lo: range.lo - gap, hi: range.hi + gap };
}

/** Removes binary floating-point noise (5.4 - 0.05 → 5.35, not 5.3500000000000005). */
function tidy(n: number): number {
  return Number(n.toPrecision(15));
}

/** A number with its implicit precision range (and ±10% for `ap`). */
function numberValue(
  raw: string,
  text: string,
  prefix: Prefix,
  ctx: ValueContext,
): Omit<NumberMatcher, 'type'> {
  const m = NUMBER_RE.exec(text);
  if (!m) throw invalid(ctx, raw, 'not a number');
  const value = Number(text);
  const decimals = m[2] ? m[2].length - 1 : 0;
  const exponent = m[3] ? Number(m[3].slice(1)) : 0;
  const half = 0.5 * 10 ** (exponent - decimals);
  const d = prefix === 'ap' ? Math.max(Math.abs(value) * 0.1, half) : half;
  return { prefix, value, lo: tidy(value - d), hi: tidy(value + d) };
}

/** number: `[prefix]number`. */
function number(raw: string, ctx: ValueContext): NumberMatcher {
  const [prefix, text] = splitPrefix(raw);
  return { type: 'number', ...numberValue(raw, text, prefix, ctx) };
}

/** quantity: `[prefix]number[|system|code]`; an empty system means any system (`5.4||mg`). */
function quantity(raw: string, ctx: ValueContext): QuantityMatcher {
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  if (parts.length !== 1 && parts.length !== 3) throw invalid(ctx, raw, 'expected number|system|code');
  const [prefix, text] = splitPrefix(parts[0]);
  const m: QuantityMatcher = { type: 'quantity', ...numberValue(raw, text, prefix, ctx) };
  if (parts[1]) m.system = parts[1];
  if (parts[2]) m.code = parts[2];
  const canonical = m.system === UCUM_SYSTEM && m.code ? canonicalUnit(m.code) : undefined;
  if (canonical) {
    const c = canonical.toCanonical;
    m.canonical = { unit: canonical.unit, value: c(m.value), lo: c(m.lo), hi: c(m.hi) };
  }
  return m;
}

/** reference: `id`, `Type/id`, an absolute URL, `:[Type]` and `:identifier`. */
function reference(raw: string, def: SearchParamDef, ctx: ValueContext): ReferenceMatcher {
  const value = unescapeValue(raw);
  if (ctx.modifier === 'identifier') {
    const parts = splitEscaped(raw, '|').map(unescapeValue);
    const [system, v] = parts.length === 1 ? [undefined, parts[0]] : parts;
    if (parts.length > 2 || (!system && !v)) throw invalid(ctx, raw, 'expected [system|]value');
    return {
      type: 'reference',
      ...(system ? { identifierSystem: system } : {}),
      ...(v ? { identifierValue: v } : {}),
    };
  }
  const typed = ctx.modifier && ctx.isResourceType(ctx.modifier) ? ctx.modifier : undefined;
  if (typed && ID_RE.test(value)) return { type: 'reference', refs: [`${typed}/${value}`] };
  if (SCHEME_RE.test(value)) {
    const target = referenceTarget(value.split('|')[0], ctx.baseUrl);
    return { type: 'reference', refs: [target?.r ?? value] };
  }
  const local = LOCAL_REF.exec(value);
  if (local) return { type: 'reference', refs: [`${local[1]}/${local[2]}`] };
  if (!ID_RE.test(value)) throw invalid(ctx, raw, 'expected id, Type/id or an absolute URL');
  const targets = def.targets.filter((t) => ctx.isResourceType(t));
  if (targets.length > 0) return { type: 'reference', refs: targets.map((t) => `${t}/${value}`) };
  return { type: 'reference', idPattern: `^[A-Z][A-Za-z]+/${escapeRegex(value)}$` };
}

/** uri: exact, `:below`, `:above`. */
function uri(raw: string, ctx: ValueContext): UriMatcher {
  const mode = ctx.modifier === 'below' || ctx.modifier === 'above' ? ctx.modifier : 'exact';
  return { type: 'uri', mode, value: unescapeValue(raw) };
}

/** Parses a value of a simple (non-composite) type. */
function simple(
  type: SearchParamDef['type'],
  raw: string,
  def: SearchParamDef,
  ctx: ValueContext,
): SimpleMatcher {
  switch (type) {
    case 'token':
      return token(raw, ctx);
    case 'string':
      return string(raw, ctx);
    case 'date':
      return date(raw, ctx);
    case 'number':
      return number(raw, ctx);
    case 'quantity':
      return quantity(raw, ctx);
    case 'reference':
      return reference(raw, def, ctx);
    case 'uri':
      return uri(raw, ctx);
    default:
      throw invalid(ctx, raw, `parameters of type ${type} are not supported`);
  }
}

/** Parses one alternative of a parameter's value into a matcher. */
export function parseValue(raw: string, def: SearchParamDef, ctx: ValueContext): Matcher {
  if (def.type !== 'composite') return simple(def.type, raw, def, ctx);
  const components = def.components ?? [];
  const parts = splitEscaped(raw, '$');
  if (parts.length !== components.length) {
    throw invalid(ctx, raw, `expected ${components.length} components separated by '$'`);
  }
  const plain: ValueContext = { ...ctx, modifier: undefined };
  const noTargets: SearchParamDef = { ...def, targets: [] };
  return { type: 'composite', parts: parts.map((p, i) => simple(components[i].type, p, noTargets, plain)) };
}
