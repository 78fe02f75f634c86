/**
 * What the FHIR layer needs from the rest of the process, built once per app by createApp and passed
 * down explicitly (no module singletons).
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import type { Permission } from './access/scopes.js';
import type { Storage, Where } from '../storage/repository.js';
import type { OperationRegistry } from './operations.js';
import type { R4Definitions } from './definitions.js';
import type { PackageInfo } from './packages/package-set.js';
import type { CapabilityRequirements } from './packages/requirements.js';
import type { ConformanceSet } from './profiles/conformance.js';
import type { ResourceStore } from './resource-store.js';
import type { SearchPaging } from './search/execute.js';
import type { SearchLimits } from './search/limits.js';
import type { SearchRegistry } from './search/registry.js';
import type { RuntimeParams } from './runtime-params/manager.js';

/** Validates a resource body against base R4; returns the issues (empty when valid). */
export type ResourceValidator = (resource: unknown, expectedType: string) => OperationOutcomeIssue[];

/** Dependencies of every FHIR interaction. */
export interface FhirServices {
  /** Public base URL of the FHIR endpoint, without trailing slash. */
  baseUrl: string;
  definitions: R4Definitions;
  /** The concrete resource types the server serves (the R4 table). */
  resourceTypes: ReadonlySet<string>;
  /** The storage engine: transactions and auxiliary collections. */
  store: Storage;
  resources: ResourceStore;
  registry: SearchRegistry;
  /**
   * SearchParameters registered at run time and the index state (runtime-params/): `ready()` before the
   * first request, so that the registry holds them. Absent in services built without a store.
   */
  runtimeParams?: RuntimeParams;
  /** The FHIR packages (IGs) loaded, listed in the CapabilityStatement; none when absent. */
  packages?: readonly PackageInfo[];
  /**
   * The requirements CapabilityStatements those packages declare, and whether a profile is known: the
   * CapabilityStatement's `instantiates` lists the ones the server meets (packages/requirements.ts).
   */
  igRequirements?: {
    statements: ReadonlyArray<{ package: PackageInfo; statement: CapabilityRequirements }>;
    knowsProfile(canonical: string): boolean;
  };
  /** The conformance resources loaded (the CCM package, profiles/base/), written into the store at start. */
  conformance?: ConformanceSet;
  validate: ResourceValidator;
  /** Extended operations (`$name`), registered by the modules that implement them. */
  operations: OperationRegistry;
  clock: () => Date;
  /** Search paging state: `_page` token signing and the bounded snapshot cache (search/execute.ts). */
  paging: SearchPaging;
  /**
   * The SMART authorization endpoints when the server enforces SMART (advertised in the
   * CapabilityStatement's rest.security, SMART App Launch 2.2 conformance.html); absent in open mode.
   */
  smartEndpoints?: SmartEndpoints;
  /** Limits of one search (search/limits.ts); the defaults when absent. */
  searchLimits?: SearchLimits;
  /**
   * What the request's access token reaches of `type` with `perms` (access/policy.ts), as a storage
   * condition that conditional criteria are ANDed with; absent or undefined: everything (no token, or
   * unconfined).
   */
  reach?: (type: string, perms: readonly Permission[]) => Where | undefined;
}

/** The OAuth endpoints of the SMART authorization server, as absolute URLs. */
export interface SmartEndpoints {
  authorize: string;
  token: string;
  introspect: string;
  revoke: string;
}
