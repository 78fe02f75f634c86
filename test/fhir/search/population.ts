/**
 * A generated CCM population for scale tests and benchmarks: N patients, each with `conditions` chronic
 * Conditions, `encounters` CCM time-entry Encounters spread over 2025-2026 and `carePlans` CarePlans (the
 * first active, the others completed). Documents are built with the real index extraction and inserted
 * directly into the current-version collections (no HTTP, no history), in batches.
 */
import type { CarePlan, Condition, Encounter, Patient, Resource } from 'fhir/r4.js';
import type { ResourceDoc } from '../../../server/fhir/resource-store.js';
import type { FhirServices } from '../../../server/fhir/services.js';
import { extractIndex } from '../../../server/fhir/search/extract.js';

/** How much to generate per patient. */
export interface PopulationShape {
  conditions: number;
  encounters: number;
  carePlans: number;
}

/** The shape of acceptance 4: about 10 Conditions and 10 Encounters per patient, and a CarePlan. */
export const CCM_SHAPE: PopulationShape = { conditions: 10, encounters: 10, carePlans: 1 };

const SNOMED = 'http://snomed.info/sct';
const CHRONIC = [
  '44054006',
  '38341003',
  '13645005',
  '195967001',
  '84114007',
  '709044004',
  '35489007',
  '414916001',
];
const LAST_UPDATED = '2026-06-01T00:00:00.000Z';
const BATCH = 5000;

/** The id of patient `i`. */
export const patientId = (i: number): string => `p${i}`;

function patient(i: number): Patient {
  return {
    resourceType: 'Patient',
    id: patientId(i),
    identifier: [{ system: 'urn:mrn', value: `MRN-${i}` }],
    name: [{ family: `Family${i % 997}`, given: [`Given${i % 389}`] }],
    gender: i % 2 === 0 ? 'female' : 'male',
    birthDate: `19${40 + (i % 50)}-0${1 + (i % 9)}-1${i % 9}`,
  };
}

function condition(i: number, k: number): Condition {
  const code = CHRONIC[(i + k) % CHRONIC.length];
  return {
    resourceType: 'Condition',
    id: `${patientId(i)}-c${k}`,
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' },
        ],
      },
    ],
    code: { coding: [{ system: SNOMED, code }] },
    subject: { reference: `Patient/${patientId(i)}` },
    onsetDateTime: `20${10 + (k % 10)}-0${1 + (k % 9)}-15`,
    recordedDate: '2024-03-01',
  };
}

/** Encounter `k` of patient `i`: 20 minutes on a day of 2025-2026 (k spreads them over 24 months). */
function encounter(i: number, k: number): Encounter {
  const month = (i * 7 + k * 5) % 24;
  const year = 2025 + Math.floor(month / 12);
  const mm = String((month % 12) + 1).padStart(2, '0');
  const dd = String(1 + ((i + k) % 28)).padStart(2, '0');
  return {
    resourceType: 'Encounter',
    id: `${patientId(i)}-e${k}`,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
    subject: { reference: `Patient/${patientId(i)}` },
    period: { start: `${year}-${mm}-${dd}T10:00:00Z`, end: `${year}-${mm}-${dd}T10:20:00Z` },
    length: { value: 20, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' },
  };
}

function carePlan(i: number, k: number): CarePlan {
  return {
    resourceType: 'CarePlan',
    id: `${patientId(i)}-cp${k}`,
    status: k === 0 ? 'active' : 'completed',
    intent: 'plan',
    subject: { reference: `Patient/${patientId(i)}` },
    period: { start: `202${4 + (k % 3)}-01-01` },
    addresses: [{ reference: `Condition/${patientId(i)}-c0` }],
  };
}

/** The resources of patient `i`. */
export function patientResources(i: number, shape: PopulationShape): Resource[] {
  const out: Resource[] = [patient(i)];
  for (let k = 0; k < shape.conditions; k++) out.push(condition(i, k));
  for (let k = 0; k < shape.encounters; k++) out.push(encounter(i, k));
  for (let k = 0; k < shape.carePlans; k++) out.push(carePlan(i, k));
  return out;
}

/** The stored document of a generated resource, indexed by the real extraction. */
export function toStoredDoc(services: FhirServices, resource: Resource): ResourceDoc {
  const stored = { ...resource, meta: { versionId: '1', lastUpdated: LAST_UPDATED } } as Resource;
  const { sp, comp } = extractIndex(services.registry, stored, { baseUrl: services.baseUrl });
  return { _id: resource.id as string, vid: 1, lu: LAST_UPDATED, resource: stored, sp, comp };
}

/** Generates patients [from, to) into the store. */
export async function generatePopulation(
  services: FhirServices,
  to: number,
  shape: PopulationShape = CCM_SHAPE,
  from = 0,
): Promise<void> {
  const pending = new Map<string, ResourceDoc[]>();
  const flush = async (type: string, docs: ResourceDoc[]) => {
    await services.store.transaction(async (tx) => {
      for (const d of docs)
        await services.resources.put(type, d._id, d.resource as Resource, { method: 'PUT', tx });
    });
  };
  for (let i = from; i < to; i++) {
    for (const r of patientResources(i, shape)) {
      const list = pending.get(r.resourceType) ?? [];
      list.push(toStoredDoc(services, r));
      pending.set(r.resourceType, list);
      if (list.length >= BATCH) {
        await flush(r.resourceType, list);
        pending.set(r.resourceType, []);
      }
    }
  }
  for (const [type, docs] of pending) if (docs.length > 0) await flush(type, docs);
}
