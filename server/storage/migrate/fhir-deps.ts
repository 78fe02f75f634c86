/**
 * What the migration needs from the FHIR layer, built as `createFhirServices` (server/app.ts) builds it:
 * the search registry of the R4 definitions plus the conformance search parameters (the CCM package and
 * profiles/base/), so that the index rows of migrated resources are the ones the server would write (and the
 * store records so).
 */
import { loadR4Definitions } from '../../fhir/definitions.js';
import { openPackageSet } from '../../fhir/packages/package-set.js';
import { loadConformance } from '../../fhir/profiles/conformance.js';
import { extractIndex } from '../../fhir/search/extract.js';
import { indexKeysFor } from '../../fhir/search/indexes.js';
import { buildSearchRegistry } from '../../fhir/search/registry.js';
import { unionMembers } from '../../fhir/search/unions.js';
import { recordCurrentIndex } from '../../fhir/runtime-params/state.js';
import type { RepositoryDeps, Storage } from '../repository.js';

/** The repository dependencies and the resource types, for the server base URL `baseUrl` (and IG_PACKAGES_DIR). */
export function migrationSetup(
  baseUrl: string,
  igPackagesDir?: string,
): {
  deps: RepositoryDeps;
  isResourceType: (name: string) => boolean;
  recordIndex: (store: Storage) => Promise<void>;
} {
  const definitions = loadR4Definitions();
  const registry = buildSearchRegistry(
    definitions,
    loadConformance(openPackageSet(igPackagesDir)).searchParameters,
  );
  const types = new Set(definitions.resourceTypes);
  return {
    deps: {
      extract: (resource) => extractIndex(registry, resource, { baseUrl }),
      paramType: (type, code) => registry.get(type, code)?.type,
      unionOf: (type, code) => unionMembers(registry, type, code),
      indexKeys: (type) => indexKeysFor(registry, type),
      clock: () => new Date(),
    },
    isResourceType: (name) => types.has(name),
    // every resource's index was extracted with these built-in parameters
    recordIndex: (store) => recordCurrentIndex(store, registry),
  };
}
