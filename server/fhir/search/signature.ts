/**
 * The index signature of a search parameter on one type: a digest of everything its index entries depend
 * on (type, expression, composite components, bound code systems, and INDEX_FORMAT). The store records, per
 * resource type, the signature each parameter had when the type's resources were last all indexed
 * (fhir/runtime-params/): a parameter whose signature differs from the recorded one is pending until
 * `$reindex` covers its type.
 */
import { createHash } from 'node:crypto';
import type { SearchParamDef } from './registry.js';

/**
 * The version of the extraction code (entries.ts, extract.ts): bump it when a change makes entries of an
 * unchanged parameter differ, and every parameter of every type holding resources becomes pending until
 * `$reindex` (README "Run-time search parameters").
 */
export const INDEX_FORMAT = 1;

const cache = new WeakMap<SearchParamDef, string>();

/** The signature of `def` (16 hex digits; cached per definition object). */
export function indexSignature(def: SearchParamDef): string {
  const hit = cache.get(def);
  if (hit !== undefined) return hit;
  const text = JSON.stringify([
    INDEX_FORMAT,
    def.type,
    def.expression ?? '',
    (def.components ?? []).map((c) => [c.code, c.type, c.expression]),
    def.codeSystems ? [...def.codeSystems].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [],
  ]);
  const sig = createHash('sha256').update(text).digest('hex').slice(0, 16);
  cache.set(def, sig);
  return sig;
}
