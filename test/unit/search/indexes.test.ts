/**
 * Index keys per type are chosen by rule from the registry: the compartment, the references that place a
 * resource in it, identifier, status and code tokens, dates, then other references; at most 15 per type,
 * and every key names a supported parameter's entry field.
 */
import { describe, expect, test } from '@jest/globals';
import { indexKeysFor, MAX_KEYS } from '../../../server/fhir/search/indexes.js';
import { testRegistry } from './helpers.js';

const registry = testRegistry();
const keysOf = (type: string): string[] => indexKeysFor(registry, type).map((k) => Object.keys(k)[0]);

describe('indexKeysFor', () => {
  test('Condition: compartment, patient references, identifier, status and code tokens, dates', () => {
    const keys = keysOf('Condition');
    expect(keys[0]).toBe('comp');
    expect(keys).toEqual(
      expect.arrayContaining([
        'sp.patient.r',
        'sp.subject.r',
        'sp.identifier.c',
        'sp.clinical-status.c',
        'sp.verification-status.c',
        'sp.code.c',
        'sp.category.c',
        'sp._lastUpdated.lo',
        'sp.onset-date.lo',
        'sp.recorded-date.lo',
      ]),
    );
  });

  test('Encounter and CarePlan: status and date are indexed', () => {
    expect(keysOf('Encounter')).toEqual(
      expect.arrayContaining(['comp', 'sp.patient.r', 'sp.status.c', 'sp.date.lo']),
    );
    expect(keysOf('CarePlan')).toEqual(
      expect.arrayContaining(['comp', 'sp.patient.r', 'sp.status.c', 'sp.date.lo']),
    );
  });

  test('types outside the Patient compartment have no comp index; Patient has one', () => {
    expect(keysOf('Practitioner')).not.toContain('comp');
    expect(keysOf('Patient')).toContain('comp');
    expect(keysOf('StructureDefinition')).toContain('sp.url.v');
  });

  test('every type: at most 15 single-field keys on supported parameters, no duplicates', () => {
    for (const type of registry.resourceTypes) {
      const specs = indexKeysFor(registry, type);
      expect(specs.length).toBeLessThanOrEqual(MAX_KEYS);
      const keys = specs.map((s) => Object.keys(s));
      expect(keys.every((k) => k.length === 1)).toBe(true);
      const flat = keys.map((k) => k[0]);
      expect(new Set(flat).size).toBe(flat.length);
      for (const key of flat) {
        if (key === 'comp') continue;
        const m = /^sp\.(.+)\.(r|c|lo|v)$/.exec(key);
        expect(m).not.toBeNull();
        expect(registry.get(type, m?.[1] ?? '')?.supported).toBe(true);
      }
    }
  });
});
