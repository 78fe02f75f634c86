/**
 * The capacity benchmark's dataset: generated Synthea-like patients (scripts/generate through
 * bench/support/dataset.ts: Patient, Conditions, Encounters, Observations, Claims, ExplanationOfBenefits,
 * Procedures, MedicationRequests, Immunizations, CarePlans, Goals, Consents; about 35 resources a patient)
 * written in-process into a fresh data directory through the storage seam (`services.resources.put`, the
 * same index extraction and history as a server write), in transactions of BATCH puts, with
 * `synchronous=NORMAL`. Whole patients are written until at least the target count is reached.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { createFhirServices } from '../server/app.js';
import { openStore } from '../server/storage/open-store.js';
import { buildPatientRecord } from '../scripts/generate/patient.js';
import { datasetContext } from './support/dataset.js';

/** Puts per storage transaction. */
const BATCH = 2000;
/** Resources a generated patient has on average (measured on 1,000 patients of seed 1: 35.2). */
const PER_PATIENT = 35;
/** Where a loaded directory keeps what the benchmark needs to reuse it. */
const SUMMARY_FILE = 'capacity-dataset.json';

/** A loaded dataset. */
export interface CapacityDataset {
  resources: number;
  patients: number;
  byType: Record<string, number>;
  /** Every Patient id (the patient-scoped searches pick from them). */
  patientIds: string[];
  /** `fresh` when loaded by this run, `kept` when an earlier run's directory was reused. */
  load:
    | { method: 'fresh'; seconds: number; resourcesPerSecond: number; batch: number; synchronous: 'NORMAL' }
    | { method: 'kept' };
  /** Bytes of the data directory after loading. */
  dataDirBytes: number;
}

/** Bytes of the files of a directory (not recursive: the engine keeps one database and its WAL). */
export function dirBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const s = statSync(path.join(dir, f));
    if (s.isFile()) n += s.size;
  }
  return n;
}

/** The dataset an earlier run loaded into `dir`, or null when it holds none. */
export function keptDataset(dir: string): CapacityDataset | null {
  const file = path.join(dir, SUMMARY_FILE);
  if (!existsSync(file)) return null;
  const saved = JSON.parse(readFileSync(file, 'utf8')) as CapacityDataset;
  return { ...saved, load: { method: 'kept' }, dataDirBytes: dirBytes(dir) };
}

/** Writes at least `target` generated resources into the empty data directory `dir`. */
export async function loadDataset(dir: string, target: number, seed = 1): Promise<CapacityDataset> {
  const ctx = datasetContext(Math.max(1, Math.ceil(target / PER_PATIENT)), seed, { year: 2026, month: 10 });
  const store = await openStore({ dataDir: dir, synchronous: 'NORMAL' });
  const services = createFhirServices({
    config: { baseUrl: 'http://127.0.0.1/fhir', bodyLimitBytes: 1 << 20 },
    store,
  });
  const byType: Record<string, number> = {};
  const patientIds: string[] = [];
  let written = 0;
  let patient = 0;
  let pending: Resource[] = [...ctx.practice.resources];
  const t0 = performance.now();
  const flush = async () => {
    const batch = pending;
    pending = [];
    await store.transaction(async (tx) => {
      for (const r of batch) {
        await services.resources.put(r.resourceType, r.id as string, r, { method: 'PUT', tx });
      }
    });
    written += batch.length;
    for (const r of batch) byType[r.resourceType] = (byType[r.resourceType] ?? 0) + 1;
  };
  try {
    while (written + pending.length < target) {
      const resources = buildPatientRecord(ctx, ++patient).toResources();
      const patientResource = resources.find((r) => r.resourceType === 'Patient');
      if (patientResource?.id) patientIds.push(patientResource.id);
      pending.push(...resources);
      if (pending.length >= BATCH) await flush();
      if (patient % 2000 === 0) progress(written, target, t0);
    }
    if (pending.length > 0) await flush();
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const dataset: CapacityDataset = {
    resources: written,
    patients: patient,
    byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b))),
    patientIds,
    load: {
      method: 'fresh',
      seconds: Math.round(seconds * 10) / 10,
      resourcesPerSecond: Math.round(written / seconds),
      batch: BATCH,
      synchronous: 'NORMAL',
    },
    dataDirBytes: dirBytes(dir),
  };
  writeFileSync(path.join(dir, SUMMARY_FILE), JSON.stringify(dataset));
  return dataset;
}

function progress(written: number, target: number, t0: number): void {
  const s = (performance.now() - t0) / 1000;
  process.stderr.write(
    `  loaded ${written} / ${target} resources in ${s.toFixed(0)} s (${Math.round(written / s)}/s)\n`,
  );
}
