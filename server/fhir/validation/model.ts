/**
 * The compiled lookup the base validator walks: per type (and per backbone element) a map from JSON
 * property name to what the StructureDefinition snapshot says about it (R4 elementdefinition.html,
 * json.html: choice elements `[x]` appear in JSON as `name` + capitalised type, e.g. `onsetDateTime`).
 */
import type { ElementDefinition, StructureDefinition } from 'fhir/r4.js';
import type { R4Definitions } from '../definitions.js';
import { createBindingResolver } from './bindings.js';

/** How the validator treats a value of a given type. */
export type SlotKind = 'primitive' | 'xhtml' | 'complex' | 'resource';

/** One element of a type or backbone element, as declared in a snapshot. */
export interface ElementInfo {
  /** Element name without `[x]` (e.g. `onset`, `status`). */
  readonly name: string;
  readonly min: number;
  /** Maximum cardinality; `Infinity` for `*`. */
  readonly max: number;
  /** True when the JSON form is an array (max is `*` or > 1). */
  readonly isArray: boolean;
  /** True for `[x]` elements. */
  readonly choice: boolean;
  /** True for Element.id and Extension.url (XML attributes, typed System.String): no `_name` in JSON. */
  readonly attribute: boolean;
  /** JSON property names that make the element present (`status`, `_status`, `onsetDateTime`, ...). */
  readonly presenceKeys: readonly string[];
  /** Codes allowed by a resolvable required binding on a `code` element; undefined when none or unresolvable. */
  readonly requiredCodes?: ReadonlySet<string>;
  /** Canonical URL of that required ValueSet (for diagnostics). */
  readonly valueSet?: string;
  /** Resource types a Reference may target; undefined when any resource type is allowed. */
  readonly targetTypes?: ReadonlySet<string>;
}

/** One JSON property of an object: an element, with the concrete type the property name selects. */
export interface Slot {
  readonly element: ElementInfo;
  /** FHIR type code (`string`, `CodeableConcept`, `BackboneElement`, `Resource`, ...). */
  readonly type: string;
  readonly kind: SlotKind;
  /** FHIRPath segment for expressions: `status`, or `onset.ofType(dateTime)` for a choice. */
  readonly segment: string;
  /** Model of the object's children for complex and backbone values (set after all types are compiled). */
  model?: TypeModel;
}

/** The compiled shape of a complex type, resource or backbone element. */
export interface TypeModel {
  /** Type name or element path (`Condition`, `Quantity`, `Condition.stage`). */
  readonly name: string;
  readonly slots: Map<string, Slot>;
  /** Elements with min > 0. */
  readonly required: ElementInfo[];
}

/** Everything the validator needs, compiled once. */
export interface CompiledModel {
  /** Models of concrete resource types. */
  readonly resources: Map<string, TypeModel>;
  /** Model of the `{id, extension}` object of a primitive's `_name` property. */
  readonly primitiveElement: TypeModel;
  /** Every known resource type name, including abstract ones (for reference checks). */
  readonly allResourceTypes: ReadonlySet<string>;
}

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const FHIRPATH_TYPE_PREFIX = 'http://hl7.org/fhirpath/';
const SD_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

const compiled = new WeakMap<R4Definitions, CompiledModel>();

/** The compiled model of `defs`, compiled once per definitions object and shared by its users. */
export function compiledModelOf(defs: R4Definitions): CompiledModel {
  let m = compiled.get(defs);
  if (!m) {
    m = compileModel(defs);
    compiled.set(defs, m);
  }
  return m;
}

/** Compiles the snapshots of every resource and data type into lookup models (R4 structuredefinition.html). */
export function compileModel(defs: R4Definitions): CompiledModel {
  const primitives = new Set<string>();
  for (const sd of defs.types.values()) if (sd.kind === 'primitive-type') primitives.add(sd.type);
  const builder = new ModelBuilder(primitives, createBindingResolver(defs));
  const typeModels = new Map<string, TypeModel>();
  for (const sd of defs.types.values()) {
    if (sd.kind === 'complex-type') typeModels.set(sd.type, builder.build(sd, false));
  }
  const resources = new Map<string, TypeModel>();
  for (const sd of defs.resources.values()) {
    const m = builder.build(sd, true);
    if (!sd.abstract) resources.set(sd.type, m);
  }
  builder.link(typeModels);
  return {
    resources,
    primitiveElement: primitiveElementModel(typeModels),
    allResourceTypes: new Set(defs.resources.keys()),
  };
}

/** `{id, extension}`: the children of a primitive data type other than its value. */
function primitiveElementModel(typeModels: Map<string, TypeModel>): TypeModel {
  const element = typeModels.get('Element');
  const slots = new Map<string, Slot>();
  for (const key of ['id', 'extension']) {
    const s = element?.slots.get(key);
    if (s) slots.set(key, s);
  }
  return { name: 'Element', slots, required: [] };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function parseMax(max: string | undefined): number {
  if (max === undefined || max === '*') return Infinity;
  const n = Number(max);
  return Number.isFinite(n) ? n : Infinity;
}

/** Builds models element by element; complex children are linked once all models exist. */
class ModelBuilder {
  /** Models by type name or backbone path. */
  private readonly byPath = new Map<string, TypeModel>();
  /** Slots whose model is still to be resolved: [slot, model key]. */
  private readonly pending: [Slot, string][] = [];

  constructor(
    private readonly primitives: ReadonlySet<string>,
    private readonly bindings: ReturnType<typeof createBindingResolver>,
  ) {}

  /** Compiles one StructureDefinition (its root and every backbone element). */
  build(sd: StructureDefinition, isResource: boolean): TypeModel {
    const elements = sd.snapshot?.element ?? [];
    const root: TypeModel = { name: sd.type, slots: new Map(), required: [] };
    this.byPath.set(sd.type, root);
    const withChildren = new Set<string>();
    for (const ed of elements) {
      const dot = ed.path.lastIndexOf('.');
      if (dot > 0) withChildren.add(ed.path.slice(0, dot));
    }
    for (const ed of elements) {
      const dot = ed.path.lastIndexOf('.');
      if (dot < 0 || ed.sliceName || ed.max === '0') continue;
      const parentPath = ed.path.slice(0, dot);
      const parent = this.modelFor(parentPath);
      const isRootId = isResource && parentPath === sd.type && ed.path.slice(dot + 1) === 'id';
      this.addElement(parent, ed, isRootId, withChildren.has(ed.path));
    }
    return root;
  }

  private modelFor(path: string): TypeModel {
    let m = this.byPath.get(path);
    if (!m) {
      m = { name: path, slots: new Map(), required: [] };
      this.byPath.set(path, m);
    }
    return m;
  }

  private addElement(
    parent: TypeModel,
    ed: ElementDefinition,
    isRootId: boolean,
    hasChildren: boolean,
  ): void {
    const rawName = ed.path.slice(ed.path.lastIndexOf('.') + 1);
    const choice = rawName.endsWith('[x]');
    const name = choice ? rawName.slice(0, -3) : rawName;
    const types = isRootId ? ['id'] : this.typeCodes(ed);
    const attribute = !isRootId && (ed.type ?? []).some((t) => t.code.startsWith(FHIRPATH_TYPE_PREFIX));
    const keys = choice ? types.map((t) => name + capitalise(t)) : [name];
    const max = parseMax(ed.max);
    const binding = types.includes('code') ? this.bindings.requiredCodes(ed) : undefined;
    const element: ElementInfo = {
      name,
      min: ed.min ?? 0,
      max,
      isArray: max > 1,
      choice,
      attribute,
      presenceKeys: keys.flatMap((k, i) =>
        attribute || !this.primitives.has(types[i]) ? [k] : [k, '_' + k],
      ),
      requiredCodes: binding?.codes,
      valueSet: binding?.url,
      targetTypes: targetTypes(ed),
    };
    types.forEach((type, i) => {
      const slot: Slot = {
        element,
        type,
        kind: this.kindOf(type),
        segment: choice ? `${name}.ofType(${type})` : name,
      };
      parent.slots.set(keys[i], slot);
      if (ed.contentReference) this.pending.push([slot, ed.contentReference.replace(/^#/, '')]);
      else if (hasChildren) this.pending.push([slot, ed.path]);
      else if (slot.kind === 'complex') this.pending.push([slot, type]);
    });
    if (element.min > 0) parent.required.push(element);
  }

  private typeCodes(ed: ElementDefinition): string[] {
    if (ed.contentReference) return ['BackboneElement'];
    return (ed.type ?? []).map((t) => {
      if (!t.code.startsWith(FHIRPATH_TYPE_PREFIX)) return t.code;
      const ext = t.extension?.find((x) => x.url === FHIR_TYPE_EXT);
      return ext?.valueUrl ?? 'string';
    });
  }

  private kindOf(type: string): SlotKind {
    if (type === 'xhtml') return 'xhtml';
    if (type === 'Resource') return 'resource';
    return this.primitives.has(type) ? 'primitive' : 'complex';
  }

  /** Resolves every complex slot to the model of its children. */
  link(typeModels: Map<string, TypeModel>): void {
    for (const [slot, key] of this.pending) {
      slot.model = this.byPath.get(key) ?? typeModels.get(key);
    }
    this.pending.length = 0;
  }
}

/** Resource types allowed by the Reference type's targetProfiles; undefined when any is allowed. */
function targetTypes(ed: ElementDefinition): ReadonlySet<string> | undefined {
  const out = new Set<string>();
  for (const t of ed.type ?? []) {
    if (t.code !== 'Reference') continue;
    for (const p of t.targetProfile ?? []) {
      if (!p.startsWith(SD_PREFIX)) return undefined;
      const name = p.slice(SD_PREFIX.length);
      if (name === 'Resource' || name === 'DomainResource') return undefined;
      out.add(name);
    }
  }
  return out.size > 0 ? out : undefined;
}
