/**
 * Units of import: each is one transaction Bundle sent in one request, so that it loads whole or not at
 * all (R4 http.html#transaction). A transaction Bundle is sent as is; a batch or collection Bundle becomes
 * a transaction (entries with an id are PUT to keep it, the others POSTed with their fullUrl so that
 * references to them are resolved); creates with a urn:uuid fullUrl become PUTs to that uuid (stable-ids.ts);
 * NDJSON lines are grouped into transactions of PUTs.
 */
import type { Bundle, BundleEntry, FhirResource } from 'fhir/r4.js';
import { ndjsonLines, type Source } from './sources.js';
import { withStableIds } from './stable-ids.js';

/** One transaction to send, and how to name its entries in messages. */
export interface Unit {
  bundle: Bundle;
  resources: number;
  /** "entry 3" in a Bundle file, "line 17" in an NDJSON file. */
  where(entry: number): string;
}

/** A problem in the input itself (the server was not asked). */
export class InputError extends Error {}

function requestFor(resource: FhirResource): BundleEntry['request'] {
  return resource.id
    ? { method: 'PUT', url: `${resource.resourceType}/${encodeURIComponent(resource.id)}` }
    : { method: 'POST', url: resource.resourceType };
}

function asResource(value: unknown): FhirResource | null {
  const r = value as { resourceType?: unknown } | null;
  return typeof r === 'object' && r !== null && typeof r.resourceType === 'string'
    ? (value as FhirResource)
    : null;
}

/** The transaction for the content of a `.json` file. */
export function bundleUnit(json: unknown): Unit {
  const b = json as Bundle;
  if (b?.resourceType !== 'Bundle')
    throw new InputError(`not a Bundle (resourceType ${JSON.stringify(b?.resourceType)})`);
  const entries = b.entry ?? [];
  const where = (i: number) =>
    `entry ${i}${entries[i]?.resource ? ` (${entries[i].resource?.resourceType})` : ''}`;
  if (b.type === 'transaction') return { bundle: withStableIds(b), resources: entries.length, where };
  if (b.type !== 'batch' && b.type !== 'collection') {
    throw new InputError(
      `Bundle.type ${JSON.stringify(b.type)}: only transaction, batch and collection Bundles are imported`,
    );
  }
  const converted = entries.map((e, i): BundleEntry => {
    if (e.request) return e;
    const resource = asResource(e.resource);
    if (!resource) throw new InputError(`${where(i)} has no resource`);
    return { ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}), resource, request: requestFor(resource) };
  });
  return {
    bundle: withStableIds({ resourceType: 'Bundle', type: 'transaction', entry: converted }),
    resources: entries.length,
    where,
  };
}

/** Transactions of up to `chunk` resources from an NDJSON file; unparsable lines are reported, not sent. */
export async function* ndjsonUnits(
  src: Source,
  chunk: number,
  bad: (line: number, message: string) => void,
): AsyncGenerator<Unit> {
  let entries: BundleEntry[] = [];
  let lines: number[] = [];
  const flush = (): Unit => {
    const at = lines;
    const unit: Unit = {
      bundle: { resourceType: 'Bundle', type: 'transaction', entry: entries },
      resources: entries.length,
      where: (i) => `line ${at[i] ?? '?'}`,
    };
    entries = [];
    lines = [];
    return unit;
  };
  for await (const { line, text } of ndjsonLines(src)) {
    let resource: FhirResource | null = null;
    try {
      resource = asResource(JSON.parse(text));
    } catch {
      bad(line, 'not valid JSON');
      continue;
    }
    if (!resource) {
      bad(line, 'not a FHIR resource (no resourceType)');
      continue;
    }
    entries.push({ resource, request: requestFor(resource) });
    lines.push(line);
    if (entries.length >= chunk) yield flush();
  }
  if (entries.length > 0) yield flush();
}
