/**
 * The MongoDB engine's compiler: a `Where` (the search IR's clauses plus storage predicates) becomes ONE
 * MongoDB filter document over `sp`, `comp`, `lu` and `_id`. Semantics per R4 search.html;
 * every regex is built from escaped input. A condition on one key of an entry uses the dotted path
 * (`sp.subject.r`), which is what the declared indexes cover; conditions on several keys of the same entry
 * (system and code, lo and hi) use `$elemMatch` so that they must hold in the same entry.
 */
import type { Document, Filter } from 'mongodb';
import type {
  Clause,
  DateMatcher,
  Matcher,
  MatchClause,
  MissingClause,
  NumberMatcher,
  QuantityMatcher,
  SimpleMatcher,
} from '../../fhir/search/ir.js';
import type { SearchIR } from '../../fhir/search/ir.js';
import type { Where } from '../repository.js';
import { badRequest } from '../../fhir/outcomes.js';
import { unresolved } from '../../fhir/search/where.js';
import { escapeRegex } from '../../fhir/search/text.js';

/**
 * A `$regex` condition on `source` (built from escaped input). MongoDB refuses a pattern with a NUL byte;
 * parse.ts already refuses such values with a 400, and this keeps any other caller from reaching the server.
 */
function regex(source: string): { $regex: string } {
  if (source.includes('\u0000')) throw badRequest('Search values must not contain NUL characters');
  return { $regex: source };
}

/** A condition on the keys of one index entry (keys relative to the entry, maybe prefixed `c0.`). */
type Cond = Record<string, unknown>;

/** Merges conditions into one object, nesting them in `$and` when keys collide. */
function merge(conds: Cond[]): Cond {
  const out: Cond = {};
  const rest: Cond[] = [];
  for (const c of conds) {
    if (Object.keys(c).some((k) => k in out)) rest.push(c);
    else Object.assign(out, c);
  }
  return rest.length ? { $and: [out, ...rest] } : out;
}

/**
 * Range comparison of a stored range [lo, hi] with the parameter range [pl, ph], both inclusive
 * (search.html#prefix, date rows): eq = contained; ne = not contained; gt/lt = the range above/below
 * overlaps; ge/le = that or contained; sa/eb = strictly after/before; ap = overlaps the widened range.
 */
function dateCond(m: DateMatcher, p: string): Cond {
  const lo = `${p}lo`;
  const hi = `${p}hi`;
  const within = { [lo]: { $gte: m.lo }, [hi]: { $lte: m.hi } };
  switch (m.prefix) {
    case 'eq':
      return within;
    case 'ne':
      return { $or: [{ [lo]: { $lt: m.lo } }, { [hi]: { $gt: m.hi } }] };
    case 'gt':
      return { [hi]: { $gt: m.hi } };
    case 'lt':
      return { [lo]: { $lt: m.lo } };
    case 'ge':
      return { $or: [{ [hi]: { $gt: m.hi } }, within] };
    case 'le':
      return { $or: [{ [lo]: { $lt: m.lo } }, within] };
    case 'sa':
      return { [lo]: { $gt: m.hi } };
    case 'eb':
      return { [hi]: { $lt: m.lo } };
    case 'ap':
      return { [lo]: { $lte: m.hi }, [hi]: { $gte: m.lo } };
  }
}

/** Two operator conditions, combined on one key when the keys are the same (`{ v: { $gte, $lt } }`). */
function both(loKey: string, loOp: Cond, hiKey: string, hiOp: Cond): Cond {
  return loKey === hiKey ? { [loKey]: { ...loOp, ...hiOp } } : { [loKey]: loOp, [hiKey]: hiOp };
}

/**
 * Number/quantity comparison (search.html#number): eq/ne use the implicit precision range [lo, hi);
 * gt/lt/ge/le/sa/eb compare with the exact value; ap overlaps value ± 10%. The stored value is the range
 * [loKey, hiKey] (both `v` for a number).
 */
function numberCond(m: NumberMatcher | QuantityMatcher, loKey: string, hiKey: string): Cond {
  const v = m.value;
  switch (m.prefix) {
    case 'eq':
      return both(loKey, { $gte: m.lo }, hiKey, { $lt: m.hi });
    case 'ne':
      return { $or: [{ [loKey]: { $lt: m.lo } }, { [hiKey]: { $gte: m.hi } }] };
    case 'gt':
      return { [hiKey]: { $gt: v } };
    case 'lt':
      return { [loKey]: { $lt: v } };
    case 'ge':
      return { [hiKey]: { $gte: v } };
    case 'le':
      return { [loKey]: { $lte: v } };
    case 'sa':
      return { [loKey]: { $gt: v } };
    case 'eb':
      return { [hiKey]: { $lt: v } };
    case 'ap':
      return both(loKey, { $lte: m.hi }, hiKey, { $gte: m.lo });
  }
}

/**
 * Quantity: the number condition plus system and code (`||code` matches the code or the unit); for a UCUM
 * unit the server converts, also the same comparison in canonical units (search.html#quantity).
 */
function quantityCond(m: QuantityMatcher, p: string): Cond {
  const exact = exactQuantityCond(m, p);
  if (!m.canonical) return exact;
  const scaled = { ...m, ...m.canonical };
  const canonical = merge([{ [`${p}n`]: m.canonical.unit }, numberCond(scaled, `${p}nlo`, `${p}nhi`)]);
  return { $or: [exact, canonical] };
}

/** Quantity compared in the units given. */
function exactQuantityCond(m: QuantityMatcher, p: string): Cond {
  const conds = [numberCond(m, `${p}lo`, `${p}hi`)];
  if (m.system !== undefined) conds.push({ [`${p}s`]: m.system });
  if (m.code !== undefined) {
    conds.push(
      m.system !== undefined
        ? { [`${p}c`]: m.code }
        : { $or: [{ [`${p}c`]: m.code }, { [`${p}u`]: m.code }] },
    );
  }
  return merge(conds);
}

/** Every URI a stored value may equal for `:above` (the value and its `/`-separated parents). */
function uriAncestors(value: string): string[] {
  const out = [value];
  const scheme = value.indexOf('://');
  for (let i = value.length - 1; i > scheme + 2; i--) if (value[i] === '/') out.push(value.slice(0, i));
  return out;
}

/** A token entry whose system and code are one of `codes` (`:in`, `:not-in`, `:above`, `:below`). */
function codeSetCond(codes: Array<{ system: string; code: string }>, p: string): Cond {
  const bySystem = new Map<string, string[]>();
  for (const { system, code } of codes) bySystem.set(system, [...(bySystem.get(system) ?? []), code]);
  const conds = [...bySystem].map(([system, list]) => ({
    [`${p}s`]: system,
    [`${p}c`]: list.length === 1 ? list[0] : { $in: list },
  }));
  if (conds.length === 0) return { [`${p}c`]: { $in: [] } };
  return conds.length === 1 ? conds[0] : { $or: conds };
}

/** The condition one matcher puts on one entry, keys prefixed with `p`. */
function entryCond(m: SimpleMatcher, p: string): Cond {
  switch (m.type) {
    case 'token': {
      if (m.codes) return codeSetCond(m.codes, p);
      const conds: Cond[] = [];
      if (m.system === null) conds.push({ [`${p}s`]: { $exists: false } });
      else if (m.system !== undefined) conds.push({ [`${p}s`]: m.system });
      if (m.code !== undefined) conds.push({ [`${p}c`]: m.code });
      if (m.typeSystem !== undefined) conds.push({ [`${p}ts`]: m.typeSystem, [`${p}tc`]: m.typeCode });
      if (m.text !== undefined) conds.push({ [`${p}t`]: regex(`^${escapeRegex(m.text)}`) });
      return merge(conds);
    }
    case 'string':
      if (m.mode === 'exact') return { [`${p}e`]: m.value };
      return { [`${p}v`]: regex(`${m.mode === 'prefix' ? '^' : ''}${escapeRegex(m.value)}`) };
    case 'date':
      return dateCond(m, p);
    case 'number':
      return numberCond(m, `${p}v`, `${p}v`);
    case 'quantity':
      return quantityCond(m, p);
    case 'reference': {
      const conds: Cond[] = [];
      if (m.refs) conds.push({ [`${p}r`]: m.refs.length === 1 ? m.refs[0] : { $in: m.refs } });
      if (m.idPattern) conds.push({ [`${p}r`]: regex(m.idPattern) });
      if (m.identifierSystem !== undefined) conds.push({ [`${p}is`]: m.identifierSystem });
      if (m.identifierValue !== undefined) conds.push({ [`${p}iv`]: m.identifierValue });
      return merge(conds);
    }
    case 'uri':
      if (m.mode === 'below') {
        // search.html#uri ":below": the URI itself or one under it, on path-segment boundaries
        const tail = m.value.endsWith('/') ? '' : '(?:$|[/?#])';
        return { [`${p}v`]: regex(`^${escapeRegex(m.value)}${tail}`) };
      }
      return { [`${p}v`]: m.mode === 'above' ? { $in: uriAncestors(m.value) } : m.value };
  }
}

/** The filter for one matcher on `field`: dotted paths for single-key conditions, else `$elemMatch`. */
function matcherFilter(field: string, m: Matcher): Cond {
  const cond =
    m.type === 'composite' ? merge(m.parts.map((part, i) => entryCond(part, `c${i}.`))) : entryCond(m, '');
  const keys = Object.keys(cond);
  if (keys.length === 1 && !keys[0].startsWith('$') && !isMultiBound(cond[keys[0]])) {
    return { [`${field}.${keys[0]}`]: cond[keys[0]] };
  }
  return { [field]: { $elemMatch: cond } };
}

/**
 * Whether a condition has several bounds (`{ $gte, $lt }`): on a dotted path into an array each bound could
 * be met by a different entry, so it must be matched inside one entry with `$elemMatch`.
 */
function isMultiBound(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).filter((k) => k.startsWith('$')).length > 1
  );
}

/** The filter of one clause. */
function clauseFilter(clause: Clause): Cond {
  switch (clause.kind) {
    case 'id':
      return { _id: clause.ids.length === 1 ? clause.ids[0] : { $in: clause.ids } };
    case 'refs':
      return { [`sp.${clause.code}.r`]: clause.refs.length === 1 ? clause.refs[0] : { $in: clause.refs } };
    case 'compartment':
      return { comp: clause.compartment };
    case 'chain':
    case 'has':
    case 'list':
      // resolve.ts turns these into plain clauses first; a caller that cannot read other resources
      // (e.g. conditional criteria compiled synchronously) gets a 400 instead of a wrong match
      throw unresolved(clause);
    default:
      return entryClauseFilter(clause);
  }
}

/** The filter of a clause over the index entries of one parameter. */
function entryClauseFilter(clause: MatchClause | MissingClause): Cond {
  const field = `sp.${clause.code}`;
  if (clause.kind === 'missing') return { [field]: { $exists: !clause.missing } };
  const alternatives = clause.anyOf.map((m) => matcherFilter(field, m));
  // search.html#modifiers ":not": resources with no matching value, including those with no value at all.
  if (clause.not) return { $nor: alternatives };
  return alternatives.length === 1 ? alternatives[0] : { $or: alternatives };
}

/** Compiles a parsed search into one MongoDB filter document (`{}` when there is no condition). */
export function toMongoFilter(ir: SearchIR): Filter<Document> {
  const filters = ir.clauses.map(clauseFilter);
  if (filters.length === 0) return {};
  return filters.length === 1 ? filters[0] : { $and: filters };
}

/** A filter matching nothing. */
const NOTHING: Cond = { _id: { $in: [] } };

/** Compiles a `Where` into one MongoDB filter document over current versions (`{}` matches everything). */
export function whereToMongo(where: Where): Filter<Document> {
  switch (where.kind) {
    case 'all':
      return {};
    case 'none':
      return NOTHING;
    case 'and': {
      const parts = where.of.map(whereToMongo).filter((f) => Object.keys(f).length > 0);
      if (parts.length === 0) return {};
      return parts.length === 1 ? parts[0] : { $and: parts };
    }
    case 'or': {
      const parts = where.of.map(whereToMongo);
      if (parts.length === 0) return NOTHING;
      if (parts.some((f) => Object.keys(f).length === 0)) return {};
      return parts.length === 1 ? parts[0] : { $or: parts };
    }
    case 'id-range':
      return { _id: { [`$${where.op}`]: where.id } };
    case 'updated': {
      const range: Cond = {};
      for (const op of ['gt', 'gte', 'lt', 'lte'] as const)
        if (where[op] !== undefined) range[`$${op}`] = where[op];
      return Object.keys(range).length === 0 ? {} : { lu: range };
    }
    case 'in-some-compartment':
      return { 'comp.0': { $exists: true } };
    default:
      return clauseFilter(where);
  }
}
