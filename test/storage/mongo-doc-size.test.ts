/**
 * The MongoDB engine's size bound: a version whose stored document would pass MongoDB's 16 MiB BSON limit
 * is refused with a 413 `too-long` OperationOutcome naming the resource (and, inside a Bundle, the entry).
 * Sizes come from the driver's BSON serializer, which needs no server.
 */
import { describe, expect, test } from '@jest/globals';
import type { Binary, Observation } from 'fhir/r4.js';
import { entryError } from '../../server/fhir/bundles/entry-error.js';
import { FhirError } from '../../server/fhir/outcomes.js';
import {
  BSON_MAX_BYTES,
  bsonSize,
  MAX_STORED_BYTES,
  oversizeError,
} from '../../server/storage/mongodb/doc-size.js';

const MiB = 1024 * 1024;

/** A stored current document around `resource`, as the repository writes it. */
function stored(resource: object, sp: Record<string, unknown[]> = {}) {
  return { _id: 'x', vid: 1, lu: '2026-01-01T00:00:00.000Z', resource, sp, comp: [] };
}

/** A Binary whose base64 data is `bytes` characters long. */
function binary(bytes: number): Binary {
  return { resourceType: 'Binary', id: 'x', contentType: 'application/pdf', data: 'A'.repeat(bytes) };
}

describe('bsonSize', () => {
  test('counts the BSON encoding: a string costs its UTF-8 bytes plus framing', () => {
    expect(bsonSize({})).toBe(5);
    expect(bsonSize({ a: 'xyz' })).toBe(5 + 1 + 2 + 4 + 4);
    expect(bsonSize({ a: 'é' })).toBe(bsonSize({ a: 'xy' }));
  });

  test('grows with the resource and its search index', () => {
    const small = bsonSize(stored(binary(1000)));
    expect(small).toBeGreaterThan(1000);
    expect(small).toBeLessThan(1300);
    const withIndex = bsonSize(stored(binary(1000), { code: [{ s: 'http://loinc.org', c: '1234-5' }] }));
    expect(withIndex).toBeGreaterThan(small);
  });
});

describe('oversizeError', () => {
  test('the bound is 16 MiB minus a margin', () => {
    expect(BSON_MAX_BYTES).toBe(16 * MiB);
    expect(MAX_STORED_BYTES).toBeLessThan(BSON_MAX_BYTES);
    expect(MAX_STORED_BYTES).toBeGreaterThan(15.9 * MiB);
  });

  test('a resource that fits is accepted', () => {
    expect(oversizeError('Binary', 'x', [stored(binary(MiB))])).toBeNull();
    expect(oversizeError('Binary', 'x', [stored(binary(MAX_STORED_BYTES - 1024))])).toBeNull();
  });

  test('a 17 MiB Binary is a 413 too-long naming the resource', () => {
    const err = oversizeError('Binary', 'x', [stored(binary(17 * MiB))]);
    expect(err).toBeInstanceOf(FhirError);
    expect(err?.status).toBe(413);
    expect(err?.issues).toHaveLength(1);
    expect(err?.issues[0]).toMatchObject({ severity: 'error', code: 'too-long', expression: ['Binary'] });
    expect(err?.issues[0].diagnostics).toMatch(/Binary\/x would be stored as 17\.\d\d MiB/);
    expect(err?.outcome.resourceType).toBe('OperationOutcome');
  });

  test('a resource just under the limit is refused when its search index pushes it over', () => {
    const body = binary(MAX_STORED_BYTES - 2048);
    expect(oversizeError('Binary', 'x', [stored(body)])).toBeNull();
    const index = { _content: Array.from({ length: 200 }, (_, i) => ({ v: `word-${i}-${'w'.repeat(20)}` })) };
    expect(oversizeError('Binary', 'x', [stored(body, index)])?.status).toBe(413);
  });

  test('a generated Observation with many components is measured as a whole, and any document over counts', () => {
    const component = Array.from({ length: 120_000 }, (_, i) => ({
      code: { coding: [{ system: 'http://loinc.org', code: `${i}-0`, display: `Component number ${i}` }] },
      valueQuantity: { value: i / 7, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
    }));
    const obs: Observation = {
      resourceType: 'Observation',
      id: 'big',
      status: 'final',
      code: { text: 'panel' },
      component,
    };
    const size = bsonSize(stored(obs));
    expect(size).toBeGreaterThan(16 * MiB);
    const err = oversizeError('Observation', 'big', [{ _id: 'Observation/big/1' }, stored(obs)]);
    expect(err?.status).toBe(413);
    expect(err?.issues[0].expression).toEqual(['Observation']);
  });

  test('inside a Bundle the error names the entry', () => {
    const err = oversizeError('Binary', 'x', [stored(binary(17 * MiB))]);
    const inBundle = entryError(3, err, 'Binary') as FhirError;
    expect(inBundle.status).toBe(413);
    expect(inBundle.issues[0].expression).toEqual(['Bundle.entry[3].resource']);
    expect(inBundle.issues[0].diagnostics).toMatch(/^Bundle\.entry\[3\]: Binary\/x/);
  });
});
