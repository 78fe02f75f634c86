/**
 * The search-parameter registry: for every resource type, the SearchParameters that apply to it (its own
 * and the `Resource`/`DomainResource` ones), each with its per-type expression split out of the
 * multi-resource expression and compiled once at start (evaluator.ts: a native walker for simple paths,
 * `fhirpath.compile(expr, r4model)` for the rest; shared between types when identical); plus the Patient
 * compartment membership (R4 compartmentdefinition-patient.html).
 */
import type { CompartmentDefinition, SearchParameter } from 'fhir/r4.js';
import type { R4Definitions } from '../definitions.js';
import {
  compileParts,
  compileRelative,
  modelReferenceTypes,
  type Evaluator,
  type RelativeEvaluator,
} from './evaluator.js';
import {
  narrowTargets,
  normaliseTypeNames,
  partsByType,
  rewriteResolveIs,
  unsupportedReason,
} from './expression.js';
import type { SearchParamType } from './index-entry.js';
import { boundSystemsFor, codeSystemsFor, type CodeSystemMap } from './code-systems.js';
import { createTerminology, type Terminology } from './terminology.js';

/** One component of a composite parameter (R4 search.html#composite). */
export interface CompositeComponentDef {
  /** Code of the SearchParameter the component refers to (e.g. `code`, `value-quantity`). */
  code: string;
  type: SearchParamType;
  /** Expression relative to the composite's base element. */
  expression: string;
  /** The component expression, compiled once, evaluated on each base element. */
  evaluate: RelativeEvaluator;
}

/** One search parameter as it applies to one resource type. */
export interface SearchParamDef {
  code: string;
  url: string;
  type: SearchParamType;
  resourceType: string;
  /** The expression for this type only, after rewriting (absent for `_id` and unsupported ones). */
  expression?: string;
  /** Target types of a reference parameter for this type (SearchParameter.target, narrowed; see targetsFor). */
  targets: string[];
  supported: boolean;
  /** Why the parameter is not supported, when it is not. */
  reason?: string;
  /** The compiled expression (absent for `_id`, which is the document `_id`, and unsupported ones). */
  evaluate?: Evaluator;
  components?: CompositeComponentDef[];
  /** token: the system implied by a required binding for plain `code` values (code-systems.ts). */
  codeSystems?: CodeSystemMap;
  /** token: the code systems of the required bindings the parameter reaches (for `:below` without a system). */
  boundSystems?: readonly string[];
}

/** Lookup of search parameters per resource type. */
export interface SearchRegistry {
  /** Concrete resource types known to the registry, sorted. */
  readonly resourceTypes: readonly string[];
  /** The parameter `code` of `type`, or undefined. */
  get(type: string, code: string): SearchParamDef | undefined;
  /** Every parameter of `type` (supported or not). */
  params(type: string): SearchParamDef[];
  /** Codes of the parameters of `type` that put a resource into a patient's compartment. */
  patientCompartmentParams(type: string): readonly string[];
  /** Whether `type` is a known concrete resource type. */
  isResourceType(type: string): boolean;
  /** Bundled ValueSets and CodeSystems for `:in`, `:not-in`, `:above`, `:below` on tokens. */
  readonly terminology: Terminology;
}

const PARAMS_WITHOUT_EXTRACTION = new Set(['_id']);

/**
 * Special parameters of every resource that the search layer resolves itself instead of from index entries
 * (R4 search.html#list and #has); they are declared so that the CapabilityStatement lists them.
 */
const RESOLVED_SPECIAL: ReadonlyArray<{ code: string; url: string }> = [
  { code: '_list', url: '' },
  { code: '_has', url: '' },
];
const KNOWN_UNSUPPORTED: Record<string, string> = {
  _text: 'narrative search is not supported',
  _content: 'full-text search is not supported',
  _query: 'named queries are not supported',
};

/** Types a parameter based on `Resource` or `DomainResource` applies to. */
function typesForBase(defs: R4Definitions, base: string): string[] {
  if (base === 'Resource') return defs.resourceTypes;
  if (base !== 'DomainResource') return [base];
  return defs.resourceTypes.filter(
    (t) => defs.resources.get(t)?.baseDefinition === 'http://hl7.org/fhir/StructureDefinition/DomainResource',
  );
}

/** Compiles each (root, expression parts) and each relative expression once, sharing the result. */
class CompileCache {
  private readonly absolute = new Map<string, Evaluator>();
  private readonly relative = new Map<string, RelativeEvaluator>();

  /** The evaluator of `parts` rooted at `root` (compiled on first request). */
  parts(root: string, parts: string[]): Evaluator {
    const key = `${root}\u0000${parts.join(' | ')}`;
    let fn = this.absolute.get(key);
    if (!fn) {
      fn = compileParts(root, parts.map(normaliseTypeNames));
      this.absolute.set(key, fn);
    }
    return fn;
  }

  /** The evaluator of a component expression relative to its base element. */
  component(expression: string): RelativeEvaluator {
    let fn = this.relative.get(expression);
    if (!fn) {
      fn = compileRelative(expression);
      this.relative.set(expression, fn);
    }
    return fn;
  }
}

/** Builds the components of a composite parameter, or the reason it cannot be supported. */
function buildComponents(
  sp: SearchParameter,
  byUrl: Map<string, SearchParameter>,
  cache: CompileCache,
): CompositeComponentDef[] | string {
  const out: CompositeComponentDef[] = [];
  for (const comp of sp.component ?? []) {
    const ref = byUrl.get(comp.definition);
    if (!ref?.code) return `component ${comp.definition} is unknown`;
    const expression = normaliseTypeNames(comp.expression);
    const reason = unsupportedReason(expression);
    if (reason) return reason;
    out.push({
      code: ref.code,
      type: ref.type as SearchParamType,
      expression,
      evaluate: cache.component(expression),
    });
  }
  return out;
}

/**
 * Target types of a reference parameter for one type: the declared targets, narrowed to the `resolve() is X`
 * checks of the parts and to the types the R4 model allows at the referenced element.
 */
function targetsFor(root: string, parts: string[], sp: SearchParameter): string[] {
  const declared = narrowTargets(parts, sp.target ?? []);
  if (sp.type !== 'reference' || parts.length === 0) return declared;
  const allowed = parts.map((p) => modelReferenceTypes(root, p));
  if (allowed.some((a) => a === undefined)) return declared;
  const union = new Set(allowed.flat() as string[]);
  const narrowed = declared.filter((t) => union.has(t));
  return narrowed.length > 0 ? narrowed : declared;
}

/** Compiles one parameter for one type from the expression parts that apply to it. */
function defineForType(
  sp: SearchParameter,
  type: string,
  root: string,
  parts: string[],
  byUrl: Map<string, SearchParameter>,
  cache: CompileCache,
): SearchParamDef {
  const code = sp.code ?? '';
  const def: SearchParamDef = {
    code,
    url: sp.url,
    type: sp.type as SearchParamType,
    resourceType: type,
    targets: targetsFor(root, parts, sp),
    supported: false,
  };
  if (PARAMS_WITHOUT_EXTRACTION.has(code)) return { ...def, supported: true };
  const known =
    KNOWN_UNSUPPORTED[code] ?? (def.type === 'special' ? 'special parameters are not supported' : undefined);
  if (known) return { ...def, reason: known };
  if (parts.length === 0) return { ...def, reason: 'no expression for this type' };
  const expression = normaliseTypeNames(rewriteResolveIs(parts.join(' | ')));
  const reason = unsupportedReason(expression);
  if (reason) return { ...def, expression, reason };
  try {
    const evaluate = cache.parts(root, parts);
    if (def.type !== 'composite') return { ...def, expression, supported: true, evaluate };
    const components = buildComponents(sp, byUrl, cache);
    if (typeof components === 'string') return { ...def, expression, reason: components };
    return { ...def, expression, supported: true, evaluate, components };
  } catch (err) {
    return { ...def, expression, reason: `expression does not compile: ${(err as Error).message}` };
  }
}

/** Reads the Patient CompartmentDefinition: resource type → parameter codes (R4 compartmentdefinition.html). */
function patientCompartment(compartments: CompartmentDefinition[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const patient = compartments.find((c) => c.code === 'Patient');
  for (const r of patient?.resource ?? []) if (r.param?.length) out.set(r.code, [...r.param]);
  return out;
}

/** Builds the registry from the R4 definitions plus `extra` parameters (which win on a code clash). */
export function buildSearchRegistry(defs: R4Definitions, extra: SearchParameter[] = []): SearchRegistry {
  const all = [...defs.searchParameters, ...extra];
  const byUrl = new Map(all.map((sp) => [sp.url, sp] as const));
  const cache = new CompileCache();
  const terminology = createTerminology(defs);
  const perType = new Map<string, Map<string, SearchParamDef>>(defs.resourceTypes.map((t) => [t, new Map()]));
  for (const sp of all) {
    if (!sp.code) continue;
    const parts = sp.expression ? partsByType(sp.expression, sp.base) : new Map<string, string[]>();
    for (const base of sp.base) {
      const ownParts = parts.get(base) ?? [];
      for (const type of typesForBase(defs, base)) {
        const map = perType.get(type);
        if (!map) continue;
        const def = defineForType(sp, type, base, ownParts, byUrl, cache);
        if (def.supported && def.type === 'token') {
          def.codeSystems = codeSystemsFor(defs, terminology, base, ownParts);
          def.boundSystems = boundSystemsFor(defs, terminology, base, ownParts);
        }
        map.set(sp.code, def);
      }
    }
  }
  for (const [type, map] of perType) {
    for (const { code, url } of RESOLVED_SPECIAL) {
      map.set(code, { code, url, type: 'special', resourceType: type, targets: [], supported: true });
    }
  }
  return makeRegistry(defs.resourceTypes, perType, patientCompartment(defs.compartments), terminology);
}

/** Wraps the per-type maps in the SearchRegistry interface. */
function makeRegistry(
  resourceTypes: string[],
  perType: Map<string, Map<string, SearchParamDef>>,
  compartment: Map<string, string[]>,
  terminology: Terminology,
): SearchRegistry {
  const lists = new Map<string, SearchParamDef[]>([...perType].map(([t, m]) => [t, [...m.values()]]));
  const compParams = new Map<string, string[]>(
    [...compartment].map(([t, codes]) => [t, codes.filter((c) => perType.get(t)?.get(c)?.supported)]),
  );
  const types = new Set(resourceTypes);
  return {
    resourceTypes: [...resourceTypes],
    get: (type, code) => perType.get(type)?.get(code),
    params: (type) => lists.get(type) ?? [],
    patientCompartmentParams: (type) => compParams.get(type) ?? [],
    isResourceType: (type) => types.has(type),
    terminology,
  };
}
