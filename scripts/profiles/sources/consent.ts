/**
 * ccm-consent: the patient's CCM consent (ccm-rules.md, gate 1): verbal or written, what was explained,
 * accepted / declined / revoked (its own dated fact, effective at the end of the month), for one billing
 * practitioner.
 */
import type { ElementDefinition } from 'fhir/r4.js';
import {
  BILLING_PRACTITIONER_ROLE,
  CATEGORY,
  CONSENT_ELEMENT,
  CONSENT_POLICY,
  CS,
  EXTENSION,
  LOINC_PATIENT_CONSENT,
  PARTICIPATION_TYPE,
  PROFILE,
  SYSTEM,
  VS,
} from '../../../server/ccm/vocabulary.js';
import { el, extensionSlice, extensionSlicing, inv, ref, required, type ProfileSource } from '../elements.js';

const method = `extension.where(url = '${EXTENSION.consentMethod}').value`;
/** Every CONSENT_ELEMENT code is among the codes of the elementExplained extensions (one pass). */
const ALL_EXPLAINED =
  `(${Object.values(CONSENT_ELEMENT)
    .map((c) => `'${c}'`)
    .join(' | ')}).subsetOf(` +
  `extension.where(url = '${EXTENSION.consentElementExplained}').value.ofType(Coding).where(system = '${CS.consentElement}').code)`;

/** provision.period.end has day precision and the next day is the 1st (time and zone ignored). */
const END = 'provision.period.end.toString()';
const LAST_DAY_OF_MONTH =
  `status = 'inactive' implies (provision.period.end.exists() and ${END}.length() >= 10 and ` +
  `(${END}.substring(0, 10).toDate() + 1 day).toString().substring(8, 2) = '01')`;

const revoked = `extension.where(url = '${EXTENSION.consentRevoked}')`;
/** Revoked iff a revocation date is recorded, and the revocation falls in the month provision.period.end ends. */
const REVOCATION_DATED =
  `(status = 'inactive') = ${revoked}.exists() and (${revoked}.exists() implies ` +
  `${revoked}.value.toString().substring(0, 7) = ${END}.substring(0, 7))`;

/** The invariants of a CCM consent (on the root element). */
const INVARIANTS = [
  inv(
    'ccm-consent-1',
    'Written consent has the signed document as sourceAttachment',
    `${method} = 'written' implies source.ofType(Attachment).exists()`,
  ),
  inv(
    'ccm-consent-2',
    'An accepted consent records that all four CMS consent elements were explained',
    `status = 'active' implies (${ALL_EXPLAINED})`,
  ),
  inv(
    'ccm-consent-3',
    'A declined consent has a deny provision; an accepted or revoked one a permit provision',
    "(status = 'rejected' implies provision.type = 'deny') and ((status = 'active' or status = 'inactive') implies provision.type = 'permit')",
  ),
  inv(
    'ccm-consent-4',
    'A revoked consent ends on the last day of the month of the revocation (provision.period.end)',
    LAST_DAY_OF_MONTH,
  ),
  inv(
    'ccm-consent-5',
    'A revoked consent, and only a revoked one, records when it was revoked (extension consentRevoked), in the month its provision.period.end ends; dateTime stays when consent was obtained',
    REVOCATION_DATED,
  ),
];

const codeable = (system: string, code: string) => ({ coding: [{ system, code }] });

/** The constraints of the profile, in snapshot order. */
const DIFFERENTIAL: ElementDefinition[] = [
  el('Consent', { short: 'A CCM consent', constraint: INVARIANTS }),
  extensionSlicing('Consent.extension'),
  extensionSlice('Consent.extension', 'consentMethod', EXTENSION.consentMethod, [1, '1'], 'verbal | written'),
  extensionSlice(
    'Consent.extension',
    'elementExplained',
    EXTENSION.consentElementExplained,
    [0, '*'],
    'A consent element explained to the patient',
  ),
  extensionSlice(
    'Consent.extension',
    'revoked',
    EXTENSION.consentRevoked,
    [0, '1'],
    'When the patient revoked (the consent date never changes)',
  ),
  el('Consent.status', {
    short: 'active (accepted) | rejected (declined) | inactive (revoked)',
    binding: required(VS.consentStatus, 'The statuses a CCM consent can have'),
  }),
  el('Consent.scope', { patternCodeableConcept: codeable(SYSTEM.consentScope, 'treatment') }),
  el('Consent.category', {
    slicing: { discriminator: [{ type: 'pattern', path: '$this' }], ordered: false, rules: 'open' },
    min: 2,
  }),
  el('Consent.category:loinc', {
    sliceName: 'loinc',
    short: 'LOINC 59284-0 Patient Consent',
    min: 1,
    max: '1',
    patternCodeableConcept: codeable(SYSTEM.loinc, LOINC_PATIENT_CONSENT),
  }),
  el('Consent.category:ccm', {
    sliceName: 'ccm',
    short: 'CCM consent category',
    min: 1,
    max: '1',
    patternCodeableConcept: codeable(CS.category, CATEGORY.consent),
  }),
  el('Consent.patient', { min: 1, type: ref('Patient') }),
  el('Consent.dateTime', {
    min: 1,
    short: 'When the patient accepted or declined; a revocation never changes it (extension revoked)',
  }),
  el('Consent.performer', {
    min: 1,
    short: 'The patient or representative who decided',
    type: ref('Patient', 'RelatedPerson'),
  }),
  el('Consent.policyRule', {
    min: 1,
    patternCodeableConcept: codeable(CS.consentPolicy, CONSENT_POLICY.cmsCcm),
  }),
  el('Consent.provision', { min: 1 }),
  el('Consent.provision.type', { min: 1, short: 'permit (accepted, revoked) | deny (declined)' }),
  el('Consent.provision.period', { min: 1 }),
  el('Consent.provision.period.start', { min: 1 }),
  el('Consent.provision.actor', {
    slicing: { discriminator: [{ type: 'pattern', path: 'role' }], ordered: false, rules: 'open' },
    min: 1,
  }),
  el('Consent.provision.actor:billingPractitioner', {
    sliceName: 'billingPractitioner',
    short: 'The billing practitioner the consent is given to',
    min: 1,
    max: '1',
  }),
  el('Consent.provision.actor:billingPractitioner.role', {
    patternCodeableConcept: codeable(PARTICIPATION_TYPE, BILLING_PRACTITIONER_ROLE),
  }),
  el('Consent.provision.actor:billingPractitioner.reference', { type: ref('Practitioner') }),
];

/** The ccm-consent profile source. */
export function consentProfile(): ProfileSource {
  return {
    id: 'ccm-consent',
    url: PROFILE.consent,
    name: 'CcmConsent',
    title: 'CCM consent',
    description:
      "The patient's consent to Chronic Care Management by one billing practitioner: how it was obtained, what was explained, and whether it was accepted, declined or later revoked.",
    type: 'Consent',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Consent',
    kind: 'resource',
    differential: DIFFERENTIAL,
  };
}
