/**
 * Small builders for differential ElementDefinitions (R4 elementdefinition.html, profiling.html#slicing),
 * so that each profile source reads as a list of constraints.
 */
import type {
  ElementDefinition,
  ElementDefinitionConstraint,
  ElementDefinitionType,
  StructureDefinitionContext,
} from 'fhir/r4.js';
import { CCM_BASE } from '../../server/ccm/vocabulary.js';
import { pathOfId } from './snapshot.js';

/** The business version and date of everything we publish (fixed, so that builds are reproducible). */
export const RELEASE = { version: '0.1.0', date: '2026-11-26' } as const;

/** Publisher of our conformance resources. */
export const PUBLISHER = 'ccm-fhir';

/** Base URL of the R4 core StructureDefinitions. */
export const R4_SD = 'http://hl7.org/fhir/StructureDefinition/';
/** Base URL of the US Core 6.1.0 StructureDefinitions. */
export const US_CORE_SD = 'http://hl7.org/fhir/us/core/StructureDefinition/';

/** US Core profiles for reference targets. */
export const US_CORE = {
  patient: `${US_CORE_SD}us-core-patient`,
  practitioner: `${US_CORE_SD}us-core-practitioner`,
  practitionerRole: `${US_CORE_SD}us-core-practitionerrole`,
  relatedPerson: `${US_CORE_SD}us-core-relatedperson`,
  careTeam: `${US_CORE_SD}us-core-careteam`,
  organization: `${US_CORE_SD}us-core-organization`,
  goal: `${US_CORE_SD}us-core-goal`,
  problems: `${US_CORE_SD}us-core-condition-problems-health-concerns`,
  encounterDiagnosis: `${US_CORE_SD}us-core-condition-encounter-diagnosis`,
} as const;

/** A differential element; its path is derived from the id. */
export function el(id: string, props: Omit<ElementDefinition, 'id' | 'path'> = {}): ElementDefinition {
  return { id, path: pathOfId(id), ...props };
}

/** `Reference(...)` to the given profiles; bare names are R4 resource types. */
export function ref(...targets: string[]): ElementDefinitionType[] {
  return [{ code: 'Reference', targetProfile: targets.map((t) => (t.includes('/') ? t : R4_SD + t)) }];
}

/** An error-level invariant (R4 elementdefinition.html#constraints). */
export function inv(key: string, human: string, expression: string): ElementDefinitionConstraint {
  return { key, severity: 'error', human, expression };
}

/** The slicing every extension list uses: by url, open (R4 extensibility.html#using). */
export function extensionSlicing(id: string): ElementDefinition {
  return el(id, {
    slicing: { discriminator: [{ type: 'value', path: 'url' }], ordered: false, rules: 'open' },
  });
}

/** One extension slice with its extension definition as type profile. */
export function extensionSlice(
  parent: string,
  name: string,
  url: string,
  card: [number, string],
  short: string,
): ElementDefinition {
  return el(`${parent}:${name}`, {
    sliceName: name,
    short,
    min: card[0],
    max: card[1],
    type: [{ code: 'Extension', profile: [url] }],
  });
}

/** A required binding to one of our ValueSets (or any canonical). */
export function required(valueSet: string, description: string): ElementDefinition['binding'] {
  return { strength: 'required', description, valueSet };
}

/** Extension context: the resource types an extension may be used on. */
export function onElements(...types: string[]): StructureDefinitionContext[] {
  return types.map((expression) => ({ type: 'element', expression }));
}

/** Canonical URL of one of our SearchParameters. */
export function searchParameterUrl(id: string): string {
  return `${CCM_BASE}/SearchParameter/${id}`;
}

/** What a profile or extension source declares; build.ts adds the metadata and the snapshot. */
export interface ProfileSource {
  id: string;
  url: string;
  name: string;
  title: string;
  description: string;
  /** The constrained type (`Condition`, `Extension`, ...). */
  type: string;
  baseDefinition: string;
  kind: 'resource' | 'complex-type';
  context?: StructureDefinitionContext[];
  differential: ElementDefinition[];
}
