/**
 * The concepts of our CodeSystems (R4 codesystem.html): codes from server/ccm/vocabulary.ts, each with a
 * display and a definition written for this project.
 */
import {
  ACTIVITY,
  CATEGORY,
  CONSENT_ELEMENT,
  CONSENT_METHOD,
  CONSENT_POLICY,
  COVERAGE_TYPE,
  CS,
  MDM_LEVEL,
  PATIENT_COPY_METHOD,
  PROGRAM,
  TASK_TYPE,
  TIME_EXCLUSION,
  TIME_ROLE,
  VS,
} from '../../server/ccm/vocabulary.js';

/** One concept: code, display, definition. */
export type Concept = [code: string, display: string, definition: string];

/** What build.ts needs to write one CodeSystem and its all-codes ValueSet. */
export interface CodeSystemSource {
  url: string;
  valueSet: string;
  name: string;
  title: string;
  description: string;
  concepts: Concept[];
}

/** Fails the build when the concept list and the vocabulary's codes differ. */
function exactly(codes: readonly string[], concepts: Concept[]): Concept[] {
  const listed = concepts.map((c) => c[0]);
  if (listed.length !== codes.length || listed.some((c, i) => c !== codes[i])) {
    throw new Error(`concepts ${listed.join(',')} do not match the vocabulary ${codes.join(',')}`);
  }
  return concepts;
}

const ACTIVITY_CONCEPTS: Concept[] = [
  ['phone-call', 'Phone call', 'Telephone contact with the patient about their chronic conditions.'],
  ['secure-message', 'Secure message', 'Secure electronic messaging with the patient.'],
  ['portal-message', 'Portal message', 'Communication with the patient through the patient portal.'],
  [
    'caregiver-communication',
    'Caregiver communication',
    'Contact with a caregiver or family member on behalf of the patient.',
  ],
  [
    'record-review',
    'Record review',
    'Review of the medical record or of records received from other practitioners.',
  ],
  ['result-review', 'Result review', 'Review of test results and follow-up on them.'],
  ['care-plan-development', 'Care plan development', 'Creation of the comprehensive care plan.'],
  ['care-plan-revision', 'Care plan revision', 'Revision of the care plan.'],
  ['care-plan-monitoring', 'Care plan monitoring', 'Monitoring of the care plan and its goals.'],
  ['medication-reconciliation', 'Medication reconciliation', 'Reconciliation of the medication list.'],
  ['medication-adherence', 'Medication adherence', 'Follow-up of medication adherence and side effects.'],
  ['care-coordination', 'Care coordination', 'Coordination with other practitioners and agencies.'],
  ['community-services', 'Community services', 'Arranging community and social services.'],
  ['home-health-coordination', 'Home health coordination', 'Coordination with home health services.'],
  [
    'transition-follow-up',
    'Transition follow-up',
    'Follow-up after a discharge or another transition of care.',
  ],
  ['ed-follow-up', 'ED follow-up', 'Follow-up after an emergency department visit.'],
  ['other', 'Other', 'Other non-face-to-face care management activity.'],
];

const CODE_SYSTEMS: CodeSystemSource[] = [
  {
    url: CS.category,
    valueSet: VS.category,
    name: 'CcmCategory',
    title: 'CCM categories',
    description: 'Categories that mark the resources of the CCM programme.',
    concepts: exactly(Object.values(CATEGORY), [
      ['ccm-care-plan', 'CCM care plan', 'The comprehensive care plan of a patient enrolled in CCM.'],
      ['ccm-consent', 'CCM consent', "The patient's consent to (or refusal of) Chronic Care Management."],
      ['ccm-time-entry', 'CCM time entry', 'A logged block of non-face-to-face care management time.'],
      ['ccm-task', 'CCM task', 'An intervention or work item of a CCM care plan.'],
    ]),
  },
  {
    url: CS.activity,
    valueSet: VS.activity,
    name: 'CcmActivity',
    title: 'CCM activities',
    description: 'What a block of non-face-to-face care management time was spent on.',
    concepts: exactly(ACTIVITY, ACTIVITY_CONCEPTS),
  },
  {
    url: CS.timeRole,
    valueSet: VS.timeRole,
    name: 'CcmTimeRole',
    title: 'CCM time roles',
    description: 'Whose time a time entry records; it decides which codes the minutes can count toward.',
    concepts: exactly(Object.values(TIME_ROLE), [
      [
        'clinical-staff',
        'Clinical staff',
        'Clinical staff working under the general supervision of the billing practitioner.',
      ],
      ['billing-practitioner', 'Billing practitioner', "The billing practitioner's own time."],
      ['non-clinical-staff', 'Non-clinical staff', 'Non-clinical staff; this time never counts toward CCM.'],
      [
        'bh-care-manager',
        'Behavioral health care manager',
        'Clinical staff acting as the behavioral health care manager: counts as clinical-staff time, and toward CoCM.',
      ],
      [
        'psychiatric-consultant',
        'Psychiatric consultant',
        'The CoCM psychiatric consultant (a CareTeam role); this time counts toward no care management code.',
      ],
    ]),
  },
  {
    url: CS.program,
    valueSet: VS.program,
    name: 'CcmProgram',
    title: 'Care management programmes',
    description:
      'The care management programme a block of time belongs to (Encounter.serviceType), or that a CarePlan or Consent names (category).',
    concepts: exactly(Object.values(PROGRAM), [
      ['ccm', 'Chronic Care Management', 'Chronic Care Management for two or more chronic conditions.'],
      ['pcm', 'Principal Care Management', 'Principal Care Management for one high-risk condition.'],
      ['bhi', 'Behavioral Health Integration', 'Behavioral health integration services.'],
      ['tcm', 'Transitional Care Management', 'Transitional care management after a discharge.'],
      ['rpm', 'Remote Physiologic Monitoring', 'Remote physiologic monitoring treatment management.'],
      ['apcm', 'Advanced Primary Care Management', 'Advanced primary care management services.'],
      [
        'cocm',
        'Psychiatric Collaborative Care Model',
        'Psychiatric collaborative care management (CoCM) with a behavioral health care manager and a psychiatric consultant.',
      ],
      ['rtm', 'Remote Therapeutic Monitoring', 'Remote therapeutic monitoring treatment management.'],
    ]),
  },
  {
    url: CS.consentElement,
    valueSet: VS.consentElement,
    name: 'CcmConsentElement',
    title: 'CCM consent elements',
    description: 'What the patient is told before consenting to CCM (ccm-rules.md, gate 1).',
    concepts: exactly(Object.values(CONSENT_ELEMENT), [
      [
        'service-available',
        'Service is available',
        'The patient was told that the CCM service is available to them.',
      ],
      ['cost-sharing', 'Cost sharing applies', 'The patient was told that cost sharing may apply.'],
      [
        'one-practitioner-per-month',
        'One practitioner per month',
        'The patient was told that only one practitioner can bill CCM in a month.',
      ],
      [
        'stop-any-time',
        'May stop at any time',
        'The patient was told they may stop at any time, effective at the end of that month.',
      ],
    ]),
  },
  {
    url: CS.timeExclusion,
    valueSet: VS.timeExclusion,
    name: 'CcmTimeExclusion',
    title: 'CCM time exclusions',
    description: 'Why the minutes of a time entry do not count toward CCM.',
    concepts: exactly(TIME_EXCLUSION, [
      ['counted-tcm', 'Counted toward TCM', 'The minutes were counted toward transitional care management.'],
      ['counted-rpm', 'Counted toward RPM', 'The minutes were counted toward remote physiologic monitoring.'],
      ['counted-rtm', 'Counted toward RTM', 'The minutes were counted toward remote therapeutic monitoring.'],
      ['counted-bhi', 'Counted toward BHI', 'The minutes were counted toward behavioral health integration.'],
      [
        'counted-cocm',
        'Counted toward CoCM',
        'The minutes were counted toward the psychiatric collaborative care model.',
      ],
      ['counted-pcm', 'Counted toward PCM', 'The minutes were counted toward principal care management.'],
      ['counted-g0506', 'Counted toward G0506', 'The minutes were part of the CCM initiation add-on.'],
      [
        'within-em-visit',
        'Within an E/M visit',
        'The minutes were spent within a separately billed E/M visit.',
      ],
      ['non-clinical-staff', 'Non-clinical staff', 'The minutes were spent by non-clinical staff.'],
    ]),
  },
  {
    url: CS.taskType,
    valueSet: VS.taskType,
    name: 'CcmTaskType',
    title: 'CCM task types',
    description: 'Kinds of intervention and work item in a CCM care plan.',
    concepts: exactly(TASK_TYPE, [
      ['intervention', 'Intervention', 'A planned intervention of the care plan.'],
      ['outreach', 'Outreach', 'Contacting the patient or caregiver.'],
      ['care-plan-review', 'Care plan review', 'A scheduled review of the care plan.'],
      ['discharge-follow-up', 'Discharge follow-up', 'Follow-up after a hospital discharge.'],
      ['ed-follow-up', 'ED follow-up', 'Follow-up after an emergency department visit.'],
      ['medication-review', 'Medication review', 'Review of the medications and their management.'],
      ['referral', 'Referral', 'A referral to another practitioner, agency or community service.'],
      ['other', 'Other', 'Another CCM work item.'],
    ]),
  },
  {
    url: CS.consentPolicy,
    valueSet: VS.consentPolicy,
    name: 'CcmConsentPolicy',
    title: 'CCM consent policies',
    description: 'The rules a CCM consent is recorded under.',
    concepts: exactly(Object.values(CONSENT_POLICY), [
      ['cms-ccm', 'CMS CCM consent', 'The Medicare requirements for consent to Chronic Care Management.'],
    ]),
  },
  {
    url: CS.consentMethod,
    valueSet: VS.consentMethod,
    name: 'CcmConsentMethod',
    title: 'CCM consent methods',
    description: 'How consent to CCM was obtained.',
    concepts: exactly(CONSENT_METHOD, [
      ['verbal', 'Verbal', 'Consent was given verbally and documented in the record.'],
      ['written', 'Written', 'Consent was given in writing; the signed document is attached.'],
    ]),
  },
  {
    url: CS.patientCopyMethod,
    valueSet: VS.patientCopyMethod,
    name: 'CcmPatientCopyMethod',
    title: 'Care plan copy methods',
    description: 'How the patient was given a copy of the care plan.',
    concepts: exactly(PATIENT_COPY_METHOD, [
      ['paper', 'Paper', 'A printed copy handed to the patient or caregiver.'],
      ['portal', 'Portal', 'Made available in the patient portal.'],
      ['email', 'Email', 'Sent by email.'],
      ['mail', 'Mail', 'Sent by post.'],
      ['other', 'Other', 'Another way.'],
    ]),
  },
  {
    url: CS.mdmLevel,
    valueSet: VS.mdmLevel,
    name: 'CcmMdmLevel',
    title: 'Medical decision making levels',
    description: 'Levels of medical decision making documented by the billing practitioner.',
    concepts: exactly(MDM_LEVEL, [
      ['straightforward', 'Straightforward', 'Straightforward medical decision making.'],
      ['low', 'Low', 'Low-complexity medical decision making.'],
      ['moderate', 'Moderate', 'Moderate-complexity medical decision making.'],
      ['high', 'High', 'High-complexity medical decision making.'],
    ]),
  },
  {
    url: CS.coverageType,
    valueSet: VS.coverageType,
    name: 'CcmCoverageType',
    title: 'CCM coverage types',
    description:
      'Kinds of Coverage the care management billing rules read: a Coverage of this type over a period marks the months the patient is a Qualified Medicare Beneficiary (APCM level G0558).',
    concepts: exactly(Object.values(COVERAGE_TYPE), [
      [
        'qmb',
        'Qualified Medicare Beneficiary',
        'The patient is enrolled in the Qualified Medicare Beneficiary programme (Medicaid pays Medicare premiums and cost sharing) during the Coverage period.',
      ],
    ]),
  },
];

/** Every CodeSystem of the CCM profiles. */
export function codeSystemSources(): CodeSystemSource[] {
  return CODE_SYSTEMS;
}
