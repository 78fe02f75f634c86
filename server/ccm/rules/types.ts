/**
 * The shape of a versioned set of CCM/PCM billing rules (ccm-rules.md). Every number the engine uses —
 * codes, thresholds, blocks, caps, counted roles, exclusions, gates — lives in data of this shape, selected
 * by effective date; the engine holds no billing literals.
 */

/** A time role (CS.timeRole code). */
export type TimeRoleCode = 'clinical-staff' | 'billing-practitioner' | 'non-clinical-staff';

/** The gates of every month, in the order they are reported. */
export type GateName =
  'patient-alive' | 'consent' | 'chronic-conditions' | 'care-plan' | 'initiating-visit' | 'no-conflict';

/** A billing code: CPT or HCPCS Level II. */
export interface BillingCode {
  code: string;
  system: 'cpt' | 'hcpcs';
}

/**
 * One code family, chosen by what was documented (ccm-rules.md: "the family follows what was documented,
 * never the revenue"): a base code for the first full threshold and an add-on for each further full block.
 */
export interface CodeFamily {
  /** The family's name, which is its base code (99490, 99491, 99487, 99424, 99426). */
  id: string;
  description: string;
  /** The programme (CS.program code) whose time it bills. */
  programme: 'ccm' | 'pcm';
  /**
   * How the family is chosen: `complex` when the complex requirements are documented that month,
   * `personal` when all counted time is the billing practitioner's own, `staff` otherwise.
   */
  selection: 'complex' | 'personal' | 'staff';
  /** Roles whose time counts toward this family's thresholds. */
  countedRoles: TimeRoleCode[];
  base: BillingCode & { thresholdMinutes: number };
  addOn: BillingCode & { blockMinutes: number; cap: number | null };
  /** Distinct chronic condition groups the chronic-conditions gate requires. */
  minChronicGroups: number;
}

/**
 * When the documented family's base threshold is not reached, the family that bills instead (ccm-rules.md,
 * "The family follows what was documented, never the revenue").
 */
export interface FamilyFallbacks {
  /** Complex documented but under the complex base threshold: the non-complex family, when its thresholds are met. */
  complexUnderThreshold: boolean;
  /** Only the practitioner's own time, under the personal base threshold: it counts as staff time (staff family). */
  personalUnderThreshold: boolean;
}

/** A dated set of billing rules. */
export interface BillingRules {
  /** Label, e.g. `cms-pfs-cy2026`. */
  version: string;
  /** First day (inclusive) of the first month the rules apply to, `YYYY-MM-DD`. */
  effective: string;
  source: string;
  families: CodeFamily[];
  /** The complex-CCM documentation requirement: MDM level on a practitioner entry and a care-plan revision. */
  complex: { mdmLevels: string[]; carePlanRevisionInMonth: boolean };
  /** The two fallbacks of "the family follows what was documented" (ccm-rules.md, "Time-based codes"). */
  familyFallbacks: FamilyFallbacks;
  /** CCM initiation add-on, reported from the initiating visit, once per patient; its time never counts. */
  initiation: BillingCode;
  gates: GateName[];
  consent: { requiredElements: string[]; methods: string[] };
  /**
   * Gate 2: a claim code per counted condition; `requireAttestation`: every counted condition needs a
   * clinician's attestation of both criteria (else only the table's "ask" conditions do).
   */
  chronicConditions: { requireClaimCode: boolean; requireAttestation: boolean };
  initiatingVisit: {
    lookbackMonths: number;
    cptRange: [string, string];
    hcpcs: string[];
  };
  /** Programmes that cannot be billed with CCM in the same month by the same practitioner. */
  conflictingProgrammes: string[];
  /** CS.timeExclusion codes that take an entry out of the count (all of them, today). */
  exclusions: string[];
  /** Roles whose time never counts. */
  neverCountedRoles: TimeRoleCode[];
}
