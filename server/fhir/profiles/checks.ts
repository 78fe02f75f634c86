/**
 * The checks of one value against one element of a profile: fixed and pattern values
 * (elementdefinition.html#ElementDefinition.fixed_x_), required bindings (terminologies.html#required),
 * Reference target types (references.html, ElementDefinition.type.targetProfile) and invariants, both the
 * element's own and those of its data type (e.g. per-1 on a Period).
 */
import { codedValues } from './coded.js';
import { jsonEqual, matchesPattern, shown } from './json-match.js';
import type { ElementNode } from './model.js';
import { isObject, report, type ProfileEnv, type WalkCtx } from './walk-context.js';

const PRIMITIVE_START = /^[a-z]/;
/** Types whose invariants are structural and checked by the base walk (Reference's ref-1 is checked here). */
const NO_TYPE_INVARIANTS = new Set(['Extension', 'Narrative', 'BackboneElement', 'Element']);

function checkFixedAndPattern(ctx: WalkCtx, value: unknown, node: ElementNode, path: string): void {
  if (node.fixed && !jsonEqual(value, node.fixed[1])) {
    report(ctx, 'value', `Value must be exactly ${shown(node.fixed[1])}, found ${shown(value)}`, path);
  }
  if (node.pattern && !matchesPattern(value, node.pattern[1])) {
    report(
      ctx,
      'value',
      `Value must match the pattern ${shown(node.pattern[1])}, found ${shown(value)}`,
      path,
    );
  }
}

function checkBinding(ctx: WalkCtx, value: unknown, node: ElementNode, path: string, type: string): void {
  const vs = node.requiredValueSet;
  if (!vs || !ctx.env.terminology.canCheck(vs)) return;
  const values = codedValues(value, type);
  if (values === undefined) return;
  if (values.some((v) => ctx.env.terminology.check(vs, v)?.result === true)) return;
  const what =
    values.length === 0
      ? 'No code'
      : values.map((v) => (v.system ? `${v.system}#${v.code}` : `'${v.code}'`)).join(', ');
  report(ctx, 'code-invalid', `${what} is not in the required value set ${vs}`, path);
}

const ABSOLUTE_TAIL = /\/([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** The resource type a Reference points to, when it can be told without resolving it. */
export function referencedType(resource: unknown, ref: Record<string, unknown>): string | undefined {
  const r = ref.reference;
  if (typeof r !== 'string') return typeof ref.type === 'string' ? ref.type : undefined;
  if (r.startsWith('#')) {
    const contained = isObject(resource) && Array.isArray(resource.contained) ? resource.contained : [];
    const hit = contained.find((c) => isObject(c) && c.id === r.slice(1));
    return isObject(hit) && typeof hit.resourceType === 'string' ? hit.resourceType : undefined;
  }
  if (r.startsWith('urn:')) return typeof ref.type === 'string' ? ref.type : undefined;
  const m = ABSOLUTE_TAIL.exec(r);
  if (m && /^[a-z][a-z0-9+.-]*:/i.test(r)) return m[1];
  const head = /^([A-Z][A-Za-z]+)[/?]/.exec(r);
  return head ? head[1] : undefined;
}

/** The resource types a Reference element may point to (null: any, or not told), cached per env and node. */
const targetCache = new WeakMap<ProfileEnv, WeakMap<ElementNode, ReadonlySet<string> | null>>();

function allowedTargets(env: ProfileEnv, node: ElementNode): ReadonlySet<string> | null {
  let perEnv = targetCache.get(env);
  if (!perEnv) {
    perEnv = new WeakMap();
    targetCache.set(env, perEnv);
  }
  let allowed = perEnv.get(node);
  if (allowed === undefined) {
    allowed = targetsOf(env, node);
    perEnv.set(node, allowed);
  }
  return allowed;
}

function targetsOf(env: ProfileEnv, node: ElementNode): ReadonlySet<string> | null {
  const rule = node.types.find((t) => t.code === 'Reference');
  if (!rule || rule.targetProfiles.length === 0) return null;
  const allowed = new Set<string>();
  for (const tp of rule.targetProfiles) {
    const t = env.profileType(tp);
    if (t === undefined || t === 'Resource' || t === 'DomainResource') return null;
    allowed.add(t);
  }
  return allowed;
}

function checkReferenceTarget(ctx: WalkCtx, value: unknown, node: ElementNode, path: string): void {
  if (!isObject(value)) return;
  const allowed = allowedTargets(ctx.env, node);
  if (!allowed) return;
  const actual = referencedType(ctx.resource, value);
  if (actual === undefined || allowed.has(actual)) return;
  const where = typeof value.reference === 'string' ? `${path}.reference` : `${path}.type`;
  report(
    ctx,
    'value',
    `Reference to a ${actual} is not allowed here; allowed: ${[...allowed].join(', ')}`,
    where,
  );
}

function checkInvariants(ctx: WalkCtx, value: unknown, node: ElementNode, path: string, type: string): void {
  const own = node.invariants;
  const ofType =
    PRIMITIVE_START.test(type) || NO_TYPE_INVARIANTS.has(type) ? [] : ctx.env.typeInvariants(type);
  for (const inv of own.length === 0 ? ofType : [...own, ...ofType]) {
    const ok = inv.evaluate(value, ctx.resource);
    if (ok === true) continue;
    if (ok === false) report(ctx, 'invariant', `Constraint ${inv.key} failed: ${inv.human}`, path);
    else
      report(
        ctx,
        'exception',
        `Constraint ${inv.key} could not be evaluated: ${ok.message}`,
        path,
        'warning',
      );
  }
}

/** Runs every value-level check of `node` on `value` (of concrete type `type`). */
export function checkValue(
  ctx: WalkCtx,
  value: unknown,
  node: ElementNode,
  path: string,
  type: string,
): void {
  if (value === undefined || value === null) return;
  checkFixedAndPattern(ctx, value, node, path);
  checkBinding(ctx, value, node, path, type);
  if (type === 'Reference') checkReferenceTarget(ctx, value, node, path);
  checkInvariants(ctx, value, node, path, type);
}
