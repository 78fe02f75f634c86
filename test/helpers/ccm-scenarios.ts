/**
 * A small builder of CCM scenarios as FHIR resources in the agreed shapes (ccm-condition, ccm-consent,
 * ccm-careplan, ccm-time-entry, initiating visit). Billing test vectors, HTTP tests, the dashboard test
 * and the benchmark build their data with it. Instants are written by hand with their UTC offsets.
 */
import type {
  CarePlan,
  CareTeam,
  Condition,
  Consent,
  Coverage,
  Encounter,
  Extension,
  FhirResource,
  Patient,
} from 'fhir/r4.js';
import { revokedConsent } from '../../smart-app/ccm/resources.js';
import {
  bhTeamRecords,
  otherServiceRecord,
  careTeamRecord,
  carePlanRecord,
  conditionRecord,
  consentRecord,
  deathOf,
  qmbRecord,
  timeEntryRecord,
  visitRecord,
} from '../../server/ccm/engine/extract.js';
import { emptyRecord, type PatientRecord } from '../../server/ccm/engine/record.js';
import {
  BILLING_PRACTITIONER_ROLE,
  CATEGORY,
  CONSENT_ELEMENT,
  CONSENT_POLICY,
  COVERAGE_TYPE,
  CS,
  EXTENSION,
  LOINC_PATIENT_CONSENT,
  PARTICIPATION_TYPE,
  SYSTEM,
} from '../../server/ccm/vocabulary.js';

export const TZ = 'America/New_York';
export const DR_A = 'Practitioner/dr-a';
export const DR_B = 'Practitioner/dr-b';
export const NURSE = 'Practitioner/nurse-n';
export const ALL_ELEMENTS = Object.values(CONSENT_ELEMENT);

type Role =
  | 'clinical-staff'
  | 'billing-practitioner'
  | 'non-clinical-staff'
  | 'bh-care-manager'
  | 'psychiatric-consultant';

/** Options of a time entry. */
export interface TimeOptions {
  start: string;
  minutes?: number;
  seconds?: number;
  role?: Role | null;
  programme?: string;
  who?: string;
  exclusion?: string;
  mdm?: string;
  status?: Encounter['status'];
  /** The end instant as written (default: start + minutes/seconds). */
  end?: string;
  /** The stated Encounter.length in minutes (default: the span). */
  statedMinutes?: number;
  id?: string;
  /** CS.activity code (default phone-call). */
  activity?: string;
}

/** A category coding per programme (CS.program): what a Consent or CarePlan names. */
function programmeCategories(programmes: string[] | undefined) {
  return (programmes ?? []).map((code) => ({ coding: [{ system: CS.program, code }] }));
}

let counter = 0;

/** Appends a value when there is one. */
function push<T>(list: T[], value: T | undefined): void {
  if (value !== undefined) list.push(value);
}
const nextId = (prefix: string) => `${prefix}-${++counter}`;

/** One patient's resources. */
export class CcmScenario {
  readonly resources: FhirResource[] = [];
  readonly patientRef: string;

  constructor(
    readonly patientId = nextId('pat'),
    name: { family: string; given: string } = { family: 'Test', given: 'Patient' },
  ) {
    this.patientRef = `Patient/${patientId}`;
    const p: Patient = {
      resourceType: 'Patient',
      id: patientId,
      name: [{ family: name.family, given: [name.given] }],
    };
    this.resources.push(p);
  }

  /** Records the patient as deceased: a dateTime, a date, or `true` (deceasedBoolean). */
  deceased(value: string | boolean): this {
    const p = this.resources[0] as Patient;
    if (typeof value === 'boolean') p.deceasedBoolean = value;
    else p.deceasedDateTime = value;
    return this;
  }

  /** An active Condition coded in ICD-10-CM (default) or SNOMED CT. */
  condition(
    code: string,
    o: { snomed?: boolean; attested?: boolean; clinical?: string; verification?: string; id?: string } = {},
  ): this {
    const c: Condition = {
      resourceType: 'Condition',
      id: o.id ?? nextId(`${this.patientId}-cond`),
      clinicalStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
            code: o.clinical ?? 'active',
          },
        ],
      },
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' },
          ],
        },
      ],
      ...(o.verification
        ? {
            verificationStatus: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
                  code: o.verification,
                },
              ],
            },
          }
        : {}),
      code: { coding: [{ system: o.snomed ? SYSTEM.snomed : SYSTEM.icd10cm, code }] },
      subject: { reference: this.patientRef },
    };
    if (o.attested !== undefined) {
      c.extension = [
        {
          url: EXTENSION.chronicAttestation,
          extension: [
            { url: 'expectedDuration', valueBoolean: o.attested },
            { url: 'significantRisk', valueBoolean: o.attested },
            { url: 'attestedBy', valueReference: { reference: DR_A } },
            { url: 'attestedOn', valueDateTime: '2026-01-05T10:00:00-05:00' },
          ],
        },
      ];
    }
    this.resources.push(c);
    return this;
  }

  /** A CCM Consent. */
  consent(o: {
    at: string;
    status?: Consent['status'];
    who?: string | null;
    method?: string | null;
    elements?: string[];
    end?: string;
    id?: string;
    /** Programmes named in Consent.category (none: a CCM consent). */
    programmes?: string[];
  }): this {
    const extension: Extension[] = [];
    if (o.method !== null) extension.push({ url: EXTENSION.consentMethod, valueCode: o.method ?? 'verbal' });
    for (const e of o.elements ?? ALL_ELEMENTS)
      extension.push({
        url: EXTENSION.consentElementExplained,
        valueCoding: { system: CS.consentElement, code: e },
      });
    const who = o.who === undefined ? DR_A : o.who;
    const c: Consent = {
      resourceType: 'Consent',
      id: o.id ?? nextId(`${this.patientId}-consent`),
      extension,
      status: o.status ?? 'active',
      scope: { coding: [{ system: SYSTEM.consentScope, code: 'treatment' }] },
      category: [
        { coding: [{ system: SYSTEM.loinc, code: LOINC_PATIENT_CONSENT }] },
        { coding: [{ system: CS.category, code: CATEGORY.consent }] },
        ...programmeCategories(o.programmes),
      ],
      patient: { reference: this.patientRef },
      dateTime: o.at,
      performer: [{ reference: this.patientRef }],
      policyRule: { coding: [{ system: CS.consentPolicy, code: CONSENT_POLICY.cmsCcm }] },
      provision: {
        type: 'permit',
        period: { start: o.at, ...(o.end ? { end: o.end } : {}) },
        ...(who
          ? {
              actor: [
                {
                  role: { coding: [{ system: PARTICIPATION_TYPE, code: BILLING_PRACTITIONER_ROLE }] },
                  reference: { reference: who },
                },
              ],
            }
          : {}),
      },
    };
    this.resources.push(c);
    return this;
  }

  /** A CCM CarePlan. */
  carePlan(o: {
    start: string;
    status?: CarePlan['status'];
    copy?: string | null;
    revisions?: string[];
    end?: string;
    id?: string;
    author?: string;
    /** Programmes declared in CarePlan.category (`apcm`, `bhi`, `cocm`: the programme markers). */
    programmes?: string[];
    /** Conditions the plan addresses (`Condition/id`). */
    addresses?: string[];
  }): this {
    const extension: Extension[] = [];
    if (o.copy !== null) {
      extension.push({
        url: EXTENSION.patientCopy,
        extension: [
          { url: 'date', valueDateTime: o.copy ?? o.start },
          { url: 'method', valueCode: 'paper' },
        ],
      });
    }
    for (const r of o.revisions ?? [])
      extension.push({ url: EXTENSION.substantialRevision, valueDateTime: r });
    const p: CarePlan = {
      resourceType: 'CarePlan',
      id: o.id ?? nextId(`${this.patientId}-plan`),
      ...(extension.length ? { extension } : {}),
      status: o.status ?? 'active',
      intent: 'plan',
      category: [
        { coding: [{ system: CS.category, code: CATEGORY.carePlan }] },
        ...programmeCategories(o.programmes),
      ],
      subject: { reference: this.patientRef },
      period: { start: o.start, ...(o.end ? { end: o.end } : {}) },
      author: { reference: o.author ?? DR_A },
      ...(o.addresses ? { addresses: o.addresses.map((reference) => ({ reference })) } : {}),
    };
    this.resources.push(p);
    return this;
  }

  /**
   * A CareTeam naming `who` in the billing-practitioner role (CS.timeRole#billing-practitioner) from `start`
   * (to `end`), beside a care manager without that role.
   */
  careTeam(o: { who: string; start: string; end?: string; status?: CareTeam['status']; id?: string }): this {
    const t: CareTeam = {
      resourceType: 'CareTeam',
      id: o.id ?? nextId(`${this.patientId}-team`),
      status: o.status ?? 'active',
      subject: { reference: this.patientRef },
      participant: [
        {
          role: [{ coding: [{ system: CS.timeRole, code: 'billing-practitioner' }] }],
          member: { reference: o.who },
          period: { start: o.start, ...(o.end ? { end: o.end } : {}) },
        },
        { role: [{ text: 'Care manager' }], member: { reference: NURSE } },
      ],
    };
    this.resources.push(t);
    return this;
  }

  /**
   * A CareTeam naming `who` in a behavioural-health role (CS.timeRole `bh-care-manager` or
   * `psychiatric-consultant`) from `start` (to `end`).
   */
  bhTeam(o: { who: string; role: Role; start: string; end?: string; id?: string }): this {
    const t: CareTeam = {
      resourceType: 'CareTeam',
      id: o.id ?? nextId(`${this.patientId}-bhteam`),
      status: 'active',
      subject: { reference: this.patientRef },
      participant: [
        {
          role: [{ coding: [{ system: CS.timeRole, code: o.role }] }],
          member: { reference: o.who },
          period: { start: o.start, ...(o.end ? { end: o.end } : {}) },
        },
      ],
    };
    this.resources.push(t);
    return this;
  }

  /**
   * A service billed elsewhere: an Encounter (class VR, no CCM programme) coded with a CPT code, e.g. RPM 99470,
   * by `who` (the nurse by default) for `minutes` from `start`.
   */
  service(o: { start: string; minutes: number; code: string; who?: string; id?: string }): this {
    const start = Date.parse(o.start);
    const e: Encounter = {
      resourceType: 'Encounter',
      id: o.id ?? nextId(`${this.patientId}-service`),
      status: 'finished',
      class: { system: SYSTEM.actCode, code: 'VR' },
      type: [{ coding: [{ system: SYSTEM.cpt, code: o.code }] }],
      subject: { reference: this.patientRef },
      participant: [{ individual: { reference: o.who ?? NURSE } }],
      period: { start: o.start, end: new Date(start + o.minutes * 60000).toISOString() },
    };
    this.resources.push(e);
    return this;
  }

  /** Revokes a consent of this scenario the way the clinician app does (smart-app revoke action) at `at`. */
  revoke(consentId: string, at: string, tz = TZ): this {
    const i = this.resources.findIndex((r) => r.resourceType === 'Consent' && r.id === consentId);
    if (i < 0) throw new Error(`no Consent/${consentId}`);
    this.resources[i] = revokedConsent(this.resources[i] as Consent, Date.parse(at), tz);
    return this;
  }

  /** An office visit (class AMB) with CPT/HCPCS type codes (99214 by default) by a practitioner. */
  visit(o: { at: string; codes?: string[]; who?: string; status?: Encounter['status']; id?: string }): this {
    const codes = o.codes ?? ['99214'];
    const e: Encounter = {
      resourceType: 'Encounter',
      id: o.id ?? nextId(`${this.patientId}-visit`),
      status: o.status ?? 'finished',
      class: { system: SYSTEM.actCode, code: 'AMB' },
      type: codes.map((c) => ({ coding: [{ system: /^G/.test(c) ? SYSTEM.hcpcs : SYSTEM.cpt, code: c }] })),
      subject: { reference: this.patientRef },
      participant: [{ individual: { reference: o.who ?? DR_A } }],
      period: { start: o.at, end: o.at },
    };
    this.resources.push(e);
    return this;
  }

  /** A time entry (Encounter class VR) of `minutes` and/or `seconds`. */
  time(o: TimeOptions): this {
    const seconds = (o.minutes ?? 0) * 60 + (o.seconds ?? 0);
    const role = o.role === undefined ? 'clinical-staff' : o.role;
    const extension: Extension[] = [];
    if (o.exclusion)
      extension.push({
        url: EXTENSION.timeExclusion,
        valueCoding: { system: CS.timeExclusion, code: o.exclusion },
      });
    if (o.mdm) extension.push({ url: EXTENSION.medicalDecisionMaking, valueCode: o.mdm });
    const start = Date.parse(o.start);
    const e: Encounter = {
      resourceType: 'Encounter',
      id: o.id ?? nextId(`${this.patientId}-time`),
      ...(extension.length ? { extension } : {}),
      status: o.status ?? 'finished',
      class: { system: SYSTEM.actCode, code: 'VR' },
      type: [{ coding: [{ system: CS.activity, code: o.activity ?? 'phone-call' }] }],
      serviceType: { coding: [{ system: CS.program, code: o.programme ?? 'ccm' }] },
      subject: { reference: this.patientRef },
      participant: [
        {
          ...(role ? { type: [{ coding: [{ system: CS.timeRole, code: role }] }] } : {}),
          individual: { reference: o.who ?? (role === 'billing-practitioner' ? DR_A : NURSE) },
        },
      ],
      period: { start: o.start, end: o.end ?? new Date(start + seconds * 1000).toISOString() },
      length: { value: o.statedMinutes ?? seconds / 60, unit: 'min', system: SYSTEM.ucum, code: 'min' },
    };
    this.resources.push(e);
    return this;
  }

  /** A Coverage marking the patient a Qualified Medicare Beneficiary (CS.coverageType#qmb) from `start`. */
  qmb(o: { start: string; end?: string; status?: Coverage['status']; id?: string }): this {
    const c: Coverage = {
      resourceType: 'Coverage',
      id: o.id ?? nextId(`${this.patientId}-qmb`),
      status: o.status ?? 'active',
      type: { coding: [{ system: CS.coverageType, code: COVERAGE_TYPE.qmb }] },
      beneficiary: { reference: this.patientRef },
      period: { start: o.start, ...(o.end ? { end: o.end } : {}) },
      payor: [{ display: 'State Medicaid agency' }],
    };
    this.resources.push(c);
    return this;
  }

  /** The engine record of these resources, read the way the server reads them. */
  record(tz = TZ): PatientRecord {
    const r = emptyRecord(this.patientRef);
    for (const res of this.resources) {
      if (res.resourceType === 'Patient') {
        const death = deathOf(res, tz);
        if (death) r.death = death;
      } else if (res.resourceType === 'Condition') r.conditions.push(conditionRecord(res, tz));
      else if (res.resourceType === 'Consent') push(r.consents, consentRecord(res, tz));
      else if (res.resourceType === 'CarePlan') push(r.carePlans, carePlanRecord(res, tz));
      else if (res.resourceType === 'CareTeam') {
        r.careTeams.push(...careTeamRecord(res, tz));
        r.bhTeam?.push(...bhTeamRecords(res, tz));
      } else if (res.resourceType === 'Coverage') push(r.qmb, qmbRecord(res, tz));
      else if (res.resourceType === 'Encounter') {
        const t = timeEntryRecord(res, tz);
        if (t) r.timeEntries.push(t);
        else {
          push(r.visits, visitRecord(res, tz));
          push(r.otherServices ?? [], otherServiceRecord(res, tz));
        }
      }
    }
    return r;
  }
}

/**
 * A patient enrolled in CCM since January 2026 with Dr A: diabetes and hypertension (both attested by Dr A as
 * CCM chronic conditions), written consent on
 * 2026-01-05 with all four elements, a care plan with the patient's copy, an E/M visit on 2025-12-10.
 */
export function enrolled(id?: string): CcmScenario {
  return new CcmScenario(id)
    .condition('E11.9', { attested: true })
    .condition('I10', { attested: true })
    .consent({ at: '2026-01-05T10:00:00-05:00', method: 'written' })
    .carePlan({ start: '2026-01-05T11:00:00-05:00', copy: '2026-01-05T11:30:00-05:00' })
    .visit({ at: '2025-12-10T09:00:00-05:00' });
}

/** An enrolled patient (heart failure, diabetes; attested) whose care plan was substantially revised on 3 March 2026. */
export function enrolledRevised(id?: string): CcmScenario {
  return new CcmScenario(id)
    .condition('E11.65', { attested: true })
    .condition('I50.22', { attested: true })
    .consent({ at: '2026-01-05T10:00:00-05:00', method: 'verbal' })
    .carePlan({ start: '2026-01-05T11:00:00-05:00', revisions: ['2026-03-03T09:00:00-05:00'] })
    .visit({ at: '2025-12-10T09:00:00-05:00' });
}
