/**
 * The FHIR resources the app writes, shaped by the CCM profiles (profiles/README.md) and the names in
 * server/ccm/vocabulary.ts, so that what the app writes is what the billing engine reads
 * (server/ccm/engine/extract.ts): the chronic-condition attestation on a Condition (ccm-condition), the CCM
 * Consent and its revocation (ccm-consent), and a block of time as an Encounter (ccm-time-entry).
 */
import type { Attachment, Condition, Consent, Encounter, Extension, Reference } from 'fhir/r4.js';
import { localToEpoch, offsetAt, wallClock } from '../../server/ccm/time/zone.js';
import {
  BILLING_PRACTITIONER_ROLE,
  CATEGORY,
  CONSENT_POLICY,
  CS,
  EXTENSION,
  LOINC_PATIENT_CONSENT,
  PARTICIPATION_TYPE,
  PROFILE,
  SYSTEM,
  TIME_ENTRY_CLASS,
} from '../../server/ccm/vocabulary.js';

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** An instant as a FHIR dateTime on the practice's wall clock with its offset (`2026-11-03T09:30:00-05:00`). */
export function localDateTime(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  const off = Math.round(offsetAt(ms, tz) / 60000);
  const sign = off < 0 ? '-' : '+';
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}T${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
}

/** The local date (`YYYY-MM-DD`) of an instant. */
export function localDate(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${w.y}-${pad(w.mo)}-${pad(w.d)}`;
}

/** The last day of the local month of an instant (a revocation's effective date, ccm-consent-4). */
export function endOfMonth(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  const last = new Date(Date.UTC(w.y, w.mo, 0)).getUTCDate();
  return `${w.y}-${pad(w.mo)}-${pad(last)}`;
}

/** An instant as an `<input type="datetime-local">` value on the practice's wall clock (`2026-11-03T09:30`). */
export function localInputValue(ms: number, tz: string): string {
  return localDateTime(ms, tz).slice(0, 16);
}

/** Parses an `<input type="datetime-local">` value as practice wall-clock time; NaN when malformed. */
export function parseLocalInput(value: string, tz: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
  return localToEpoch(y, mo, d, h, mi, s, tz);
}

/** The Condition with the clinician's attestation (ccm-chronic-condition-attestation) and the ccm-condition profile. */
export function attestedCondition(
  c: Condition,
  a: { expectedDuration: boolean; significantRisk: boolean; by: string; at: string },
): Condition {
  const ext: Extension = {
    url: EXTENSION.chronicAttestation,
    extension: [
      { url: 'expectedDuration', valueBoolean: a.expectedDuration },
      { url: 'significantRisk', valueBoolean: a.significantRisk },
      { url: 'attestedBy', valueReference: { reference: a.by } },
      { url: 'attestedOn', valueDateTime: a.at },
    ],
  };
  const profiles = new Set([...(c.meta?.profile ?? []), PROFILE.condition]);
  return {
    ...c,
    meta: { ...(c.meta ?? {}), profile: [...profiles] },
    extension: [...(c.extension ?? []).filter((e) => e.url !== EXTENSION.chronicAttestation), ext],
  };
}

/** What the consent form collects. */
export interface ConsentInput {
  patientId: string;
  method: 'verbal' | 'written';
  elements: string[];
  decision: 'accepted' | 'declined';
  practitioner: string;
  /** Who decided: the patient, or a RelatedPerson reference. */
  performer?: string;
  at: number;
  document?: Attachment;
}

/** A CCM Consent (ccm-consent): accepted → active/permit, declined → rejected/deny. */
export function consentResource(i: ConsentInput, tz: string): Consent {
  const accepted = i.decision === 'accepted';
  return {
    resourceType: 'Consent',
    meta: { profile: [PROFILE.consent] },
    extension: [
      { url: EXTENSION.consentMethod, valueCode: i.method },
      ...i.elements.map((code) => ({
        url: EXTENSION.consentElementExplained,
        valueCoding: { system: CS.consentElement, code },
      })),
    ],
    status: accepted ? 'active' : 'rejected',
    scope: { coding: [{ system: SYSTEM.consentScope, code: 'treatment' }] },
    category: [
      { coding: [{ system: SYSTEM.loinc, code: LOINC_PATIENT_CONSENT, display: 'Patient Consent' }] },
      { coding: [{ system: CS.category, code: CATEGORY.consent }] },
    ],
    patient: { reference: `Patient/${i.patientId}` },
    dateTime: localDateTime(i.at, tz),
    performer: [{ reference: i.performer ?? `Patient/${i.patientId}` }],
    policyRule: { coding: [{ system: CS.consentPolicy, code: CONSENT_POLICY.cmsCcm }] },
    ...(i.document ? { sourceAttachment: i.document } : {}),
    provision: {
      type: accepted ? 'permit' : 'deny',
      period: { start: localDate(i.at, tz) },
      actor: [
        {
          role: { coding: [{ system: PARTICIPATION_TYPE, code: BILLING_PRACTITIONER_ROLE }] },
          reference: { reference: i.practitioner },
        },
      ],
    },
  };
}

/**
 * The Consent revoked (ccm-rules.md gate 1): a revocation is its own dated fact (EXTENSION.consentRevoked, the
 * instant it was made); dateTime, when consent was obtained, never changes. Status inactive (R4
 * consent-state-codes: terminated) and provision.period.end the last day of the revocation's month, when it
 * takes effect (ccm-consent-4, ccm-consent-5).
 */
export function revokedConsent(c: Consent, at: number, tz: string): Consent {
  return {
    ...c,
    extension: [
      ...(c.extension ?? []).filter((e) => e.url !== EXTENSION.consentRevoked),
      { url: EXTENSION.consentRevoked, valueDateTime: localDateTime(at, tz) },
    ],
    status: 'inactive',
    provision: {
      ...(c.provision ?? {}),
      period: { ...(c.provision?.period ?? {}), end: endOfMonth(at, tz) },
    },
  };
}

/** What a time entry records. */
export interface TimeInput {
  patientId: string;
  practitioner: string;
  role: string;
  activity: string;
  start: number;
  end: number;
  conditions: string[];
  note?: string;
}

/** A finished block of non-face-to-face CCM time (ccm-time-entry); length in minutes with seconds as fractions. */
export function timeEntryResource(i: TimeInput, tz: string): Encounter {
  const seconds = Math.max(0, Math.floor((i.end - i.start) / 1000));
  const minutes = Math.floor((seconds / 60) * 1e6) / 1e6;
  const reasons: Reference[] = i.conditions.map((reference) => ({ reference }));
  return {
    resourceType: 'Encounter',
    meta: { profile: [PROFILE.timeEntry] },
    status: 'finished',
    class: { system: SYSTEM.actCode, code: TIME_ENTRY_CLASS, display: 'virtual' },
    type: [{ coding: [{ system: CS.activity, code: i.activity }] }],
    serviceType: { coding: [{ system: CS.program, code: 'ccm' }] },
    subject: { reference: `Patient/${i.patientId}` },
    participant: [
      {
        type: [{ coding: [{ system: CS.timeRole, code: i.role }] }],
        individual: { reference: i.practitioner },
      },
    ],
    period: { start: localDateTime(i.start, tz), end: localDateTime(i.end, tz) },
    length: { value: minutes, unit: 'min', system: SYSTEM.ucum, code: 'min' },
    ...(reasons.length ? { reasonReference: reasons } : {}),
  };
}
