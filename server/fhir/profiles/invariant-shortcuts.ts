/**
 * Native shortcuts for FHIRPath invariants (R4 fhirpath.html#boolean-logic): an expression that is a
 * top-level `or` of terms is true as soon as one term is true. Terms of a few shapes are decided directly
 * on the JSON (`x.empty()`, `x.exists()`, `x.hasValue().not()`, `x.y.where(f = 'v').empty()`, a chain on
 * an absent `x` ending in `.empty()`, `(a <= b)` on dates of one precision); when no term decides the
 * result, the caller evaluates the FHIRPath as before. Elements are looked up with the R4 model (choice elements, `_x` companions), so
 * a decided result is the one fhirpath.js gives.
 */
import r4model from 'fhirpath/fhir-context/r4';
import { splitTopLevel } from '../search/expression.js';

/** true / false when decided natively, undefined when the FHIRPath must be evaluated. */
export type Shortcut = (node: Record<string, unknown>) => boolean | undefined;

type Term = (node: Record<string, unknown>) => boolean | undefined;

const { path2Type, choiceTypePaths } = r4model;

/** Functions that give an empty result on an empty input (so a chain over an absent element stays empty, as members do). */
const EMPTY_PRESERVING = /^(where|select|trace|ofType|as|first|last|tail|distinct)\(.*\)$/s;
const IDENT = /^[a-z][A-Za-z0-9]*$/;
const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);

const present = (v: unknown): boolean =>
  Array.isArray(v) ? v.some((x) => x !== null && x !== undefined) : v !== null && v !== undefined;

/** Whether `name` (a member of the element at `base`) has any value or extension in `node`. */
function presenceOf(base: string, name: string): ((node: Record<string, unknown>) => boolean) | undefined {
  const key = `${base}.${name}`;
  const suffixes = choiceTypePaths[key];
  if (suffixes) {
    const props = suffixes.flatMap((s) => [name + s, `_${name}${s}`]);
    return (node) => props.some((p) => present(node[p]));
  }
  if (path2Type[key] === undefined) return undefined;
  const ext = `_${name}`;
  return (node) => present(node[name]) || present(node[ext]);
}

/** Same-precision date comparison `a <= b`; undefined when the precisions or forms differ. */
function dateLessOrEqual(a: string, b: string): boolean | undefined {
  if (a.length !== b.length) return undefined;
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(a) && /^\d{4}(-\d{2}(-\d{2})?)?$/.test(b)) return a <= b;
  const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;
  const ma = instant.exec(a);
  const mb = instant.exec(b);
  if (!ma || !mb || (ma[1] ?? '').length !== (mb[1] ?? '').length) return undefined;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isNaN(ta) || Number.isNaN(tb) ? undefined : ta <= tb;
}

/** `(a <= b)` over two single date elements of `base`. */
function compareTerm(base: string, term: string): Term | undefined {
  const m = /^\(?([a-z][A-Za-z0-9]*) <= ([a-z][A-Za-z0-9]*)\)?$/.exec(term);
  if (!m || term.startsWith('(') !== term.endsWith(')')) return undefined;
  const [, a, b] = m;
  if (!DATE_TYPES.has(path2Type[`${base}.${a}`] ?? '') || !DATE_TYPES.has(path2Type[`${base}.${b}`] ?? ''))
    return undefined;
  return (node) => {
    const va = node[a];
    const vb = node[b];
    return typeof va === 'string' && typeof vb === 'string' ? dateLessOrEqual(va, vb) : undefined;
  };
}

/** A term `x.empty()`, `x.exists()`, `x.hasValue().not()` or `x.<empty-preserving chain>.empty()`. */
function memberTerm(base: string, term: string): Term | undefined {
  const steps = splitTopLevel(term, '.');
  if (steps.length < 2 || !IDENT.test(steps[0])) return undefined;
  const has = presenceOf(base, steps[0]);
  if (!has) return undefined;
  const name = steps[0];
  const tail = steps.slice(1).join('.');
  if (tail === 'empty()') return (node) => !has(node);
  if (tail === 'exists()') return (node) => has(node);
  if (tail === 'hasValue().not()' && !choiceTypePaths[`${base}.${name}`]) {
    return (node) => {
      const v = node[name];
      if (Array.isArray(v)) return undefined;
      return v === null || v === undefined || typeof v === 'object';
    };
  }
  const chain = steps.slice(1, -1);
  const preserving = (s: string): boolean => IDENT.test(s) || EMPTY_PRESERVING.test(s);
  if (steps[steps.length - 1] !== 'empty()' || !chain.every(preserving)) return undefined;
  return (node) => (has(node) ? undefined : true);
}

/** The objects reached from `node` along member names (arrays flattened), or undefined off the model. */
function navigator(
  base: string,
  names: string[],
): ((node: Record<string, unknown>) => unknown[]) | undefined {
  let at = base;
  for (const name of names) {
    const key = `${at}.${name}`;
    const type = path2Type[key];
    if (choiceTypePaths[key] || type === undefined || !/^[A-Z]/.test(type)) return undefined;
    at = type === 'BackboneElement' || type === 'Element' ? key : type;
  }
  return (node) => {
    let level: unknown[] = [node];
    for (const name of names) {
      const next: unknown[] = [];
      for (const o of level) {
        const v = (o as Record<string, unknown>)[name];
        if (Array.isArray(v)) for (const x of v) if (typeof x === 'object' && x !== null) next.push(x);
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) next.push(v);
      }
      level = next;
    }
    return level;
  };
}

/** `a.b.where(f = 'v' and g = 'w').empty()` (or `.exists()`): string fields compared with literals. */
function whereTerm(base: string, term: string): Term | undefined {
  const steps = splitTopLevel(term, '.');
  const last = steps.pop();
  const where = /^where\((.*)\)$/.exec(steps.pop() ?? '');
  if ((last !== 'empty()' && last !== 'exists()') || !where || !steps.every((x) => IDENT.test(x)))
    return undefined;
  const conds: Array<[string, string]> = [];
  for (const part of where[1].split(' and ')) {
    const m = /^([a-z][A-Za-z0-9]*)\s*=\s*'([^'\\]*)'$/.exec(part.trim());
    if (!m) return undefined;
    conds.push([m[1], m[2]]);
  }
  const reach = navigator(base, steps);
  if (!reach) return undefined;
  return (node) => {
    let found = false;
    for (const o of reach(node) as Array<Record<string, unknown>>) {
      let all = true;
      for (const [field, literal] of conds) {
        const v = o[field];
        if (v !== undefined && typeof v !== 'string') return undefined;
        if (v !== literal) all = false;
      }
      if (all) found = true;
    }
    return last === 'empty()' ? !found : found;
  };
}

/** The shortcut of an invariant expression on elements at `base`, or undefined when none applies. */
export function compileShortcut(base: string, expression: string): Shortcut | undefined {
  if (/[\r\n\t]/.test(expression)) return undefined;
  if (splitTopLevel(expression, ' implies ').length > 1 || splitTopLevel(expression, ' xor ').length > 1)
    return undefined;
  const terms = splitTopLevel(expression, ' or ').map(
    (t) => whereTerm(base, t) ?? memberTerm(base, t) ?? compareTerm(base, t),
  );
  if (terms.every((t) => t === undefined)) return undefined;
  return (node) => {
    let decided = true;
    for (const term of terms) {
      const r = term ? term(node) : undefined;
      if (r === true) return true;
      if (r === undefined) decided = false;
    }
    return decided ? false : undefined;
  };
}
