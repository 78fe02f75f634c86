/**
 * FHIRPath invariants (R4 elementdefinition.html#constraints, conformance-rules.html#constraints): each
 * error-level constraint is compiled once with fhirpath.js against the R4 model and evaluated on the
 * element it is declared on, with %resource and %rootResource set. A constraint holds when it evaluates to
 * true; an empty result (e.g. comparing dates of different precision) is not counted as a failure.
 */
import type { ElementDefinitionConstraint } from 'fhir/r4.js';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { compileShortcut, type Shortcut } from './invariant-shortcuts.js';
import { processCache } from './process-cache.js';

/** A compiled invariant. */
export interface Invariant {
  readonly key: string;
  readonly human: string;
  readonly expression: string;
  /** true = holds, false = violated, Error = could not be evaluated. */
  evaluate(node: unknown, resource: unknown): boolean | Error;
}

/**
 * Error-level R4 constraints not evaluated as FHIRPath here, and why: the check is done elsewhere (by the
 * base walk, validation/walker.ts and base-validator.ts), or it cannot be decided (marked NOT CHECKED).
 */
export const SKIPPED_CONSTRAINT_REASONS: Readonly<Record<string, string>> = {
  'ele-1': 'every element has a value or children: checked by the base walk (empty objects and arrays)',
  'ext-1': 'an extension has either extensions or a value[x], not both: checked by the base walk',
  'dom-2': 'a contained resource holds no contained resources: checked by the base walk',
  'dom-4': 'a contained resource has no meta.versionId or meta.lastUpdated: checked by the base walk',
  'dom-5': 'a contained resource has no security labels: checked by the base walk',
  'txt-1':
    'NOT CHECKED: the narrative holds only the allowed XHTML elements and attributes; deciding it needs an ' +
    'XHTML parser (htmlChecks() in R4 FHIRPath), which fhirpath.js does not provide; only the `<div` start is checked',
  'txt-2':
    'NOT CHECKED: the narrative has non-whitespace content (htmlChecks() as for txt-1); an empty div is ' +
    'refused by the base walk only when the string is empty',
};

const SKIPPED_CONSTRAINTS: ReadonlySet<string> = new Set(Object.keys(SKIPPED_CONSTRAINT_REASONS));

const silentTrace = () => undefined;

/**
 * dom-3 (R4 domainresource.html): every contained resource is referred to from elsewhere in the resource
 * (`#id` in a reference or a uri/canonical/url value), or refers to its container (`#`). fhirpath.js cannot
 * evaluate R4's expression (it applies the `as` operator to a collection and throws), so it is decided here
 * on the JSON: any string `#id` in the resource counts as a reference to `id`, any string `#` inside a
 * contained resource as a reference to the container.
 */
export function containedReferenced(resource: unknown): boolean {
  if (typeof resource !== 'object' || resource === null) return true;
  const contained = (resource as { contained?: unknown }).contained;
  if (!Array.isArray(contained) || contained.length === 0) return true;
  const local = new Set<string>();
  collectLocal(resource, local, 0);
  return contained.every((c) => {
    if (typeof c !== 'object' || c === null) return true;
    const id = (c as { id?: unknown }).id;
    if (typeof id !== 'string') return true; // a contained resource without an id is reported by the base walk
    if (local.has(`#${id}`)) return true;
    const inner = new Set<string>();
    collectLocal(c, inner, 0);
    return inner.has('#');
  });
}

function collectLocal(v: unknown, out: Set<string>, depth: number): void {
  if (depth > 100) return;
  if (typeof v === 'string') {
    if (v.startsWith('#')) out.add(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collectLocal(x, out, depth + 1);
  } else if (typeof v === 'object' && v !== null) {
    for (const k in v) collectLocal((v as Record<string, unknown>)[k], out, depth + 1);
  }
}

const UCUM = 'http://unitsofmeasure.org';

/** ras-1: a probability range's bounds are percentages (`%` in UCUM). fhirpath.js fails on `%ucum` here. */
function percentRange(node: unknown): boolean {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return true; // a decimal probability
  const percent = (q: unknown) => {
    if (q === undefined) return true;
    const { code, system } = (q ?? {}) as { code?: unknown; system?: unknown };
    return code === '%' && system === UCUM;
  };
  const { low, high } = node as { low?: unknown; high?: unknown };
  return percent(low) && percent(high);
}

/** que-7: an `exists` condition answers with a boolean. fhirpath.js types `answerBoolean` as FHIR.boolean, not Boolean. */
function existsAnswersBoolean(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return true;
  const when = node as Record<string, unknown>;
  if (when.operator !== 'exists') return true;
  const answers = Object.keys(when).filter((k) => k.startsWith('answer') && k.length > 'answer'.length);
  return answers.every((k) => k === 'answerBoolean' || k === '_answerBoolean');
}

/**
 * ctm-1: onBehalfOf only when the member is a Practitioner. `resolve()` needs the referenced resource, which
 * fhirpath.js resolves asynchronously only; here the member's type is read from its reference (`Type/id`, an
 * absolute URL ending so, or `#id` of a contained resource) or its `type`. A member that resolves to nothing
 * holds, as in the R4 expression.
 */
function onBehalfOfPractitioner(node: unknown, resource: unknown): boolean {
  if (typeof node !== 'object' || node === null) return true;
  const { onBehalfOf, member } = node as {
    onBehalfOf?: unknown;
    member?: { reference?: unknown; type?: unknown };
  };
  if (onBehalfOf === undefined) return true;
  const type = referencedTypeOf(member, resource);
  return type === undefined || type === 'Practitioner';
}

function referencedTypeOf(
  ref: { reference?: unknown; type?: unknown } | undefined,
  resource: unknown,
): string | undefined {
  if (!ref) return undefined;
  const r = ref.reference;
  if (typeof r === 'string') {
    if (r.startsWith('#')) {
      const contained = (resource as { contained?: unknown[] } | null)?.contained;
      const hit = Array.isArray(contained)
        ? (contained.find((c) => (c as { id?: unknown })?.id === r.slice(1)) as
            { resourceType?: unknown } | undefined)
        : undefined;
      return typeof hit?.resourceType === 'string' ? hit.resourceType : undefined;
    }
    const m = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(r);
    if (m) return m[1];
  }
  return typeof ref.type === 'string' ? ref.type : undefined;
}

/**
 * Constraints decided natively because fhirpath.js cannot evaluate their R4 expression (each listed with why
 * in its function); the test test/fhir/validate/r4-invariants.test.ts runs every official example through
 * the R4 invariants and expects none "could not be evaluated".
 */
/**
 * ref-1: a local reference `#id` names a contained resource of the root resource (`#` alone names the
 * container). fhirpath.js evaluates R4's expression, but through trace() and %rootResource, which the
 * walk's resource stands for; decided here directly.
 */
function localReferenceResolves(node: unknown, resource: unknown): boolean {
  if (typeof node !== 'object' || node === null) return true;
  const ref = (node as { reference?: unknown }).reference;
  if (typeof ref !== 'string' || !ref.startsWith('#') || ref === '#') return true;
  const contained = (resource as { contained?: unknown[] } | null)?.contained;
  return Array.isArray(contained) && contained.some((c) => (c as { id?: unknown })?.id === ref.slice(1));
}

const NATIVE: Record<string, (node: unknown, resource: unknown) => boolean> = {
  'ref-1': localReferenceResolves,
  'dom-3': (node) => containedReferenced(node),
  'ctm-1': onBehalfOfPractitioner,
  'ras-1': (node) => percentRange(node),
  'que-7': (node) => existsAnswersBoolean(node),
};

type Compiled = (node: unknown, env: Record<string, unknown>) => unknown[];

/** Compiled expressions by base path and text, shared by every validator of the process. */
const compiledCache = processCache('fhirpath-invariants', () => new Map<string, Compiled | null>());

function compileOnce(base: string, expression: string): Compiled | null {
  const key = `${base}\u0000${expression}`;
  let fn = compiledCache.get(key);
  if (fn === undefined) {
    try {
      fn = fhirpath.compile({ base, expression }, r4model, { traceFn: silentTrace }) as unknown as Compiled;
    } catch {
      fn = null;
    }
    compiledCache.set(key, fn);
  }
  return fn;
}

/**
 * An error-level constraint for elements at `basePath`; undefined when skipped. The FHIRPath is compiled on
 * first evaluation (once per expression and process), which keeps the server's start-up short; an
 * expression fhirpath.js cannot compile is treated as satisfied.
 */
export function compileInvariant(c: ElementDefinitionConstraint, basePath: string): Invariant | undefined {
  if (c.severity !== 'error' || !c.expression || SKIPPED_CONSTRAINTS.has(c.key)) return undefined;
  const expression = c.expression;
  let broken = false;
  let shortcut: Shortcut | undefined | null = null;
  let compiled: Compiled | null | undefined;
  const native = Object.hasOwn(NATIVE, c.key) ? NATIVE[c.key] : undefined;
  return {
    key: c.key,
    human: c.human,
    expression,
    evaluate(node, resource) {
      if (native) return native(node, resource);
      if (compiled === undefined) compiled = compileOnce(basePath, expression);
      const fn = broken ? null : compiled;
      if (!fn) return true;
      // Decided on the JSON when the expression's shape allows it (invariant-shortcuts.ts), else FHIRPath.
      if (shortcut === null) shortcut = compileShortcut(basePath, expression);
      if (shortcut && typeof node === 'object' && node !== null && !Array.isArray(node)) {
        const decided = shortcut(node as Record<string, unknown>);
        if (decided !== undefined) return decided;
      }
      try {
        const out = fn(node, { resource, rootResource: resource });
        if (out.length === 0) return true;
        return out.length === 1 && out[0] === true;
      } catch (err) {
        // A regex JavaScript cannot compile (R4 eld-19 escapes a quote) fails on any data: not checkable.
        if (err instanceof SyntaxError) {
          broken = true;
          return true;
        }
        return err instanceof Error ? err : new Error(String(err));
      }
    },
  };
}
