/**
 * Element-count limits of written resources (issue 14 finding 6): any array over RESOURCE_MAX_ARRAY_ITEMS
 * or more than RESOURCE_MAX_ELEMENTS JSON values in all is one `too-long` issue naming the element, found
 * by a walk that stops at the limit; the resource validator then reports only that issue.
 */
import { describe, expect, test } from '@jest/globals';
import { loadR4Definitions } from '../../../server/fhir/definitions.js';
import { createConformanceServices } from '../../../server/fhir/profiles/setup.js';
import { DEFAULT_SIZE_LIMITS, sizeIssue } from '../../../server/fhir/validation/size-limits.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => ({ family: `F${i}`, given: ['A', 'B'] }));

describe('sizeIssue', () => {
  test('the defaults are 10,000 items per array and 100,000 elements', () => {
    expect(DEFAULT_SIZE_LIMITS).toEqual({ maxArrayItems: 10_000, maxElements: 100_000 });
  });

  test('a Patient with 300,000 names is too-long at Patient.name', () => {
    const found = sizeIssue({ resourceType: 'Patient', name: names(300_000) }, DEFAULT_SIZE_LIMITS);
    expect(found).toMatchObject({ severity: 'error', code: 'too-long', expression: ['Patient.name'] });
  });

  test('a nested array over the limit is named with its indexes', () => {
    const resource = { resourceType: 'Patient', name: [{ family: 'x' }, { given: Array(11).fill('g') }] };
    const found = sizeIssue(resource, { maxArrayItems: 10, maxElements: 1000 });
    expect(found?.expression).toEqual(['Patient.name[1].given']);
  });

  test('arrays at the limit pass', () => {
    const resource = { resourceType: 'Patient', name: [{ given: Array(10).fill('g') }] };
    expect(sizeIssue(resource, { maxArrayItems: 10, maxElements: 1000 })).toBeUndefined();
  });

  test('too many elements in all, spread over short arrays, is too-long naming where the count ran over', () => {
    const resource = { resourceType: 'Patient', name: names(40) }; // 3 + 40 * (name, family, given, 2 items) = 203 values
    expect(sizeIssue(resource, { maxArrayItems: 100, maxElements: 203 })).toBeUndefined();
    const found = sizeIssue(resource, { maxArrayItems: 100, maxElements: 202 });
    expect(found?.code).toBe('too-long');
    expect(found?.expression?.[0]).toMatch(/^Patient\.name\[\d+\]/);
  });

  test('contained resources count, and a circular value stops at the limit', () => {
    const contained = {
      resourceType: 'Patient',
      contained: [{ resourceType: 'Practitioner', name: names(20) }],
    };
    expect(sizeIssue(contained, { maxArrayItems: 100, maxElements: 50 })?.expression?.[0]).toMatch(
      /^Patient\.contained\[0\]/,
    );
    const circular: Record<string, unknown> = { resourceType: 'Patient' };
    circular.contained = [circular];
    expect(sizeIssue(circular, DEFAULT_SIZE_LIMITS)?.code).toBe('too-long');
  });

  test('values that are not JSON objects are left to the validator', () => {
    expect(sizeIssue(undefined, DEFAULT_SIZE_LIMITS)).toBeUndefined();
    expect(sizeIssue('Patient', DEFAULT_SIZE_LIMITS)).toBeUndefined();
    const hostile = new Proxy(
      { resourceType: 'Patient' },
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    expect(sizeIssue(hostile, DEFAULT_SIZE_LIMITS)).toBeUndefined();
  });
});

describe('the resource validator', () => {
  const { validator } = createConformanceServices(loadR4Definitions(), {
    sizeLimits: { maxArrayItems: 5, maxElements: 1000 },
  });

  test('reports only the size issue of a resource over the limits, without walking it', () => {
    const issues = validator.validate(
      { resourceType: 'Patient', name: names(6), bogus: 1 },
      { expectedType: 'Patient' },
    );
    expect(issues.map((i) => [i.code, i.expression?.[0]])).toEqual([['too-long', 'Patient.name']]);
  });

  test('validates a resource within the limits as before', () => {
    const issues = validator.validate(
      { resourceType: 'Patient', name: names(5), bogus: 1 },
      { expectedType: 'Patient' },
    );
    expect(issues.map((i) => i.expression?.[0])).toContain('Patient.bogus');
  });
});
