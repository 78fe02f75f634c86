/**
 * The resources of one transaction Bundle while they are generated: each added resource gets a
 * `urn:uuid:` full URL drawn from the patient's random stream, and the record serialises itself as a FHIR
 * transaction Bundle (POST entries, `urn:uuid:` references) or as NDJSON lines (ids set, references
 * rewritten to `Type/id`, the Bulk Data form).
 */
import type { Bundle, BundleEntry, Reference, Resource } from 'fhir/r4.js';
import type { Rng } from './prng.js';

/** One generated resource; `resource` has no id (the server assigns one on POST). */
export interface GeneratedEntry {
  type: string;
  uuid: string;
  resource: Resource;
}

/** How an entry is sent in the transaction. */
export interface EntryRequest {
  method: 'POST' | 'PUT';
  /** For PUT: `Type/id`. */
  url?: string;
}

const URN_REF_RE = /"urn:uuid:([0-9a-f-]{36})"/g;

/** Accumulates the resources of one Bundle. */
export class BundleRecord {
  readonly entries: GeneratedEntry[] = [];
  private readonly typeOf = new Map<string, string>();

  constructor(private readonly rng: Rng) {}

  /** Adds a resource and returns a Reference to it (`urn:uuid:`). */
  add(resource: Resource): Reference {
    const uuid = this.rng.uuid();
    this.entries.push({ type: resource.resourceType, uuid, resource });
    this.typeOf.set(uuid, resource.resourceType);
    return { reference: `urn:uuid:${uuid}` };
  }

  /** The record as a transaction Bundle of POST entries. */
  toTransaction(): Bundle {
    const entry: BundleEntry[] = this.entries.map((e) => ({
      fullUrl: `urn:uuid:${e.uuid}`,
      resource: e.resource,
      request: { method: 'POST', url: e.type },
    }));
    return { resourceType: 'Bundle', type: 'transaction', entry };
  }

  /** One NDJSON line per resource (no trailing newline), grouped by resource type in entry order. */
  toNdjson(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const e of this.entries) {
      const { resourceType, ...rest } = e.resource;
      const json = JSON.stringify({ resourceType, id: e.uuid, ...rest });
      const line = json.replace(URN_REF_RE, (m, uuid: string) => {
        const type = this.typeOf.get(uuid);
        return type ? `"${type}/${uuid}"` : m;
      });
      let lines = out.get(e.type);
      if (!lines) out.set(e.type, (lines = []));
      lines.push(line);
    }
    return out;
  }

  /** The resources with ids and `Type/id` references (for loading a store directly). */
  toResources(): Resource[] {
    const out: Resource[] = [];
    for (const lines of this.toNdjson().values()) for (const l of lines) out.push(JSON.parse(l) as Resource);
    return out;
  }
}

/** A transaction Bundle of PUT entries with fixed ids (the shared practice resources). */
export function putTransaction(resources: Resource[], rng: Rng): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({
      fullUrl: `urn:uuid:${rng.uuid()}`,
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id as string}` },
    })),
  };
}
