/**
 * A small UCUM (https://ucum.org/ucum) canonicaliser for quantity search (R4 search.html#quantity: a server
 * SHOULD compare UCUM quantities in canonical units, so `5.4|http://unitsofmeasure.org|mg` matches 0.0054 g).
 * It parses the case-sensitive UCUM syntax for the units clinical data uses: metric prefixes on metric atoms,
 * `.` and `/` products, integer exponents, `10*n` factors, `{annotations}`, parentheses, the common customary
 * units, and the special temperature units Cel and [degF] (standalone only). Anything else is "not
 * convertible", and the quantity is then compared by its exact system and code only.
 */

/** The UCUM code system URI. */
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/** A value expressed in canonical units: `unit` is a canonical dimension text such as `g.m-3`. */
export interface Canonical {
  unit: string;
  /** Converts a value in the parsed unit to the canonical unit. */
  toCanonical(value: number): number;
}

type Dims = Record<string, number>;

interface Term {
  factor: number;
  dims: Dims;
}

/** Atoms: factor and dimensions in base units g, m, s, K, mol, and arbitrary units kept as their own base. */
const ATOMS: Record<string, Term & { metric: boolean }> = {
  m: { factor: 1, dims: { m: 1 }, metric: true },
  g: { factor: 1, dims: { g: 1 }, metric: true },
  s: { factor: 1, dims: { s: 1 }, metric: true },
  K: { factor: 1, dims: { K: 1 }, metric: true },
  mol: { factor: 6.0221367e23, dims: {}, metric: true },
  eq: { factor: 6.0221367e23, dims: {}, metric: true },
  L: { factor: 0.001, dims: { m: 3 }, metric: true },
  l: { factor: 0.001, dims: { m: 3 }, metric: true },
  Pa: { factor: 1000, dims: { g: 1, m: -1, s: -2 }, metric: true },
  'm[Hg]': { factor: 133322387.415, dims: { g: 1, m: -1, s: -2 }, metric: true },
  'm[H2O]': { factor: 9806650, dims: { g: 1, m: -1, s: -2 }, metric: true },
  bar: { factor: 1e8, dims: { g: 1, m: -1, s: -2 }, metric: true },
  J: { factor: 1000, dims: { g: 1, m: 2, s: -2 }, metric: true },
  cal: { factor: 4184, dims: { g: 1, m: 2, s: -2 }, metric: true },
  '[iU]': { factor: 1, dims: { '[iU]': 1 }, metric: true },
  '[IU]': { factor: 1, dims: { '[iU]': 1 }, metric: true },
  U: { factor: 1, dims: { U: 1 }, metric: true },
  min: { factor: 60, dims: { s: 1 }, metric: false },
  h: { factor: 3600, dims: { s: 1 }, metric: false },
  d: { factor: 86400, dims: { s: 1 }, metric: false },
  wk: { factor: 604800, dims: { s: 1 }, metric: false },
  mo: { factor: 2629800, dims: { s: 1 }, metric: false },
  a: { factor: 31557600, dims: { s: 1 }, metric: false },
  '[in_i]': { factor: 0.0254, dims: { m: 1 }, metric: false },
  '[ft_i]': { factor: 0.3048, dims: { m: 1 }, metric: false },
  '[mi_i]': { factor: 1609.344, dims: { m: 1 }, metric: false },
  '[lb_av]': { factor: 453.59237, dims: { g: 1 }, metric: false },
  '[oz_av]': { factor: 28.349523125, dims: { g: 1 }, metric: false },
  '[ppm]': { factor: 1e-6, dims: {}, metric: false },
  '[ppb]': { factor: 1e-9, dims: {}, metric: false },
  '%': { factor: 0.01, dims: {}, metric: false },
};

const PREFIXES: Record<string, number> = {
  Y: 1e24,
  Z: 1e21,
  E: 1e18,
  P: 1e15,
  T: 1e12,
  G: 1e9,
  M: 1e6,
  k: 1e3,
  h: 1e2,
  da: 1e1,
  d: 1e-1,
  c: 1e-2,
  m: 1e-3,
  u: 1e-6,
  n: 1e-9,
  p: 1e-12,
  f: 1e-15,
  a: 1e-18,
};

/** Temperatures on an interval scale: canonical kelvin = value * factor + offset. */
const SPECIAL: Record<string, { factor: number; offset: number }> = {
  Cel: { factor: 1, offset: 273.15 },
  '[degF]': { factor: 5 / 9, offset: 273.15 - (32 * 5) / 9 },
};

const MAX_LENGTH = 64;

/** Multiplies two terms, the second raised to `sign`. */
function combine(a: Term, b: Term, sign: 1 | -1): Term {
  const dims: Dims = { ...a.dims };
  for (const [k, v] of Object.entries(b.dims)) dims[k] = (dims[k] ?? 0) + sign * v;
  return { factor: sign === 1 ? a.factor * b.factor : a.factor / b.factor, dims };
}

/** Raises a term to an integer power. */
function power(t: Term, exp: number): Term {
  const dims: Dims = {};
  for (const [k, v] of Object.entries(t.dims)) dims[k] = v * exp;
  return { factor: t.factor ** exp, dims };
}

/** An atom with an optional metric prefix (`mg`, `dL`, `mm[Hg]`, `[lb_av]`). */
function atomTerm(text: string): Term | undefined {
  const atom = ATOMS[text];
  if (atom) return atom;
  for (const [prefix, factor] of Object.entries(PREFIXES)) {
    if (!text.startsWith(prefix)) continue;
    const rest = ATOMS[text.slice(prefix.length)];
    if (rest?.metric) return { factor: rest.factor * factor, dims: rest.dims };
  }
  return undefined;
}

/** One component: `{annotation}`, `10*3`, an integer, or an atom with an optional exponent. */
function componentTerm(raw: string): Term | undefined {
  if (raw === '') return undefined;
  const text = raw.replace(/\{[^{}]*\}/g, '');
  if (text === '') return { factor: 1, dims: {} };
  const ten = /^10[*^]([+-]?\d{1,2})$/.exec(text);
  if (ten) return { factor: 10 ** Number(ten[1]), dims: {} };
  if (/^\d{1,9}$/.test(text)) return { factor: Number(text), dims: {} };
  const m = /^(.*?[^\d+-])([+-]?\d{1,2})?$/.exec(text);
  if (!m) return undefined;
  const base = atomTerm(m[1]);
  return base && (m[2] === undefined ? base : power(base, Number(m[2])));
}

/** Splits a unit at top-level `.` and `/` (outside parentheses and brackets), keeping the operators. */
function tokens(unit: string): Array<{ op: '.' | '/'; text: string }> | undefined {
  const out: Array<{ op: '.' | '/'; text: string }> = [];
  let depth = 0;
  let op: '.' | '/' = '.';
  let current = '';
  for (const ch of unit) {
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') depth--;
    if (depth < 0) return undefined;
    if (depth === 0 && (ch === '.' || ch === '/')) {
      if (current !== '' || out.length > 0 || ch === '.') out.push({ op, text: current });
      op = ch;
      current = '';
    } else current += ch;
  }
  out.push({ op, text: current });
  return depth === 0 ? out : undefined;
}

/** Parses a UCUM unit expression into a factor and dimensions. */
function parseTerm(unit: string): Term | undefined {
  const parts = tokens(unit);
  if (!parts) return undefined;
  let acc: Term = { factor: 1, dims: {} };
  for (const { op, text } of parts) {
    const paren = /^\((.*)\)$/.exec(text);
    const t = paren ? parseTerm(paren[1]) : componentTerm(text);
    if (!t) return undefined;
    acc = combine(acc, t, op === '.' ? 1 : -1);
  }
  return acc;
}

/** The canonical dimension text (`g.m-3`), `1` for a dimensionless unit. */
function dimsText(dims: Dims): string {
  const parts = Object.entries(dims)
    .filter(([, v]) => v !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v === 1 ? k : `${k}${v}`));
  return parts.length ? parts.join('.') : '1';
}

/** Removes binary floating-point noise from a converted value. */
function tidy(n: number): number {
  return Number.isFinite(n) ? Number(n.toPrecision(12)) : n;
}

const cache = new Map<string, Canonical | null>();
const CACHE_SIZE = 2000;

/** The canonical form of a UCUM unit code, or undefined when it is not understood (memoised). */
export function canonicalUnit(code: string): Canonical | undefined {
  const hit = cache.get(code);
  if (hit !== undefined) return hit ?? undefined;
  const result = parseCanonical(code);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(code, result ?? null);
  return result;
}

/** Parses a unit code into its canonical form. */
function parseCanonical(code: string): Canonical | undefined {
  if (code.length === 0 || code.length > MAX_LENGTH || /\s/.test(code)) return undefined;
  const special = SPECIAL[code];
  if (special) return { unit: 'K', toCanonical: (v) => tidy(v * special.factor + special.offset) };
  const term = parseTerm(code);
  if (!term || !Number.isFinite(term.factor) || term.factor === 0) return undefined;
  return { unit: dimsText(term.dims), toCanonical: (v) => tidy(v * term.factor) };
}
