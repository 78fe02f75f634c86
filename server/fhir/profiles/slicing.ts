/**
 * Slice assignment (R4 profiling.html#slicing, elementdefinition.html#discriminator): each value of a
 * sliced element goes to the first slice whose discriminators all match. `value` and `pattern` compare
 * with the slice's fixed or pattern value at the discriminator path, or its required binding (slicing by
 * value set, as US Core does), or the url of an extension slice's definition; `exists`, `type` and
 * `profile` are supported too. Matchers are built once per slice.
 */
import { anyInValueSet } from './coded.js';
import { jsonEqual, matchesPattern } from './json-match.js';
import type { CompiledProfile, Discriminator, ElementNode } from './model.js';
import { isObject, type Item, type ProfileEnv } from './walk-context.js';

type Matcher = (item: Item, resource: unknown) => boolean;

/** Values at a discriminator path below a value (`$this`, `url`, `role`, `code.coding`, ...). */
export function valuesAt(value: unknown, path: string): unknown[] {
  if (path === '$this') return [value];
  let current: unknown[] = [value];
  for (const seg of path.split('.')) {
    if (seg.includes('(')) return [];
    const next: unknown[] = [];
    for (const v of current) {
      if (!isObject(v)) continue;
      const key = Object.hasOwn(v, seg)
        ? seg
        : Object.keys(v).find((k) => k.startsWith(seg) && /^[A-Z]/.test(k.slice(seg.length)));
      const got = key === undefined ? undefined : v[key];
      if (Array.isArray(got)) next.push(...got);
      else if (got !== undefined) next.push(got);
    }
    current = next;
  }
  return current;
}

/**
 * The elements a discriminator path names inside a slice, following type profiles where the slice stops.
 * Where the path crosses an element that is itself sliced, the required slices (min >= 1) of that element are
 * candidates too: R4's `bp` profile discriminates its components by `code.coding.code`, whose fixed value
 * sits in the nested slice `component:SystolicBP.code.coding:SBPCode`, not on `code.coding` itself.
 */
function nodesAt(env: ProfileEnv, slice: ElementNode, path: string): ElementNode[] {
  if (path === '$this') return [slice];
  let nodes: ElementNode[] = [slice];
  for (const seg of path.split('.')) {
    const next: ElementNode[] = [];
    for (const node of nodes) {
      let child: ElementNode | undefined = node.children.find((c: ElementNode) => c.name === seg);
      if (!child) {
        const url: string | undefined = node.types.flatMap((t) => t.profiles)[0];
        const profile: CompiledProfile | undefined = url === undefined ? undefined : env.resolve(url);
        child = profile?.root.children.find((c: ElementNode) => c.name === seg);
      }
      if (!child) continue;
      next.push(child);
      for (const nested of child.slices) if (nested.min >= 1) next.push(nested);
    }
    nodes = next;
  }
  return nodes;
}

/** The element a discriminator path names inside a slice (the unsliced one when there are several). */
function nodeAt(env: ProfileEnv, slice: ElementNode, path: string): ElementNode | undefined {
  return nodesAt(env, slice, path)[0];
}

/** A test of one value against what `target` fixes (fixed, pattern or required binding); null when nothing. */
function valueTest(env: ProfileEnv, target: ElementNode): ((v: unknown) => boolean) | null {
  if (target.fixed) {
    const fixed = target.fixed[1];
    return (v) => jsonEqual(v, fixed);
  }
  if (target.pattern) {
    const pattern = target.pattern[1];
    return (v) => matchesPattern(v, pattern);
  }
  if (target.requiredValueSet) {
    const vs = target.requiredValueSet;
    return (v) => anyInValueSet(env.terminology, vs, v);
  }
  return null;
}

function valueMatcher(env: ProfileEnv, slice: ElementNode, d: Discriminator): Matcher {
  const targets = nodesAt(env, slice, d.path);
  // the element itself when it fixes a value, else the required nested slices that do
  const own = targets[0] ? valueTest(env, targets[0]) : null;
  const tests = own
    ? [own]
    : targets.slice(1).flatMap((t) => {
        const test = valueTest(env, t);
        return test ? [test] : [];
      });
  if (tests.length === 0) return () => false;
  return (item) => valuesAt(item.value, d.path).some((v) => tests.some((test) => test(v)));
}

function existsMatcher(env: ProfileEnv, slice: ElementNode, d: Discriminator): Matcher {
  const target = nodeAt(env, slice, d.path);
  const mustExist = (target?.min ?? 0) >= 1;
  const mustNot = target?.max === 0;
  return (item) => {
    const n = valuesAt(item.value, d.path).length;
    return mustExist ? n > 0 : mustNot ? n === 0 : true;
  };
}

function typeMatcher(env: ProfileEnv, slice: ElementNode, d: Discriminator): Matcher {
  const codes = new Set((nodeAt(env, slice, d.path)?.types ?? []).map((t) => t.code));
  if (d.path !== '$this') return () => false;
  return (item) => codes.has(item.type);
}

function profileMatcher(env: ProfileEnv, slice: ElementNode, d: Discriminator): Matcher {
  const urls = (nodeAt(env, slice, d.path)?.types ?? []).flatMap((t) => t.profiles);
  return (item, resource) =>
    valuesAt(item.value, d.path).some((v) => urls.some((u) => env.conforms(v, u, resource)));
}

function buildMatcher(
  env: ProfileEnv,
  slice: ElementNode,
  discriminators: readonly Discriminator[],
): Matcher {
  const parts = discriminators.map((d) => {
    if (d.type === 'exists') return existsMatcher(env, slice, d);
    if (d.type === 'type') return typeMatcher(env, slice, d);
    if (d.type === 'profile') return profileMatcher(env, slice, d);
    return valueMatcher(env, slice, d);
  });
  return (item, resource) => parts.length > 0 && parts.every((p) => p(item, resource));
}

const matchers = new WeakMap<ElementNode, Matcher>();

/** How the values of a sliced element fall into its slices. */
export interface SliceAssignment {
  readonly bySlice: Map<ElementNode, Item[]>;
  readonly unmatched: Item[];
}

/** Assigns each value of `sliced` to its first matching slice. */
export function assignSlices(
  env: ProfileEnv,
  sliced: ElementNode,
  items: readonly Item[],
  resource: unknown,
): SliceAssignment {
  const bySlice = new Map<ElementNode, Item[]>();
  const unmatched: Item[] = [];
  const discriminators = sliced.slicing?.discriminators ?? [];
  for (const item of items) {
    let placed = false;
    for (const slice of sliced.slices) {
      let m = matchers.get(slice);
      if (!m) {
        m = buildMatcher(env, slice, discriminators);
        matchers.set(slice, m);
      }
      if (!m(item, resource)) continue;
      const list = bySlice.get(slice) ?? [];
      list.push(item);
      bySlice.set(slice, list);
      placed = true;
      break;
    }
    if (!placed) unmatched.push(item);
  }
  return { bySlice, unmatched };
}
