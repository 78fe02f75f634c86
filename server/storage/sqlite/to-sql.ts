/**
 * Compiles a `Where` (the search IR plus storage predicates) into one SQL boolean expression over the
 * current version `r` (a row of `resources`), with bound parameters only: no value is ever written into the
 * SQL text. The matching semantics are those of fhir/search/to-mongo.ts, clause by clause: a clause over
 * index entries becomes `r.rk IN (SELECT rk FROM <entry table> WHERE type = ? AND param = ? AND <cond>)`,
 * so that every condition of one matcher holds in the same entry (one row), `:not` becomes `NOT IN` (no
 * entry matches, including no entry at all), and the planner can drive the query from the entry index.
 */
import type {
  DateMatcher,
  Matcher,
  MatchClause,
  NumberMatcher,
  QuantityMatcher,
  SimpleMatcher,
  TokenMatcher,
} from '../../fhir/search/ir.js';
import type { Where } from '../repository.js';
import { ENTRY_TABLES, type EntryKind } from './schema.js';

/** A SQL fragment and its bound values by name (`@p1`, `@p2`...). */
export interface Sql {
  text: string;
  params: Record<string, unknown>;
  /** Read `resources` by rowid only (Params.drivenByRk). */
  drivenByRk?: boolean;
}

/** What the compiler needs to know about the parameters of the type searched. */
export interface CompileContext {
  type: string;
  /** The entry table of parameter `code` of the type, or undefined when it is not known. */
  kindOf: (code: string) => EntryKind | undefined;
  /**
   * The parameters under which `code`'s entries are stored: itself, or the members of a union parameter
   * (RepositoryDeps.unionOf), whose entries are kept only under them. Default: `[code]`.
   */
  storedUnder?: (code: string) => readonly string[];
}

/**
 * `_lastUpdated` (R4 search.html#lastUpdated) is the row's own `lu` (meta.lastUpdated as stored, an ISO
 * instant in UTC with milliseconds): the engine keeps no index rows for it and compares `r.lu`, read from
 * `resources (type, lu)`.
 */
export const LAST_UPDATED = '_lastUpdated';

/** The first and last instants `r.lu` can hold, as ISO text (bounds outside them are clamped). */
const MIN_ISO_MS = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_ISO_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** `ms` as `lu` text, clamped to the 4-digit years whose ISO text sorts in time order. */
function isoOf(ms: number): string {
  return new Date(Math.min(MAX_ISO_MS, Math.max(MIN_ISO_MS, ms))).toISOString();
}

/**
 * The date condition of `m` on `r.lu`: dateCond with lo = hi = the row's instant (an instant of millisecond
 * precision is a range of one millisecond), compared as ISO text, which orders as time does.
 */
function lastUpdatedCond(m: DateMatcher, ps: Params): string {
  const lo = () => ps.p(isoOf(m.lo));
  const hi = () => ps.p(isoOf(m.hi));
  switch (m.prefix) {
    case 'eq':
    case 'ap':
      return `r.lu >= ${lo()} AND r.lu <= ${hi()}`;
    case 'ne':
      return `r.lu < ${lo()} OR r.lu > ${hi()}`;
    case 'gt':
    case 'sa':
      return `r.lu > ${hi()}`;
    case 'lt':
    case 'eb':
      return `r.lu < ${lo()}`;
    case 'ge':
      return `r.lu >= ${lo()}`;
    case 'le':
      return `r.lu <= ${hi()}`;
  }
}

/** A match clause on `_lastUpdated` (dates only; any other matcher matches nothing, as no entry has it). */
function lastUpdatedClause(c: MatchClause, ps: Params): string {
  const conds = c.anyOf.map((m) => (m.type === 'date' ? lastUpdatedCond(m, ps) : '0'));
  const any = or(conds);
  return c.not ? `NOT (${any})` : any;
}

/**
 * Collects bound values; `p(v)` returns the named placeholder of a new one (named, so that the order in
 * which fragments are built does not matter).
 */
export class Params {
  readonly values: Record<string, unknown> = {};
  /**
   * True once a clause drives the query by `r.rk IN (...)`: the query then reads `resources` by rowid only
   * (`NOT INDEXED`), as without statistics SQLite would rather read the type's rows through an index and
   * filter them by the subquery.
   */
  drivenByRk = false;
  private n = 0;
  p(v: unknown): string {
    const name = `p${++this.n}`;
    this.values[name] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    return `@${name}`;
  }
  list(vs: readonly unknown[]): string {
    return vs.map((v) => this.p(v)).join(', ');
  }
}

/** A column of one entry: `x."s"` for simple tables, `json_extract(x.entry, '$.c0.s')` in a composite. */
type Col = (key: string) => string;

const and = (conds: string[]): string =>
  conds.length === 0 ? '1' : conds.map((c) => `(${c})`).join(' AND ');
const or = (conds: string[]): string => (conds.length === 0 ? '0' : conds.map((c) => `(${c})`).join(' OR '));

/**
 * The smallest string above every string that starts with `prefix` (in code-point order, which is SQLite's
 * BINARY order on UTF-8), or null when there is none: `prefix` with its last code point incremented.
 */
export function prefixUpperBound(prefix: string): string | null {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    let cp = (cps.pop() as string).codePointAt(0) as number;
    cp += 1;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000;
    if (cp <= 0x10ffff) return cps.join('') + String.fromCodePoint(cp);
  }
  return null;
}

/** `col` is a string starting with `prefix` (a range, so that an index on `col` serves it). */
function startsWith(col: string, prefix: string, ps: Params): string {
  const upper = prefixUpperBound(prefix);
  const lower = `${col} >= ${ps.p(prefix)}`;
  return upper === null ? lower : `${lower} AND ${col} < ${ps.p(upper)}`;
}

/** Range comparison of a stored date range with the parameter range (to-mongo.ts dateCond). */
function dateCond(m: DateMatcher, col: Col, ps: Params): string {
  const lo = col('lo');
  const hi = col('hi');
  const within = () => `${lo} >= ${ps.p(m.lo)} AND ${hi} <= ${ps.p(m.hi)}`;
  switch (m.prefix) {
    case 'eq':
      return within();
    case 'ne':
      return `${lo} < ${ps.p(m.lo)} OR ${hi} > ${ps.p(m.hi)}`;
    case 'gt':
      return `${hi} > ${ps.p(m.hi)}`;
    case 'lt':
      return `${lo} < ${ps.p(m.lo)}`;
    case 'ge':
      return `${hi} > ${ps.p(m.hi)} OR (${within()})`;
    case 'le':
      return `${lo} < ${ps.p(m.lo)} OR (${within()})`;
    case 'sa':
      return `${lo} > ${ps.p(m.hi)}`;
    case 'eb':
      return `${hi} < ${ps.p(m.lo)}`;
    case 'ap':
      return `${lo} <= ${ps.p(m.hi)} AND ${hi} >= ${ps.p(m.lo)}`;
  }
}

/** Number/quantity comparison of the stored range [lo, hi] (to-mongo.ts numberCond). */
function numberCond(
  m: { prefix: NumberMatcher['prefix']; value: number; lo: number; hi: number },
  lo: string,
  hi: string,
  ps: Params,
): string {
  const v = m.value;
  switch (m.prefix) {
    case 'eq':
      return `${lo} >= ${ps.p(m.lo)} AND ${hi} < ${ps.p(m.hi)}`;
    case 'ne':
      return `${lo} < ${ps.p(m.lo)} OR ${hi} >= ${ps.p(m.hi)}`;
    case 'gt':
      return `${hi} > ${ps.p(v)}`;
    case 'lt':
      return `${lo} < ${ps.p(v)}`;
    case 'ge':
      return `${hi} >= ${ps.p(v)}`;
    case 'le':
      return `${lo} <= ${ps.p(v)}`;
    case 'sa':
      return `${lo} > ${ps.p(v)}`;
    case 'eb':
      return `${hi} < ${ps.p(v)}`;
    case 'ap':
      return `${lo} <= ${ps.p(m.hi)} AND ${hi} >= ${ps.p(m.lo)}`;
  }
}

/**
 * A number compared on numbers only: MongoDB's comparison operators never match a value of another type
 * (in SQLite every number sorts below every text, so an upper bound alone would also match nothing else:
 * the guard is for the lower bounds).
 */
function numeric(col: string): string {
  return `typeof(${col}) IN ('integer', 'real')`;
}

/** Quantity: the number condition plus system and code, or the canonical alternative (to-mongo.ts). */
function quantityCond(m: QuantityMatcher, col: Col, ps: Params): string {
  const conds = [numeric(col('lo')), numeric(col('hi')), numberCond(m, col('lo'), col('hi'), ps)];
  if (m.system !== undefined) conds.push(`${col('s')} = ${ps.p(m.system)}`);
  if (m.code !== undefined) {
    conds.push(
      m.system !== undefined
        ? `${col('c')} = ${ps.p(m.code)}`
        : `${col('c')} = ${ps.p(m.code)} OR ${col('u')} = ${ps.p(m.code)}`,
    );
  }
  const exact = and(conds);
  if (!m.canonical) return exact;
  const scaled = { ...m, ...m.canonical };
  const canonical = and([
    `${col('n')} = ${ps.p(m.canonical.unit)}`,
    numeric(col('nlo')),
    numeric(col('nhi')),
    numberCond(scaled, col('nlo'), col('nhi'), ps),
  ]);
  return or([exact, canonical]);
}

/** Every URI a stored value may equal for `:above` (the value and its `/`-separated parents). */
function uriAncestors(value: string): string[] {
  const out = [value];
  const scheme = value.indexOf('://');
  for (let i = value.length - 1; i > scheme + 2; i--) if (value[i] === '/') out.push(value.slice(0, i));
  return out;
}

/** Token condition (to-mongo.ts entryCond `token`). */
function tokenCond(m: TokenMatcher, col: Col, ps: Params): string {
  if (m.codes) {
    const bySystem = new Map<string, string[]>();
    for (const { system, code } of m.codes) bySystem.set(system, [...(bySystem.get(system) ?? []), code]);
    return or(
      [...bySystem].map(
        ([system, list]) => `${col('s')} = ${ps.p(system)} AND ${col('c')} IN (${ps.list(list)})`,
      ),
    );
  }
  const conds: string[] = [];
  if (m.system === null) conds.push(`${col('s')} IS NULL`);
  else if (m.system !== undefined) conds.push(`${col('s')} = ${ps.p(m.system)}`);
  if (m.code !== undefined) conds.push(`${col('c')} = ${ps.p(m.code)}`);
  if (m.typeSystem !== undefined) {
    conds.push(`${col('ts')} = ${ps.p(m.typeSystem)}`);
    conds.push(m.typeCode === undefined ? `${col('tc')} IS NULL` : `${col('tc')} = ${ps.p(m.typeCode)}`);
  }
  if (m.text !== undefined) conds.push(startsWith(col('t'), m.text, ps));
  return and(conds);
}

const ID_PATTERN_HEAD = '^[A-Z][A-Za-z]+/';

/**
 * The id of a reference `idPattern` (parse-values.ts: `^[A-Z][A-Za-z]+/<escaped id>$`, "any type with this
 * id"), or undefined for a pattern of another form.
 */
export function idOfPattern(pattern: string): string | undefined {
  if (!pattern.startsWith(ID_PATTERN_HEAD) || !pattern.endsWith('$')) return undefined;
  const body = pattern.slice(ID_PATTERN_HEAD.length, -1);
  // An unescaped metacharacter means the pattern is not a literal id.
  let id = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\') {
      if (i + 1 >= body.length) return undefined;
      id += body[++i];
    } else if ('.*+?^${}()|[]'.includes(ch)) return undefined;
    else id += ch;
  }
  return id;
}

/** Reference condition (to-mongo.ts entryCond `reference`); `idPattern` compiled to string functions. */
function referenceCond(m: Extract<SimpleMatcher, { type: 'reference' }>, col: Col, ps: Params): string {
  const conds: string[] = [];
  const r = col('r');
  if (m.refs) conds.push(`${r} IN (${ps.list(m.refs)})`);
  if (m.idPattern) {
    const id = idOfPattern(m.idPattern);
    if (id === undefined) throw new Error(`Unsupported reference id pattern ${JSON.stringify(m.idPattern)}`);
    // r = T + '/' + id where T is an uppercase letter followed by one or more letters
    const s = ps.p(`/${id}`);
    const head = `substr(${r}, 1, length(${r}) - length(${s}))`;
    conds.push(
      `typeof(${r}) = 'text' AND substr(${r}, -length(${s})) = ${s} AND length(${r}) >= length(${s}) + 2 ` +
        `AND ${head} GLOB '[A-Z][A-Za-z]*' AND ${head} NOT GLOB '*[^A-Za-z]*'`,
    );
  }
  if (m.identifierSystem !== undefined) conds.push(`${col('is')} = ${ps.p(m.identifierSystem)}`);
  if (m.identifierValue !== undefined) conds.push(`${col('iv')} = ${ps.p(m.identifierValue)}`);
  return and(conds);
}

/** The condition one matcher puts on one entry. */
function entryCond(m: SimpleMatcher, col: Col, ps: Params): string {
  switch (m.type) {
    case 'token':
      return tokenCond(m, col, ps);
    case 'string':
      if (m.mode === 'exact') return `${col('e')} = ${ps.p(m.value)}`;
      if (m.mode === 'prefix') return `typeof(${col('v')}) = 'text' AND ${startsWith(col('v'), m.value, ps)}`;
      return `typeof(${col('v')}) = 'text' AND instr(${col('v')}, ${ps.p(m.value)}) > 0`;
    case 'date':
      return and([numeric(col('lo')), numeric(col('hi')), dateCond(m, col, ps)]);
    case 'number':
      return and([numeric(col('v')), numberCond(m, col('v'), col('v'), ps)]);
    case 'quantity':
      return quantityCond(m, col, ps);
    case 'reference':
      return referenceCond(m, col, ps);
    case 'uri': {
      const v = col('v');
      if (m.mode === 'above') return `${v} IN (${ps.list(uriAncestors(m.value))})`;
      if (m.mode === 'exact') return `${v} = ${ps.p(m.value)}`;
      // search.html#uri ":below": the URI itself or one under it, on path-segment boundaries
      const under = `typeof(${v}) = 'text' AND ${startsWith(v, m.value, ps)}`;
      if (m.value.endsWith('/')) return under;
      return `${v} = ${ps.p(m.value)} OR (${under} AND substr(${v}, length(${ps.p(m.value)}) + 1, 1) IN ('/', '?', '#'))`;
    }
  }
}

/** The entry table a matcher reads. */
function kindOfMatcher(m: Matcher): EntryKind {
  return m.type === 'composite' ? 'json' : m.type;
}

const simpleCol =
  (alias: string): Col =>
  (key) =>
    `${alias}."${key}"`;

/** The condition of a matcher on one row `x` of its entry table. */
function matcherCond(m: Matcher, ps: Params): string {
  if (m.type !== 'composite') return entryCond(m, simpleCol('x'), ps);
  return and(
    m.parts.map((part, i) => entryCond(part, (key) => `json_extract(x.entry, '$.c${i}.${key}')`, ps)),
  );
}

/**
 * Some (with `not`: no) entry of parameter `code` in table `kind` meets `cond`. As the query's driving
 * clause it is `r.rk IN (SELECT rk FROM <kind> WHERE type = ? AND param = ? AND cond)`, read from the
 * parameter's index; otherwise a correlated `EXISTS` looked up by the resource's own `rk`, so that
 * the other clauses cost a few index probes per candidate instead of reading every match of the type.
 */
function inEntries(
  kind: EntryKind,
  code: string,
  cond: string | null,
  ctx: CompileContext,
  ps: Params,
  not = false,
  drive = false,
): string {
  const table = ENTRY_TABLES[kind].table;
  const extra = cond === null ? '' : ` AND (${cond})`;
  const codes = ctx.storedUnder?.(code) ?? [code];
  const param = codes.length === 1 ? `x.param = ${ps.p(codes[0])}` : `x.param IN (${ps.list(codes)})`;
  if (drive && !not) {
    const head = `SELECT x.rk FROM ${table} x WHERE x.type = ${ps.p(ctx.type)} AND ${param}`;
    ps.drivenByRk = true;
    return `r.rk IN (${head}${extra})`;
  }
  // INDEXED BY: the probe is by the resource's `rk`; without statistics SQLite would rather walk an index
  // on the compared columns, which reads every match of the type for each candidate.
  const probe = `SELECT 1 FROM ${table} x INDEXED BY ${table}_rk ` + `WHERE x.rk = r.rk AND ${param}`;
  return `${not ? 'NOT ' : ''}EXISTS (${probe}${extra})`;
}

/** A match clause: some entry of `code` matches one of `anyOf` (with `not`: none does). */
function matchClause(c: MatchClause, ctx: CompileContext, ps: Params, drive = false): string {
  if (c.anyOf.length === 0) return c.not ? '1' : '0';
  const byKind = new Map<EntryKind, Matcher[]>();
  for (const m of c.anyOf) byKind.set(kindOfMatcher(m), [...(byKind.get(kindOfMatcher(m)) ?? []), m]);
  const parts = [...byKind].map(([kind, ms]) => {
    const conds = ms.map((m) => matcherCond(m, ps));
    return inEntries(kind, c.code, or(conds), ctx, ps, c.not, drive && byKind.size === 1);
  });
  return c.not ? and(parts) : or(parts);
}

/**
 * How well a clause can drive the query (be read first, from its index): lower is better; Infinity for
 * one that cannot (negations, nested and/or, predicates on `resources` columns, which SQLite plans itself).
 */
function driveRank(w: Where, ctx: CompileContext): number {
  switch (w.kind) {
    case 'id':
      return 0;
    case 'refs':
      return 1;
    case 'compartment':
      return 2;
    case 'match': {
      if (w.not || w.anyOf.length === 0 || w.code === LAST_UPDATED) return Infinity;
      if (new Set(w.anyOf.map(kindOfMatcher)).size !== 1) return Infinity;
      const m = w.anyOf[0];
      if (m.type === 'reference') return m.refs ? 1 : 4;
      if (m.type === 'token') return m.code !== undefined || m.codes ? 3 : 6;
      if (m.type === 'string') return m.mode === 'contains' ? 7 : 4;
      if (m.type === 'uri') return 4;
      return 5;
    }
    case 'missing':
      return w.missing || w.code === LAST_UPDATED || ctx.kindOf(w.code) === undefined ? Infinity : 6;
    default:
      return Infinity;
  }
}

/** Compiles `where` to a boolean SQL expression over `r`, appending its values to `ps`. */
function compile(w: Where, ctx: CompileContext, ps: Params, drive = false): string {
  switch (w.kind) {
    case 'all':
      return '1';
    case 'none':
      return '0';
    case 'and': {
      if (!drive) return and(w.of.map((x) => compile(x, ctx, ps)));
      // one clause drives (read from its index); the others are probed per candidate
      let best = -1;
      let bestRank = Infinity;
      w.of.forEach((x, i) => {
        const rank = driveRank(x, ctx);
        if (rank < bestRank) [best, bestRank] = [i, rank];
      });
      return and(w.of.map((x, i) => compile(x, ctx, ps, i === best)));
    }
    case 'or':
      return or(w.of.map((x) => compile(x, ctx, ps)));
    case 'id':
      return w.ids.length === 0 ? '0' : `r.id IN (${ps.list(w.ids)})`;
    case 'missing': {
      if (w.code === LAST_UPDATED) return w.missing ? '0' : '1'; // every version has its instant
      const kind = ctx.kindOf(w.code);
      if (kind === undefined)
        return `json_type(r.sp, ${ps.p(`$."${w.code}"`)}) IS ${w.missing ? '' : 'NOT '}NULL`;
      return inEntries(kind, w.code, null, ctx, ps, w.missing, drive);
    }
    case 'match':
      return w.code === LAST_UPDATED ? lastUpdatedClause(w, ps) : matchClause(w, ctx, ps, drive);
    case 'refs':
      return w.refs.length === 0
        ? '0'
        : inEntries('reference', w.code, `x."r" IN (${ps.list(w.refs)})`, ctx, ps, false, drive);
    case 'compartment':
      if (!drive) {
        return `EXISTS (SELECT 1 FROM comp c WHERE c.type = r.type AND c.rk = r.rk AND c.compartment = ${ps.p(w.compartment)})`;
      }
      ps.drivenByRk = true;
      return `r.rk IN (SELECT c.rk FROM comp c WHERE c.compartment = ${ps.p(w.compartment)} AND c.type = ${ps.p(ctx.type)})`;
    case 'in-some-compartment':
      if (!drive) return 'EXISTS (SELECT 1 FROM comp c WHERE c.type = r.type AND c.rk = r.rk)';
      ps.drivenByRk = true;
      return `r.rk IN (SELECT c.rk FROM comp c WHERE c.type = ${ps.p(ctx.type)})`;
    case 'id-range': {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[w.op];
      return `r.id ${op} ${ps.p(w.id)}`;
    }
    case 'updated': {
      const conds: string[] = [];
      if (w.gt !== undefined) conds.push(`r.lu > ${ps.p(w.gt)}`);
      if (w.gte !== undefined) conds.push(`r.lu >= ${ps.p(w.gte)}`);
      if (w.lt !== undefined) conds.push(`r.lu < ${ps.p(w.lt)}`);
      if (w.lte !== undefined) conds.push(`r.lu <= ${ps.p(w.lte)}`);
      return and(conds);
    }
  }
}

/** Compiles `where` for resources of `ctx.type` into a boolean expression over `r` and its values. */
export function whereToSql(where: Where, ctx: CompileContext, ps: Params = new Params()): Sql {
  const text = compile(where, ctx, ps, true);
  return { text, params: ps.values, drivenByRk: ps.drivenByRk };
}
