/**
 * Search limits (issue 14 finding 6): values per parameter (comma ORs), parameters per query and `_sort`
 * keys are bounded; a search over a limit is a 400 OperationOutcome (`too-costly`) whose expression names
 * the parameter, before any of it is compiled or run. The defaults apply when no limits are given.
 */
import { describe, expect, test } from '@jest/globals';
import { FhirError } from '../../../server/fhir/outcomes.js';
import { parseControls } from '../../../server/fhir/search/controls.js';
import { DEFAULT_SEARCH_LIMITS } from '../../../server/fhir/search/limits.js';
import { parseSearch, type ParseOptions } from '../../../server/fhir/search/parse.js';
import { testRegistry } from './helpers.js';

const registry = testRegistry();
const values = (n: number, make = (i: number) => `c${i}`) =>
  Array.from({ length: n }, (_, i) => make(i)).join(',');
const parse = (type: string, params: Array<[string, string]>, options: Partial<ParseOptions> = {}) =>
  parseSearch(registry, type, params, { strict: false, ...options });

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

/** Asserts a 400 too-costly outcome naming `expression`. */
function expectRefused(fn: () => unknown, expression: string | undefined): FhirError {
  const err = errorOf(fn);
  expect(err.status).toBe(400);
  expect(err.issues[0].code).toBe('too-costly');
  expect(err.issues[0].expression).toEqual(expression === undefined ? undefined : [expression]);
  return err;
}

describe('values per parameter', () => {
  test('the default is 100', () => {
    expect(DEFAULT_SEARCH_LIMITS.maxValues).toBe(100);
  });

  test('100 comma-separated values are accepted as one OR clause', () => {
    const ir = parse('Condition', [['code', values(100)]]);
    expect(ir.clauses).toHaveLength(1);
    expect(ir.clauses[0].kind === 'match' && ir.clauses[0].anyOf).toHaveLength(100);
  });

  test('101 values are refused with a 400 naming the parameter', () => {
    const err = expectRefused(() => parse('Condition', [['code', values(101)]]), 'code');
    expect(err.issues[0].diagnostics).toMatch(/101 values; at most 100/);
  });

  test('100,000 values (the finding) are refused before any value is parsed', () => {
    expectRefused(() => parse('Patient', [['name:contains', values(100_000)]]), 'name:contains');
  });

  test('escaped commas are part of one value, not separators', () => {
    const one = Array.from({ length: 150 }, (_, i) => `a${i}`).join('\\,');
    expect(parse('Patient', [['family', one]]).clauses).toHaveLength(1);
  });

  test('_id, _list, chained and _has values are counted too', () => {
    expectRefused(() => parse('Patient', [['_id', values(101)]]), '_id');
    expectRefused(() => parse('Patient', [['_list', values(101)]]), '_list');
    expectRefused(() => parse('Condition', [['subject:Patient.name', values(101)]]), 'subject:Patient.name');
    expectRefused(
      () => parse('Patient', [['_has:Condition:subject:code', values(101)]]),
      '_has:Condition:subject:code',
    );
  });

  test('the limit is configurable', () => {
    const limits = { maxValues: 3, maxParameters: 50 };
    expect(parse('Condition', [['code', 'a,b,c']], { limits }).clauses).toHaveLength(1);
    expectRefused(() => parse('Condition', [['code', 'a,b,c,d']], { limits }), 'code');
  });
});

describe('parameters per query', () => {
  const many = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => ['code', `c${i}`]);

  test('50 parameters are accepted, 51 refused (controls count too)', () => {
    expect(parse('Condition', many(50)).clauses).toHaveLength(50);
    expectRefused(() => parse('Condition', many(51)), undefined);
    expectRefused(() => parse('Condition', [...many(50), ['_count', '10']]), undefined);
  });

  test('the limit is configurable', () => {
    expectRefused(
      () => parse('Condition', many(3), { limits: { maxValues: 100, maxParameters: 2 } }),
      undefined,
    );
  });
});

describe('result controls', () => {
  const controls = (control: Array<[string, string]>, limits = DEFAULT_SEARCH_LIMITS) =>
    parseControls(registry, ['Patient'], control, false, limits);

  test(`_sort takes at most ${DEFAULT_SEARCH_LIMITS.sortMaxKeys} keys`, () => {
    expect(controls([['_sort', 'family,given,birthdate,gender,_id']]).sort).toHaveLength(5);
    expectRefused(() => controls([['_sort', 'family,given,birthdate,gender,address,_id']]), '_sort');
  });

  test('the number of sort keys is configurable', () => {
    const limits = { ...DEFAULT_SEARCH_LIMITS, sortMaxKeys: 2 };
    expect(controls([['_sort', 'family,-birthdate']], limits).sort).toHaveLength(2);
    expectRefused(() => controls([['_sort', 'family,given,birthdate']], limits), '_sort');
  });

  test('_elements takes at most the values of a parameter', () => {
    expectRefused(() => controls([['_elements', values(101, (i) => `e${i}`)]]), '_elements');
  });
});
