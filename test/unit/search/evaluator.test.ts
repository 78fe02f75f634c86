/**
 * The native path walker must select exactly what FHIRPath selects. For every official example of the
 * types the CCM server stores most, every supported parameter is evaluated both ways: natively and with
 * fhirpath.js on the same expression, where `x as T` is read as `x.ofType(T)` (the R4 search expressions
 * use `as` as a type filter; fhirpath.js rejects `as` on collections) and `resolve() is X` as the local
 * reference-type check.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import type { Resource } from 'fhir/r4.js';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { R4_PACKAGE_DIR } from '../../../server/fhir/definitions.js';
import { compileRelative, parseSimplePath } from '../../../server/fhir/search/evaluator.js';
import { rewriteResolveIs, splitTopLevel } from '../../../server/fhir/search/expression.js';
import { example, testRegistry } from './helpers.js';

const TYPES = [
  'Patient',
  'Condition',
  'Encounter',
  'CarePlan',
  'CareTeam',
  'Goal',
  'Task',
  'Consent',
  'Observation',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'MedicationRequest',
  'Procedure',
  'AllergyIntolerance',
  'Immunization',
  'DiagnosticReport',
  'DocumentReference',
  'Questionnaire',
  'QuestionnaireResponse',
];

/** The expression with `as` read as `ofType` and `resolve() is X` as the local check. */
function reference(expression: string): string {
  return rewriteResolveIs(expression)
    .replace(/\(([A-Za-z.]+) as ([A-Za-z]+)\)/g, '$1.ofType($2)')
    .replace(/\.as\(([A-Za-z]+)\)/g, '.ofType($1)');
}

/** Distinct JSON texts of a list of values. */
function texts(values: unknown[]): string[] {
  return [...new Set(values.map((v) => JSON.stringify(v)))].sort();
}

describe('native evaluation agrees with fhirpath.js', () => {
  const registry = testRegistry();
  const files = readdirSync(R4_PACKAGE_DIR).filter(
    (f) => TYPES.some((t) => f.startsWith(`${t}-`)) && f.endsWith('.json'),
  );

  test('on every parameter of every official example of the CCM types', () => {
    let compared = 0;
    for (const file of files) {
      const resource = example<Resource>(file);
      if (!TYPES.includes(resource.resourceType)) continue;
      for (const def of registry.params(resource.resourceType)) {
        if (!def.supported || !def.evaluate || !def.expression || def.type === 'composite') continue;
        const native = texts(def.evaluate(resource).map((f) => f.data));
        // Parts are evaluated apart: fhirpath.js's `|` also merges quantities it finds equivalent (1e-245 g ~ 1e-22 g).
        const parts = splitTopLevel(reference(def.expression), '|');
        const expected = texts(
          parts.flatMap((p) => fhirpath.evaluate(resource, p, undefined, r4model) as unknown[]),
        );
        expect({ file, code: def.code, values: native }).toEqual({ file, code: def.code, values: expected });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(5000);
  });

  test('parses simple paths and refuses anything else', () => {
    expect(parseSimplePath('Condition.code')).toEqual([{ kind: 'member', name: 'code' }]);
    expect(parseSimplePath('(Observation.value as Quantity)')).toEqual([
      { kind: 'member', name: 'value' },
      { kind: 'as', type: 'Quantity' },
    ]);
    expect(parseSimplePath("Patient.telecom.where(system='phone')")).toEqual([
      { kind: 'member', name: 'telecom' },
      { kind: 'where-eq', name: 'system', value: 'phone' },
    ]);
    expect(parseSimplePath('Patient.deceased.exists() and Patient.deceased != false')).toBeUndefined();
    expect(parseSimplePath('Bundle.entry[0].resource')).toBeUndefined();
  });

  test('relative component expressions select from the base element', () => {
    const value = compileRelative('value.as(Quantity) | value.as(Range)');
    const component = { valueQuantity: { value: 107, unit: 'mmHg' } };
    expect(value({ data: component, type: 'BackboneElement', path: 'Observation.component' })).toEqual([
      { data: { value: 107, unit: 'mmHg' }, type: 'Quantity', path: 'Quantity' },
    ]);
  });
});
