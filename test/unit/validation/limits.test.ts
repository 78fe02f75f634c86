/**
 * Bounded work on hostile input: deep nesting, huge strings, huge arrays and values that are not JSON at all
 * all return issues quickly and never throw.
 */
import { describe, expect, test } from '@jest/globals';
import { MAX_DEPTH, MAX_ISSUES } from '../../../server/fhir/validation/walker.js';
import { errorPairs, getValidator } from './helpers.js';

type Json = Record<string, unknown>;

const LEVELS = 1000;


function nestedExtensions(levels: number): Json {
  let inner: Json = { url: 'http://example.org/leaf', valueString: 'x' };
  for (let i = 0; i < levels; i++) inner = { url: `http://example.org/l${i}`, extension: [inner] };
  return { resourceType: 'Patient', extension: [inner] };
}

function nestedItems(levels: number): Json {
  let inner: Json = { linkId: 'leaf', type: 'string' };
  for (let i = 0; i < levels; i++) inner = { linkId: `l${i}`, type: 'group', item: [inner] };
  return { resourceType: 'Questionnaire', status: 'draft', item: [inner] };
}

function nestedBundles(levels: number): Json {
  let inner: Json = { resourceType: 'Patient' };
  for (let i = 0; i < levels; i++)
    inner = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: inner }] };
  return inner;
}

function nestedJunk(levels: number): Json {
  let inner: Json = { a: 1 };
  for (let i = 0; i < levels; i++) inner = { a: inner };
  return { resourceType: 'Patient', foo: inner };
}

describe('deep nesting', () => {
  test.each([
    ['extensions', nestedExtensions],
    ['Questionnaire items (contentReference)', nestedItems],
    ['Bundles in Bundles', nestedBundles],
  ])(`${LEVELS} levels of %s are cut off with a single too-costly issue`, (_name, build) => {
    const pairs = errorPairs(build(LEVELS));
    expect(pairs).toHaveLength(1);
    expect(pairs[0][1]).toBe('too-costly');
  });

  test('nesting within the limit is validated normally', () => {
    expect(errorPairs(nestedItems(20))).toEqual([]);
    expect(errorPairs(nestedExtensions(20))).toEqual([]);
  });

  test('the cut-off names the element at the depth limit', () => {
    const pairs = errorPairs(nestedItems(LEVELS));
    const depth = (pairs[0][0].match(/\.item\[0\]/g) ?? []).length;
    expect(depth).toBeGreaterThan(MAX_DEPTH / 2);
    expect(depth).toBeLessThanOrEqual(MAX_DEPTH + 1);
  });

  test(`${LEVELS} levels under an unknown element are reported once and not walked`, () => {
    expect(errorPairs(nestedJunk(LEVELS))).toEqual([['Patient.foo', 'structure']]);
  });
});

describe('large values', () => {
  const twoMb = 'x'.repeat(2 * 1024 * 1024);

  test.each([
    ['a string', { resourceType: 'Patient', name: [{ family: twoMb }] }, 'Patient.name[0].family'],
    [
      'a markdown',
      {
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject: { reference: 'Patient/1' },
        note: [{ text: twoMb }],
      },
      'CarePlan.note[0].text',
    ],
    [
      'a code',
      { resourceType: 'Condition', subject: { reference: 'Patient/1' }, code: { coding: [{ code: twoMb }] } },
      'Condition.code.coding[0].code',
    ],
  ])('2 MB in %s is too-long', (_name, resource, expression) => {
    expect(errorPairs(resource)).toEqual([[expression, 'too-long']]);
  });

  test('multi-byte characters count as UTF-8 bytes: 400k x 3 bytes is over 1 MB', () => {
    expect(errorPairs({ resourceType: 'Patient', name: [{ family: '\u20ac'.repeat(400_000) }] })).toEqual([
      ['Patient.name[0].family', 'too-long'],
    ]);
    expect(errorPairs({ resourceType: 'Patient', name: [{ family: 'x'.repeat(1_000_000) }] })).toEqual([]);
  });

  test('2 MB of base64Binary is not a string and is accepted (attachments may be large)', () => {
    expect(
      errorPairs({ resourceType: 'Binary', contentType: 'text/plain', data: 'QUJD'.repeat(512 * 1024) }),
    ).toEqual([]);
  });

  test(`a huge invalid array stops after ${MAX_ISSUES} issues`, () => {
    const given = Array.from({ length: 50_000 }, () => 5);
    const pairs = errorPairs({ resourceType: 'Patient', name: [{ given }] });
    expect(pairs.length).toBe(MAX_ISSUES + 1);
    expect(pairs[pairs.length - 1][1]).toBe('too-costly');
  });
});

describe('never throws', () => {
  const circular: Json = { resourceType: 'Patient' };
  circular.contained = [circular];
  const hostile = new Proxy({ resourceType: 'Patient' } as Json, {
    ownKeys: () => {
      throw new Error('boom');
    },
  });

  test.each([
    ['undefined', undefined],
    ['a number', 42],
    ['a bigint', BigInt(1)],
    ['a symbol', Symbol('x')],
    ['a function', () => 1],
    ['a Date', new Date()],
    ['a Map', new Map()],
    [
      'an object with a null prototype',
      Object.assign(Object.create(null) as Json, { resourceType: 'Patient', foo: 1 }),
    ],
    ['a circular object', circular],
    [
      '__proto__ as an own key',
      JSON.parse('{"resourceType":"Patient","__proto__":{"x":1},"constructor":1}') as unknown,
    ],
    ['a Proxy whose keys throw', hostile],
    [
      'a non-JSON value inside',
      { resourceType: 'Patient', active: undefined, name: [{ family: Symbol('x') }], gender: BigInt(2) },
    ],
  ])('%s', (_name, input) => {
    let issues: unknown[] = [];
    expect(() => {
      issues = getValidator().validate(input);
    }).not.toThrow();
    expect(issues.length).toBeGreaterThan(0);
  });
});
