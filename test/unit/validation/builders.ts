/** Minimal valid resources and helpers for the hand-written validation cases. */

export type Json = Record<string, unknown>;

/** [name, resource, expected error [expression, code] pairs, expectedType?] */
export type Case = [string, unknown, [string, string][], string?];

/** A Patient (no element is required). */
export const patient = (extra: Json = {}): Json => ({ resourceType: 'Patient', ...extra });
/** A minimal valid Condition. */
export const condition = (extra: Json = {}): Json => ({
  resourceType: 'Condition',
  subject: { reference: 'Patient/p1' },
  ...extra,
});
/** A minimal valid Encounter. */
export const encounter = (extra: Json = {}): Json => ({
  resourceType: 'Encounter',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
  ...extra,
});
/** A minimal valid CarePlan. */
export const carePlan = (extra: Json = {}): Json => ({
  resourceType: 'CarePlan',
  status: 'active',
  intent: 'plan',
  subject: { reference: 'Patient/p1' },
  ...extra,
});
/** A minimal valid Observation. */
export const observation = (extra: Json = {}): Json => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  ...extra,
});
/** A Patient with one extension. */
export const ext = (value: Json): Json => patient({ extension: [{ url: 'http://example.org/x', ...value }] });
/** A copy without one key. */
export const without = (obj: Json, key: string): Json =>
  Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));
/** 2 MB: over the R4 1 MB string limit. */
export const TWO_MB = 'x'.repeat(2 * 1024 * 1024);
/** A valid urn:uuid. */
export const UUID = 'urn:uuid:6d7c8f2a-1b2c-4d3e-9f00-aabbccddeeff';
