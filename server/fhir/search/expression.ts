/**
 * FHIRPath text handling for the registry: split a multi-resource SearchParameter.expression
 * (`A.x | B.y.where(resolve() is Patient)`) into the part for each resource type, and rewrite the parts
 * that would need a server (`resolve()`) into local checks (R4 searchparameter.html, fhirpath.html#resolve).
 */

/** Splits `text` on `sep` where it is outside parentheses, brackets and string literals. */
export function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '`' || ch === '"') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i).trim());
      start = i + sep.length;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** The type name an expression part starts from: `(Observation.value as Quantity)` → `Observation`. */
export function rootTypeOf(part: string): string | undefined {
  const m = /^\(*\s*([A-Za-z][A-Za-z0-9_]*)/.exec(part);
  return m ? m[1] : undefined;
}

/**
 * Groups the parts of an expression by the type they start from. Parts rooted at `Resource` or
 * `DomainResource` are returned under that name and apply to every type deriving from it. A part that
 * starts from an element instead of a type (R4 InsurancePlan-name: `name | alias`) belongs to the single
 * base of the parameter and is prefixed with it.
 */
export function partsByType(expression: string, bases: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of splitTopLevel(expression, '|')) {
    let part = raw;
    let root = rootTypeOf(part);
    if (!root) continue;
    const isType = bases.includes(root) || root === 'Resource' || root === 'DomainResource';
    if (!isType && bases.length === 1 && /^[a-z]/.test(root)) {
      root = bases[0];
      part = `${root}.${part}`;
    }
    const list = out.get(root) ?? [];
    list.push(part);
    out.set(root, list);
  }
  return out;
}

const RESOLVE_IS = /\.where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)/g;

/**
 * Rewrites `.where(resolve() is X)` into a check of the reference text (`X/id`, relative or absolute,
 * optionally versioned), so that extraction needs no resolver and stays synchronous.
 */
export function rewriteResolveIs(expression: string): string {
  return expression.replace(
    RESOLVE_IS,
    (_m, type: string) => `.where(reference.matches('^(.*/)?${type}/[^/]+(/_history/[^/]+)?$'))`,
  );
}

/**
 * The target types of a reference parameter for one type: when every part ends in `.where(resolve() is X)`
 * (R4 clinical-patient on CarePlan targets Patient|Group, but CarePlan's part only keeps Patients), only
 * those X; otherwise the declared targets.
 */
export function narrowTargets(parts: string[], declared: string[]): string[] {
  const types = parts.map((p) => /\.where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)\)?\s*$/.exec(p)?.[1]);
  if (parts.length === 0 || types.some((t) => t === undefined)) return declared;
  return [...new Set(types as string[])];
}

/**
 * Normalises type names FHIRPath resolves differently from the SearchParameter authors' intent:
 * `as(DateTime)` in R4 composite components means the FHIR `dateTime` type.
 */
export function normaliseTypeNames(expression: string): string {
  return expression.replace(/\bas\(DateTime\)/g, 'as(dateTime)');
}

/** Why an expression cannot be compiled for local synchronous evaluation, or undefined when it can. */
export function unsupportedReason(expression: string): string | undefined {
  if (/\bresolve\(\)/.test(expression)) return 'expression needs resolve() beyond a type check';
  if (/%resource\b/.test(expression)) return 'expression depends on %resource';
  if (/\b(memberOf|subsumes|subsumedBy|conformsTo)\(/.test(expression)) return 'expression needs terminology';
  return undefined;
}
