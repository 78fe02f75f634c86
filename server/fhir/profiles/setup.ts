/**
 * Everything the server builds at start from the conformance resources (the CCM package and profiles/base/,
 * conformance.ts) and the IG packages: the bundled terminology,
 * the compiled profiles, the resource validator used on every write, and the $validate, $expand,
 * $validate-code and $lookup operations. createFhirServices (server/app.ts) calls this once.
 */
import type { R4Definitions } from '../definitions.js';
import type { OperationSpec } from '../operations.js';
import { terminologyOperations } from '../terminology/operations.js';
import { createTerminology } from '../terminology/setup.js';
import type { Terminology } from '../terminology/terminology.js';
import { createBaseValidator } from '../validation/base-validator.js';
import {
  createResourceValidator,
  type ResourceValidator,
  type UnknownProfilePolicy,
} from '../validation/resource-validator.js';
import type { SizeLimits } from '../validation/size-limits.js';
import { validateOperation } from '../validation/validate-operation.js';
import { openPackageSet, type PackageSet } from '../packages/package-set.js';
import { loadConformance, type ConformanceSet } from './conformance.js';
import { createProfileValidator, type ProfileValidator } from './profile-validator.js';

/** The conformance part of the FHIR services. */
export interface ConformanceServices {
  conformance: ConformanceSet;
  /** The FHIR packages loaded (IG packages: their profiles validate claims of them). */
  packages: PackageSet;
  terminology: Terminology;
  profiles: ProfileValidator;
  validator: ResourceValidator;
  /** $validate, ValueSet/$expand, ValueSet/$validate-code, CodeSystem/$lookup. */
  operations: OperationSpec[];
}

/** Options of the conformance services. */
export interface ConformanceOptions {
  /** What a write claiming an unknown profile gets (default warn: accepted with a warning). */
  unknownProfiles?: UnknownProfilePolicy;
  /** The profiles/ folder whose base/ is read (default: the checkout's). */
  profilesDir?: string;
  /** Element-count limits of a validated resource (default DEFAULT_SIZE_LIMITS). */
  sizeLimits?: SizeLimits;
  /** FHIR packages (the `.tgz` files of IGs, the CCM package among them); default: packages/. */
  packages?: PackageSet;
}

/** Loads the conformance resources, compiles the profiles and builds the validator and operations. */
export function createConformanceServices(
  defs: R4Definitions,
  options: ConformanceOptions = {},
): ConformanceServices {
  const packages = options.packages ?? openPackageSet();
  const conformance = loadConformance(packages, options.profilesDir);
  const terminology = createTerminology(defs, conformance);
  const profiles = createProfileValidator(defs, conformance, terminology, packages);
  const validator = createResourceValidator(
    createBaseValidator(defs),
    profiles,
    options.unknownProfiles ?? 'warn',
    options.sizeLimits,
  );
  return {
    conformance,
    packages,
    terminology,
    profiles,
    validator,
    operations: [validateOperation(validator), ...terminologyOperations(terminology)],
  };
}
