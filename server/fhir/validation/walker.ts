/**
 * The recursive walk of a resource against the compiled model (R4 json.html): properties, arrays, the
 * `_name` primitive extension objects, JSON types, cardinality and choice elements. Resource-level rules
 * live in resource-rules.ts; the walk is bounded by a depth limit and an issue limit.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { issue, type IssueCode } from '../outcomes.js';
import type { CompiledModel, Slot, TypeModel } from './model.js';
import { checkPrimitive, clip, isBlank } from './primitives.js';
import { checkReference } from './references.js';

/** Deepest nesting of JSON objects that is validated (deeper content is reported, not walked). */
export const MAX_DEPTH = 100;
/** Issues collected before the walk gives up. */
export const MAX_ISSUES = 500;

type Json = Record<string, unknown>;

/** Mutable state of one validation. */
export interface WalkContext {
  readonly model: CompiledModel;
  readonly issues: OperationOutcomeIssue[];
  /** Number of enclosing Bundles (conditional references are allowed inside one). */
  bundleDepth: number;
  /** Set when MAX_ISSUES is reached. */
  stopped: boolean;
  /** Validates a nested resource (contained, Bundle.entry.resource, ...); supplied by the resource layer. */
  readonly visitResource: (
    ctx: WalkContext,
    value: unknown,
    path: string,
    depth: number,
    contained: boolean,
  ) => void;
}

/** Records an error issue unless the issue limit is reached. */
export function report(ctx: WalkContext, code: IssueCode, diagnostics: string, expression: string): void {
  if (ctx.stopped) return;
  if (ctx.issues.length >= MAX_ISSUES) {
    ctx.stopped = true;
    ctx.issues.push(issue('too-costly', `More than ${MAX_ISSUES} issues; validation stopped`, expression));
    return;
  }
  ctx.issues.push(issue(code, diagnostics, expression));
}

/** True for a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates the properties of an object against a type, resource or backbone model. */
export function walkObject(
  ctx: WalkContext,
  obj: Json,
  model: TypeModel,
  path: string,
  depth: number,
  isResource: boolean,
  hasValue = false,
): void {
  if (depth > MAX_DEPTH) {
    report(ctx, 'too-costly', `Content nested deeper than ${MAX_DEPTH} levels is not accepted`, path);
    return;
  }
  const keys = Object.keys(obj);
  // ele-1: the `_name` object of a primitive that has a value belongs to an element with a value.
  if (!isResource && !hasValue && (keys.length === 0 || (keys.length === 1 && keys[0] === 'id'))) {
    report(
      ctx,
      'structure',
      'An element must have a value or children (ele-1); empty objects are not allowed',
      path,
    );
  }
  const choices: string[] = [];
  for (const key of keys) {
    if (ctx.stopped) return;
    if (!isResource || key !== 'resourceType') walkKey(ctx, obj, key, model, path, depth, choices);
  }
  checkRequired(ctx, obj, model, path);
}

/** Validates one JSON property of an object; `choices` collects the `[x]` elements already seen. */
function walkKey(
  ctx: WalkContext,
  obj: Json,
  key: string,
  model: TypeModel,
  path: string,
  depth: number,
  choices: string[],
): void {
  const isExt = key.charCodeAt(0) === 95; // '_'
  const name = isExt ? key.slice(1) : key;
  const slot = model.slots.get(name);
  if (!slot || (isExt && (slot.kind !== 'primitive' || slot.element.attribute))) {
    report(ctx, 'structure', unknownElementMessage(key, model), `${path}.${key}`);
    return;
  }
  if (isExt && Object.hasOwn(obj, name)) return; // validated together with its value
  const elementPath = `${path}.${slot.segment}`;
  if (slot.element.choice) {
    if (choices.includes(slot.element.name)) {
      const message = `Only one type of ${slot.element.name}[x] is allowed (found '${key}' as well)`;
      report(ctx, 'structure', message, elementPath);
      return;
    }
    choices.push(slot.element.name);
  }
  const ext = slot.kind === 'primitive' && !slot.element.attribute ? obj['_' + name] : undefined;
  walkProperty(ctx, obj[name], ext, slot, elementPath, depth);
}

function unknownElementMessage(key: string, model: TypeModel): string {
  for (const slot of model.slots.values()) {
    const base = slot.element.name;
    if (
      slot.element.choice &&
      key.startsWith(base) &&
      key.length > base.length &&
      /^_?[A-Z]/.test(key.slice(base.length))
    ) {
      return `Unknown element '${clip(key)}' in ${model.name}: type '${key.slice(base.length)}' is not allowed for ${base}[x]`;
    }
  }
  return `Unknown element '${clip(key)}' in ${model.name}`;
}

/** Reports required elements (min > 0) absent from a present parent. */
function checkRequired(ctx: WalkContext, obj: Json, model: TypeModel, path: string): void {
  for (const el of model.required) {
    if (el.presenceKeys.some((k) => Object.hasOwn(obj, k))) continue;
    const what = el.choice ? `${el.name}[x]` : el.name;
    report(
      ctx,
      'required',
      `Missing required element '${what}' (minimum cardinality ${el.min})`,
      `${path}.${el.name}`,
    );
  }
}

/** Validates one property (and its `_name` companion for primitives). */
function walkProperty(
  ctx: WalkContext,
  value: unknown,
  ext: unknown,
  slot: Slot,
  path: string,
  depth: number,
): void {
  if (slot.element.isArray) {
    walkArray(ctx, value, ext, slot, path, depth);
    return;
  }
  if (value === null)
    report(
      ctx,
      'structure',
      `null is not allowed for ${slot.element.name} (only inside an array with a matching _${slot.element.name} entry)`,
      path,
    );
  else if (Array.isArray(value))
    report(ctx, 'structure', `${slot.element.name} has at most one value and must not be an array`, path);
  else if (value !== undefined) walkValue(ctx, value, slot, path, depth);
  if (ext !== undefined) {
    if (isObject(ext))
      walkObject(ctx, ext, ctx.model.primitiveElement, path, depth + 1, false, value != null);
    else
      report(ctx, 'structure', `_${slot.element.name} must be a JSON object with id and/or extension`, path);
  }
}

/** Checks an array property and its optional parallel `_name` array. */
function arrayOf(
  ctx: WalkContext,
  v: unknown,
  label: string,
  slot: Slot,
  path: string,
): unknown[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) {
    report(
      ctx,
      'structure',
      `${label} repeats (max ${slot.element.max === Infinity ? '*' : slot.element.max}) and must be a JSON array`,
      path,
    );
  } else if (v.length === 0) {
    report(ctx, 'structure', `${label} must not be an empty array`, path);
  } else if (v.length > slot.element.max) {
    report(ctx, 'structure', `${label} has ${v.length} items; at most ${slot.element.max} are allowed`, path);
  } else return v;
  return undefined;
}

function walkArray(
  ctx: WalkContext,
  value: unknown,
  ext: unknown,
  slot: Slot,
  path: string,
  depth: number,
): void {
  const name = slot.element.name;
  const values = arrayOf(ctx, value, name, slot, path);
  let exts = arrayOf(ctx, ext, '_' + name, slot, path);
  if (values && exts && exts.length !== values.length) {
    report(
      ctx,
      'structure',
      `_${name} must have the same number of items as ${name} (${exts.length} vs ${values.length})`,
      path,
    );
    exts = undefined;
  }
  const n = Math.max(values?.length ?? 0, exts?.length ?? 0);
  for (let i = 0; i < n && !ctx.stopped; i++) {
    const v = values?.[i] ?? null;
    const e = exts?.[i] ?? null;
    const itemPath = `${path}[${i}]`;
    if (v === null && e === null) {
      report(
        ctx,
        'structure',
        `null in ${name} is only allowed where _${name} has an extension at the same index`,
        itemPath,
      );
      continue;
    }
    if (v !== null) {
      if (Array.isArray(v)) report(ctx, 'structure', `${name} items must not be arrays`, itemPath);
      else walkValue(ctx, v, slot, itemPath, depth);
    }
    if (e !== null) {
      if (isObject(e)) walkObject(ctx, e, ctx.model.primitiveElement, itemPath, depth + 1, false, v !== null);
      else report(ctx, 'structure', `_${name} items must be JSON objects or null`, itemPath);
    }
  }
}

/** Validates one non-null, non-array value of a slot's type. */
function walkValue(ctx: WalkContext, v: unknown, slot: Slot, path: string, depth: number): void {
  if (slot.kind === 'resource') {
    ctx.visitResource(ctx, v, path, depth + 1, slot.element.name === 'contained');
    return;
  }
  if (slot.kind !== 'complex') {
    const p = checkPrimitive(slot.type, v);
    if (p) report(ctx, p.code, `${slot.element.name}: ${p.message}`, path);
    else if (
      slot.element.requiredCodes &&
      slot.type === 'code' &&
      !slot.element.requiredCodes.has(v as string)
    ) {
      report(
        ctx,
        'code-invalid',
        `'${clip(v as string)}' is not a code of the required value set ${slot.element.valueSet}`,
        path,
      );
    }
    return;
  }
  if (!isObject(v)) {
    report(ctx, 'structure', `${slot.element.name} is a ${slot.type} and must be a JSON object`, path);
    return;
  }
  if (!slot.model) return;
  walkObject(ctx, v, slot.model, path, depth + 1, false);
  if (slot.type === 'Extension') checkExtension(ctx, v, path);
  else if (slot.type === 'Reference') checkReferenceValue(ctx, v, slot, path);
}

/** ext-1: an extension has a value[x] or nested extensions, not both (R4 extensibility.html). */
function checkExtension(ctx: WalkContext, ext: Json, path: string): void {
  let hasValue = false;
  for (const k of Object.keys(ext)) {
    if (k.startsWith('value') || k.startsWith('_value')) hasValue = true;
  }
  const hasChildren = Object.hasOwn(ext, 'extension');
  if (hasValue && hasChildren) {
    report(
      ctx,
      'invariant',
      'An extension must have either extensions or a value[x], not both (ext-1)',
      path,
    );
  } else if (!hasValue && !hasChildren) {
    report(ctx, 'invariant', 'An extension must have either a value[x] or nested extensions (ext-1)', path);
  }
}

function checkReferenceValue(ctx: WalkContext, ref: Json, slot: Slot, path: string): void {
  const r = ref.reference;
  if (typeof r !== 'string' || isBlank(r)) return; // JSON type problems are reported by the walk
  const p = checkReference(r, {
    resourceTypes: ctx.model.allResourceTypes,
    targetTypes: slot.element.targetTypes,
    inBundle: ctx.bundleDepth > 0,
  });
  if (p) report(ctx, p.code, p.message, `${path}.reference`);
}
