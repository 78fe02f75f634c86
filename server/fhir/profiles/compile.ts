/**
 * Compiles a StructureDefinition snapshot (R4 profiling.html#snapshot) into the element tree the profile
 * walker follows: parent and slice relations come from the element ids (`A.b:slice.c`), invariants are
 * compiled once, contentReference elements share the children of the element they point to.
 */
import type { ElementDefinition, StructureDefinition } from 'fhir/r4.js';
import { compileInvariant, type Invariant } from './invariants.js';
import type { CompiledProfile, Discriminator, ElementNode, Slicing, TypeRule } from './model.js';

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const FHIRPATH_TYPE_PREFIX = 'http://hl7.org/fhirpath/System.';

/** A snapshot that cannot be compiled (no snapshot, or elements out of order). */
export class ProfileCompileError extends Error {}

function parseMax(max: string | undefined): number {
  return max === undefined || max === '*' ? Infinity : Number(max);
}

function typeCode(t: NonNullable<ElementDefinition['type']>[number]): string {
  if (!t.code.startsWith(FHIRPATH_TYPE_PREFIX)) return t.code;
  const ext = t.extension?.find((x) => x.url === FHIR_TYPE_EXT);
  return ext?.valueUrl ?? 'string';
}

/** The `[prefix]Type` property of an element holding fixed[x] or pattern[x]. */
function valueOf(ed: ElementDefinition, prefix: 'fixed' | 'pattern'): readonly [string, unknown] | undefined {
  for (const [k, v] of Object.entries(ed)) {
    if (k.startsWith(prefix) && /^[A-Z]/.test(k.slice(prefix.length))) return [k.slice(prefix.length), v];
  }
  return undefined;
}

function slicingOf(ed: ElementDefinition): Slicing | undefined {
  if (!ed.slicing) return undefined;
  const discriminators: Discriminator[] = (ed.slicing.discriminator ?? []).map((d) => ({
    type: d.type,
    path: d.path,
  }));
  return { discriminators, rules: ed.slicing.rules };
}

function invariantsOf(ed: ElementDefinition): Invariant[] {
  const base = ed.path.replace(/\[x\]/g, '');
  const out: Invariant[] = [];
  for (const c of ed.constraint ?? []) {
    const inv = compileInvariant(c, base);
    if (inv) out.push(inv);
  }
  return out;
}

function makeNode(ed: ElementDefinition, id: string): ElementNode {
  const last = ed.path.slice(ed.path.lastIndexOf('.') + 1);
  const choice = last.endsWith('[x]');
  const baseMax = ed.base?.max ?? ed.max;
  const types: TypeRule[] = (ed.type ?? []).map((t) => ({
    code: typeCode(t),
    profiles: t.profile ?? [],
    targetProfiles: t.targetProfile ?? [],
  }));
  return {
    id,
    path: ed.path,
    name: choice ? last.slice(0, -3) : last,
    choice,
    min: ed.min ?? 0,
    max: parseMax(ed.max),
    isArray: baseMax !== '1' && baseMax !== '0',
    types,
    sliceName: ed.sliceName,
    fixed: valueOf(ed, 'fixed'),
    pattern: valueOf(ed, 'pattern'),
    requiredValueSet: ed.binding?.strength === 'required' ? ed.binding.valueSet : undefined,
    invariants: invariantsOf(ed),
    children: [],
    slicing: slicingOf(ed),
    slices: [],
    contentReference: ed.contentReference?.replace(/^#/, ''),
  };
}

/** Attaches a node to its parent (as a child) or to the element it slices (as a slice). */
function attach(byId: Map<string, ElementNode>, node: ElementNode, url: string): void {
  const dot = node.id.lastIndexOf('.');
  const parentId = node.id.slice(0, dot);
  const last = node.id.slice(dot + 1);
  const colon = last.indexOf(':');
  if (colon >= 0) {
    const sliced = byId.get(`${parentId}.${last.slice(0, colon)}`);
    if (!sliced) throw new ProfileCompileError(`${url}: slice ${node.id} comes before its element`);
    sliced.slices.push(node);
    return;
  }
  const parent = byId.get(parentId);
  if (!parent) throw new ProfileCompileError(`${url}: element ${node.id} comes before its parent`);
  parent.children.push(node);
}

/** Compiles one StructureDefinition with a snapshot. */
export function compileProfile(sd: StructureDefinition): CompiledProfile {
  const elements = sd.snapshot?.element ?? [];
  if (elements.length === 0) throw new ProfileCompileError(`${sd.url}: no snapshot`);
  const byId = new Map<string, ElementNode>();
  const root = makeNode(elements[0], elements[0].id ?? elements[0].path);
  byId.set(root.id, root);
  for (const ed of elements.slice(1)) {
    const node = makeNode(ed, ed.id ?? ed.path);
    byId.set(node.id, node);
    attach(byId, node, sd.url);
  }
  for (const node of byId.values()) {
    if (!node.contentReference) continue;
    const target = byId.get(node.contentReference);
    if (target) node.children.push(...target.children);
  }
  return { url: sd.url, version: sd.version, name: sd.name, type: sd.type, kind: sd.kind, root, byId };
}
