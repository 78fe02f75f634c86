/**
 * The CapabilityStatement (R4 capabilitystatement.html, http.html#capabilities), generated from what
 * the server really implements: the route table's interactions and the search registry's parameters.
 */
import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from './request.js';
import type { FhirServices } from './services.js';
import type { OperationSpec } from './operations.js';
import type { InteractionCode } from './router.js';

export const SOFTWARE_NAME = 'ccm-fhir';
export const SOFTWARE_VERSION = '0.1.0';

const cache = new WeakMap<FhirServices, CapabilityStatement>();

/** `{ [key]: items }` when there are items, `{}` otherwise (R4 json.html: no empty arrays). */
function nonEmpty<K extends string, T>(key: K, items: T[]): Partial<Record<K, T[]>> {
  return items.length > 0 ? ({ [key]: items } as Record<K, T[]>) : {};
}

function operationsOf(services: FhirServices, keep: (op: OperationSpec) => boolean) {
  return services.operations
    .all()
    .filter(keep)
    .map((op) => ({
      name: op.name,
      definition: op.definition ?? `${services.baseUrl}/OperationDefinition/${op.name}`,
    }));
}

type TypeInteraction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];

function resourceEntry(
  services: FhirServices,
  type: string,
  interactions: InteractionCode[],
): CapabilityStatementRestResource {
  return {
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: interactions.map((code) => ({ code: code as TypeInteraction })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalRead: 'full-support',
    conditionalUpdate: true,
    conditionalDelete: 'single',
    ...nonEmpty(
      'operation',
      operationsOf(
        services,
        (op) => op.levels.some((l) => l !== 'system') && (!op.types || op.types.includes(type)),
      ),
    ),
    ...nonEmpty(
      'searchParam',
      services.registry
        .params(type)
        .filter((p) => p.supported)
        .map((p) => ({ name: p.code, type: p.type, ...(p.url ? { definition: p.url } : {}) })),
    ),
  };
}

/** Builds the CapabilityStatement for these services. */
export function buildCapabilityStatement(
  services: FhirServices,
  interactions: { type: InteractionCode[]; system: InteractionCode[] },
): CapabilityStatement {
  const cached = cache.get(services);
  if (cached) return cached;
  const types = [...services.resourceTypes].sort();
  const cs: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: services.clock().toISOString(),
    publisher: 'ccm-fhir',
    kind: 'instance',
    software: { name: SOFTWARE_NAME, version: SOFTWARE_VERSION },
    implementation: {
      description: 'ccm-fhir FHIR R4 server for Chronic Care Management',
      url: services.baseUrl,
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        resource: types.map((t) => resourceEntry(services, t, interactions.type)),
        interaction: interactions.system.map((code) => ({ code: code as 'history-system' })),
        // Patient compartment search: GET [base]/Patient/[id]/[type] and /* (compartmentdefinition.html#search)
        compartment: ['http://hl7.org/fhir/CompartmentDefinition/patient'],
        ...nonEmpty(
          'operation',
          operationsOf(services, (op) => op.levels.includes('system')),
        ),
      },
    ],
  };
  cache.set(services, cs);
  return cs;
}

/** GET [base]/metadata */
export async function capabilityInteraction(
  services: FhirServices,
  _req: FhirRequest,
  interactions: { type: InteractionCode[]; system: InteractionCode[] },
): Promise<FhirResponse> {
  return { status: 200, headers: {}, body: buildCapabilityStatement(services, interactions) };
}
