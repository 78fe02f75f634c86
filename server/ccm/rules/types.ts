/**
 * The shape of a versioned set of CCM/PCM billing rules (ccm-rules.md). Every number the engine uses —
 * codes, thresholds, blocks, caps, counted roles, exclusions, gates — lives in data of this shape, selected
 * by effective date; the engine holds no billing literals.
 */

/** A time role (CS.timeRole code). */
export type TimeRoleCode =
  | 'clinical-staff'
  | 'billing-practitioner'
  | 'non-clinical-staff'
  | 'bh-care-manager'
  | 'psychiatric-consultant';

/**
 * The gates of every month, in the order they are reported. `element-furnished` is APCM's own,
 * `one-practitioner` APCM's, BHI's and CoCM's (ccm-rules.md, "APCM"), `behavioural-condition` and `cocm-team`
 * BHI's and CoCM's ("BHI and CoCM").
 */
export type GateName =
  | 'patient-alive'
  | 'consent'
  | 'chronic-conditions'
  | 'care-plan'
  | 'initiating-visit'
  | 'no-conflict'
  | 'element-furnished'
  | 'one-practitioner'
  | 'behavioural-condition'
  | 'cocm-team';

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

/**
 * One APCM level (ccm-rules.md, "APCM"): the month bills the first level, in the listed order, whose
 * conditions the month meets.
 */
export interface ApcmLevel {
  code: string;
  system: 'hcpcs';
  /** Distinct attested chronic conditions (CCM definition) the month needs at least. */
  minChronicGroups: number;
  /** true: only for a Qualified Medicare Beneficiary during the month. */
  requiresQmb: boolean;
  description: string;
}

/**
 * A behavioural-health add-on billed with APCM (from CY2026): it mirrors a BHI/CoCM code and bills only with
 * an APCM code billed by the same practitioner in the same month.
 */
export interface ApcmBehaviouralAddOn {
  code: string;
  system: 'hcpcs';
  /** The code it mirrors (99484, 99492, 99493), never billed for the same work. */
  mirrors: string;
  /** The CS.program code whose time is that work (`bhi` or `cocm`). */
  programme: string;
  /** The mirrored code's threshold in minutes, used when `needsMirroredTime` is on. */
  mirroredThresholdMinutes: number;
  /** CoCM first month (no CoCM in the 6 months before) or later months; undefined for BHI. */
  episode?: 'first' | 'later';
}

/** Advanced Primary Care Management (ccm-rules.md, "APCM"): no time threshold, one practitioner per month. */
export interface ApcmRules {
  /** The levels, highest first (G0558, G0557, G0556). */
  levels: ApcmLevel[];
  /** The gates of an APCM month, in report order. */
  gates: GateName[];
  /** The programme (CS.program code) a consent must name: a CCM consent does not cover APCM. */
  consentProgramme: string;
  /** Initiating visit only for patients not seen by the practitioner within this many months before APCM starts. */
  initiatingVisitLookbackMonths: number;
  /** The elements (furnished as appropriate), and which time-entry activity (CS.activity) records which. */
  elements: string[];
  elementOfActivity: Record<string, string>;
  /** Programmes that conflict with APCM by the same practitioner in the month. */
  conflictingProgrammes: string[];
  /**
   * APCM with TCM by the same practitioner: unsettled (ccm-rules.md gate 5). `deny` fails the no-conflict gate,
   * `allow` only warns; a practice may choose. TCM is a visit with one of `codes` or time under programme tcm.
   */
  tcm: { default: 'deny' | 'allow'; codes: string[]; note: string };
  /** CY2026 behavioural-health add-ons (empty before). */
  behaviouralAddOns: ApcmBehaviouralAddOn[];
  /** Whether an add-on needs its mirrored code's minutes (unsettled; default the mirrored threshold). */
  addOnsNeedMirroredTime: boolean;
}

/** A time-based code reportable from `thresholdMinutes` whole minutes in the month. */
export interface TimedCode extends BillingCode {
  thresholdMinutes: number;
  /**
   * The code's nominal time when it differs from the threshold (CoCM follows the CPT time rule: a unit once
   * its midpoint is passed, so 70 nominal minutes are reportable from 36).
   */
  nominalMinutes?: number;
}

/**
 * A behavioural-health family (ccm-rules.md, "Time-based codes", "BHI and CoCM"): general BHI (99484) or
 * CoCM (99492 first month of an episode, 99493 later months, +99494, G2214 for a short month).
 */
export interface BehaviouralFamily {
  /** `99484` or `cocm`. */
  id: string;
  /** The CS.program code whose time it bills; a consent and the marker plan must name it. */
  programme: 'bhi' | 'cocm';
  description: string;
  /** Roles whose time counts toward the thresholds. */
  countedRoles: TimeRoleCode[];
  /** The base codes, by month of the episode (`any`: no episode). */
  bases: Array<TimedCode & { episode: 'any' | 'first' | 'later' }>;
  /** The add-on: its first unit from `firstUnitMinutes[base code]`, then one per further `blockMinutes`. */
  addOn?: BillingCode & {
    firstUnitMinutes: Record<string, number>;
    blockMinutes: number;
    cap: number | null;
  };
  /** A code for a month that reaches no base code (G2214), reportable from its threshold. */
  shortMonth?: TimedCode;
  /** The gates of the family's month, in report order. */
  gates: GateName[];
  /** Care-team roles (CS.timeRole, CareTeam.participant.role) the month needs (CoCM: care manager, consultant). */
  teamRoles: TimeRoleCode[];
}

/** BHI and CoCM (ccm-rules.md, "BHI and CoCM" and gates 1, 4, 5). */
export interface BehaviouralRules {
  families: BehaviouralFamily[];
  /** An episode's first month has no CoCM time in this many months before it. */
  episodeLookbackMonths: number;
  /** Initiating visit: the patient seen by the practitioner within this many months before the programme began. */
  initiatingVisitLookbackMonths: number;
  /**
   * ICD-10-CM prefixes of a mental, behavioural or substance-use condition (the claim code of a condition the
   * marker plan addresses): chapter 5, F01-F99 [decision].
   */
  conditionIcd10Prefixes: string[];
  /** Programmes that cannot both bill in a month by the same practitioner (99484 with CoCM). */
  conflicts: Array<[string, string]>;
}

/**
 * Services billed outside these programmes whose minutes never count toward them (ccm-rules.md, "Other
 * programmes: exclusions only"), by programme: their CPT codes as dated data.
 */
export interface OtherServices {
  /**
   * programme (CS.program code) → the CPT codes billed for it. An Encounter coded with one of them claims its
   * period for its participants: their minutes in it count toward no programme here. They conflict with none
   * (APCM-TCM apart, which `apcm.tcm` decides).
   */
  codes: Record<'tcm' | 'rpm' | 'rtm', string[]>;
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
  /** APCM (from CY2025). */
  apcm: ApcmRules;
  /** BHI and CoCM. */
  behavioural: BehaviouralRules;
  /** TCM, RPM and RTM: exclusions only (the CY2026 RPM/RTM codes are new). */
  otherServices: OtherServices;
}
