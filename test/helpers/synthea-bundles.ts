/**
 * A compact, deterministic builder of Synthea-shaped patient bundles: one transaction Bundle per patient
 * with POST entries and urn:uuid fullUrls/references, over the 12 types EHR exports carry (Patient,
 * Encounter, Condition, Observation, MedicationRequest, CarePlan, Goal, Procedure, Immunization, Claim,
 * ExplanationOfBenefit). Same seed, same bundles. Used by the exchange tests and the ingest benchmark.
 */
import type { Bundle, BundleEntry, FhirResource, Reference } from 'fhir/r4.js';

/** Options of `syntheaBundles`. */
export interface SyntheaOptions {
  /** Number of patients (one Bundle each). */
  patients: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Encounters per patient (default 10). */
  encounters?: number;
  /** Index of the first patient (so that separate calls do not collide). */
  first?: number;
}

type Rand = () => number;

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(rand: Rand): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const concept = (system: string, code: string, display: string) => ({
  coding: [{ system, code, display }],
  text: display,
});

const CONDITIONS = [
  ['44054006', 'Diabetes mellitus type 2'],
  ['38341003', 'Hypertensive disorder'],
  ['13645005', 'Chronic obstructive pulmonary disease'],
  ['84114007', 'Heart failure'],
  ['709044004', 'Chronic kidney disease'],
  ['55822004', 'Hyperlipidemia'],
] as const;
const MEDS = [
  ['860975', 'metformin 500 MG Oral Tablet'],
  ['314076', 'lisinopril 10 MG Oral Tablet'],
  ['617312', 'atorvastatin 10 MG Oral Tablet'],
  ['197361', 'amlodipine 5 MG Oral Tablet'],
] as const;
const FAMILY = ['Alvarez', 'Nguyen', 'Okafor', 'Schmidt', 'Rossi', 'Kowalski', 'Haddad', 'Tanaka'];
const GIVEN = ['Maria', 'James', 'Aiko', 'Chen', 'Fatima', 'Olga', 'Samuel', 'Lucia'];

/** Builds entries for one patient; `add` appends an entry and returns its urn:uuid reference. */
class PatientBuilder {
  readonly entries: BundleEntry[] = [];

  constructor(
    private readonly rand: Rand,
    private readonly n: number,
  ) {}

  add(resource: FhirResource): Reference {
    const fullUrl = `urn:uuid:${uuid(this.rand)}`;
    this.entries.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
    return { reference: fullUrl };
  }

  day(offset: number): string {
    return new Date(Date.UTC(2024, 0, 1) + offset * 86400000).toISOString().slice(0, 10);
  }

  patient(): Reference {
    const r = this.rand;
    const family = pick(r, FAMILY);
    const given = pick(r, GIVEN);
    return this.add({
      resourceType: 'Patient',
      text: {
        status: 'generated',
        div: `<div xmlns="http://www.w3.org/1999/xhtml">${given} ${family}</div>`,
      },
      identifier: [
        { system: 'https://github.com/synthetichealth/synthea', value: uuid(r) },
        { system: 'http://hospital.smarthealthit.org', value: `MRN-${this.n}` },
      ],
      name: [{ use: 'official', family, given: [given] }],
      telecom: [{ system: 'phone', value: `555-${String(this.n).padStart(4, '0')}`, use: 'home' }],
      gender: r() < 0.5 ? 'female' : 'male',
      birthDate: `19${40 + Math.floor(r() * 20)}-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)}`,
      address: [
        { line: [`${this.n} Main St`], city: 'Springfield', state: 'MA', postalCode: '01103', country: 'US' },
      ],
      maritalStatus: concept('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', 'M', 'Married'),
      communication: [{ language: concept('urn:ietf:bcp:47', 'en-US', 'English') }],
    });
  }
}

function vital(
  b: PatientBuilder,
  subject: Reference,
  encounter: Reference,
  when: string,
  code: string,
  display: string,
  value: number,
  unit: string,
): Reference {
  return b.add({
    resourceType: 'Observation',
    status: 'final',
    category: [
      concept('http://terminology.hl7.org/CodeSystem/observation-category', 'vital-signs', 'vital-signs'),
    ],
    code: concept(LOINC, code, display),
    subject,
    encounter,
    effectiveDateTime: `${when}T09:30:00Z`,
    issued: `${when}T09:30:00.000Z`,
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  });
}

function billing(
  b: PatientBuilder,
  subject: Reference,
  encounter: Reference,
  when: string,
  dx: Reference | undefined,
): void {
  const type = concept('http://terminology.hl7.org/CodeSystem/claim-type', 'professional', 'Professional');
  const insurance = [{ sequence: 1, focal: true, coverage: { display: 'Medicare' } }];
  const item = [
    {
      sequence: 1,
      productOrService: concept(SNOMED, '185349003', 'Encounter for check up'),
      encounter: [encounter],
    },
  ];
  const claim = b.add({
    resourceType: 'Claim',
    status: 'active',
    type,
    use: 'claim',
    patient: subject,
    billablePeriod: { start: `${when}T09:00:00Z`, end: `${when}T09:45:00Z` },
    created: `${when}T09:45:00Z`,
    provider: { display: 'Springfield Primary Care' },
    priority: concept('http://terminology.hl7.org/CodeSystem/processpriority', 'normal', 'Normal'),
    insurance,
    ...(dx ? { diagnosis: [{ sequence: 1, diagnosisReference: dx }] } : {}),
    item,
    total: { value: 125.5, currency: 'USD' },
  });
  b.add({
    resourceType: 'ExplanationOfBenefit',
    status: 'active',
    type,
    use: 'claim',
    patient: subject,
    created: `${when}T09:45:00Z`,
    insurer: { display: 'Medicare' },
    provider: { display: 'Springfield Primary Care' },
    claim,
    outcome: 'complete',
    insurance: [{ focal: true, coverage: { display: 'Medicare' } }],
    item: [{ sequence: 1, productOrService: item[0].productOrService, encounter: [encounter] }],
    total: [
      {
        category: concept(
          'http://terminology.hl7.org/CodeSystem/adjudication',
          'submitted',
          'Submitted Amount',
        ),
        amount: { value: 125.5, currency: 'USD' },
      },
    ],
  });
}

/** One encounter being built: what its resources share. */
interface Visit {
  b: PatientBuilder;
  rand: Rand;
  subject: Reference;
  enc: Reference;
  when: string;
}

function diagnosis({ b, rand, subject, enc, when }: Visit): Reference {
  const [code, display] = pick(rand, CONDITIONS);
  return b.add({
    resourceType: 'Condition',
    clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
    verificationStatus: concept(
      'http://terminology.hl7.org/CodeSystem/condition-ver-status',
      'confirmed',
      'Confirmed',
    ),
    category: [
      concept(
        'http://terminology.hl7.org/CodeSystem/condition-category',
        'encounter-diagnosis',
        'Encounter Diagnosis',
      ),
    ],
    code: concept(SNOMED, code, display),
    subject,
    encounter: enc,
    onsetDateTime: `${when}T09:15:00Z`,
    recordedDate: `${when}T09:15:00Z`,
  });
}

function orders({ b, rand, subject, enc, when }: Visit, dx: Reference | undefined): void {
  if (rand() < 0.4) {
    const [code, display] = pick(rand, MEDS);
    b.add({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: concept('http://www.nlm.nih.gov/research/umls/rxnorm', code, display),
      subject,
      encounter: enc,
      authoredOn: `${when}T09:40:00Z`,
      requester: { display: 'Dr. Grace Hopper' },
      ...(dx ? { reasonReference: [dx] } : {}),
      dosageInstruction: [
        {
          sequence: 1,
          text: 'Take one tablet daily',
          timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
        },
      ],
    });
  }
  if (rand() < 0.3) {
    b.add({
      resourceType: 'Procedure',
      status: 'completed',
      code: concept(SNOMED, '430193006', 'Medication reconciliation'),
      subject,
      encounter: enc,
      performedPeriod: { start: `${when}T09:20:00Z`, end: `${when}T09:35:00Z` },
    });
  }
  if (rand() < 0.3) {
    b.add({
      resourceType: 'Immunization',
      status: 'completed',
      vaccineCode: concept(
        'http://hl7.org/fhir/sid/cvx',
        '140',
        'Influenza, seasonal, injectable, preservative free',
      ),
      patient: subject,
      encounter: enc,
      occurrenceDateTime: `${when}T09:30:00Z`,
      primarySource: true,
    });
  }
}

function encounter(
  b: PatientBuilder,
  rand: Rand,
  subject: Reference,
  k: number,
  conditions: Reference[],
): void {
  const when = b.day(k * 30 + Math.floor(rand() * 20));
  const enc = b.add({
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    type: [concept(SNOMED, '185349003', 'Encounter for check up')],
    subject,
    participant: [{ individual: { display: 'Dr. Grace Hopper' } }],
    period: { start: `${when}T09:00:00Z`, end: `${when}T09:45:00Z` },
    serviceProvider: { display: 'Springfield Primary Care' },
  });
  const visit: Visit = { b, rand, subject, enc, when };
  const dx = k % 2 === 0 ? diagnosis(visit) : undefined;
  if (dx) conditions.push(dx);
  vital(b, subject, enc, when, '8867-4', 'Heart rate', 60 + Math.floor(rand() * 40), '/min');
  vital(b, subject, enc, when, '29463-7', 'Body weight', 60 + Math.floor(rand() * 40), 'kg');
  vital(b, subject, enc, when, '39156-5', 'Body mass index', 20 + Math.floor(rand() * 15), 'kg/m2');
  vital(b, subject, enc, when, '8480-6', 'Systolic blood pressure', 110 + Math.floor(rand() * 40), 'mm[Hg]');
  orders(visit, dx);
  billing(b, subject, enc, when, dx);
}

function carePlan(b: PatientBuilder, subject: Reference, conditions: Reference[]): void {
  const addresses = conditions.slice(0, 3);
  const goals = [
    b.add({
      resourceType: 'Goal',
      lifecycleStatus: 'active',
      description: { text: 'Hemoglobin A1c below 7%' },
      subject,
      ...(addresses.length > 0 ? { addresses } : {}),
    }),
    b.add({
      resourceType: 'Goal',
      lifecycleStatus: 'active',
      description: { text: 'Systolic blood pressure below 140' },
      subject,
    }),
  ];
  b.add({
    resourceType: 'CarePlan',
    status: 'active',
    intent: 'plan',
    category: [concept(SNOMED, '734163000', 'Care plan')],
    subject,
    period: { start: b.day(0) },
    ...(addresses.length > 0 ? { addresses } : {}),
    goal: goals,
    activity: [
      {
        detail: {
          status: 'in-progress',
          code: concept(SNOMED, '698360004', 'Diabetes self management plan'),
        },
      },
    ],
  });
}

/** One transaction Bundle per patient, deterministic for a seed. */
export function syntheaBundles(opts: SyntheaOptions): Bundle[] {
  const rand = prng(opts.seed ?? 1);
  const first = opts.first ?? 0;
  const out: Bundle[] = [];
  for (let p = first; p < first + opts.patients; p++) {
    const b = new PatientBuilder(rand, p);
    const subject = b.patient();
    const conditions: Reference[] = [];
    for (let k = 0; k < (opts.encounters ?? 10); k++) encounter(b, rand, subject, k, conditions);
    carePlan(b, subject, conditions);
    out.push({ resourceType: 'Bundle', type: 'transaction', entry: b.entries });
  }
  return out;
}

/** Resources per type in a list of Bundles. */
export function countByType(bundles: Bundle[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of bundles) {
    for (const e of b.entry ?? []) {
      const t = e.resource?.resourceType as string;
      counts[t] = (counts[t] ?? 0) + 1;
    }
  }
  return counts;
}
