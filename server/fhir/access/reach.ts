/**
 * What a token may touch, by resource type class: the one table of README "What a token can reach".
 * A `patient/` scope (SMART App Launch 2.2 scopes-and-launch-context.html) reaches the patient in context's
 * data only. Which resources are "the patient's" is decided here, per class:
 *
 * - compartment: types of the R4 Patient CompartmentDefinition (compartmentdefinition-patient.html), by its
 *   parameters (the `comp` index computed on write);
 * - owned-by: types outside the compartment that name their patient in a reference: Task (`for`, or
 *   `focus` when `for` is absent; our ccm-task), Device (`patient`);
 * - security-context: Binary, whose `securityContext` (R4 binary.html#security) must be a resource the
 *   token may read; Binary has no search parameters, so this is checked per instance (read, vread,
 *   history, writes) and patient-scoped searches list no Binary;
 * - provenance: Provenance is in the compartment through `patient` (a target that is the Patient); a
 *   patient token writes one only when every target is a resource it may read;
 * - shared: reference data (Practitioner, Organization, Medication ...): every token with the scope reads
 *   it, a patient token never writes it;
 * - conformance: definitional resources (R4 conformance and terminology modules): read by every token
 *   with the scope, written only by `system/` tokens;
 * - any other type: unreachable for patient tokens.
 * `user/` and `system/` tokens reach every instance of a type their scopes name (except conformance
 * writes for `user/`).
 */
import { and, NONE as NOTHING, or, type Where } from '../../storage/repository.js';
import type { ResourceIndex, ReferenceEntry } from '../search/index-entry.js';
import type { SearchRegistry } from '../search/registry.js';
import type { ScopeContext } from './scopes.js';

/** The type classes of the table. */
export type TypeClass =
  'compartment' | 'owned-by' | 'security-context' | 'provenance' | 'shared' | 'conformance' | 'unreachable';

/** Types whose owner is named by reference search parameters: the first parameter present decides. */
const OWNED_BY: Readonly<Record<string, readonly string[]>> = {
  Task: ['subject', 'focus'],
  Device: ['patient'],
};

const SHARED: ReadonlySet<string> = new Set([
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'OrganizationAffiliation',
  'Location',
  'HealthcareService',
  'Endpoint',
  'Medication',
  'MedicationKnowledge',
  'Substance',
  'DeviceDefinition',
  'InsurancePlan',
  'ActivityDefinition',
  'PlanDefinition',
  'Questionnaire',
  'Library',
  'Measure',
  'ObservationDefinition',
  'SpecimenDefinition',
  'EventDefinition',
  'ChargeItemDefinition',
]);

const CONFORMANCE: ReadonlySet<string> = new Set([
  'CapabilityStatement',
  'StructureDefinition',
  'ImplementationGuide',
  'SearchParameter',
  'MessageDefinition',
  'OperationDefinition',
  'CompartmentDefinition',
  'StructureMap',
  'GraphDefinition',
  'ExampleScenario',
  'CodeSystem',
  'ValueSet',
  'ConceptMap',
  'NamingSystem',
  'TerminologyCapabilities',
]);

/** The class of `type` (the table above, then the R4 compartment definition). */
export function classOf(registry: SearchRegistry, type: string): TypeClass {
  if (type === 'Binary') return 'security-context';
  if (type === 'Provenance') return 'provenance';
  if (OWNED_BY[type]) return 'owned-by';
  if (CONFORMANCE.has(type)) return 'conformance';
  if (SHARED.has(type)) return 'shared';
  if (type === 'Patient' || registry.patientCompartmentParams(type).length > 0) return 'compartment';
  return 'unreachable';
}

/**
 * How one patient's data is picked out: a storage filter and the same test over a resource's index;
 * `deep` names a check that needs other resources (made per instance, policy.ts).
 */
export interface Confine {
  filter: Where;
  test(index: ResourceIndex): boolean;
  deep?: 'security-context' | 'provenance-targets';
}

/** Nothing of the type, for storage and in memory. */
const NONE: Confine = { filter: NOTHING, test: () => false };

function refs(index: ResourceIndex, code: string): ReferenceEntry[] {
  return (index.sp[code] ?? []) as ReferenceEntry[];
}

/** The owner parameters of `type`: the first one present must name the patient. */
function ownedBy(params: readonly string[], patient: string): Confine {
  const ref = `Patient/${patient}`;
  const ors = params.map((code, i) => {
    const absent: Where[] = params
      .slice(0, i)
      .map((prev) => ({ kind: 'missing', name: prev, code: prev, missing: true }));
    return and(...absent, { kind: 'refs', name: code, code, refs: [ref] });
  });
  return {
    filter: or(...ors),
    test: (index) => {
      const first = params.find((code) => refs(index, code).length > 0);
      return first !== undefined && refs(index, first).some((e) => e.r === ref);
    },
  };
}

function compartment(patient: string, deep?: Confine['deep']): Confine {
  const ref = `Patient/${patient}`;
  return {
    filter: { kind: 'compartment', name: '_compartment', compartment: ref },
    test: (index) => index.comp.includes(ref),
    deep,
  };
}

/**
 * What a grant of `context` reaches of `type`, for reading or for writing: 'all' (no confinement), a
 * Confine (patient grants), or null when it reaches nothing.
 */
export function reachOf(
  registry: SearchRegistry,
  type: string,
  context: ScopeContext,
  patient: string | undefined,
  writing: boolean,
): 'all' | Confine | null {
  const cls = classOf(registry, type);
  if (writing && cls === 'conformance' && context !== 'system') return null;
  if (context !== 'patient') return 'all';
  if (cls === 'shared' || cls === 'conformance') return writing ? null : 'all';
  if (!patient || cls === 'unreachable') return null;
  switch (cls) {
    case 'compartment':
      return compartment(patient);
    case 'provenance':
      return compartment(patient, writing ? 'provenance-targets' : undefined);
    case 'owned-by':
      return ownedBy(OWNED_BY[type], patient);
    case 'security-context':
      return { ...NONE, deep: 'security-context' };
  }
}
