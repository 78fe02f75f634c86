/**
 * The benchmark dataset: a generated practice (scripts/generate) loaded into a fresh data directory, through
 * the server's transaction endpoint (`POST /fhir`, measured as the ingest scenario) or, when that endpoint
 * does not answer 200, by writing through the ResourceStore before the server starts. Keeps a sample of
 * the ids the server assigned for the read, update and search scenarios.
 */
import type { Bundle, Resource } from 'fhir/r4.js';
import { createFhirServices } from '../../server/app.js';
import { openStore } from '../../server/storage/open-store.js';
import { buildContext, type GenContext } from '../../scripts/generate/context.js';
import type { Month } from '../../scripts/generate/dates.js';
import { buildPatientRecord } from '../../scripts/generate/patient.js';
import { practiceBundle } from '../../scripts/generate/run.js';
import { Rng } from '../../scripts/generate/prng.js';

const SAMPLE_PER_TYPE = 20_000;

/** Ids known to exist on the server, sampled per type. */
export class DatasetIds {
  readonly patients: string[] = [];
  readonly ccmPatients: string[] = [];
  private readonly byType = new Map<string, string[]>();
  private readonly seen = new Map<string, number>();
  private readonly rng = new Rng(99, 0, 'ids');

  /** Records one resource id (reservoir sample per type; every Patient is kept). */
  add(type: string, id: string, ccm = false): void {
    if (type === 'Patient') {
      this.patients.push(id);
      if (ccm) this.ccmPatients.push(id);
    }
    const n = (this.seen.get(type) ?? 0) + 1;
    this.seen.set(type, n);
    let list = this.byType.get(type);
    if (!list) this.byType.set(type, (list = []));
    if (list.length < SAMPLE_PER_TYPE) list.push(id);
    else {
      const j = Math.floor(this.rng.next() * n);
      if (j < SAMPLE_PER_TYPE) list[j] = id;
    }
  }

  /** The recorded ids as JSON, to reuse a loaded dataset (`fromJson`). */
  toJson(): string {
    const byType = Object.fromEntries(this.byType);
    const seen = Object.fromEntries(this.seen);
    return JSON.stringify({ patients: this.patients, ccmPatients: this.ccmPatients, byType, seen });
  }

  /** Ids saved by `toJson`. */
  static fromJson(text: string): DatasetIds {
    const o = JSON.parse(text) as {
      patients: string[];
      ccmPatients: string[];
      byType: Record<string, string[]>;
      seen: Record<string, number>;
    };
    const ids = new DatasetIds();
    ids.patients.push(...o.patients);
    ids.ccmPatients.push(...o.ccmPatients);
    for (const [t, list] of Object.entries(o.byType)) ids.byType.set(t, list);
    for (const [t, n] of Object.entries(o.seen)) ids.seen.set(t, n);
    return ids;
  }

  /** Resources recorded per type. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.seen.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Resources recorded. */
  total(): number {
    let n = 0;
    for (const v of this.seen.values()) n += v;
    return n;
  }

  /** Sampled ids of a type. */
  of(type: string): string[] {
    return this.byType.get(type) ?? [];
  }

  /** `Type/id` pairs of every sampled type, interleaved, for mixed reads. */
  mixed(limit: number): Array<[string, string]> {
    const lists = [...this.byType.entries()].filter(
      ([t]) => !/^(Organization|Practitioner|PractitionerRole)$/.test(t),
    );
    const out: Array<[string, string]> = [];
    for (let i = 0; out.length < limit && i < SAMPLE_PER_TYPE; i++) {
      let any = false;
      for (const [t, ids] of lists) {
        if (i < ids.length && out.length < limit) {
          out.push([t, ids[i]]);
          any = true;
        }
      }
      if (!any) break;
    }
    return out;
  }
}

/** The generated practice of a benchmark dataset. */
export interface Dataset {
  patients: number;
  ctx: GenContext;
  /** Resources per type of the whole dataset (known once it has been generated). */
  byType: Record<string, number>;
  resources: number;
}

/** Builds the generation context of a dataset. */
export function datasetContext(patients: number, seed: number, endMonth: Month): GenContext {
  return buildContext({ patients, seed, ccmShare: 0.3, months: 3, endMonth, claimProfiles: false }, null);
}

/** The practice bundle, then patient bundles `from..to` (1-based, inclusive), generated on demand. */
export function* bundles(
  ctx: GenContext,
  from: number,
  to: number,
): Generator<{ n: number; bundle: Bundle; ccm: boolean }> {
  if (from === 0) yield { n: 0, bundle: practiceBundle(ctx), ccm: false };
  for (let n = Math.max(1, from); n <= to; n++) {
    const record = buildPatientRecord(ctx, n);
    yield { n, bundle: record.toTransaction(), ccm: record.entries.some((e) => e.type === 'Consent') };
  }
}

const LOCATION_RE = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\/\d+$/;

/** Records the ids of a transaction-response; returns how many entries were created (2xx). */
export function recordResponse(ids: DatasetIds, response: Bundle, ccm: boolean): number {
  let ok = 0;
  for (const e of response.entry ?? []) {
    const status = e.response?.status ?? '';
    if (!status.startsWith('2')) continue;
    ok++;
    const m = LOCATION_RE.exec(e.response?.location ?? '');
    if (m) ids.add(m[1], m[2], ccm);
  }
  return ok;
}

/** Writes the dataset straight into a data directory through the ResourceStore (no server running). */
export async function seedDirectly(ctx: GenContext, dataDir: string, ids: DatasetIds): Promise<void> {
  const store = await openStore({ dataDir });
  const services = createFhirServices({
    config: { baseUrl: 'http://127.0.0.1/fhir', bodyLimitBytes: 1 << 20 },
    store,
  });
  const put = (r: Resource) => services.resources.put(r.resourceType, r.id as string, r, { method: 'PUT' });
  try {
    for (const r of ctx.practice.resources) {
      await put(r);
      ids.add(r.resourceType, r.id as string);
    }
    for (let n = 1; n <= ctx.opts.patients; n++) {
      const record = buildPatientRecord(ctx, n);
      const ccm = record.entries.some((e) => e.type === 'Consent');
      const resources = record.toResources();
      await Promise.all(resources.map(put));
      for (const r of resources) ids.add(r.resourceType, r.id as string, ccm);
    }
  } finally {
    await store.close();
  }
}
