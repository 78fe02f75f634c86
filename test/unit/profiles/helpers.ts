/** Shared helpers of the profile tests: one set of conformance services per test file, the named fixtures. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { createConformanceServices, type ConformanceServices } from '../../../server/fhir/profiles/setup.js';

/** The repository root. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** fixtures/profiles/. */
export const FIXTURES = path.join(REPO, 'fixtures', 'profiles');

let services: ConformanceServices | undefined;

/** The conformance services under test, built once per test file. */
export function conformance(): ConformanceServices {
  services ??= createConformanceServices(loadR4Definitions());
  return services;
}

/** Reads a JSON file. */
export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The fixture files of one profile folder whose names start with `prefix`, sorted. */
export function fixtureNames(profile: string, prefix: 'valid-' | 'invalid-'): string[] {
  return readdirSync(path.join(FIXTURES, profile))
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** One fixture resource. */
export function fixture(profile: string, name: string): Record<string, unknown> {
  return readJson(path.join(FIXTURES, profile, `${name}.json`));
}

/** Error and fatal issues. */
export function errors(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** The distinct `[expression, code]` pairs of the error issues, sorted. */
export function errorPairs(issues: OperationOutcomeIssue[]): [string, string][] {
  const set = new Set(errors(issues).map((i) => JSON.stringify([i.expression?.[0] ?? '', i.code])));
  return [...set].sort().map((s) => JSON.parse(s) as [string, string]);
}

/** Validates a resource with the full write-time validator and returns its distinct error pairs. */
export function validatePairs(resource: unknown, profiles: string[] = []): [string, string][] {
  return errorPairs(conformance().validator.validate(resource, { profiles }));
}
