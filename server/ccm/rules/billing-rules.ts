/**
 * The CCM/PCM billing rules as data, one entry per effective date (ccm-rules.md, from CMS MLN909188, the CMS
 * CCM FAQs and the CY2025/CY2026 Physician Fee Schedule rules). To change a number, add a new dated entry;
 * never edit one that months were already billed under. `rulesFor(month)` picks the entry in force on the
 * first day of the month.
 */
import { CONSENT_ELEMENT, CONSENT_METHOD, SYSTEM, TIME_EXCLUSION } from '../vocabulary.js';
import type {
  ApcmBehaviouralAddOn,
  ApcmRules,
  BehaviouralRules,
  BillingRules,
  CodeFamily,
  OtherServices,
} from './types.js';

/** Clinical staff (a behavioural-health care manager is clinical staff too) and the billing practitioner. */
const STAFF_AND_PRACTITIONER = ['clinical-staff', 'bh-care-manager', 'billing-practitioner'] as const;

/** The code families of CY2025-CY2026 (ccm-rules.md, "Codes"). */
const FAMILIES_2025: CodeFamily[] = [
  {
    id: '99490',
    description: 'Non-complex CCM, clinical staff time (billing-practitioner time may count)',
    programme: 'ccm',
    selection: 'staff',
    countedRoles: [...STAFF_AND_PRACTITIONER],
    base: { code: '99490', system: 'cpt', thresholdMinutes: 20 },
    addOn: { code: '99439', system: 'cpt', blockMinutes: 20, cap: 2 },
    minChronicGroups: 2,
  },
  {
    id: '99491',
    description: "Non-complex CCM, the billing practitioner's own time",
    programme: 'ccm',
    selection: 'personal',
    countedRoles: ['billing-practitioner'],
    base: { code: '99491', system: 'cpt', thresholdMinutes: 30 },
    addOn: { code: '99437', system: 'cpt', blockMinutes: 30, cap: null },
    minChronicGroups: 2,
  },
  {
    id: '99487',
    description: 'Complex CCM (moderate/high MDM and care plan established or substantially revised)',
    programme: 'ccm',
    selection: 'complex',
    countedRoles: [...STAFF_AND_PRACTITIONER],
    base: { code: '99487', system: 'cpt', thresholdMinutes: 60 },
    addOn: { code: '99489', system: 'cpt', blockMinutes: 30, cap: null },
    minChronicGroups: 2,
  },
  {
    id: '99424',
    description: "PCM (one high-risk condition), the billing practitioner's own time",
    programme: 'pcm',
    selection: 'personal',
    countedRoles: ['billing-practitioner'],
    base: { code: '99424', system: 'cpt', thresholdMinutes: 30 },
    addOn: { code: '99425', system: 'cpt', blockMinutes: 30, cap: null },
    minChronicGroups: 1,
  },
  {
    id: '99426',
    description: 'PCM (one high-risk condition), clinical staff time',
    programme: 'pcm',
    selection: 'staff',
    countedRoles: [...STAFF_AND_PRACTITIONER],
    base: { code: '99426', system: 'cpt', thresholdMinutes: 30 },
    addOn: { code: '99427', system: 'cpt', blockMinutes: 30, cap: null },
    minChronicGroups: 1,
  },
];

/**
 * APCM (ccm-rules.md, "APCM"; CY2025 PFS): G0556-G0558 by the month's attested chronic conditions and QMB
 * status, no time threshold, one practitioner per month, consent naming APCM, initiating visit only for
 * patients not seen within 3 years, at least one element furnished and recorded in the month [decision].
 */
function apcm2025(): ApcmRules {
  return {
    levels: [
      {
        code: 'G0558',
        system: 'hcpcs',
        minChronicGroups: 2,
        requiresQmb: true,
        description: 'APCM level 3: two or more chronic conditions and a Qualified Medicare Beneficiary',
      },
      {
        code: 'G0557',
        system: 'hcpcs',
        minChronicGroups: 2,
        requiresQmb: false,
        description: 'APCM level 2: two or more chronic conditions',
      },
      {
        code: 'G0556',
        system: 'hcpcs',
        minChronicGroups: 0,
        requiresQmb: false,
        description: 'APCM level 1: no or one chronic condition',
      },
    ],
    gates: [
      'patient-alive',
      'consent',
      'care-plan',
      'initiating-visit',
      'element-furnished',
      'one-practitioner',
      'no-conflict',
    ],
    consentProgramme: 'apcm',
    initiatingVisitLookbackMonths: 36,
    elements: [
      'access-continuity',
      'alternative-care-delivery',
      'comprehensive-care-management',
      'electronic-care-plan',
      'care-transitions',
      'coordination',
      'asynchronous-communication',
      'population-analysis',
      'risk-stratification',
      'performance-measurement',
    ],
    // what a recorded activity (CS.activity) furnishes; `other` is still an element, not named
    elementOfActivity: {
      'phone-call': 'access-continuity',
      'secure-message': 'asynchronous-communication',
      'portal-message': 'asynchronous-communication',
      'caregiver-communication': 'comprehensive-care-management',
      'record-review': 'comprehensive-care-management',
      'result-review': 'comprehensive-care-management',
      'care-plan-development': 'electronic-care-plan',
      'care-plan-revision': 'electronic-care-plan',
      'care-plan-monitoring': 'electronic-care-plan',
      'medication-reconciliation': 'comprehensive-care-management',
      'medication-adherence': 'comprehensive-care-management',
      'care-coordination': 'coordination',
      'community-services': 'coordination',
      'home-health-coordination': 'coordination',
      'transition-follow-up': 'care-transitions',
      'ed-follow-up': 'care-transitions',
    },
    conflictingProgrammes: ['ccm', 'pcm'],
    tcm: {
      default: 'deny',
      codes: ['99495', '99496'],
      note:
        'APCM with TCM by the same practitioner is unsettled (AAFP 2025 lists TCM among the services bundled ' +
        'into APCM; other sources name only CCM/PCM and the communication codes)',
    },
    behaviouralAddOns: [],
    addOnsNeedMirroredTime: true,
  };
}

/** The CY2026 behavioural-health add-ons (CY2026 PFS): each mirrors a BHI/CoCM code. */
const BH_ADD_ONS_2026: ApcmBehaviouralAddOn[] = [
  {
    code: 'G0568',
    system: 'hcpcs',
    mirrors: '99492',
    programme: 'cocm',
    mirroredThresholdMinutes: 36,
    episode: 'first',
  },
  {
    code: 'G0569',
    system: 'hcpcs',
    mirrors: '99493',
    programme: 'cocm',
    mirroredThresholdMinutes: 31,
    episode: 'later',
  },
  { code: 'G0570', system: 'hcpcs', mirrors: '99484', programme: 'bhi', mirroredThresholdMinutes: 20 },
];

/**
 * BHI and CoCM (ccm-rules.md, "Time-based codes", "BHI and CoCM"): 99484 from 20 full minutes of clinical
 * staff or practitioner time; CoCM by the behavioural-health care manager (and practitioner) under the CPT time
 * rule — 99492 in the first month of an episode (no CoCM in the 6 months before) from 36 of its 70 minutes, 99493
 * later from 31 of 60, +99494 from 86 (with 99492) or 76 (with 99493) minutes and every 30 more, G2214 from 16
 * minutes when neither base code is reached. 99484 with CoCM by the same practitioner conflicts (gate 5).
 */
function behavioural2025(): BehaviouralRules {
  const gates = ['patient-alive', 'consent', 'behavioural-condition', 'initiating-visit'] as const;
  return {
    families: [
      {
        id: '99484',
        programme: 'bhi',
        description: 'General behavioural-health integration, clinical staff time (as 99490)',
        countedRoles: [...STAFF_AND_PRACTITIONER],
        bases: [{ code: '99484', system: 'cpt', thresholdMinutes: 20, episode: 'any' }],
        gates: [...gates, 'one-practitioner', 'no-conflict'],
        teamRoles: [],
      },
      {
        id: 'cocm',
        programme: 'cocm',
        description:
          'Psychiatric collaborative care: the behavioural-health care manager (and practitioner), CPT time rule',
        countedRoles: ['bh-care-manager', 'billing-practitioner'],
        bases: [
          { code: '99492', system: 'cpt', thresholdMinutes: 36, nominalMinutes: 70, episode: 'first' },
          { code: '99493', system: 'cpt', thresholdMinutes: 31, nominalMinutes: 60, episode: 'later' },
        ],
        addOn: {
          code: '99494',
          system: 'cpt',
          firstUnitMinutes: { '99492': 86, '99493': 76 },
          blockMinutes: 30,
          cap: null,
        },
        shortMonth: { code: 'G2214', system: 'hcpcs', thresholdMinutes: 16, nominalMinutes: 30 },
        gates: [...gates, 'cocm-team', 'one-practitioner', 'no-conflict'],
        teamRoles: ['bh-care-manager', 'psychiatric-consultant'],
      },
    ],
    episodeLookbackMonths: 6,
    initiatingVisitLookbackMonths: 12,
    // [decision] "any mental, behavioural or substance-use condition": ICD-10-CM chapter 5 (F01-F99)
    conditionIcd10Prefixes: ['F'],
    conflicts: [['bhi', 'cocm']],
  };
}

/** TCM, RPM and RTM codes of CY2025 (ccm-rules.md, "Other programmes: exclusions only"). */
const OTHER_SERVICES_2025: OtherServices = {
  codes: {
    tcm: ['99495', '99496'],
    rpm: ['99453', '99454', '99457', '99458'],
    rtm: ['98975', '98976', '98977', '98978', '98980', '98981'],
  },
};

/**
 * CY2026 adds RPM 99445 (2-15 days of device data) and 99470 (first 10 minutes of treatment management), RTM
 * 98984-98986 (2-15 days) and 98979 (first 10 minutes) [FairPath, Rimidi, AAPC 2025].
 */
const OTHER_SERVICES_2026: OtherServices = {
  codes: {
    tcm: OTHER_SERVICES_2025.codes.tcm,
    rpm: [...OTHER_SERVICES_2025.codes.rpm, '99445', '99470'],
    rtm: [...OTHER_SERVICES_2025.codes.rtm, '98984', '98985', '98986', '98979'],
  },
};

/** Everything but the version label and date, shared by the CY2025 and CY2026 entries. */
function cy2025Body(): Omit<BillingRules, 'version' | 'effective' | 'source'> {
  return {
    families: FAMILIES_2025,
    complex: { mdmLevels: ['moderate', 'high'], carePlanRevisionInMonth: true },
    // complex under 60 min: project decision (nothing found that bars it); practitioner-only under 30 min
    // toward 99490: CMS CCM FAQ (Jan 2017, Q1), First Coast ACT Q2 (2017)
    familyFallbacks: { complexUnderThreshold: true, personalUnderThreshold: true },
    initiation: { code: 'G0506', system: 'hcpcs' },
    gates: ['patient-alive', 'consent', 'chronic-conditions', 'care-plan', 'initiating-visit', 'no-conflict'],
    consent: {
      requiredElements: [
        CONSENT_ELEMENT.serviceAvailable,
        CONSENT_ELEMENT.costSharing,
        CONSENT_ELEMENT.onePractitioner,
        CONSENT_ELEMENT.stopAnyTime,
      ],
      methods: [...CONSENT_METHOD],
    },
    // gate 2: the classifier suggests, a clinician attests (project decision; CMS publishes no list);
    // a practice may turn attestation off (CCM_REQUIRE_ATTESTATION=false)
    chronicConditions: { requireClaimCode: true, requireAttestation: true },
    initiatingVisit: { lookbackMonths: 12, cptRange: ['99202', '99215'], hcpcs: ['G0438', 'G0439', 'G0402'] },
    conflictingProgrammes: ['pcm', 'apcm'],
    exclusions: [...TIME_EXCLUSION],
    neverCountedRoles: ['non-clinical-staff', 'psychiatric-consultant'],
    apcm: apcm2025(),
    behavioural: behavioural2025(),
    otherServices: OTHER_SERVICES_2025,
  };
}

/** CY2026: CY2025 plus the APCM behavioural-health add-ons and the new RPM/RTM codes. */
function cy2026Body(): Omit<BillingRules, 'version' | 'effective' | 'source'> {
  const body = cy2025Body();
  return {
    ...body,
    apcm: { ...body.apcm, behaviouralAddOns: BH_ADD_ONS_2026 },
    otherServices: OTHER_SERVICES_2026,
  };
}

/** Every rules entry, oldest first. */
export const BILLING_RULES: readonly BillingRules[] = [
  {
    version: 'cms-pfs-cy2025',
    effective: '2025-01-01',
    source: 'CY2025 Physician Fee Schedule; CMS MLN909188; CMS CCM FAQs',
    ...cy2025Body(),
  },
  {
    version: 'cms-pfs-cy2026',
    effective: '2026-01-01',
    source:
      'CY2026 Physician Fee Schedule (CCM, PCM, APCM, BHI and CoCM values unchanged from CY2025; APCM behavioural-health add-ons G0568-G0570 and RPM 99445/99470, RTM 98979/98984-98986 new); CMS MLN909188',
    ...cy2026Body(),
  },
];

/** The rules in force for a month `YYYY-MM`, or undefined when the month predates every entry. */
export function rulesFor(
  month: string,
  table: readonly BillingRules[] = BILLING_RULES,
): BillingRules | undefined {
  const first = `${month}-01`;
  let found: BillingRules | undefined;
  for (const r of table) if (r.effective <= first && (!found || r.effective >= found.effective)) found = r;
  return found;
}

/** The CPT/HCPCS system URI of a billing code. */
export function codeSystemUri(system: 'cpt' | 'hcpcs'): string {
  return system === 'cpt' ? SYSTEM.cpt : SYSTEM.hcpcs;
}
