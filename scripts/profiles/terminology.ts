/**
 * Builds our CodeSystem and ValueSet resources (R4 codesystem.html, valueset.html) from the concept lists:
 * each CodeSystem has an all-codes ValueSet; two more ValueSets restrict base R4 codes (Consent.status,
 * Task.intent) for the profiles.
 */
import type { CodeSystem, ValueSet } from 'fhir/r4.js';
import { VS } from '../../server/ccm/vocabulary.js';
import type { CodeSystemSource } from './code-systems.js';
import { PUBLISHER, RELEASE } from './elements.js';

const lastSegment = (url: string) => url.slice(url.lastIndexOf('/') + 1);

const common = {
  version: RELEASE.version,
  status: 'active',
  experimental: false,
  date: RELEASE.date,
  publisher: PUBLISHER,
} as const;

/** The CodeSystem resource of a source. */
export function codeSystemResource(src: CodeSystemSource): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: lastSegment(src.url),
    url: src.url,
    ...common,
    name: src.name,
    title: src.title,
    description: src.description,
    caseSensitive: true,
    valueSet: src.valueSet,
    content: 'complete',
    count: src.concepts.length,
    concept: src.concepts.map(([code, display, definition]) => ({ code, display, definition })),
  };
}

/** The ValueSet of every code of a source's CodeSystem. */
export function allCodesValueSet(src: CodeSystemSource): ValueSet {
  return {
    resourceType: 'ValueSet',
    id: lastSegment(src.valueSet),
    url: src.valueSet,
    ...common,
    name: `${src.name}Codes`,
    title: `${src.title} (all codes)`,
    description: `Every code of the ${src.title} code system.`,
    compose: { include: [{ system: src.url }] },
  };
}

function subset(
  url: string,
  name: string,
  title: string,
  description: string,
  system: string,
  codes: string[],
): ValueSet {
  return {
    resourceType: 'ValueSet',
    id: lastSegment(url),
    url,
    ...common,
    name,
    title,
    description,
    compose: { include: [{ system, concept: codes.map((code) => ({ code })) }] },
  };
}

/** The ValueSets that restrict base R4 codes. */
export function subsetValueSets(): ValueSet[] {
  return [
    subset(
      VS.consentStatus,
      'CcmConsentStatus',
      'CCM consent statuses',
      'active (the patient accepted), rejected (the patient declined), inactive (the patient revoked).',
      'http://hl7.org/fhir/consent-state-codes',
      ['active', 'rejected', 'inactive'],
    ),
    subset(
      VS.taskIntent,
      'CcmTaskIntent',
      'CCM task intents',
      'A CCM task is part of a plan or an order.',
      'http://hl7.org/fhir/request-intent',
      ['plan', 'order'],
    ),
  ];
}
