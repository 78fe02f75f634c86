/**
 * Which requirements CapabilityStatements of the loaded IG packages this server instantiates
 * (CapabilityStatement.instantiates, R4 capabilitystatement.html): those whose every SHALL requirement it meets,
 * judged from what it really implements (the route table's interactions, the search registry, the operation
 * table and the profiles it validates). The CCM package's ccm-server statement is met by construction (a test
 * checks it); US Core's us-core-server statements are not (they require DocumentReference/$docref).
 */
import type { OperationSpec } from './operations.js';
import { unmetRequirements, type ServerSupport } from './packages/requirements.js';
import type { InteractionCode } from './router.js';
import type { FhirServices } from './services.js';

/** One declared statement and what the server lacks of it (empty: instantiated). */
export interface StatementCheck {
  /** `url|version` (or `url` when it has no version). */
  canonical: string;
  /** The package that declares it, `name#version`. */
  package: string;
  unmet: string[];
}

function offers(op: OperationSpec, name: string, type: string | undefined): boolean {
  if (op.name !== name) return false;
  if (type === undefined) return op.levels.includes('system');
  return op.levels.some((l) => l !== 'system') && (!op.types || op.types.includes(type));
}

/** What the server supports, as the requirements check asks it. */
export function serverSupport(
  services: FhirServices,
  interactions: { type: InteractionCode[]; system: InteractionCode[] },
): ServerSupport {
  const ops = services.operations.all();
  return {
    resourceTypes: services.resourceTypes,
    typeInteractions: interactions.type,
    systemInteractions: interactions.system,
    searchParamType(type, code) {
      const p = services.registry.get(type, code);
      return p?.supported ? p.type : undefined;
    },
    hasOperation: (name, type) => ops.some((op) => offers(op, name, type)),
    knowsProfile: (canonical) => services.igRequirements?.knowsProfile(canonical) ?? false,
  };
}

/** Every requirements statement of the loaded packages, checked against the server. */
export function checkStatements(
  services: FhirServices,
  interactions: { type: InteractionCode[]; system: InteractionCode[] },
): StatementCheck[] {
  const support = serverSupport(services, interactions);
  return (services.igRequirements?.statements ?? []).map(({ package: p, statement }) => ({
    canonical: statement.version ? `${statement.url}|${statement.version}` : statement.url,
    package: `${p.name}#${p.version}`,
    unmet: unmetRequirements(statement, support),
  }));
}

/** The canonicals of the statements the server meets, once each, in package order. */
export function instantiatedStatements(
  services: FhirServices,
  interactions: { type: InteractionCode[]; system: InteractionCode[] },
): string[] {
  const met = checkStatements(services, interactions).filter((c) => c.unmet.length === 0);
  return [...new Set(met.map((c) => c.canonical))];
}
