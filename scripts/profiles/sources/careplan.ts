/**
 * ccm-careplan: the comprehensive CCM care plan (ccm-rules.md, gate 3 and "Care plan elements") on US Core
 * CarePlan, following the MCC eCare Plan IG where it agrees: interventions are activity.reference to
 * requests (Task with its owner as the responsible person), never activity.detail.
 */
import type { ElementDefinition } from 'fhir/r4.js';
import { CATEGORY, CS, EXTENSION, PROFILE, PROGRAM } from '../../../server/ccm/vocabulary.js';
import { el, extensionSlice, extensionSlicing, inv, ref, US_CORE, type ProfileSource } from '../elements.js';

/** Request types an intervention may be (R4 CarePlan.activity.reference), Task as ccm-task. */
const INTERVENTIONS = [
  PROFILE.task,
  'ServiceRequest',
  'MedicationRequest',
  'CommunicationRequest',
  'Appointment',
  'NutritionOrder',
  'DeviceRequest',
  'RequestGroup',
  'VisionPrescription',
];

/** Whether the plan carries the category coding CS.program#`code`, the programme the plan is for. */
const marked = (code: string) =>
  `category.coding.where(system = '${CS.program}' and code = '${code}').exists()`;

/**
 * How many conditions the plan addresses, by the programme it declares (ccm-rules.md, gates 2 and 3): CCM (the
 * default when no programme is marked) two or more; PCM at least its one condition; a BHI or CoCM plan at least
 * the behavioural-health condition the practitioner judges to warrant it ("BHI and CoCM"); an APCM plan any
 * number (the month's attested conditions set the APCM level, and a level-1 plan may address none).
 */
const ADDRESSED_BY_PROGRAMME =
  `addresses.count() >= 2 or ${marked(PROGRAM.apcm)} or (addresses.exists() and ` +
  `(${marked(PROGRAM.pcm)} or ${marked(PROGRAM.bhi)} or ${marked(PROGRAM.cocm)}))`;

/** The constraints of the profile, in snapshot order. */
const DIFFERENTIAL: ElementDefinition[] = [
  el('CarePlan', {
    short: 'A CCM comprehensive care plan',
    constraint: [
      inv('ccm-cp-1', 'The plan addresses distinct Conditions', 'addresses.reference.isDistinct()'),
      inv(
        'ccm-cp-2',
        'A CCM care plan addresses two or more conditions, a PCM, BHI or CoCM plan at least one, an APCM plan any number',
        ADDRESSED_BY_PROGRAMME,
      ),
    ],
  }),
  el('CarePlan.text', { min: 1, short: 'The plan in human-readable form (what the patient copy shows)' }),
  extensionSlicing('CarePlan.extension'),
  extensionSlice(
    'CarePlan.extension',
    'nextReview',
    EXTENSION.nextReview,
    [1, '1'],
    'Date of the next scheduled review',
  ),
  extensionSlice(
    'CarePlan.extension',
    'patientCopy',
    EXTENSION.patientCopy,
    [0, '1'],
    'The copy given to the patient',
  ),
  extensionSlice(
    'CarePlan.extension',
    'substantialRevision',
    EXTENSION.substantialRevision,
    [0, '*'],
    'When the plan was established or substantially revised',
  ),
  el('CarePlan.intent', { fixedCode: 'plan' }),
  el('CarePlan.category:ccm', {
    sliceName: 'ccm',
    short: 'CCM care plan category',
    min: 1,
    max: '1',
    patternCodeableConcept: { coding: [{ system: CS.category, code: CATEGORY.carePlan }] },
  }),
  el('CarePlan.period', { min: 1 }),
  el('CarePlan.period.start', { min: 1 }),
  el('CarePlan.author', {
    min: 1,
    short: 'The billing practitioner (custodian of the plan)',
    type: ref(US_CORE.practitioner, US_CORE.practitionerRole),
  }),
  el('CarePlan.addresses', {
    short: 'The chronic conditions the plan addresses (how many: ccm-cp-2)',
    type: ref(PROFILE.condition),
  }),
  el('CarePlan.goal', { min: 1, short: 'Measurable treatment goals', type: ref(US_CORE.goal) }),
  el('CarePlan.activity', { min: 1, short: 'Planned interventions' }),
  el('CarePlan.activity.reference', {
    min: 1,
    short: 'The intervention; a Task names the responsible person as owner',
    type: ref(...INTERVENTIONS),
  }),
  el('CarePlan.activity.detail', { max: '0' }),
];

/** The ccm-careplan profile source. */
export function carePlanProfile(): ProfileSource {
  return {
    id: 'ccm-careplan',
    url: PROFILE.carePlan,
    name: 'CcmCarePlan',
    title: 'CCM comprehensive care plan',
    description:
      'The comprehensive care plan of a CCM patient: the chronic conditions it addresses, its goals, the interventions and who is responsible for each, the billing practitioner, the review schedule and the copy given to the patient.',
    type: 'CarePlan',
    baseDefinition: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-careplan',
    kind: 'resource',
    differential: DIFFERENTIAL,
  };
}
