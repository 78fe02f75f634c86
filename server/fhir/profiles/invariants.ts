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
 * Constraints checked elsewhere or not checkable here: ele-1, ext-1, dom-2, dom-4 and dom-5 by the base
 * walk; txt-1/txt-2 need an XHTML parser (htmlChecks); ref-1 relies on trace() of contained ids.
 */
export const SKIPPED_CONSTRAINTS: ReadonlySet<string> = new Set([
  'ele-1',
  'ext-1',
  'dom-2',
  'dom-4',
  'dom-5',
  'txt-1',
  'txt-2',
  'ref-1',
]);

const silentTrace = () => undefined;

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
  return {
    key: c.key,
    human: c.human,
    expression,
    evaluate(node, resource) {
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
