/**
 * What the migration needs from the FHIR layer, built as `createFhirServices` (server/app.ts) builds it:
 * the search registry of the R4 definitions plus the conformance search parameters of profiles/, so that
 * the index rows of migrated resources are the ones the server would write.
 */
import { loadR4Definitions } from '../../fhir/definitions.js';
import { loadConformance } from '../../fhir/profiles/conformance.js';
import { extractIndex } from '../../fhir/search/extract.js';
import { indexKeysFor } from '../../fhir/search/indexes.js';
import { buildSearchRegistry } from '../../fhir/search/registry.js';
import { unionMembers } from '../../fhir/search/unions.js';
import type { RepositoryDeps } from '../repository.js';

/** The repository dependencies and the resource types, for the server base URL `baseUrl`. */
export function migrationSetup(baseUrl: string): {
  deps: RepositoryDeps;
  isResourceType: (name: string) => boolean;
} {
  const definitions = loadR4Definitions();
  const registry = buildSearchRegistry(definitions, loadConformance().searchParameters);
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
  };
}
