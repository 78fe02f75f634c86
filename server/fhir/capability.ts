/**
 * The CapabilityStatement (R4 capabilitystatement.html, http.html#capabilities), generated from what
 * the server really implements: the route table's interactions and the search registry's parameters
 * (the active ones: a SearchParameter registered at run time is listed once `$reindex` made it active on
 * the type, with a `documentation` naming its SearchParameter; pending ones are not listed).
 */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestSecurity,
} from 'fhir/r4.js';
import type { FhirRequest, FhirResponse } from './request.js';
import { instantiatedStatements } from './instantiates.js';
import type { FhirServices, SmartEndpoints } from './services.js';
import type { OperationSpec } from './operations.js';
import type { InteractionCode } from './router.js';

export const SOFTWARE_NAME = 'ccm-fhir';
export const SOFTWARE_VERSION = '0.1.0';

/** Built once per services and registry generation (run-time SearchParameters change the registry). */
const cache = new WeakMap<FhirServices, { generation: number; cs: CapabilityStatement }>();

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
      ...(op.documentation ? { documentation: op.documentation } : {}),
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
        .map((p) => ({
          name: p.code,
          type: p.type,
          ...(p.url ? { definition: p.url } : {}),
          ...(p.runtime
            ? {
                documentation: `Registered at run time by SearchParameter/${p.runtime}; active since $reindex of ${type}`,
              }
            : {}),
        })),
    ),
  };
}

/** How search treats what it cannot apply, and run-time search parameters (README "Search"). */
const SEARCH_DOCUMENTATION =
  'Search parameters the server cannot apply are ignored, reported in an OperationOutcome entry of the ' +
  'searchset and left out of its self link; with Prefer: handling=strict they are a 400 naming them. ' +
  'SearchParameter resources (status active) created at run time by a system token that writes ' +
  'SearchParameter are checked (422 with the FHIRPath of the element at fault when they cannot be served) and ' +
  'are pending on their base types until $reindex (asynchronous: Prefer: respond-async) has indexed the ' +
  'resources stored before them: a pending parameter is answered like one the server cannot apply, and is ' +
  'listed in searchParam once active.';

const OAUTH_URIS = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';

/**
 * rest.security for a SMART server (SMART App Launch 2.2 conformance.html, "FHIR Authorization Endpoint
 * and Capabilities Discovery using a CapabilityStatement"): the SMART-on-FHIR service and the oauth-uris
 * extension. `.well-known/smart-configuration` stays the primary discovery document.
 */
function smartSecurity(endpoints: SmartEndpoints): CapabilityStatementRestSecurity {
  return {
    cors: false,
    service: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
            code: 'SMART-on-FHIR',
          },
        ],
        text: 'OAuth2 using SMART-on-FHIR profile (see .well-known/smart-configuration)',
      },
    ],
    extension: [
      {
        url: OAUTH_URIS,
        extension: [
          { url: 'authorize', valueUri: endpoints.authorize },
          { url: 'token', valueUri: endpoints.token },
          { url: 'introspect', valueUri: endpoints.introspect },
          { url: 'revoke', valueUri: endpoints.revoke },
        ],
      },
    ],
  };
}

/** Builds the CapabilityStatement for these services. */
export function buildCapabilityStatement(
  services: FhirServices,
  interactions: { type: InteractionCode[]; system: InteractionCode[] },
): CapabilityStatement {
  const generation = services.registry.generation;
  const cached = cache.get(services);
  if (cached?.generation === generation) return cached.cs;
  const types = [...services.resourceTypes].sort();
  const cs: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: services.clock().toISOString(),
    publisher: 'ccm-fhir',
    kind: 'instance',
    // the requirements CapabilityStatements of the loaded IG packages that the server meets (instantiates.ts)
    ...nonEmpty('instantiates', instantiatedStatements(services, interactions)),
    software: { name: SOFTWARE_NAME, version: SOFTWARE_VERSION },
    implementation: {
      description: 'ccm-fhir FHIR R4 server for Chronic Care Management',
      url: services.baseUrl,
    },
    fhirVersion: '4.0.1',
    // the IGs whose packages the server loads (their profiles validate what claims them)
    ...nonEmpty(
      'implementationGuide',
      (services.packages ?? []).flatMap((p) => (p.implementationGuide ? [p.implementationGuide] : [])),
    ),
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        documentation: SEARCH_DOCUMENTATION,
        ...(services.smartEndpoints ? { security: smartSecurity(services.smartEndpoints) } : {}),
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
  cache.set(services, { generation, cs });
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
