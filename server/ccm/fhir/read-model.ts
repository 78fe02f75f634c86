/**
 * The practice-wide read model behind $ccm-billing-report and the dashboard. Its first use loads each
 * CCM-relevant resource type in bulk, with one query per type (the month's time entries by the indexed
 * Encounter date, CCM consents and care plans by the indexed category, current conditions by the indexed
 * clinical status), and keeps the compact records in memory. Every later use asks each collection only for
 * what changed since (the indexed `lu` = meta.lastUpdated), re-reading a safety margin so that a write
 * committed late or stamped by a slightly different clock is not missed, and reports which patients
 * changed. The store stays the source of truth (any number of server processes may write).
 */
import type { Resource } from 'fhir/r4.js';
import type { FhirServices } from '../../fhir/services.js';
import type { ResourceDoc } from '../../fhir/resource-store.js';
import type { Where } from '../../storage/repository.js';

/** The only fields of a stored document the model reads (the engine then copies nothing else). */
const FIELDS = 'resource' as const;

/** Longest the model holds the event loop while it applies loaded documents. */
const APPLY_SLICE_MS = 8;

/** Applies `docs` in slices of at most APPLY_SLICE_MS, yielding between them (a warm-up reads 100,000s). */
async function applySliced<T>(docs: readonly T[], apply: (doc: T) => void): Promise<void> {
  let slice = performance.now();
  for (const doc of docs) {
    apply(doc);
    if (performance.now() - slice > APPLY_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
  }
}

/** How far before the previous refresh each refresh looks again, in milliseconds. */
export const REFRESH_MARGIN_MS = 5000;

/** Reads one resource into a compact value for one patient, or undefined when it is not relevant. */
export type Reader<T> = (resource: Resource) => { patient: string; value: T } | undefined;

/** One cached value. */
export interface Slot<T> {
  vid: number;
  patient: string;
  value: T;
}

/** A window [lo, hi) of epoch ms whose resources are loaded. */
type Range = [number, number];

/**
 * The cached records of one resource type (optionally of some date windows only). `load` adds a window by a
 * bulk query; `refresh` applies every change since the previous refresh. `onChange(patient)` hears of every
 * patient whose values changed.
 */
export class TypeView<T> {
  readonly slots = new Map<string, Slot<T>>();
  /** patient → ids of its slots. */
  readonly byPatient = new Map<string, Set<string>>();
  private readonly ranges: Range[] = [];
  private since: string | undefined;
  private loadedAll = false;

  constructor(
    readonly type: string,
    private readonly read: Reader<T>,
    private readonly onChange: (patient: string) => void,
    /** The instant a value is filed under, for windowed views. */
    private readonly instantOf?: (value: T) => number | undefined,
  ) {}

  /** Whether a value belongs to a loaded window (always true for an unwindowed view). */
  private inWindow(value: T): boolean {
    if (!this.instantOf) return true;
    const t = this.instantOf(value);
    return t !== undefined && this.ranges.some(([lo, hi]) => t >= lo && t < hi);
  }

  private remove(id: string): void {
    const held = this.slots.get(id);
    if (!held) return;
    this.slots.delete(id);
    this.byPatient.get(held.patient)?.delete(id);
    this.onChange(held.patient);
  }

  /** Applies one stored document (a new version, a tombstone, or a resource that stopped being relevant). */
  private apply(doc: ResourceDoc): void {
    const held = this.slots.get(doc._id);
    if (held && held.vid >= doc.vid) return;
    const read = doc.deleted || !doc.resource ? undefined : this.read(doc.resource);
    this.remove(doc._id);
    if (!read || !this.inWindow(read.value)) return;
    this.slots.set(doc._id, { vid: doc.vid, ...read });
    let ids = this.byPatient.get(read.patient);
    if (!ids) {
      ids = new Set();
      this.byPatient.set(read.patient, ids);
    }
    ids.add(doc._id);
    this.onChange(read.patient);
  }

  /** Applies the changes since the previous refresh; `now` is the store clock's current instant. */
  async refresh(services: FhirServices, now: Date): Promise<void> {
    const startedAt = now.toISOString();
    if (this.since !== undefined) {
      const from = new Date(Date.parse(this.since) - REFRESH_MARGIN_MS).toISOString();
      const changed = await services.resources.find(
        this.type,
        { kind: 'updated', gte: from },
        { fields: FIELDS, includeDeleted: true },
      );
      await applySliced(changed, (doc) => this.apply(doc));
    }
    this.since = startedAt;
  }

  /** Loads everything the filter selects (once for an unwindowed view, once per new window otherwise). */
  async load(services: FhirServices, filter: Where, range?: Range): Promise<void> {
    if (range ? this.covers(range) : this.loadedAll) return;
    if (range) this.ranges.push(range);
    else this.loadedAll = true;
    const docs = await services.resources.find(this.type, filter, { fields: FIELDS });
    await applySliced(docs, (doc) => this.apply(doc));
  }

  /** Whether a window is inside one already loaded. */
  private covers([lo, hi]: Range): boolean {
    return this.ranges.some(([a, b]) => a <= lo && hi <= b);
  }

  /** The values of one patient. */
  valuesOf(patient: string): T[] {
    const out: T[] = [];
    for (const id of this.byPatient.get(patient) ?? []) {
      const slot = this.slots.get(id);
      if (slot) out.push(slot.value);
    }
    return out;
  }
}
