/**
 * Shared helpers of the search unit tests: one registry per test file, official examples, stored documents
 * built by the real extraction, and a search that parses, compiles and runs the filter with mingo.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { Query } from 'mingo';
import { loadR4Definitions, R4_PACKAGE_DIR } from '../../../server/fhir/definitions.js';
import type { EntryOptions } from '../../../server/fhir/search/entries.js';
import { extractIndex } from '../../../server/fhir/search/extract.js';
import type { IndexEntry } from '../../../server/fhir/search/index-entry.js';
import { parseSearch, type ParseOptions } from '../../../server/fhir/search/parse.js';
import { buildSearchRegistry, type SearchRegistry } from '../../../server/fhir/search/registry.js';
import { toMongoFilter } from '../../../server/storage/mongodb/to-mongo.js';

let registry: SearchRegistry | undefined;

/** The registry built from the official R4 definitions (built once per test file). */
export function testRegistry(): SearchRegistry {
  registry ??= buildSearchRegistry(loadR4Definitions());
  return registry;
}

/** Reads an official R4 example by file name. */
export function example<T extends Resource = Resource>(file: string): T {
  return JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as T;
}

/** A stored document as the resource store writes it (the parts search reads). */
export interface Doc {
  _id: string;
  sp: Record<string, IndexEntry[]>;
  comp: string[];
}

/** Builds the stored document of a resource with the real extraction. */
export function toDoc<T extends Resource>(resource: T, options: EntryOptions = {}): Doc {
  const { sp, comp } = extractIndex(testRegistry(), resource, options);
  return { _id: resource.id ?? '', sp, comp };
}

/** Parses, compiles and runs a search over `docs` with mingo; returns the matching ids, sorted. */
export function search(
  docs: Doc[],
  type: string,
  params: Array<[string, string]>,
  options: Partial<ParseOptions> = {},
): string[] {
  const ir = parseSearch(testRegistry(), type, params, { strict: false, ...options });
  const filter = toMongoFilter(ir) as Record<string, unknown>;
  return new Query(filter)
    .find<Doc>(docs)
    .all()
    .map((d) => d._id)
    .sort();
}

/** Epoch ms of an ISO instant (test expectations are written as ISO text for readability). */
export function ms(iso: string): number {
  return new Date(iso).getTime();
}
