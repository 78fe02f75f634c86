/**
 * The walk of a resource against a compiled profile (R4 profiling.html, validation.html#profiles): for
 * each element the profile lists, the present values are collected from the JSON (json.html: choice
 * elements as `name` + type, primitives with their `_name` companion), counted against the profile's
 * cardinality, restricted to its types, assigned to slices, checked (checks.ts) and walked into; values of
 * a type with a profile (extensions) are walked against that profile too.
 */
import { checkValue } from './checks.js';
import type { ElementNode } from './model.js';
import { assignSlices } from './slicing.js';
import { isObject, MAX_PROFILE_DEPTH, report, type Item, type WalkCtx } from './walk-context.js';

const PRIMITIVES = new Set([
  'boolean',
  'integer',
  'string',
  'decimal',
  'uri',
  'url',
  'canonical',
  'base64Binary',
  'instant',
  'date',
  'dateTime',
  'time',
  'code',
  'oid',
  'id',
  'markdown',
  'unsignedInt',
  'positiveInt',
  'uuid',
]);

function typeFromSuffix(suffix: string): string {
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return PRIMITIVES.has(lower) ? lower : suffix;
}

function pushItems(
  out: Item[],
  value: unknown,
  ext: unknown,
  type: string,
  base: string,
  isArray: boolean,
): void {
  if (Array.isArray(value) || Array.isArray(ext)) {
    const values = Array.isArray(value) ? value : [];
    const exts = Array.isArray(ext) ? ext : [];
    for (let i = 0; i < Math.max(values.length, exts.length); i++) {
      const v: unknown = values[i];
      if ((v === undefined || v === null) && (exts[i] === undefined || exts[i] === null)) continue;
      out.push({ value: v ?? undefined, type, path: `${base}[${i}]` });
    }
  } else if (value !== undefined || ext !== undefined) {
    out.push({ value, type, path: isArray ? `${base}[0]` : base });
  }
}

/** The `_name` key of each element's primitive extensions, computed once per node. */
const extensionKeys = new WeakMap<ElementNode, string>();

function extensionKey(child: ElementNode): string {
  let key = extensionKeys.get(child);
  if (key === undefined) {
    key = `_${child.name}`;
    extensionKeys.set(child, key);
  }
  return key;
}

/** Shared result for an absent element (never mutated). */
const NONE: Item[] = [];

/** True when the character at `i` is an ASCII capital (the start of a choice type suffix). */
function capitalAt(key: string, i: number): boolean {
  const c = key.charCodeAt(i);
  return c >= 65 && c <= 90;
}

/** The present values of `child` in `obj`. */
function collect(obj: Record<string, unknown>, child: ElementNode, path: string): Item[] {
  if (!child.choice) {
    const value = obj[child.name];
    const ext = obj[extensionKey(child)];
    if (value === undefined && ext === undefined) return NONE;
  }
  const out: Item[] = [];
  if (child.choice) {
    for (const key in obj) {
      if (
        key.length <= child.name.length ||
        !key.startsWith(child.name) ||
        !capitalAt(key, child.name.length)
      )
        continue;
      const type = typeFromSuffix(key.slice(child.name.length));
      pushItems(out, obj[key], obj[`_${key}`], type, `${path}.${child.name}.ofType(${type})`, false);
    }
    return out;
  }
  const type = child.types[0]?.code ?? 'BackboneElement';
  pushItems(out, obj[child.name], obj[extensionKey(child)], type, `${path}.${child.name}`, child.isArray);
  return out;
}

function checkCardinality(ctx: WalkCtx, child: ElementNode, items: Item[], path: string): void {
  if (items.length >= child.min && items.length <= child.max) return;
  const where = `${path}.${child.name}`;
  if (child.max === 0 && items.length > 0) {
    report(ctx, 'structure', `${child.path} is not allowed`, items[0].path);
  } else if (items.length > child.max) {
    report(
      ctx,
      'structure',
      `${child.path} allows at most ${child.max} value(s), found ${items.length}`,
      where,
    );
  }
  if (items.length < child.min) {
    report(
      ctx,
      'required',
      `${child.path} needs at least ${child.min} value(s), found ${items.length}`,
      where,
    );
  }
}

/** Keeps the values whose type the profile allows; reports the others. */
function allowedTypes(ctx: WalkCtx, child: ElementNode, items: Item[]): Item[] {
  if (!child.choice) return items;
  const codes = new Set(child.types.map((t) => t.code));
  return items.filter((it) => {
    if (codes.has(it.type)) return true;
    report(
      ctx,
      'structure',
      `Type ${it.type} is not allowed for ${child.path} (allowed: ${[...codes].join(', ')})`,
      it.path,
    );
    return false;
  });
}

function walkSlices(ctx: WalkCtx, child: ElementNode, items: Item[], path: string): void {
  const { bySlice, unmatched } = assignSlices(ctx.env, child, items, ctx.resource);
  const where = `${path}.${child.name}`;
  for (const slice of child.slices) {
    const got = bySlice.get(slice) ?? [];
    const label = `Slice '${slice.sliceName}' of ${child.path}`;
    if (got.length < slice.min)
      report(ctx, 'required', `${label} needs at least ${slice.min} value(s), found ${got.length}`, where);
    if (got.length > slice.max)
      report(ctx, 'structure', `${label} allows at most ${slice.max} value(s), found ${got.length}`, where);
    for (const it of got) walkValue(ctx, it.value, slice, it.path, it.type);
  }
  for (const it of unmatched) {
    if (child.slicing?.rules === 'closed') {
      report(
        ctx,
        'structure',
        `The value matches none of the slices of ${child.path} (closed slicing)`,
        it.path,
      );
    } else walkValue(ctx, it.value, child, it.path, it.type);
  }
}

function walkChildren(ctx: WalkCtx, obj: Record<string, unknown>, node: ElementNode, path: string): void {
  for (const child of node.children) {
    const items = collect(obj, child, path);
    checkCardinality(ctx, child, items, path);
    if (child.max === 0 || items.length === 0) continue;
    const typed = allowedTypes(ctx, child, items);
    if (child.slicing && child.slices.length > 0) walkSlices(ctx, child, typed, path);
    else for (const it of typed) walkValue(ctx, it.value, child, it.path, it.type);
  }
}

/** Profiles a value of `type` must conform to: the element's type profiles, or a known extension's own. */
function typeProfiles(ctx: WalkCtx, value: unknown, node: ElementNode, type: string): string[] {
  const rule = node.types.find((t) => t.code === type);
  if (rule && rule.profiles.length > 0) return [...rule.profiles];
  if (type === 'Extension' && isObject(value) && typeof value.url === 'string' && ctx.env.resolve(value.url))
    return [value.url];
  return [];
}

/** Walks a value against the profiles of its type; with several, one conforming is enough. */
function walkTypeProfiles(ctx: WalkCtx, value: unknown, node: ElementNode, path: string, type: string): void {
  const profiles = typeProfiles(ctx, value, node, type).flatMap((u) => ctx.env.resolve(u) ?? []);
  if (profiles.length === 0 || ctx.depth >= MAX_PROFILE_DEPTH || profiles.some((p) => p.root === node))
    return;
  ctx.depth++;
  try {
    let first: WalkCtx['issues'] | undefined;
    for (const p of profiles) {
      const local: WalkCtx = { ...ctx, issues: [], profile: p.name };
      walkValue(local, value, p.root, path, type);
      if (!local.issues.some((i) => i.severity === 'error')) {
        ctx.issues.push(...local.issues);
        return;
      }
      first ??= local.issues;
    }
    ctx.issues.push(...(first ?? []));
  } finally {
    ctx.depth--;
  }
}

/** Validates one value against an element node, then its children and type profiles. */
export function walkValue(ctx: WalkCtx, value: unknown, node: ElementNode, path: string, type: string): void {
  checkValue(ctx, value, node, path, type);
  if (isObject(value) && node.children.length > 0) walkChildren(ctx, value, node, path);
  if (value !== undefined) walkTypeProfiles(ctx, value, node, path, type);
}
