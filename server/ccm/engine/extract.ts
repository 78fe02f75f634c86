/**
 * Reads FHIR resources into the engine's compact records (engine/record.ts), following the agreed CCM
 * resource shapes (profiles/: ccm-condition, ccm-consent, ccm-careplan, ccm-time-entry). Pure functions:
 * a resource in, a record (or undefined when the resource is not CCM-relevant) out.
 */
import type {
  CarePlan,
  CareTeam,
  CodeableConcept,
  Condition,
  Consent,
  Coverage,
  Encounter,
  Extension,
  Patient,
  Reference,
} from 'fhir/r4.js';
import { endInstantOf, instantOf } from '../time/zone.js';
import {
  BILLING_PRACTITIONER_ROLE,
  CATEGORY,
  COVERAGE_TYPE,
  CS,
  EXTENSION,
  PARTICIPATION_TYPE,
  SYSTEM,
  TIME_ENTRY_CLASS,
  TIME_ROLE,
  VISIT_CLASS,
} from '../vocabulary.js';
import type {
  CarePlanRecord,
  CareTeamRecord,
  ConditionRecord,
  ConsentRecord,
  DeathRecord,
  OtherServiceRecord,
  QmbRecord,
  TeamRoleRecord,
  TimeEntryRecord,
  VisitRecord,
} from './record.js';

/** The CS.program codes of a list of categories (the programmes a Consent or CarePlan names). */
export function programmesOf(categories: CodeableConcept[] | undefined): string[] {
  return (categories ?? []).flatMap((cc) =>
    (cc.coding ?? []).flatMap((c) => (c.system === CS.program && c.code ? [c.code] : [])),
  );
}

/** True when a CodeableConcept has a coding `system|code`. */
export function hasCoding(cc: CodeableConcept | undefined, system: string, code: string): boolean {
  return (cc?.coding ?? []).some((c) => c.system === system && c.code === code);
}

/** The code of the first coding of a system in a CodeableConcept. */
export function codeIn(cc: CodeableConcept | undefined, system: string): string | undefined {
  return (cc?.coding ?? []).find((c) => c.system === system)?.code;
}

/** The extensions of a URL. */
function extensions(owner: { extension?: Extension[] }, url: string): Extension[] {
  return (owner.extension ?? []).filter((e) => e.url === url);
}

/** A local reference string, or undefined. */
function refOf(r: Reference | undefined): string | undefined {
  return r?.reference;
}

/** Attestation of a Condition: true when both booleans are true, false when either is false. */
function attestationOf(condition: Condition): boolean | undefined {
  const ext = extensions(condition, EXTENSION.chronicAttestation)[0];
  if (!ext) return undefined;
  const sub = (name: string) => extensions(ext, name)[0]?.valueBoolean;
  const duration = sub('expectedDuration');
  const risk = sub('significantRisk');
  if (duration === false || risk === false) return false;
  return duration === true && risk === true ? true : undefined;
}

/** A Condition as a record (every Condition is; relevance is decided by the engine). */
export function conditionRecord(c: Condition, tz: string): ConditionRecord {
  return {
    ref: `Condition/${c.id}`,
    codings: (c.code?.coding ?? []).map((x) => ({ system: x.system, code: x.code, display: x.display })),
    ...(c.code?.text ? { text: c.code.text } : {}),
    clinicalStatus: c.clinicalStatus?.coding?.[0]?.code,
    verificationStatus: c.verificationStatus?.coding?.[0]?.code,
    attested: attestationOf(c),
    onset: instantOf(c.onsetDateTime ?? c.onsetPeriod?.start, tz),
    abatement: instantOf(c.abatementDateTime ?? c.abatementPeriod?.end, tz),
  };
}

/** True when a Consent is a CCM consent (category CS.category#ccm-consent). */
export function isCcmConsent(c: Consent): boolean {
  return (c.category ?? []).some((cc) => hasCoding(cc, CS.category, CATEGORY.consent));
}

/**
 * When consent was obtained and when it was revoked. A revocation is its own fact (EXTENSION.consentRevoked)
 * and never moves dateTime; a revoked consent without that extension whose dateTime is after its
 * provision.period.start was written by the former revoke action (dateTime overwritten with the revocation):
 * its consent date is period.start and its dateTime the revocation.
 */
function consentDates(c: Consent, tz: string): { obtainedAt?: number; revokedAt?: number } {
  const start = instantOf(c.provision?.period?.start, tz);
  const dated = instantOf(c.dateTime, tz);
  const ext = extensions(c, EXTENSION.consentRevoked)[0];
  if (ext) return { obtainedAt: dated ?? start, revokedAt: instantOf(ext.valueDateTime, tz) };
  if (c.status === 'inactive' && start !== undefined && dated !== undefined && dated >= start + 86400000)
    return { obtainedAt: start, revokedAt: dated };
  return { obtainedAt: dated ?? start };
}

/** A CCM Consent as a record, or undefined for other consents. */
export function consentRecord(c: Consent, tz: string): ConsentRecord | undefined {
  if (!isCcmConsent(c)) return undefined;
  const provision = c.provision;
  const actor = (provision?.actor ?? []).find((a) =>
    hasCoding(a.role, PARTICIPATION_TYPE, BILLING_PRACTITIONER_ROLE),
  );
  const method = extensions(c, EXTENSION.consentMethod)[0];
  return {
    ref: `Consent/${c.id}`,
    status: c.status,
    ...consentDates(c, tz),
    periodStart: instantOf(provision?.period?.start, tz),
    periodEnd: endInstantOf(provision?.period?.end, tz),
    practitioner: refOf(actor?.reference),
    method: method?.valueCode ?? method?.valueCoding?.code,
    elements: extensions(c, EXTENSION.consentElementExplained).flatMap((e) =>
      e.valueCoding?.system === CS.consentElement && e.valueCoding.code ? [e.valueCoding.code] : [],
    ),
    programmes: programmesOf(c.category),
  };
}

/** True when a CareTeam participant role marks the billing practitioner (ccm-time-role or v3 PPRF). */
function billingRole(roles: CodeableConcept[] | undefined): boolean {
  return (roles ?? []).some(
    (r) =>
      hasCoding(r, CS.timeRole, TIME_ROLE.billingPractitioner) ||
      hasCoding(r, PARTICIPATION_TYPE, BILLING_PRACTITIONER_ROLE),
  );
}

/**
 * The billing-practitioner members of a CareTeam ("Who bills": the practice assigns the patient's billing
 * practitioner), each with its participant.period (else the team's period). Empty for other teams.
 */
export function careTeamRecord(t: CareTeam, tz: string): CareTeamRecord[] {
  if (t.status === 'entered-in-error' || t.status === 'proposed') return [];
  return (t.participant ?? []).flatMap((p) => {
    const who = p.member?.reference;
    if (!who || !billingRole(p.role)) return [];
    const period = p.period ?? t.period;
    return [
      {
        ref: `CareTeam/${t.id}`,
        status: t.status ?? 'active',
        practitioner: who,
        start: instantOf(period?.start, tz),
        end: endInstantOf(period?.end, tz),
      },
    ];
  });
}

const BH_TEAM_ROLES: readonly string[] = [TIME_ROLE.bhCareManager, TIME_ROLE.psychiatricConsultant];

/**
 * The behavioural-health members of a CareTeam (CS.timeRole `bh-care-manager`, `psychiatric-consultant` in
 * participant.role; CoCM needs both), each with its participant.period (else the team's). Empty for other teams.
 */
export function bhTeamRecords(t: CareTeam, tz: string): TeamRoleRecord[] {
  if (t.status === 'entered-in-error' || t.status === 'proposed') return [];
  return (t.participant ?? []).flatMap((p) => {
    const who = p.member?.reference;
    const roles = (p.role ?? []).flatMap((r) =>
      (r.coding ?? []).flatMap((c) =>
        c.system === CS.timeRole && c.code && BH_TEAM_ROLES.includes(c.code) ? [c.code] : [],
      ),
    );
    if (!who) return [];
    const period = p.period ?? t.period;
    return roles.map((role) => ({
      ref: `CareTeam/${t.id}`,
      status: t.status ?? 'active',
      practitioner: who,
      role,
      start: instantOf(period?.start, tz),
      end: endInstantOf(period?.end, tz),
    }));
  });
}

/**
 * An Encounter that is not a CCM time entry, coded with CPT/HCPCS types and a finished period, as a possible
 * service billed elsewhere (TCM/RPM/RTM, decided by the rules in force), else undefined.
 */
export function otherServiceRecord(e: Encounter, tz: string): OtherServiceRecord | undefined {
  if (e.class?.code === TIME_ENTRY_CLASS && codeIn(e.serviceType, CS.program)) return undefined;
  const codes = (e.type ?? []).flatMap((t) =>
    (t.coding ?? []).flatMap((c) =>
      (c.system === SYSTEM.cpt || c.system === SYSTEM.hcpcs) && c.code ? [`${c.system}|${c.code}`] : [],
    ),
  );
  const start = instantOf(e.period?.start, tz);
  const end = instantOf(e.period?.end, tz);
  if (codes.length === 0 || start === undefined || end === undefined || end <= start) return undefined;
  return {
    ref: `Encounter/${e.id}`,
    status: e.status,
    codes,
    participants: (e.participant ?? []).flatMap((p) =>
      p.individual?.reference ? [p.individual.reference] : [],
    ),
    start,
    end,
  };
}

/** A CCM CarePlan as a record, or undefined for other care plans. */
export function carePlanRecord(p: CarePlan, tz: string): CarePlanRecord | undefined {
  if (!(p.category ?? []).some((cc) => hasCoding(cc, CS.category, CATEGORY.carePlan))) return undefined;
  const copy = extensions(p, EXTENSION.patientCopy)[0];
  const copyDate = copy ? extensions(copy, 'date')[0]?.valueDateTime : undefined;
  return {
    ref: `CarePlan/${p.id}`,
    status: p.status,
    periodStart: instantOf(p.period?.start, tz),
    periodEnd: endInstantOf(p.period?.end, tz),
    created: instantOf(p.created, tz),
    author: refOf(p.author),
    copyGivenAt: instantOf(copyDate, tz),
    copyGiven: copy !== undefined,
    revisions: extensions(p, EXTENSION.substantialRevision).flatMap((e) => {
      const t = instantOf(e.valueDateTime, tz);
      return t === undefined ? [] : [t];
    }),
    addresses: (p.addresses ?? []).flatMap((r) => (r.reference ? [r.reference] : [])),
    programmes: programmesOf(p.category),
  };
}

/**
 * Whole seconds a time entry counts for (ccm-rules.md, "An entry's time is its period"): the start–end span
 * (whole seconds, never rounded up); a stated `length` (UCUM min, h or s) shorter than the span counts as
 * stated, a longer one (refused at write by ccm-te-3) is capped to the span. Without a span, nothing counts.
 */
export function countedSecondsOf(
  length: Encounter['length'],
  start: number | undefined,
  end: number | undefined,
): number {
  if (start === undefined || end === undefined || end <= start) return 0;
  const span = Math.floor((end - start) / 1000);
  if (length?.value === undefined || length.value < 0) return span;
  const unit = length.code ?? length.unit;
  const factor = unit === 'h' ? 3600 : unit === 's' ? 1 : 60;
  // a thousandth of a second absorbs the decimal-minutes representation (1199 s = 19.983333 min)
  const stated = Math.floor(length.value * factor + 0.001);
  return Math.min(stated, span);
}

/** The death of a Patient (R4 Patient.deceased[x]), or undefined when not recorded as deceased. */
export function deathOf(p: Patient, tz: string): DeathRecord | undefined {
  if (p.deceasedDateTime !== undefined) {
    const exact = p.deceasedDateTime.includes('T');
    const at = exact ? instantOf(p.deceasedDateTime, tz) : endInstantOf(p.deceasedDateTime, tz);
    if (at === undefined) return {};
    return { at: exact ? at : at + 1 };
  }
  return p.deceasedBoolean === true ? {} : undefined;
}

/** A time entry as a record, or undefined when the Encounter is not a CCM time entry. */
export function timeEntryRecord(e: Encounter, tz: string): TimeEntryRecord | undefined {
  if (e.class?.code !== TIME_ENTRY_CLASS) return undefined;
  const programme = codeIn(e.serviceType, CS.program);
  if (!programme) return undefined;
  const participant = (e.participant ?? []).find((p) => (p.type ?? []).some((t) => codeIn(t, CS.timeRole)));
  const role = participant
    ? (participant.type ?? []).map((t) => codeIn(t, CS.timeRole)).find(Boolean)
    : undefined;
  const exclusion = extensions(e, EXTENSION.timeExclusion)[0];
  const mdm = extensions(e, EXTENSION.medicalDecisionMaking)[0];
  const start = instantOf(e.period?.start, tz);
  const end = instantOf(e.period?.end, tz);
  return {
    ref: `Encounter/${e.id}`,
    status: e.status,
    programme,
    role,
    individual: refOf(participant?.individual ?? e.participant?.[0]?.individual),
    start,
    end,
    seconds: countedSecondsOf(e.length, start, end),
    exclusion: exclusion ? (exclusion.valueCoding?.code ?? 'excluded') : undefined,
    mdm: mdm?.valueCode ?? mdm?.valueCoding?.code,
    reasons: (e.reasonReference ?? []).flatMap((r) => (r.reference ? [r.reference] : [])),
    activity: (e.type ?? []).map((t) => codeIn(t, CS.activity)).find(Boolean),
  };
}

/** Encounter.type codes that make an initiating visit, as `system|code` (CPT E/M range and HCPCS list). */
export function visitCodeSet(cptRange: [string, string], hcpcs: string[]): Set<string> {
  const out = new Set<string>();
  for (let n = Number(cptRange[0]); n <= Number(cptRange[1]); n++) out.add(`${SYSTEM.cpt}|${n}`);
  for (const h of hcpcs) out.add(`${SYSTEM.hcpcs}|${h}`);
  return out;
}

/** An ambulatory Encounter (class AMB) with a CPT or HCPCS type as a possible initiating visit, else undefined. */
export function visitRecord(e: Encounter, tz: string): VisitRecord | undefined {
  if (e.class?.code !== VISIT_CLASS) return undefined;
  const codes = (e.type ?? []).flatMap((t) =>
    (t.coding ?? []).flatMap((c) =>
      (c.system === SYSTEM.cpt || c.system === SYSTEM.hcpcs) && c.code ? [`${c.system}|${c.code}`] : [],
    ),
  );
  if (codes.length === 0) return undefined;
  return {
    ref: `Encounter/${e.id}`,
    status: e.status,
    codes,
    participants: (e.participant ?? []).flatMap((p) =>
      p.individual?.reference ? [p.individual.reference] : [],
    ),
    start: instantOf(e.period?.start, tz),
  };
}

/**
 * A Coverage recording that the patient is a Qualified Medicare Beneficiary (type CS.coverageType#qmb, status
 * active) over its period, or undefined for any other Coverage (ccm-rules.md, "APCM": G0558).
 */
export function qmbRecord(c: Coverage, tz: string): QmbRecord | undefined {
  if (c.status !== 'active' || !hasCoding(c.type, CS.coverageType, COVERAGE_TYPE.qmb)) return undefined;
  return {
    ref: `Coverage/${c.id}`,
    start: instantOf(c.period?.start, tz),
    end: endInstantOf(c.period?.end, tz),
  };
}
