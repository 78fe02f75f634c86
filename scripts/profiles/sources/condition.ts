/**
 * ccm-condition: a US Core problem or health concern that the CCM engine can count (ccm-rules.md,
 * gate 2 and "Chronic-condition identification"): ICD-10-CM and/or SNOMED CT coded, with an optional
 * clinician attestation that it is a CCM chronic condition.
 */
import type { ElementDefinition } from 'fhir/r4.js';
import { EXTENSION, PROFILE, SYSTEM } from '../../../server/ccm/vocabulary.js';
import { el, extensionSlice, inv, US_CORE, type ProfileSource } from '../elements.js';

const CODED = `coding.where(system = '${SYSTEM.icd10cm}' or system = '${SYSTEM.snomed}').exists()`;
/** ICD-10-CM code shape: letter, digit, digit or A/B, then optionally a dot and up to 4 characters. */
const ICD10CM_SHAPE = "code.matches('^[A-Z][0-9][0-9AB](\\\\.[0-9A-Z]{1,4})?$')";
const SNOMED_SHAPE = "code.matches('^[0-9]{6,18}$')";

/** The constraints of the profile, in snapshot order. */
const DIFFERENTIAL: ElementDefinition[] = [
  el('Condition', { short: 'A CCM condition' }),
  extensionSlice(
    'Condition.extension',
    'chronicAttestation',
    EXTENSION.chronicAttestation,
    [0, '1'],
    'Clinician attestation that this is a CCM chronic condition',
  ),
  el('Condition.code', {
    constraint: [inv('ccm-cond-1', 'The code has an ICD-10-CM or a SNOMED CT coding', CODED)],
  }),
  el('Condition.code.coding', {
    slicing: { discriminator: [{ type: 'value', path: 'system' }], ordered: false, rules: 'open' },
  }),
  el('Condition.code.coding:icd10cm', {
    sliceName: 'icd10cm',
    short: 'ICD-10-CM coding (needed on the claim)',
    min: 0,
    max: '*',
    constraint: [inv('ccm-cond-2', 'An ICD-10-CM code has the ICD-10-CM shape (e.g. E11.9)', ICD10CM_SHAPE)],
  }),
  el('Condition.code.coding:icd10cm.system', { min: 1, fixedUri: SYSTEM.icd10cm }),
  el('Condition.code.coding:icd10cm.code', { min: 1 }),
  el('Condition.code.coding:snomed', {
    sliceName: 'snomed',
    short: 'SNOMED CT coding',
    min: 0,
    max: '*',
    constraint: [inv('ccm-cond-3', 'A SNOMED CT concept id has 6 to 18 digits', SNOMED_SHAPE)],
  }),
  el('Condition.code.coding:snomed.system', { min: 1, fixedUri: SYSTEM.snomed }),
  el('Condition.code.coding:snomed.code', { min: 1 }),
];

/** The ccm-condition profile source. */
export function conditionProfile(): ProfileSource {
  return {
    id: 'ccm-condition',
    url: PROFILE.condition,
    name: 'CcmCondition',
    title: 'CCM condition',
    description:
      'A problem-list item or health concern that Chronic Care Management can count: coded in ICD-10-CM and/or SNOMED CT, optionally attested by a clinician as a CCM chronic condition.',
    type: 'Condition',
    baseDefinition: US_CORE.problems,
    kind: 'resource',
    differential: DIFFERENTIAL,
  };
}
