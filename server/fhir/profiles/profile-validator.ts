/**
 * Validation of a resource against profiles (R4 validation.html#profiles): against the R4 definition of
 * its type (the invariants and data-type rules the base walk does not check) and against any compiled
 * profile. The walk (walker.ts) reports each problem with the FHIRPath of the element.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import type { R4Definitions } from '../definitions.js';
import type { Terminology } from '../terminology/terminology.js';
import type { PackageSet } from '../packages/package-set.js';
import type { ConformanceSet } from './conformance.js';
import type { CompiledProfile } from './model.js';
import { ProfileRegistry, R4_SD } from './registry.js';
import { walkValue } from './walker.js';
import { isObject, type ProfileEnv, type WalkCtx } from './walk-context.js';

/** Profile validation services. */
export interface ProfileValidator {
  readonly registry: ProfileRegistry;
  readonly env: ProfileEnv;
  /** Validates a resource against one compiled profile. */
  validate(resource: Record<string, unknown>, profile: CompiledProfile): OperationOutcomeIssue[];
  /** Validates a resource against the R4 definition of its own type. */
  validateBase(resource: Record<string, unknown>): OperationOutcomeIssue[];
}

function run(
  env: ProfileEnv,
  resource: unknown,
  value: unknown,
  profile: CompiledProfile,
  path: string,
  type: string,
): OperationOutcomeIssue[] {
  const ctx: WalkCtx = { env, issues: [], resource, profile: profile.name, depth: 0 };
  walkValue(ctx, value, profile.root, path, type);
  return ctx.issues;
}

/** Builds the validator over the R4 definitions, the conformance set and the terminology. */
export function createProfileValidator(
  defs: R4Definitions,
  conformance: ConformanceSet,
  terminology: Terminology,
  packages?: PackageSet,
): ProfileValidator {
  const registry = new ProfileRegistry(defs, conformance, packages);
  const env: ProfileEnv = {
    terminology,
    resolve: (url, lazy) => registry.get(url, lazy),
    profileType: (url) => registry.profileType(url),
    typeInvariants: (type) => registry.typeInvariants(type),
    conforms(value, url, resource) {
      const p = registry.get(url, true);
      if (!p) return false;
      const type = isObject(value) && typeof value.resourceType === 'string' ? value.resourceType : p.type;
      return !run(env, resource, value, p, type, type).some((i) => i.severity === 'error');
    },
  };
  registry.compileAll();
  return {
    registry,
    env,
    validate(resource, profile) {
      const type = String(resource.resourceType);
      return run(env, resource, resource, profile, type, type);
    },
    validateBase(resource) {
      const type = String(resource.resourceType);
      const base = registry.get(`${R4_SD}${type}`);
      return base ? run(env, resource, resource, base, type, type) : [];
    },
  };
}
