/**
 * The CCM/PCM billing rules as data, one entry per effective date (ccm-rules.md, from CMS MLN909188, the CMS
 * CCM FAQs and the CY2025/CY2026 Physician Fee Schedule rules). To change a number, add a new dated entry;
 * never edit one that months were already billed under. `rulesFor(month)` picks the entry in force on the
 * first day of the month.
 */
import { CONSENT_ELEMENT, CONSENT_METHOD, SYSTEM, TIME_EXCLUSION } from '../vocabulary.js';
import type { BillingRules, CodeFamily } from './types.js';

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
    source: 'CY2026 Physician Fee Schedule (CCM and PCM values unchanged from CY2025); CMS MLN909188',
    ...cy2025Body(),
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
