/**
 * One synthetic patient as a transaction Bundle: demographics, chronic conditions drawn with their 65+
 * prevalence, visits with vitals/labs/procedures/claims, medications, care plans, immunizations and, for the
 * enrolled share, the CCM resources. The output depends only on (seed, patient number, options).
 */
import type { Condition, Extension, Patient } from 'fhir/r4.js';
import { EXTENSION, PROFILE, SYSTEM } from '../../server/ccm/vocabulary.js';
import { AGE_BANDS, CONDITIONS, UNDER_65_FACTOR, type ConditionSpec } from './codes.js';
import { days, type GenContext } from './context.js';
import { ageAt, DAY_MS, isoDate, isoInstant } from './dates.js';
import { CITIES, FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN, RACES, STREETS } from './names.js';
import { Rng } from './prng.js';
import { BundleRecord } from './record.js';
import { concept, ref, type PatientState } from './state.js';
import { addCcm, planCcm } from './ccm.js';
import { addImmunizations, addMedications, addConditionCarePlans } from './treatments.js';
import { addVisits } from './visits.js';

const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition';
const OMB = 'urn:oid:2.16.840.1.113883.6.238';

function ombExtension(url: string, code: string, display: string): Extension {
  return {
    url: `${US_CORE}/${url}`,
    extension: [
      { url: 'ombCategory', valueCoding: { system: OMB, code, display } },
      { url: 'text', valueString: display },
    ],
  };
}

function patientResource(state: PatientState, n: number): Patient {
  const { rng, ctx } = state;
  const race = rng.weighted(RACES, (r) => r.share);
  const hispanic = rng.chance(0.07);
  const place = rng.pick(CITIES);
  const married = rng.weighted(
    ['M', 'W', 'D', 'S'] as const,
    (c) => ({ M: 0.55, W: 0.28, D: 0.12, S: 0.05 })[c],
  );
  const maritalDisplay = { M: 'Married', W: 'Widowed', D: 'Divorced', S: 'Never Married' }[married];
  return {
    resourceType: 'Patient',
    extension: [
      ombExtension('us-core-race', race.code, race.display),
      ombExtension(
        'us-core-ethnicity',
        hispanic ? '2135-2' : '2186-5',
        hispanic ? 'Hispanic or Latino' : 'Not Hispanic or Latino',
      ),
      { url: `${US_CORE}/us-core-birthsex`, valueCode: state.female ? 'F' : 'M' },
    ],
    identifier: [
      {
        use: 'usual',
        type: concept('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR', 'Medical record number'),
        system: 'http://ccm-fhir.org/fhir/sid/synthetic-mrn',
        value: `S${ctx.opts.seed}-${n}`,
      },
    ],
    active: true,
    name: [
      {
        use: 'official',
        family: rng.pick(FAMILY_NAMES),
        given: [rng.pick(state.female ? FEMALE_GIVEN : MALE_GIVEN)],
        prefix: [state.female ? 'Mrs.' : 'Mr.'],
      },
    ],
    telecom: [{ system: 'phone', value: `555-01${String(rng.int(10, 99))}`, use: 'home' }],
    gender: state.female ? 'female' : 'male',
    birthDate: isoDate(state.birthMs),
    address: [
      {
        use: 'home',
        line: [`${rng.int(10, 2999)} ${rng.pick(STREETS)}`],
        city: place.city,
        state: 'IL',
        postalCode: place.postalCode,
        country: 'US',
      },
    ],
    maritalStatus: concept('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', married, maritalDisplay),
    communication: [{ language: concept('urn:ietf:bcp:47', 'en-US', 'English (United States)') }],
    generalPractitioner: [ref(state.pcp.ref)],
    managingOrganization: ref(ctx.practice.orgRef),
  };
}

/** Draws the chronic conditions of a patient of a given age (independent draws at the table's prevalence). */
export function drawConditions(rng: Rng, age: number): ConditionSpec[] {
  const factor = age >= 65 ? 1 : UNDER_65_FACTOR;
  return CONDITIONS.filter((c) => rng.chance(c.prevalence65 * factor));
}

function attestation(state: PatientState): Extension {
  const ccm = state.ccm as NonNullable<PatientState['ccm']>;
  return {
    url: EXTENSION.chronicAttestation,
    extension: [
      { url: 'expectedDuration', valueBoolean: true },
      { url: 'significantRisk', valueBoolean: true },
      { url: 'attestedBy', valueReference: ref(state.pcp.ref) },
      { url: 'attestedOn', valueDateTime: isoInstant(ccm.initiatingVisitMs + 20 * 60_000) },
    ],
  };
}

function addConditions(state: PatientState, specs: ConditionSpec[]): void {
  const { rng } = state;
  const hi = state.historyStart - days(30);
  const lo = Math.max(state.birthMs + days(365 * 42), state.ctx.asOf - days(365 * 25));
  for (const spec of specs) {
    const onsetMs = rng.int(Math.min(lo, hi - days(365)), hi);
    const onset = isoDate(Math.floor(onsetMs / DAY_MS) * DAY_MS);
    const condition: Condition = {
      resourceType: 'Condition',
      ...(state.ccm && state.ctx.opts.claimProfiles ? { meta: { profile: [PROFILE.condition] } } : {}),
      ...(state.ccm ? { extension: [attestation(state)] } : {}),
      clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'),
      verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed'),
      category: [
        concept(
          'http://terminology.hl7.org/CodeSystem/condition-category',
          'problem-list-item',
          'Problem List Item',
        ),
      ],
      code: {
        coding: [
          { system: SYSTEM.snomed, ...spec.snomed },
          { system: SYSTEM.icd10cm, ...spec.icd10 },
        ],
        text: spec.snomed.display.replace(/ \((disorder|finding)\)$/, ''),
      },
      subject: state.patient,
      onsetDateTime: onset,
      recordedDate: onset,
      recorder: ref(state.pcp.ref),
    };
    state.conditions.push({ spec, ref: state.record.add(condition), onsetMs });
  }
}

function drawAge(rng: Rng): number {
  const band = rng.weighted(AGE_BANDS, (b) => b.share);
  return rng.int(band.min, band.max);
}

/** Generates patient number `n` (1-based) of the practice. */
export function buildPatientRecord(ctx: GenContext, n: number): BundleRecord {
  const rng = new Rng(ctx.opts.seed, n, 'patient');
  const record = new BundleRecord(rng);
  const female = rng.chance(0.56);
  const targetAge = drawAge(rng);
  const birthMs =
    Math.floor((ctx.asOf - days(365.25 * targetAge) - rng.int(0, 364) * DAY_MS) / DAY_MS) * DAY_MS;
  const state: PatientState = {
    ctx,
    rng,
    record,
    patient: { reference: '' },
    birthMs,
    age: ageAt(birthMs, ctx.asOf),
    female,
    heightCm: rng.normal(female ? 161 : 175, 7, 140, 200),
    weightKg: rng.normal(female ? 74 : 87, 14, 42, 160),
    pcp: ctx.practice.physicians[(n - 1) % ctx.practice.physicians.length],
    historyStart: ctx.historyStart,
    conditions: [],
    visits: [],
    ccm: null,
  };
  state.patient = record.add(patientResource(state, n));
  const specs = drawConditions(rng, state.age);
  if (specs.length >= 2 && rng.chance(ctx.enrolIfEligible)) state.ccm = planCcm(state);
  addConditions(state, specs);
  addVisits(state);
  addMedications(state);
  addConditionCarePlans(state);
  addImmunizations(state);
  if (state.ccm) addCcm(state);
  return record;
}
