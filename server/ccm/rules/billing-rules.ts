/**
 * The CCM/PCM billing rules as data, one entry per effective date (ccm-rules.md, from CMS MLN909188, the CMS
 * CCM FAQs and the CY2025/CY2026 Physician Fee Schedule rules). To change a number, add a new dated entry;
 * never edit one that months were already billed under. `rulesFor(month)` picks the entry in force on the
 * first day of the month.
 */
import { CONSENT_ELEMENT, CONSENT_METHOD, SYSTEM, TIME_EXCLUSION } from '../vocabulary.js';
import type { ApcmBehaviouralAddOn, ApcmRules, BillingRules, CodeFamily } from './types.js';

const STAFF_AND_PRACTITIONER = ['clinical-staff', 'billing-practitioner'] as const;

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
    neverCountedRoles: ['non-clinical-staff'],
    apcm: apcm2025(),
  };
}

/** CY2026: CY2025 plus the APCM behavioural-health add-ons. */
function cy2026Body(): Omit<BillingRules, 'version' | 'effective' | 'source'> {
  const body = cy2025Body();
  return { ...body, apcm: { ...body.apcm, behaviouralAddOns: BH_ADD_ONS_2026 } };
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
      'CY2026 Physician Fee Schedule (CCM, PCM and APCM values unchanged from CY2025; APCM behavioural-health add-ons G0568-G0570 new); CMS MLN909188',
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
