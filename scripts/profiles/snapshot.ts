/**
 * Snapshot generation (R4 profiling.html#snapshot, elementdefinition.html#interpretation): the snapshot
 * of a constraint is its base's snapshot with each differential element merged into the element of the
 * same id. A differential element that the base does not have is either a new slice (a copy of the
 * sliced element and its children, inserted after that element's existing slices) or a child of a
 * data-typed element, whose children are then expanded from the data type's own snapshot.
 */
import type { ElementDefinition, ElementDefinitionConstraint } from 'fhir/r4.js';
import { orderElement } from './order.js';

/** Where the generator finds the snapshot of a data type (for expanding children). */
export type TypeSnapshots = (type: string) => ElementDefinition[] | undefined;

/** A differential that cannot be applied to its base (a bug in our profile sources). */
export class SnapshotError extends Error {
  constructor(profile: string, message: string) {
    super(`${profile}: ${message}`);
    this.name = 'SnapshotError';
  }
}

type Json = Record<string, unknown>;

/** Keys of a differential element that replace the base value. */
const REPLACED = [
  'label',
  'short',
  'definition',
  'comment',
  'requirements',
  'alias',
  'min',
  'max',
  'slicing',
  'type',
  'meaningWhenMissing',
  'maxLength',
  'mustSupport',
  'isModifier',
  'isModifierReason',
  'isSummary',
  'binding',
] as const;

const VALUE_PREFIXES = ['fixed', 'pattern', 'minValue', 'maxValue'];

function isValueKey(key: string): boolean {
  return VALUE_PREFIXES.some((p) => key.startsWith(p) && /^[A-Z]/.test(key.slice(p.length)));
}

/** `A.b:s.c` → `A.b.c` (slice names never contain dots in our profiles). */
export function pathOfId(id: string): string {
  return id
    .split('.')
    .map((seg) => seg.replace(/:.*$/, ''))
    .join('.');
}

function parentId(id: string): string {
  return id.slice(0, id.lastIndexOf('.'));
}

function maxNumber(max: string | undefined): number {
  return max === undefined || max === '*' ? Infinity : Number(max);
}

/** Generates the snapshot of a profile from the base snapshot and the profile's differential. */
export function generateSnapshot(
  profile: string,
  base: readonly ElementDefinition[],
  differential: readonly ElementDefinition[],
  types: TypeSnapshots,
): ElementDefinition[] {
  const out = base.map((e) => structuredClone(e));
  for (const d of differential) {
    if (!d.id) throw new SnapshotError(profile, `differential element ${d.path} has no id`);
    const index = ensureElement(profile, out, d.id, types);
    out[index] = mergeElement(profile, out[index], d);
  }
  return out.map(orderElement);
}

function indexOf(out: ElementDefinition[], id: string): number {
  return out.findIndex((e) => e.id === id);
}

/** The index of element `id`, creating it (and its ancestors) when the base does not have it. */
function ensureElement(profile: string, out: ElementDefinition[], id: string, types: TypeSnapshots): number {
  const found = indexOf(out, id);
  if (found >= 0) return found;
  const last = id.slice(id.lastIndexOf('.') + 1);
  if (!id.includes('.')) throw new SnapshotError(profile, `unknown root element ${id}`);
  if (last.includes(':')) return createSlice(profile, out, id, types);
  const parent = parentId(id);
  const pIndex = ensureElement(profile, out, parent, types);
  if (!out.some((e) => e.id?.startsWith(parent + '.'))) expandChildren(profile, out, pIndex, types);
  const index = indexOf(out, id);
  if (index < 0) throw new SnapshotError(profile, `${id}: the base has no such element`);
  return index;
}

/** Inserts slice `P:name` as a copy of `P` and its descendants, after P's family. */
function createSlice(profile: string, out: ElementDefinition[], id: string, types: TypeSnapshots): number {
  const sliced = id.replace(/:[^:.]+$/, '');
  const sIndex = ensureElement(profile, out, sliced, types);
  const sliceName = id.slice(sliced.length + 1);
  const family = (e: ElementDefinition) =>
    e.id === sliced || !!e.id?.startsWith(sliced + '.') || !!e.id?.startsWith(sliced + ':');
  let end = sIndex;
  while (end + 1 < out.length && family(out[end + 1])) end++;
  const head = structuredClone(out[sIndex]);
  delete head.slicing;
  // A slice's own minimum starts at 0: the sliced element's minimum counts every slice together.
  head.min = 0;
  head.id = id;
  head.sliceName = sliceName;
  const copies = out
    .filter((e) => e.id?.startsWith(sliced + '.'))
    .map((e) => ({ ...structuredClone(e), id: id + (e.id as string).slice(sliced.length) }));
  out.splice(end + 1, 0, head, ...copies);
  return end + 1;
}

/** Inserts the children of a single-typed element from its data type's snapshot. */
function expandChildren(
  profile: string,
  out: ElementDefinition[],
  index: number,
  types: TypeSnapshots,
): void {
  const parent = out[index];
  const codes = (parent.type ?? []).map((t) => t.code);
  if (codes.length !== 1) {
    throw new SnapshotError(
      profile,
      `${parent.id}: cannot expand the children of an element with ${codes.length} types`,
    );
  }
  const typeElements = types(codes[0]);
  if (!typeElements) throw new SnapshotError(profile, `${parent.id}: no snapshot for type ${codes[0]}`);
  const root = codes[0];
  const children = typeElements.slice(1).map((e) => ({
    ...structuredClone(e),
    id: (parent.id as string) + (e.id ?? e.path).slice(root.length),
    path: parent.path + e.path.slice(root.length),
  }));
  out.splice(index + 1, 0, ...children);
}

/** Applies one differential element to its snapshot element. */
function mergeElement(profile: string, target: ElementDefinition, d: ElementDefinition): ElementDefinition {
  checkNarrowing(profile, target, d);
  const merged = structuredClone(target) as unknown as Json;
  const diff = d as unknown as Json;
  if (Object.keys(diff).some(isValueKey)) {
    for (const k of Object.keys(merged)) if (isValueKey(k)) delete merged[k];
  }
  for (const [k, v] of Object.entries(diff)) {
    if ((REPLACED as readonly string[]).includes(k) || isValueKey(k)) merged[k] = structuredClone(v);
  }
  if (d.sliceName) merged.sliceName = d.sliceName;
  if (d.constraint) {
    const existing = (target.constraint ?? []).filter((c) => !d.constraint?.some((n) => n.key === c.key));
    const added: ElementDefinitionConstraint[] = d.constraint.map((c) => ({
      ...c,
      source: c.source ?? profile,
    }));
    merged.constraint = [...existing, ...added];
  }
  if (d.condition) merged.condition = [...new Set([...(target.condition ?? []), ...d.condition])];
  return merged as unknown as ElementDefinition;
}

/** A constraint may only narrow its base: cardinality inside the base's, types among the base's. */
function checkNarrowing(profile: string, target: ElementDefinition, d: ElementDefinition): void {
  const where = `${d.id}`;
  if (d.min !== undefined && d.min < (target.min ?? 0)) {
    throw new SnapshotError(profile, `${where}: min ${d.min} is below the base's ${target.min}`);
  }
  if (d.max !== undefined && maxNumber(d.max) > maxNumber(target.max)) {
    throw new SnapshotError(profile, `${where}: max ${d.max} is above the base's ${target.max}`);
  }
  const min = d.min ?? target.min ?? 0;
  if (min > maxNumber(d.max ?? target.max)) {
    throw new SnapshotError(profile, `${where}: min ${min} is above max ${d.max ?? target.max}`);
  }
  const baseCodes = new Set((target.type ?? []).map((t) => t.code));
  for (const t of d.type ?? []) {
    if (!baseCodes.has(t.code))
      throw new SnapshotError(profile, `${where}: type ${t.code} is not allowed by the base`);
  }
}
