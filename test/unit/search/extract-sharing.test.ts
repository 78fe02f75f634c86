/**
 * Index extraction details of the write path: entries are merged only when they are equal (whatever the
 * characters of their values), and an element that feeds several parameters gives each the same entries.
 */
import { describe, expect, test } from '@jest/globals';
import type { Observation } from 'fhir/r4.js';
import { extractIndex } from '../../../server/fhir/search/extract.js';
import { example, testRegistry } from './helpers.js';

const registry = testRegistry();

describe('extractIndex: merging and shared elements', () => {
  test('entries that differ only in type or in a value holding the key separator are not merged', () => {
    const { sp } = extractIndex(registry, {
      resourceType: 'Observation',
      status: 'final',
      code: {
        coding: [
          { system: 'urn:c', code: 'a\u0000s"b' },
          { system: 'urn:c', code: 'a', display: 'b' },
          { system: 'urn:c', code: 'a' },
        ],
      },
    } as Observation);
    expect(sp.code).toEqual([
      { s: 'urn:c', c: 'a\u0000s"b' },
      { s: 'urn:c', c: 'a', t: 'b' },
      { s: 'urn:c', c: 'a' },
    ]);
  });

  test('one element feeding several parameters gives each the same entries', () => {
    const { sp } = extractIndex(registry, example<Observation>('Observation-example.json'));
    expect(sp['combo-code']).toEqual(sp.code);
    const codes = (sp['code-value-quantity'] ?? []).map((e) => (e as { c0: unknown }).c0);
    expect(codes).toEqual(sp.code);
  });
});
