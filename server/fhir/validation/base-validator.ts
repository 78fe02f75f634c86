/**
 * Base FHIR R4 structural validation of every resource written to the server (R4 json.html,
 * datatypes.html, resource.html, references.html). The snapshots are compiled once into a lookup
 * (model.ts); each call walks the JSON once (walker.ts) and returns OperationOutcome issues.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import type { R4Definitions } from '../definitions.js';
import { issue } from '../outcomes.js';
import { compiledModelOf } from './model.js';
import { clip } from './primitives.js';
import { isObject, MAX_DEPTH, report, walkObject, type WalkContext } from './walker.js';

/** Options of one validation. */
export interface ValidateOptions {
  /** The resource type the caller expects (e.g. from the URL of a create or update). */
  expectedType?: string;
}

/** Validates resources against the base R4 definitions. */
export interface BaseValidator {
  /** Validates a parsed JSON value as an R4 resource; returns the issues (empty when valid). */
  validate(resource: unknown, options?: ValidateOptions): OperationOutcomeIssue[];
}

/** Compiles the R4 snapshots once and returns a validator that is safe to call for every write. */
export function createBaseValidator(defs: R4Definitions): BaseValidator {
  const model = compiledModelOf(defs);
  return {
    validate(resource, options) {
      const ctx: WalkContext = { model, issues: [], bundleDepth: 0, stopped: false, visitResource };
      try {
        validateRoot(ctx, resource, options?.expectedType);
      } catch (err) {
        // Defensive: the walk is written not to throw; if it ever does, report instead of failing the request.
        const message = err instanceof Error ? err.message : String(err);
        ctx.issues.push(
          issue(
            'exception',
            `Validation could not complete: ${clip(message)}`,
            options?.expectedType ?? 'Resource',
          ),
        );
      }
      return ctx.issues;
    },
  };
}

function validateRoot(ctx: WalkContext, resource: unknown, expectedType: string | undefined): void {
  const type = resourceTypeOf(ctx, resource, expectedType ?? 'Resource');
  if (type === undefined) return;
  if (expectedType !== undefined && type !== expectedType) {
    report(ctx, 'invalid', `resourceType '${type}' does not match the expected type '${expectedType}'`, type);
  }
  walkResource(ctx, resource as Record<string, unknown>, type, type, 0);
}

/** The resource's concrete type, or undefined after reporting why it is not a resource. */
function resourceTypeOf(ctx: WalkContext, value: unknown, path: string): string | undefined {
  if (!isObject(value)) {
    report(ctx, 'structure', 'A resource must be a JSON object', path);
    return undefined;
  }
  const rt = value.resourceType;
  if (rt === undefined) {
    report(ctx, 'required', 'A resource must have a resourceType', path);
    return undefined;
  }
  if (typeof rt !== 'string' || !ctx.model.resources.has(rt)) {
    const shown = typeof rt === 'string' ? `'${clip(rt)}'` : JSON.stringify(rt)?.slice(0, 40);
    report(ctx, 'invalid', `resourceType ${shown} is not a known concrete R4 resource type`, path);
    return undefined;
  }
  return rt;
}

function walkResource(
  ctx: WalkContext,
  obj: Record<string, unknown>,
  type: string,
  path: string,
  depth: number,
): void {
  const model = ctx.model.resources.get(type);
  if (!model) return;
  const isBundle = type === 'Bundle';
  if (isBundle) ctx.bundleDepth++;
  try {
    walkObject(ctx, obj, model, path, depth, true);
  } finally {
    if (isBundle) ctx.bundleDepth--;
  }
}

/** Validates a resource nested in another (contained, Bundle.entry.resource, Parameters.parameter.resource). */
function visitResource(
  ctx: WalkContext,
  value: unknown,
  path: string,
  depth: number,
  contained: boolean,
): void {
  if (depth > MAX_DEPTH) {
    report(ctx, 'too-costly', `Content nested deeper than ${MAX_DEPTH} levels is not accepted`, path);
    return;
  }
  const type = resourceTypeOf(ctx, value, path);
  if (type === undefined) return;
  const obj = value as Record<string, unknown>;
  walkResource(ctx, obj, type, path, depth);
  if (contained) checkContained(ctx, obj, path);
}

/** dom-2, dom-4, dom-5: rules for contained resources (R4 domainresource.html#invs, references.html#contained). */
function checkContained(ctx: WalkContext, obj: Record<string, unknown>, path: string): void {
  if (Object.hasOwn(obj, 'contained')) {
    report(ctx, 'invariant', 'A contained resource must not contain resources (dom-2)', `${path}.contained`);
  }
  const meta = obj.meta;
  if (!isObject(meta)) return;
  if (Object.hasOwn(meta, 'versionId')) {
    report(
      ctx,
      'invariant',
      'A contained resource must not have meta.versionId (dom-4)',
      `${path}.meta.versionId`,
    );
  }
  if (Object.hasOwn(meta, 'lastUpdated')) {
    report(
      ctx,
      'invariant',
      'A contained resource must not have meta.lastUpdated (dom-4)',
      `${path}.meta.lastUpdated`,
    );
  }
  if (Object.hasOwn(meta, 'security')) {
    report(
      ctx,
      'invariant',
      'A contained resource must not have meta.security (dom-5)',
      `${path}.meta.security`,
    );
  }
}
