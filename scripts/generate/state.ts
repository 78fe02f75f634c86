/** The state shared by the builders of one patient, and small FHIR datatype helpers. */
import type { CodeableConcept, Coding, Reference } from 'fhir/r4.js';
import type { ConditionSpec } from './codes.js';
import type { GenContext } from './context.js';
import type { Member } from './practice.js';
import type { Rng } from './prng.js';
import type { BundleRecord } from './record.js';

/** A chronic condition of the patient, once its Condition resource exists. */
export interface ConditionInstance {
  spec: ConditionSpec;
  ref: Reference;
  onsetMs: number;
}

/** A face-to-face visit (Encounter class AMB). */
export interface Visit {
  ref: Reference;
  startMs: number;
  kind: 'awv' | 'office3' | 'office4';
  /** The CCM initiating visit. */
  initiating: boolean;
}

/** The CCM enrolment of a patient. */
export interface CcmTimeline {
  initiatingVisitMs: number;
  consentMs: number;
  carePlanMs: number;
  careManager: Member;
}

/** Everything the builders of one patient share. */
export interface PatientState {
  ctx: GenContext;
  rng: Rng;
  record: BundleRecord;
  patient: Reference;
  birthMs: number;
  age: number;
  female: boolean;
  heightCm: number;
  weightKg: number;
  /** The patient's PCP: the billing practitioner of their CCM. */
  pcp: Member;
  /** Earliest instant of the visit history. */
  historyStart: number;
  conditions: ConditionInstance[];
  visits: Visit[];
  ccm: CcmTimeline | null;
}

/** A CodeableConcept of one coding. */
export function concept(system: string, code: string, display?: string, text?: string): CodeableConcept {
  const coding: Coding = display === undefined ? { system, code } : { system, code, display };
  return text === undefined ? { coding: [coding] } : { coding: [coding], text };
}

/** A Reference to `Type/id` (a practice resource). */
export function ref(reference: string, display?: string): Reference {
  return display === undefined ? { reference } : { reference, display };
}

/** Rounds to a number of decimals. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export const OBS_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const US_CORE_CAREPLAN_CATEGORY = 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category';

/** The primary-performer participant type (v3-ParticipationType#PPRF). */
export const PPRF: CodeableConcept = concept(PARTICIPATION, 'PPRF', 'primary performer');
