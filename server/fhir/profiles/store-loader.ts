/**
 * Makes the conformance resources readable and searchable through the normal REST API (R4
 * conformance-module.html: canonical resources are found by `url` and `version`): every resource of the CCM
 * package (StructureDefinitions, ValueSets, CodeSystems, SearchParameters, OperationDefinitions, the
 * ImplementationGuide and the requirements CapabilityStatement), the US Core ones we load, and the
 * OperationDefinitions of registered operations the package does not carry are written into the store at start. Idempotent: a resource is only written
 * when it is missing or its content changed, so restarts add no versions.
 */
import type { Resource } from 'fhir/r4.js';
import { CCM_BASE } from '../../ccm/vocabulary.js';
import type { FhirServices } from '../services.js';
import { loadConformance, type ConformanceSet } from './conformance.js';
import { jsonEqual } from './json-match.js';

/** What the load did. */
export interface ConformanceLoadReport {
  written: number;
  unchanged: number;
}

function withoutMeta(r: Resource): Omit<Resource, 'meta'> {
  const { meta: _meta, ...rest } = r;
  return rest;
}

/** The resources to serve: the conformance set plus our OperationDefinitions (the package's copy first). */
export function conformanceResources(services: FhirServices, set: ConformanceSet): Resource[] {
  const packaged = new Set(set.others.map((r) => `${r.resourceType}/${r.id}`));
  const operationDefinitions = services.operations
    .all()
    .flatMap((op) =>
      op.operationDefinition?.url?.startsWith(`${CCM_BASE}/`) &&
      !packaged.has(`OperationDefinition/${op.operationDefinition.id}`)
        ? [op.operationDefinition]
        : [],
    );
  return [
    ...set.structureDefinitions,
    ...set.valueSets,
    ...set.codeSystems,
    ...set.searchParameters,
    ...set.others,
    ...operationDefinitions,
  ];
}

/** True when the stored current version of `r` has the same content. */
async function unchanged(services: FhirServices, r: Resource): Promise<boolean> {
  const current = await services.resources.read(r.resourceType, r.id as string);
  return (
    !!current &&
    !current.deleted &&
    !!current.resource &&
    jsonEqual(withoutMeta(current.resource), withoutMeta(r))
  );
}

/**
 * Writes the conformance resources that are missing or changed; called by main.ts and test apps. The writes
 * run concurrently so that the SQLite engine's group commit shares its fsyncs among them.
 */
export async function loadConformanceResources(
  services: FhirServices,
  set: ConformanceSet = services.conformance ?? loadConformance(),
): Promise<ConformanceLoadReport> {
  const all = conformanceResources(services, set);
  const same = await Promise.all(all.map((r) => unchanged(services, r)));
  const changed = all.filter((_, i) => !same[i]);
  await Promise.all(
    changed.map((r) => services.resources.put(r.resourceType, r.id as string, r, { method: 'PUT' })),
  );
  return { written: changed.length, unchanged: all.length - changed.length };
}
