/**
 * The compact, already-interpreted view of one patient's CCM-relevant resources that the pure engine works
 * on. Instants are epoch milliseconds, computed once (partial dates in the practice zone) when a resource is
 * read, so that evaluating a month for 10,000 patients never parses a date or walks a resource again.
 */

/** A coded diagnosis of a Condition. */
export interface RecordCoding {
  system?: string;
  code?: string;
  display?: string;
}

/** A Condition (the agreed ccm-condition shape). */
export interface ConditionRecord {
  ref: string;
  codings: RecordCoding[];
  text?: string;
  clinicalStatus?: string;
  verificationStatus?: string;
  /** true when both attestation booleans are true, false when either is false, undefined without one. */
  attested?: boolean;
  onset?: number;
  abatement?: number;
}

/** A CCM Consent (category CS.category#ccm-consent). */
export interface ConsentRecord {
  ref: string;
  status: string;
  /**
   * When consent was obtained (Consent.dateTime), or provision.period.start without one or when a revoked
   * consent carries no revocation extension and its dateTime is later than period.start (a record written by
   * the former revoke action, which overwrote dateTime with the revocation date).
   */
  obtainedAt?: number;
  /** When the patient revoked (EXTENSION.consentRevoked; for a former record, the overwritten dateTime). */
  revokedAt?: number;
  periodStart?: number;
  /** Last instant covered (provision.period.end; a revoked consent ends at the end of its month). */
  periodEnd?: number;
  /** The billing practitioner: provision.actor with role PPRF, as `Practitioner/id` or as given. */
  practitioner?: string;
  method?: string;
  elements: string[];
  /**
   * The programmes the consent names (CS.program codes in Consent.category). None named: a CCM consent,
   * which covers CCM and PCM; APCM (and BHI/CoCM) must be named (ccm-rules.md gate 1).
   */
  programmes: string[];
}

/** A CCM CarePlan (category CS.category#ccm-care-plan). */
export interface CarePlanRecord {
  ref: string;
  status: string;
  periodStart?: number;
  periodEnd?: number;
  created?: number;
  author?: string;
  /** When the patient was given a copy (EXTENSION.patientCopy `date`), if recorded. */
  copyGivenAt?: number;
  /** True when a patient copy is recorded without a date. */
  copyGiven: boolean;
  revisions: number[];
  addresses: string[];
  /**
   * The programmes the plan declares (CS.program codes in CarePlan.category). `apcm`, `bhi` and `cocm` are
   * programme markers: the months the plan's period overlaps (status active or completed) are months of that
   * programme with its author as the practitioner (server/ccm/README.md). A plan marked only `bhi`/`cocm` is
   * not a CCM/PCM care plan.
   */
  programmes: string[];
}

/** A Coverage marking the patient as a Qualified Medicare Beneficiary (CS.coverageType#qmb) over a period. */
export interface QmbRecord {
  ref: string;
  start?: number;
  end?: number;
}

/** A CareTeam member in the billing-practitioner role ("Who bills" in ccm-rules.md). */
export interface CareTeamRecord {
  ref: string;
  status: string;
  /** The member, as given (`Practitioner/x` or `PractitionerRole/y`). */
  practitioner: string;
  /** participant.period (else CareTeam.period). */
  start?: number;
  end?: number;
}

/**
 * A CareTeam member in a behavioural-health role (CS.timeRole `bh-care-manager` or `psychiatric-consultant`
 * in CareTeam.participant.role): CoCM needs both on the team during the month (ccm-rules.md, "BHI and CoCM").
 */
export interface TeamRoleRecord extends CareTeamRecord {
  role: string;
}

/**
 * An Encounter billed as another service (a CPT/HCPCS type code; not a CCM time entry): when its code is one of
 * the rules' TCM/RPM/RTM codes, its period is time counted toward that service (ccm-rules.md, "Other programmes").
 */
export interface OtherServiceRecord {
  ref: string;
  status: string;
  /** `system|code` of every CPT/HCPCS Encounter.type coding. */
  codes: string[];
  participants: string[];
  start?: number;
  end?: number;
}

/** A time entry (Encounter, class VR, serviceType a CS.program code). */
export interface TimeEntryRecord {
  ref: string;
  status: string;
  programme: string;
  /** CS.timeRole code, or undefined when the entry names none. */
  role?: string;
  /** participant.individual reference as given (Practitioner/x or PractitionerRole/y). */
  individual?: string;
  start?: number;
  end?: number;
  /**
   * Whole seconds the entry counts for: the start–end span, or a shorter stated `length` (ccm-rules.md, "An
   * entry's time is its period"); never more than the span.
   */
  seconds: number;
  /** CS.timeExclusion code when the minutes were counted toward another service. */
  exclusion?: string;
  mdm?: string;
  reasons: string[];
  /** CS.activity code of Encounter.type (what the time was spent on). */
  activity?: string;
}

/** An Encounter that may be an initiating visit (E/M, AWV or IPPE). */
export interface VisitRecord {
  ref: string;
  status: string;
  /** `system|code` of every Encounter.type coding. */
  codes: string[];
  /** participant.individual references as given. */
  participants: string[];
  start?: number;
}

/** A patient's death (Patient.deceased[x], ccm-rules.md "Death"). */
export interface DeathRecord {
  /**
   * The first instant that no longer counts: deceasedDateTime, or the end of its day (month, year) for a
   * partial date. Undefined when only deceasedBoolean = true says the patient died.
   */
  at?: number;
}

/** Everything the engine reads about one patient. */
export interface PatientRecord {
  /** `Patient/id`. */
  patient: string;
  name?: string;
  /** Present when the patient is recorded as deceased. */
  death?: DeathRecord;
  conditions: ConditionRecord[];
  consents: ConsentRecord[];
  carePlans: CarePlanRecord[];
  /** Billing-practitioner assignments by CareTeam. */
  careTeams: CareTeamRecord[];
  timeEntries: TimeEntryRecord[];
  visits: VisitRecord[];
  /** Qualified Medicare Beneficiary coverages (APCM level G0558); none recorded means not a QMB. */
  qmb: QmbRecord[];
  /** Behavioural-health care-team roles (CoCM); absent in records built before BHI/CoCM existed. */
  bhTeam?: TeamRoleRecord[];
  /** Encounters coded as TCM/RPM/RTM services (their minutes never count here); absent when not loaded. */
  otherServices?: OtherServiceRecord[];
  /** PractitionerRole/x → Practitioner/y, for comparing practitioners named either way. */
  roleToPractitioner: Record<string, string>;
}

/** An empty record for a patient. */
export function emptyRecord(patient: string): PatientRecord {
  return {
    patient,
    conditions: [],
    consents: [],
    carePlans: [],
    careTeams: [],
    timeEntries: [],
    visits: [],
    qmb: [],
    bhTeam: [],
    otherServices: [],
    roleToPractitioner: {},
  };
}

/** The Practitioner a reference stands for (a PractitionerRole is resolved through the record's table). */
export function practitionerOf(
  record: Pick<PatientRecord, 'roleToPractitioner'>,
  ref: string | undefined,
): string | undefined {
  if (!ref) return undefined;
  return ref.startsWith('PractitionerRole/') ? (record.roleToPractitioner[ref] ?? ref) : ref;
}
