/** Shared helpers of the base validator tests: one validator per test file, examples, a seeded PRNG. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { loadR4Definitions, R4_PACKAGE_DIR } from '../../../server/fhir/definitions.js';
import { createBaseValidator, type BaseValidator } from '../../../server/fhir/validation/base-validator.js';

let validator: BaseValidator | undefined;

/** The validator under test, built once per test file. */
export function getValidator(): BaseValidator {
  validator ??= createBaseValidator(loadR4Definitions());
  return validator;
}

/** Error issues only. */
export function errorsOf(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** Validates and returns the error issues as `[expression, code]` pairs. */
export function errorPairs(resource: unknown, expectedType?: string): [string, string][] {
  return errorsOf(getValidator().validate(resource, { expectedType })).map((i) => [
    i.expression?.[0] ?? '',
    i.code,
  ]);
}

/** The example files of the R4 package (`Type-id.json`), sorted. */
export function exampleFiles(): string[] {
  return readdirSync(R4_PACKAGE_DIR)
    .filter((f) => /^[A-Z][A-Za-z]+-.+\.json$/.test(f))
    .sort();
}

/** Parses one example file of the R4 package. */
export function loadExample(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(R4_PACKAGE_DIR, file), 'utf8')) as Record<string, unknown>;
}

/** mulberry32: a small deterministic PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
