/**
 * NUL characters in search values: FHIR strings exclude control characters (R4 datatypes.html#string) and
 * MongoDB refuses a regex containing NUL, so parseSearch answers a 400 naming the parameter, for every
 * parameter type and for chains and `_has`; the MongoDB compiler refuses a NUL regex from any other caller.
 */
import { describe, expect, test } from '@jest/globals';
import { FhirError } from '../../server/fhir/outcomes.js';
import { parseSearch } from '../../server/fhir/search/parse.js';
import { whereToMongo } from '../../server/storage/mongodb/to-mongo.js';
import { testRegistry } from '../unit/search/helpers.js';

const registry = testRegistry();
const parse = (type: string, params: Array<[string, string]>, strict = false) =>
  parseSearch(registry, type, params, { strict });

/** The FhirError thrown by `fn`. */
function errorOf(fn: () => unknown): FhirError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FhirError) return err;
    throw err;
  }
  throw new Error('expected a FhirError');
}

describe('parseSearch refuses NUL', () => {
  test.each([
    ['Patient', 'name', 'Sm\u0000ith'],
    ['Patient', 'family:contains', '\u0000'],
    ['Patient', 'family:exact', 'a\u0000'],
    ['Observation', 'code:text', 'gluc\u0000'],
    ['Observation', 'code', 'http://loinc.org|1\u0000'],
    ['ValueSet', 'url:below', 'http://example.org/\u0000'],
    ['Observation', 'subject', 'p\u0000'],
    ['Observation', 'date', 'ge2020\u0000'],
    ['Patient', '_id', 'a\u0000'],
    ['Observation', 'subject:Patient.name', 'x\u0000'],
    ['Patient', '_has:Observation:subject:code', '\u0000'],
    ['Patient', 'not-a-parameter', '\u0000'],
  ])('%s?%s', (type, name, value) => {
    const err = errorOf(() => parse(type, [[name, value]]));
    expect(err.status).toBe(400);
    expect(err.issues[0].code).toBe('invalid');
    expect(err.issues[0].diagnostics).toBe(
      `Invalid value for search parameter '${name}': it contains a NUL character`,
    );
  });

  test('other control-free values still parse (including escaped commas and unicode)', () => {
    const ir = parse('Patient', [
      ['name', 'Müller\\,Jr'],
      ['family:contains', 'ab'],
    ]);
    expect(ir.clauses).toHaveLength(2);
    expect(ir.ignored).toEqual([]);
  });
});

describe('the MongoDB compiler refuses a NUL regex', () => {
  test('string, token :text and uri :below matchers built by another caller', () => {
    const bad = [
      { type: 'string', mode: 'prefix', value: 'a\u0000' },
      { type: 'token', text: 'a\u0000' },
      { type: 'uri', mode: 'below', value: 'http://x/\u0000' },
      { type: 'reference', idPattern: '^[A-Z][A-Za-z]+/a\u0000$' },
    ] as const;
    for (const m of bad) {
      const err = errorOf(() =>
        whereToMongo({ kind: 'match', name: 'p', code: 'p', not: false, anyOf: [m] }),
      );
      expect(err.status).toBe(400);
    }
    expect(
      whereToMongo({
        kind: 'match',
        name: 'p',
        code: 'p',
        not: false,
        anyOf: [{ type: 'string', mode: 'prefix', value: 'ab' }],
      }),
    ).toEqual({ 'sp.p.v': { $regex: '^ab' } });
  });
});
