/** Shared helpers of the HTTP tests of validation and terminology. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationOutcome } from 'fhir/r4.js';

const FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'fixtures',
  'profiles',
);

/** One named fixture of fixtures/profiles/. */
export function fixture(profile: string, name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(FIXTURES, profile, `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
}

/** The `[severity, code, expression]` triples of an OperationOutcome. */
export function triples(oo: OperationOutcome): [string, string, string][] {
  return (oo.issue ?? []).map((i) => [i.severity, i.code, i.expression?.[0] ?? '']);
}

/** A Parameters resource with one `resource` and optional primitive parameters. */
export function parameters(resource: unknown, extra: Record<string, string> = {}): Record<string, unknown> {
  return {
    resourceType: 'Parameters',
    parameter: [
      ...(resource === undefined ? [] : [{ name: 'resource', resource }]),
      ...Object.entries(extra).map(([name, value]) => ({ name, valueString: value })),
    ],
  };
}

/** The FHIR JSON content type. */
export const FHIR_JSON = 'application/fhir+json';
