/**
 * The CCM vocabulary shared by the profiles (profiles/), the CCM engine (server/ccm/) and the clinician
 * app: canonical URLs of our StructureDefinitions, extensions and CodeSystems, and their codes. This file
 * is the single source of these strings; the FHIR JSON in profiles/ must agree with it (a test checks).
 */

/** Canonical base of everything this project defines. */
export const CCM_BASE = 'http://ccm-fhir.org/fhir';

/**
 * The CCM FHIR package: packages/org.ccm-fhir.ccm-<version>.tgz, built by `npm run profiles:build` from the
 * resources in profiles/, with its ImplementationGuide and the requirements CapabilityStatement of a CCM server.
 */
export const CCM_PACKAGE = {
  name: 'org.ccm-fhir.ccm',
  implementationGuide: `${CCM_BASE}/ImplementationGuide/org.ccm-fhir.ccm`,
  capabilityStatement: `${CCM_BASE}/CapabilityStatement/ccm-server`,
} as const;

const sd = (name: string) => `${CCM_BASE}/StructureDefinition/${name}`;
const cs = (name: string) => `${CCM_BASE}/CodeSystem/${name}`;

/** Profiles (StructureDefinitions with snapshots in profiles/). */
export const PROFILE = {
  condition: sd('ccm-condition'),
  consent: sd('ccm-consent'),
  carePlan: sd('ccm-careplan'),
  timeEntry: sd('ccm-time-entry'),
  task: sd('ccm-task'),
} as const;

/** Extensions. */
export const EXTENSION = {
  /**
   * On Condition: the clinician's attestation that the condition is a CCM chronic condition. Complex, with
   * sub-extensions `expectedDuration` (valueBoolean: expected to last >= 12 months or until death),
   * `significantRisk` (valueBoolean: places the patient at significant risk of death, acute
   * exacerbation/decompensation or functional decline), `attestedBy` (valueReference Practitioner or
   * PractitionerRole), `attestedOn` (valueDateTime).
   */
  chronicAttestation: sd('ccm-chronic-condition-attestation'),
  /** On Consent: how consent was obtained, valueCode from CONSENT_METHOD (verbal | written). */
  consentMethod: sd('ccm-consent-method'),
  /**
   * On Consent: when the patient revoked it (valueDateTime). The revocation is its own dated fact: dateTime
   * (when consent was obtained) never changes; status becomes inactive and provision.period.end the last day
   * of the revocation's month (ccm-rules.md gate 1).
   */
  consentRevoked: sd('ccm-consent-revoked'),
  /** On Consent, repeating: one valueCoding from CS.consentElement per element explained to the patient. */
  consentElementExplained: sd('ccm-consent-element-explained'),
  /** On CarePlan: date of the next scheduled review (valueDate). */
  nextReview: sd('ccm-careplan-next-review'),
  /**
   * On CarePlan: the patient (or caregiver) was given a copy of the plan. Complex, with `date`
   * (valueDateTime) and `method` (valueCode: paper | portal | email | mail | other).
   */
  patientCopy: sd('ccm-careplan-patient-copy'),
  /**
   * On a time-entry Encounter: the minutes were counted toward another service and must not count for
   * CCM; valueCoding from CS.timeExclusion.
   */
  timeExclusion: sd('ccm-time-exclusion'),
  /** On a time-entry Encounter by the billing practitioner: medical decision making level, valueCode from MDM_LEVEL. */
  medicalDecisionMaking: sd('ccm-medical-decision-making'),
  /** On CarePlan: the plan was established or substantially revised at this dateTime (valueDateTime, repeating). */
  substantialRevision: sd('ccm-careplan-substantial-revision'),
} as const;

/** Our CodeSystems. */
export const CS = {
  /** Categories of our resources (CarePlan.category, Consent.category, Task.code system, ...). */
  category: cs('ccm-category'),
  /** What a block of non-face-to-face time was spent on (Encounter.type of a time entry). */
  activity: cs('ccm-activity'),
  /** Whose time it was (Encounter.participant.type of a time entry). */
  timeRole: cs('ccm-time-role'),
  /** The care management programme the time belongs to (Encounter.serviceType of a time entry). */
  program: cs('ccm-program'),
  /** What the patient was told when consent was obtained. */
  consentElement: cs('ccm-consent-element'),
  /** Why minutes do not count toward CCM. */
  timeExclusion: cs('ccm-time-exclusion'),
  /** Kinds of CCM Task (Task.code). */
  taskType: cs('ccm-task-type'),
  /** The consent policy (Consent.policyRule). */
  consentPolicy: cs('ccm-consent-policy'),
  /** How consent was obtained (EXTENSION.consentMethod). */
  consentMethod: cs('ccm-consent-method'),
  /** How the patient was given a copy of the care plan (EXTENSION.patientCopy `method`). */
  patientCopyMethod: cs('ccm-patient-copy-method'),
  /** Medical decision making levels (EXTENSION.medicalDecisionMaking). */
  mdmLevel: cs('ccm-mdm-level'),
  /** Kinds of Coverage the billing rules read (Coverage.type): the patient is a Qualified Medicare Beneficiary. */
  coverageType: cs('ccm-coverage-type'),
} as const;

/** Codes of CS.category. */
export const CATEGORY = {
  carePlan: 'ccm-care-plan',
  consent: 'ccm-consent',
  timeEntry: 'ccm-time-entry',
  task: 'ccm-task',
} as const;

/** Codes of CS.activity. */
export const ACTIVITY = [
  'phone-call',
  'secure-message',
  'portal-message',
  'caregiver-communication',
  'record-review',
  'result-review',
  'care-plan-development',
  'care-plan-revision',
  'care-plan-monitoring',
  'medication-reconciliation',
  'medication-adherence',
  'care-coordination',
  'community-services',
  'home-health-coordination',
  'transition-follow-up',
  'ed-follow-up',
  'other',
] as const;

/**
 * Codes of CS.timeRole. Non-clinical staff time never counts. A behavioural-health care manager is clinical
 * staff whose time also counts toward CoCM; a psychiatric consultant's time counts toward no code (CoCM needs
 * one on the care team: CareTeam.participant.role, server/ccm/README.md).
 */
export const TIME_ROLE = {
  clinicalStaff: 'clinical-staff',
  billingPractitioner: 'billing-practitioner',
  nonClinical: 'non-clinical-staff',
  bhCareManager: 'bh-care-manager',
  psychiatricConsultant: 'psychiatric-consultant',
} as const;

/** Codes of CS.program. */
export const PROGRAM = {
  ccm: 'ccm',
  pcm: 'pcm',
  bhi: 'bhi',
  tcm: 'tcm',
  rpm: 'rpm',
  apcm: 'apcm',
  cocm: 'cocm',
  rtm: 'rtm',
} as const;

/**
 * Codes of CS.coverageType. A Coverage of the patient (beneficiary) with `type` CS.coverageType#qmb, status
 * active, marks the months its `period` overlaps as months the patient is a Qualified Medicare Beneficiary
 * (APCM level G0558, ccm-rules.md "APCM"); without one the patient is not a QMB (unknown counts as not).
 */
export const COVERAGE_TYPE = {
  qmb: 'qmb',
} as const;

/** Codes of CS.consentElement (CMS: what the patient must be told). */
export const CONSENT_ELEMENT = {
  serviceAvailable: 'service-available',
  costSharing: 'cost-sharing',
  onePractitioner: 'one-practitioner-per-month',
  stopAnyTime: 'stop-any-time',
} as const;

/** Codes of CS.timeExclusion. */
export const TIME_EXCLUSION = [
  'counted-tcm',
  'counted-rpm',
  'counted-rtm',
  'counted-bhi',
  'counted-cocm',
  'counted-pcm',
  'counted-g0506',
  'within-em-visit',
  'non-clinical-staff',
] as const;

/** Codes of CS.taskType. */
export const TASK_TYPE = [
  'intervention',
  'outreach',
  'care-plan-review',
  'discharge-follow-up',
  'ed-follow-up',
  'medication-review',
  'referral',
  'other',
] as const;

/** Values of EXTENSION.consentMethod. */
export const CONSENT_METHOD = ['verbal', 'written'] as const;

/** Values of EXTENSION.medicalDecisionMaking (AMA levels). */
export const MDM_LEVEL = ['straightforward', 'low', 'moderate', 'high'] as const;

/** External systems used by the CCM resources. */
export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  cpt: 'http://www.ama-assn.org/go/cpt',
  hcpcs: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  ucum: 'http://unitsofmeasure.org',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
} as const;

/** Encounter.class code (SYSTEM.actCode) of an initiating visit: ambulatory. */
export const VISIT_CLASS = 'AMB';

/** LOINC 59284-0 "Patient Consent": the Consent.category every CCM consent carries. */
export const LOINC_PATIENT_CONSENT = '59284-0';

/** How a CCM time entry is recognised: an Encounter of class VR whose serviceType is a CS.program code. */
export const TIME_ENTRY_CLASS = 'VR';

const vs = (name: string) => `${CCM_BASE}/ValueSet/${name}`;

/** Our ValueSets (profiles/): one per CodeSystem with all its codes, plus the status/intent subsets. */
export const VS = {
  category: vs('ccm-category'),
  activity: vs('ccm-activity'),
  timeRole: vs('ccm-time-role'),
  program: vs('ccm-program'),
  consentElement: vs('ccm-consent-element'),
  timeExclusion: vs('ccm-time-exclusion'),
  taskType: vs('ccm-task-type'),
  consentPolicy: vs('ccm-consent-policy'),
  consentMethod: vs('ccm-consent-method'),
  patientCopyMethod: vs('ccm-patient-copy-method'),
  mdmLevel: vs('ccm-mdm-level'),
  coverageType: vs('ccm-coverage-type'),
  /** Consent.status of a CCM consent: active (accepted) | rejected (declined) | inactive (revoked). */
  consentStatus: vs('ccm-consent-status'),
  /** Task.intent of a CCM task: plan | order. */
  taskIntent: vs('ccm-task-intent'),
} as const;

/** Codes of CS.consentPolicy. */
export const CONSENT_POLICY = {
  /** The CMS CCM consent requirements (ccm-rules.md, gate 1). */
  cmsCcm: 'cms-ccm',
} as const;

/** Values of the `method` sub-extension of EXTENSION.patientCopy. */
export const PATIENT_COPY_METHOD = ['paper', 'portal', 'email', 'mail', 'other'] as const;

/** v3 ParticipationType: the system of Consent.provision.actor.role. */
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
/** PPRF (primary performer): the role that marks the billing practitioner in Consent.provision.actor. */
export const BILLING_PRACTITIONER_ROLE = 'PPRF';
