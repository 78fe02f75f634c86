/** Access to the official R4 examples of `hl7.fhir.r4.examples@4.0.1`. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from 'fhir/r4.js';
import { R4_PACKAGE_DIR } from '../../server/fhir/definitions.js';

/** File names of the examples of the given resource types (`CarePlan-*.json` …). */
export function exampleFiles(types: string[]): string[] {
  return readdirSync(R4_PACKAGE_DIR)
    .filter((f) => types.some((t) => f.startsWith(`${t}-`)) && f.endsWith('.json'))
    .sort();
}

/** Reads one example. */
export function readExample(file: string): Resource {
  return JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Resource;
}
