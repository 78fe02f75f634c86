/**
 * Our extension definitions (R4 extensibility.html#defining): simple ones carry one value[x], complex ones
 * a closed list of sub-extensions identified by a relative url. URLs come from server/ccm/vocabulary.ts.
 */
import type { ElementDefinition, ElementDefinitionType } from 'fhir/r4.js';
import { EXTENSION, VS } from '../../server/ccm/vocabulary.js';
import { el, onElements, R4_SD, ref, required, type ProfileSource } from './elements.js';

interface Common {
  url: string;
  name: string;
  title: string;
  description: string;
  on: string[];
}

interface ValuePart {
  type: ElementDefinitionType[];
  binding?: ElementDefinition['binding'];
}

function source(c: Common, differential: ElementDefinition[]): ProfileSource {
  return {
    id: c.url.slice(c.url.lastIndexOf('/') + 1),
    url: c.url,
    name: c.name,
    title: c.title,
    description: c.description,
    type: 'Extension',
    baseDefinition: `${R4_SD}Extension`,
    kind: 'complex-type',
    context: onElements(...c.on),
    differential,
  };
}

/** An extension with a single value[x] of one type. */
function simple(c: Common, value: ValuePart): ProfileSource {
  return source(c, [
    el('Extension', { short: c.title, definition: c.description }),
    el('Extension.extension', { max: '0' }),
    el('Extension.url', { fixedUri: c.url }),
    el('Extension.value[x]', {
      min: 1,
      type: value.type,
      ...(value.binding ? { binding: value.binding } : {}),
    }),
  ]);
}

interface Part extends ValuePart {
  name: string;
  short: string;
  min: number;
}

/** A complex extension: a closed set of sub-extensions, each with one value (max 1). */
function complex(c: Common, parts: Part[]): ProfileSource {
  const diff: ElementDefinition[] = [
    el('Extension', { short: c.title, definition: c.description }),
    el('Extension.extension', {
      slicing: { discriminator: [{ type: 'value', path: 'url' }], ordered: false, rules: 'closed' },
      min: parts.reduce((n, p) => n + p.min, 0),
    }),
  ];
  for (const p of parts) {
    const id = `Extension.extension:${p.name}`;
    diff.push(
      el(id, { sliceName: p.name, short: p.short, min: p.min, max: '1' }),
      el(`${id}.extension`, { max: '0' }),
      el(`${id}.url`, { fixedUri: p.name }),
      el(`${id}.value[x]`, { min: 1, type: p.type, ...(p.binding ? { binding: p.binding } : {}) }),
    );
  }
  diff.push(el('Extension.url', { fixedUri: c.url }), el('Extension.value[x]', { max: '0' }));
  return source(c, diff);
}

const t = (code: string): ElementDefinitionType[] => [{ code }];

const EXTENSIONS: ProfileSource[] = [
  complex(
    {
      url: EXTENSION.chronicAttestation,
      name: 'CcmChronicConditionAttestation',
      title: 'CCM chronic-condition attestation',
      description:
        "A clinician's statement that this condition qualifies for Chronic Care Management: expected to last at least 12 months or until death, and placing the patient at significant risk of death, acute exacerbation or decompensation, or functional decline.",
      on: ['Condition'],
    },
    [
      {
        name: 'expectedDuration',
        short: 'Expected to last >= 12 months or until death',
        min: 1,
        type: t('boolean'),
      },
      {
        name: 'significantRisk',
        short: 'Places the patient at significant risk',
        min: 1,
        type: t('boolean'),
      },
      {
        name: 'attestedBy',
        short: 'The attesting clinician',
        min: 1,
        type: ref('Practitioner', 'PractitionerRole'),
      },
      { name: 'attestedOn', short: 'When the clinician attested', min: 1, type: t('dateTime') },
    ],
  ),
  simple(
    {
      url: EXTENSION.consentMethod,
      name: 'CcmConsentMethod',
      title: 'CCM consent method',
      description: 'Whether the CCM consent was obtained verbally or in writing.',
      on: ['Consent'],
    },
    { type: t('code'), binding: required(VS.consentMethod, 'verbal | written') },
  ),
  simple(
    {
      url: EXTENSION.consentElementExplained,
      name: 'CcmConsentElementExplained',
      title: 'CCM consent element explained',
      description:
        'One of the things the patient must be told before consenting to CCM; repeat once per element.',
      on: ['Consent'],
    },
    { type: t('Coding'), binding: required(VS.consentElement, 'The CMS consent elements') },
  ),
  simple(
    {
      url: EXTENSION.consentRevoked,
      name: 'CcmConsentRevoked',
      title: 'CCM consent revoked',
      description:
        'When the patient revoked this CCM consent. The revocation is its own dated fact: Consent.dateTime (when consent was obtained) never changes; the consent becomes inactive and provision.period.end is the last day of the month of the revocation, when it takes effect.',
      on: ['Consent'],
    },
    { type: t('dateTime') },
  ),
  simple(
    {
      url: EXTENSION.nextReview,
      name: 'CcmCarePlanNextReview',
      title: 'CCM care plan next review',
      description: 'The date of the next scheduled review of the care plan.',
      on: ['CarePlan'],
    },
    { type: t('date') },
  ),
  complex(
    {
      url: EXTENSION.patientCopy,
      name: 'CcmCarePlanPatientCopy',
      title: 'CCM care plan copy given to the patient',
      description: 'Records that the patient or caregiver was given a copy of the care plan, when and how.',
      on: ['CarePlan'],
    },
    [
      { name: 'date', short: 'When the copy was given', min: 1, type: t('dateTime') },
      {
        name: 'method',
        short: 'paper | portal | email | mail | other',
        min: 1,
        type: t('code'),
        binding: required(VS.patientCopyMethod, 'How the copy was given'),
      },
    ],
  ),
  simple(
    {
      url: EXTENSION.substantialRevision,
      name: 'CcmCarePlanSubstantialRevision',
      title: 'CCM care plan established or substantially revised',
      description:
        'A moment at which the care plan was established or substantially revised (complex CCM needs one in the month).',
      on: ['CarePlan'],
    },
    { type: t('dateTime') },
  ),
  simple(
    {
      url: EXTENSION.timeExclusion,
      name: 'CcmTimeExclusion',
      title: 'CCM time exclusion',
      description:
        'The minutes of this time entry were counted toward another service and do not count for CCM.',
      on: ['Encounter'],
    },
    { type: t('Coding'), binding: required(VS.timeExclusion, 'Why the minutes do not count') },
  ),
  simple(
    {
      url: EXTENSION.medicalDecisionMaking,
      name: 'CcmMedicalDecisionMaking',
      title: 'CCM medical decision making',
      description:
        'The level of medical decision making documented by the billing practitioner for this time.',
      on: ['Encounter'],
    },
    { type: t('code'), binding: required(VS.mdmLevel, 'straightforward | low | moderate | high') },
  ),
];

/** Every extension definition of the CCM profiles. */
export function extensionSources(): ProfileSource[] {
  return EXTENSIONS;
}
