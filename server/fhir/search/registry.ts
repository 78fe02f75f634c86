/**
 * The search-parameter registry: for every resource type, the SearchParameters that apply to it (its own
 * and the `Resource`/`DomainResource` ones), each with its per-type expression split out of the
 * multi-resource expression and compiled once at start (evaluator.ts: a native walker for simple paths,
 * `fhirpath.compile(expr, r4model)` for the rest; shared between types when identical); plus the Patient
 * compartment membership (R4 compartmentdefinition-patient.html).
 *
 * SearchParameters registered at run time (fhir/runtime-params/) are added and removed per registration;
 * a parameter whose type's resources are not all indexed for it yet is *pending*: it is extracted on every
 * write like any other, but searches treat it as not supported (search/README.md "Run-time parameters").
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
  /**
   * Extracted on every write but not yet searchable: some resources of the type were written before the
   * parameter existed (or changed) and wait for `$reindex`; `supported` is false and `reason` says so.
   */
  pending?: boolean;
  /** The id of the SearchParameter resource that registered the parameter at run time (absent: built in). */
  runtime?: string;
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
  /** Changes whenever a parameter is registered, removed, or becomes pending or active (derived caches key on it). */
  readonly generation: number;
}

/** The registry with the changes run-time SearchParameters make (fhir/runtime-params/). */
export interface MutableSearchRegistry extends SearchRegistry {
  /** The definitions `sp` would have on each of its bases that is a concrete type (registers nothing). */
  compile(sp: SearchParameter): Map<string, SearchParamDef>;
  /** The built-in parameter `code` of `type` (R4 and profiles/), whatever is registered at run time. */
  builtIn(type: string, code: string): SearchParamDef | undefined;
  /** The built-in SearchParameter with this canonical URL, if any. */
  builtInByUrl(url: string): SearchParameter | undefined;
  /** The built-in SearchParameter with this resource id, if any. */
  builtInById(id: string): SearchParameter | undefined;
  /** Registers (or replaces, or with `sp` undefined removes) the parameters of run-time registration `id`. */
  setRuntime(id: string, sp: SearchParameter | undefined): void;
  /** Marks parameter `code` of `type` pending with `reason`, or active when `reason` is undefined. */
  setPending(type: string, code: string, reason: string | undefined): void;
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
export function buildSearchRegistry(
  defs: R4Definitions,
  extra: SearchParameter[] = [],
): MutableSearchRegistry {
  const all = [...defs.searchParameters, ...extra];
  const byUrl = new Map(all.map((sp) => [sp.url, sp] as const));
  const cache = new CompileCache();
  const terminology = createTerminology(defs);
  const perType = new Map<string, Map<string, SearchParamDef>>(defs.resourceTypes.map((t) => [t, new Map()]));
  const define = (sp: SearchParameter, base: string, type: string, parts: string[]): SearchParamDef => {
    const def = defineForType(sp, type, base, parts, byUrl, cache);
    if (def.supported && def.type === 'token') {
      def.codeSystems = codeSystemsFor(defs, terminology, base, parts);
      def.boundSystems = boundSystemsFor(defs, terminology, base, parts);
    }
    return def;
  };
  for (const sp of all) {
    if (!sp.code) continue;
    const parts = sp.expression ? partsByType(sp.expression, sp.base) : new Map<string, string[]>();
    for (const base of sp.base) {
      const ownParts = parts.get(base) ?? [];
      for (const type of typesForBase(defs, base)) {
        perType.get(type)?.set(sp.code, define(sp, base, type, ownParts));
      }
    }
  }
  for (const [type, map] of perType) {
    for (const { code, url } of RESOLVED_SPECIAL) {
      map.set(code, { code, url, type: 'special', resourceType: type, targets: [], supported: true });
    }
  }
  const compile = (sp: SearchParameter): Map<string, SearchParamDef> => {
    const out = new Map<string, SearchParamDef>();
    const parts = sp.expression ? partsByType(sp.expression, sp.base) : new Map<string, string[]>();
    for (const base of sp.base) {
      if (perType.has(base)) out.set(base, define(sp, base, base, parts.get(base) ?? []));
    }
    return out;
  };
  return new Registry(defs.resourceTypes, perType, patientCompartment(defs.compartments), terminology, {
    compile,
    byUrl,
    builtInUrls: new Map(all.map((sp) => [sp.url, sp] as const)),
    builtInIds: new Map(all.flatMap((sp) => (sp.id ? [[sp.id, sp] as const] : []))),
  });
}

/** The SearchRegistry: the built-in maps, run-time registrations and pending marks over them. */
class Registry implements MutableSearchRegistry {
  readonly resourceTypes: readonly string[];
  generation = 0;
  private readonly effective = new Map<string, Map<string, SearchParamDef>>();
  private readonly lists = new Map<string, SearchParamDef[]>();
  private readonly compParams: Map<string, string[]>;
  private readonly types: ReadonlySet<string>;
  /** Run-time registrations: id → its SearchParameter and its definitions per type. */
  private readonly runtimeDefs = new Map<
    string,
    { sp: SearchParameter; defs: Map<string, SearchParamDef> }
  >();
  /** Pending marks: type → code → reason. */
  private readonly pendingMarks = new Map<string, Map<string, string>>();

  constructor(
    resourceTypes: string[],
    private readonly builtIns: Map<string, Map<string, SearchParamDef>>,
    compartment: Map<string, string[]>,
    readonly terminology: Terminology,
    private readonly parts: {
      compile: (sp: SearchParameter) => Map<string, SearchParamDef>;
      byUrl: Map<string, SearchParameter>;
      builtInUrls: Map<string, SearchParameter>;
      builtInIds: Map<string, SearchParameter>;
    },
  ) {
    this.resourceTypes = [...resourceTypes];
    this.types = new Set(resourceTypes);
    this.compParams = new Map(
      [...compartment].map(([t, codes]) => [t, codes.filter((c) => builtIns.get(t)?.get(c)?.supported)]),
    );
    for (const type of resourceTypes) this.rebuild(type);
  }

  get(type: string, code: string): SearchParamDef | undefined {
    return this.effective.get(type)?.get(code);
  }

  params(type: string): SearchParamDef[] {
    return this.lists.get(type) ?? [];
  }

  patientCompartmentParams(type: string): readonly string[] {
    return this.compParams.get(type) ?? [];
  }

  isResourceType(type: string): boolean {
    return this.types.has(type);
  }

  compile(sp: SearchParameter): Map<string, SearchParamDef> {
    return this.parts.compile(sp);
  }

  builtIn(type: string, code: string): SearchParamDef | undefined {
    return this.builtIns.get(type)?.get(code);
  }

  builtInByUrl(url: string): SearchParameter | undefined {
    return this.parts.builtInUrls.get(url);
  }

  builtInById(id: string): SearchParameter | undefined {
    return this.parts.builtInIds.get(id);
  }

  setRuntime(id: string, sp: SearchParameter | undefined): void {
    const old = this.runtimeDefs.get(id);
    if (old) this.parts.byUrl.delete(old.sp.url);
    this.runtimeDefs.delete(id);
    const touched = new Set(old?.defs.keys() ?? []);
    if (sp) {
      this.parts.byUrl.set(sp.url, sp);
      const defs = this.parts.compile(sp);
      for (const def of defs.values()) def.runtime = id;
      this.runtimeDefs.set(id, { sp, defs });
      for (const type of defs.keys()) touched.add(type);
    }
    for (const type of touched) this.rebuild(type);
  }

  setPending(type: string, code: string, reason: string | undefined): void {
    const marks = this.pendingMarks.get(type) ?? new Map<string, string>();
    if (marks.get(code) === reason) return;
    if (reason === undefined) marks.delete(code);
    else marks.set(code, reason);
    this.pendingMarks.set(type, marks);
    this.rebuild(type);
  }

  /** Recomputes the parameters of one type: built-ins, then run-time ones, then pending marks. */
  private rebuild(type: string): void {
    const map = new Map(this.builtIns.get(type));
    for (const { defs } of this.runtimeDefs.values()) {
      const def = defs.get(type);
      if (def && !map.has(def.code)) map.set(def.code, def);
    }
    for (const [code, reason] of this.pendingMarks.get(type) ?? []) {
      const def = map.get(code);
      if (def?.evaluate) map.set(code, { ...def, supported: false, pending: true, reason });
    }
    this.effective.set(type, map);
    this.lists.set(type, [...map.values()]);
    this.generation++;
  }
}
