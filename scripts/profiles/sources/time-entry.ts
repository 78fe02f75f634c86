/**
 * ccm-time-entry: one logged block of non-face-to-face care management time (ccm-rules.md, "Codes" and
 * "What counts as CCM time") as a finished virtual Encounter whose length holds the minutes.
 */
import type { ElementDefinition } from 'fhir/r4.js';
import {
  CS,
  EXTENSION,
  PROFILE,
  SYSTEM,
  TIME_ENTRY_CLASS,
  TIME_ROLE,
  VS,
} from '../../../server/ccm/vocabulary.js';
import {
  el,
  extensionSlice,
  extensionSlicing,
  inv,
  ref,
  required,
  US_CORE,
  type ProfileSource,
} from '../elements.js';

const MDM_BY_PRACTITIONER =
  `extension.where(url = '${EXTENSION.medicalDecisionMaking}').exists() implies ` +
  `participant.type.coding.where(system = '${CS.timeRole}' and code = '${TIME_ROLE.billingPractitioner}').exists()`;

/**
 * ccm-rules.md, "An entry's time is its period": a stated length may be shorter than the period, never
 * longer. Instants are compared (FHIRPath dateTime + time-valued Quantity, fhirpath.html#datetime-arithmetic),
 * so a fall-back-day entry is measured in real time; a period whose end precedes its start is per-1's issue.
 */
const LENGTH_WITHIN_PERIOD =
  '(%resource.period.start.exists() and %resource.period.end.exists() and ' +
  '%resource.period.start <= %resource.period.end) implies ' +
  "(%resource.period.start + $this.toQuantity('s')) <= %resource.period.end";

/** The constraints of the profile, in snapshot order. */
const DIFFERENTIAL: ElementDefinition[] = [
  el('Encounter', {
    short: 'A CCM time entry',
    constraint: [
      inv(
        'ccm-te-1',
        'Medical decision making is recorded only on billing-practitioner time',
        MDM_BY_PRACTITIONER,
      ),
    ],
  }),
  extensionSlicing('Encounter.extension'),
  extensionSlice(
    'Encounter.extension',
    'timeExclusion',
    EXTENSION.timeExclusion,
    [0, '1'],
    'Counted toward another service',
  ),
  extensionSlice(
    'Encounter.extension',
    'medicalDecisionMaking',
    EXTENSION.medicalDecisionMaking,
    [0, '1'],
    'MDM level',
  ),
  el('Encounter.status', { fixedCode: 'finished' }),
  el('Encounter.class', { patternCoding: { system: SYSTEM.actCode, code: TIME_ENTRY_CLASS } }),
  el('Encounter.type', {
    min: 1,
    max: '1',
    short: 'The CCM activity',
    binding: required(VS.activity, 'CCM activities'),
  }),
  el('Encounter.serviceType', {
    min: 1,
    short: 'The programme (ccm, pcm, ...)',
    binding: required(VS.program, 'Care management programmes'),
  }),
  el('Encounter.participant', { min: 1 }),
  el('Encounter.participant.type', {
    min: 1,
    slicing: { discriminator: [{ type: 'pattern', path: '$this' }], ordered: false, rules: 'open' },
  }),
  el('Encounter.participant.type:timeRole', {
    sliceName: 'timeRole',
    short: 'clinical-staff | billing-practitioner | non-clinical-staff',
    min: 1,
    max: '1',
    binding: required(VS.timeRole, 'Whose time it is'),
  }),
  el('Encounter.participant.individual', {
    min: 1,
    type: ref(US_CORE.practitioner, US_CORE.practitionerRole),
  }),
  el('Encounter.period', { min: 1 }),
  el('Encounter.period.start', { min: 1 }),
  el('Encounter.period.end', { min: 1 }),
  el('Encounter.length', {
    min: 1,
    short: 'Minutes (seconds / 60), never rounded up',
    constraint: [
      inv('ccm-te-2', 'The length is a positive number of minutes', 'value > 0'),
      inv(
        'ccm-te-3',
        'The stated length is not longer than the period (start to end); a shorter length counts as stated',
        LENGTH_WITHIN_PERIOD,
      ),
    ],
  }),
  el('Encounter.length.value', { min: 1 }),
  el('Encounter.length.comparator', { max: '0' }),
  el('Encounter.length.unit', { min: 1, fixedString: 'min' }),
  el('Encounter.length.system', { min: 1, fixedUri: SYSTEM.ucum }),
  el('Encounter.length.code', { min: 1, fixedCode: 'min' }),
  el('Encounter.reasonReference', {
    short: 'The conditions addressed',
    type: ref(PROFILE.condition, US_CORE.problems, US_CORE.encounterDiagnosis),
  }),
];

/** The ccm-time-entry profile source. */
export function timeEntryProfile(): ProfileSource {
  return {
    id: 'ccm-time-entry',
    url: PROFILE.timeEntry,
    name: 'CcmTimeEntry',
    title: 'CCM time entry',
    description:
      'One block of non-face-to-face care management time: who spent it and in which role, on what, when, how many minutes, for which programme and conditions, and whether it was already counted elsewhere.',
    type: 'Encounter',
    baseDefinition: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-encounter',
    kind: 'resource',
    differential: DIFFERENTIAL,
  };
}
