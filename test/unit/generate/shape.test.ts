/**
 * Shape of the generated bundles: valid base R4, every reference resolves within its bundle or to the
 * practice bundle, and the CCM resources carry exactly what the billing engine reads.
 */
import type { Bundle, CarePlan, Condition, Consent, Encounter, Extension, Resource } from 'fhir/r4.js';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { createBaseValidator } from '../../../server/fhir/validation/base-validator.js';
import {
  CATEGORY,
  CONSENT_ELEMENT,
  CS,
  EXTENSION,
  LOINC_PATIENT_CONSENT,
  SYSTEM,
} from '../../../server/ccm/vocabulary.js';
import { practiceBundle } from '../../../scripts/generate/run.js';
import { context, entriesOf, patientBundles, referencesIn } from './helpers.js';

const ctx = context(300);
const bundles = [...patientBundles(ctx)];
const practice = practiceBundle(ctx);
const practiceIds = new Set(entriesOf(practice).map((e) => `${e.resource.resourceType}/${e.resource.id}`));

const has = (
  cc: { coding?: Array<{ system?: string; code?: string }> } | undefined,
  system: string,
  code: string,
) => (cc?.coding ?? []).some((c) => c.system === system && c.code === code);
const ofType = <T extends Resource>(b: Bundle, type: T['resourceType']) =>
  entriesOf(b).flatMap((e) => (e.resource.resourceType === type ? [e.resource as T] : []));
const ext = (r: { extension?: Extension[] }, url: string) => (r.extension ?? []).filter((e) => e.url === url);

describe('generated bundles', () => {
  it('are transaction bundles of POST entries (practice: PUT) that validate against base R4', () => {
    const validator = createBaseValidator(loadR4Definitions());
    for (const b of [practice, ...bundles]) {
      expect(b.type).toBe('transaction');
      const errors = validator.validate(b, { expectedType: 'Bundle' }).filter((i) => i.severity === 'error');
      expect(errors).toEqual([]);
    }
    for (const e of practice.entry ?? []) expect(e.request?.method).toBe('PUT');
    for (const e of bundles.flatMap((b) => b.entry ?? [])) {
      expect(e.request).toEqual({ method: 'POST', url: e.resource?.resourceType });
      expect(e.fullUrl).toMatch(
        /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });

  it('resolve every reference within the bundle or to the practice bundle', () => {
    const types = new Set<string>();
    for (const b of bundles) {
      const local = new Set(entriesOf(b).map((e) => e.fullUrl));
      for (const r of referencesIn(b)) {
        expect(local.has(r) || practiceIds.has(r)).toBe(true);
      }
      for (const e of entriesOf(b)) types.add(e.resource.resourceType);
    }
    for (const r of referencesIn(practice)) expect(practiceIds.has(r)).toBe(true);
    expect([...types].sort()).toEqual(
      [
        'CarePlan',
        'Claim',
        'Condition',
        'Consent',
        'Encounter',
        'ExplanationOfBenefit',
        'Goal',
        'Immunization',
        'MedicationRequest',
        'Observation',
        'Patient',
        'Procedure',
      ].sort(),
    );
  });

  it('give CCM patients a consent, a care plan, attested conditions, an initiating visit and time entries', () => {
    const ccmBundles = bundles.filter((b) => ofType<Consent>(b, 'Consent').length > 0);
    expect(ccmBundles.length).toBeGreaterThan(50);
    for (const b of ccmBundles) checkCcmBundle(b);
  });
});

function checkCcmBundle(b: Bundle): void {
  const [consent] = ofType<Consent>(b, 'Consent');
  checkConsent(consent);
  const conditions = ofType<Condition>(b, 'Condition');
  expect(conditions.length).toBeGreaterThanOrEqual(2);
  for (const c of conditions) checkAttestation(c);
  const plans = ofType<CarePlan>(b, 'CarePlan').filter((p) =>
    p.category?.some((c) => has(c, CS.category, CATEGORY.carePlan)),
  );
  expect(plans).toHaveLength(1);
  checkCarePlan(plans[0], b);
  const encounters = ofType<Encounter>(b, 'Encounter');
  const consentAt = Date.parse(consent.dateTime as string);
  const initiating = encounters.filter(
    (e) => e.class.code === 'AMB' && e.type?.[0].text === 'CCM initiating visit',
  );
  expect(initiating).toHaveLength(1);
  expect(has(initiating[0].type?.[0], SYSTEM.cpt, '99214')).toBe(true);
  expect(initiating[0].participant?.[0].individual?.reference).toBe(
    consent.provision?.actor?.[0].reference.reference,
  );
  const visitAt = Date.parse(initiating[0].period?.start as string);
  expect(visitAt).toBeLessThanOrEqual(consentAt);
  expect(consentAt - visitAt).toBeLessThan(366 * 86_400_000);
  for (const e of encounters.filter((x) => x.class.code === 'VR')) checkTimeEntry(e, consentAt);
}

function checkConsent(c: Consent): void {
  expect(c.status).toBe('active');
  expect(has(c.scope, SYSTEM.consentScope, 'treatment')).toBe(true);
  expect(c.category.some((x) => has(x, SYSTEM.loinc, LOINC_PATIENT_CONSENT))).toBe(true);
  expect(c.category.some((x) => has(x, CS.category, CATEGORY.consent))).toBe(true);
  expect(c.patient?.reference).toMatch(/^urn:uuid:/);
  expect(has(c.policyRule, CS.consentPolicy, 'cms-ccm')).toBe(true);
  const [method] = ext(c, EXTENSION.consentMethod);
  expect(['verbal', 'written']).toContain(method.valueCode);
  expect(Boolean(c.sourceAttachment)).toBe(method.valueCode === 'written');
  const explained = ext(c, EXTENSION.consentElementExplained).map((e) => e.valueCoding?.code);
  expect(explained.sort()).toEqual(Object.values(CONSENT_ELEMENT).sort());
  expect(c.provision?.type).toBe('permit');
  expect(c.provision?.period?.start).toBe(c.dateTime);
  const actor = c.provision?.actor?.[0];
  expect(has(actor?.role, 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'PPRF')).toBe(true);
  expect(actor?.reference.reference).toMatch(/^Practitioner\/gen-md-\d+$/);
}

function checkAttestation(c: Condition): void {
  const [att] = ext(c, EXTENSION.chronicAttestation);
  const sub = Object.fromEntries((att.extension ?? []).map((e) => [e.url, e]));
  expect(sub.expectedDuration.valueBoolean).toBe(true);
  expect(sub.significantRisk.valueBoolean).toBe(true);
  expect(sub.attestedBy.valueReference?.reference).toMatch(/^Practitioner\//);
  expect(sub.attestedOn.valueDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  expect(c.code?.coding?.map((x) => x.system)).toEqual([SYSTEM.snomed, SYSTEM.icd10cm]);
}

function checkCarePlan(p: CarePlan, b: Bundle): void {
  expect(p.status).toBe('active');
  expect(p.intent).toBe('plan');
  expect(
    p.category?.some((c) =>
      has(c, 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category', 'assess-plan'),
    ),
  ).toBe(true);
  expect(p.author?.reference).toMatch(/^Practitioner\/gen-md-/);
  expect(p.period?.start).toBeDefined();
  expect(p.text?.div).toContain('<div xmlns="http://www.w3.org/1999/xhtml">');
  const urls = new Map(entriesOf(b).map((e) => [e.fullUrl, e.resource.resourceType]));
  expect((p.addresses ?? []).length).toBeGreaterThanOrEqual(2);
  for (const a of p.addresses ?? []) expect(urls.get(a.reference as string)).toBe('Condition');
  expect((p.goal ?? []).length).toBeGreaterThanOrEqual(1);
  for (const g of p.goal ?? []) expect(urls.get(g.reference as string)).toBe('Goal');
  expect(ext(p, EXTENSION.nextReview)[0].valueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  const copy = ext(p, EXTENSION.patientCopy)[0].extension ?? [];
  expect(copy.map((e) => e.url)).toEqual(['date', 'method']);
  expect(ext(p, EXTENSION.substantialRevision).length).toBeGreaterThanOrEqual(1);
}

function checkTimeEntry(e: Encounter, consentAt: number): void {
  expect(e.status).toBe('finished');
  expect(e.class).toMatchObject({ system: SYSTEM.actCode, code: 'VR' });
  expect(e.type?.[0].coding?.[0].system).toBe(CS.activity);
  expect(has(e.serviceType, CS.program, 'ccm')).toBe(true);
  const p = e.participant?.[0];
  const role = p?.type?.[0].coding?.[0];
  expect(role?.system).toBe(CS.timeRole);
  expect(['clinical-staff', 'billing-practitioner']).toContain(role?.code);
  expect(p?.individual?.reference).toMatch(/^Practitioner\//);
  const start = Date.parse(e.period?.start as string);
  const seconds = (Date.parse(e.period?.end as string) - start) / 1000;
  expect(start).toBeGreaterThan(consentAt);
  expect(seconds).toBeGreaterThanOrEqual(300);
  expect(seconds).toBeLessThanOrEqual(1500);
  expect(e.length).toEqual({
    value: Math.floor((seconds * 100) / 60) / 100,
    unit: 'min',
    system: SYSTEM.ucum,
    code: 'min',
  });
  expect((e.reasonReference ?? []).length).toBeGreaterThanOrEqual(1);
}
