/**
 * Local terminology for the token modifiers :in, :not-in, :above, :below (R4 search.html#token) and the
 * system implied by required bindings on plain codes. Expected codes are read from the R4 definitions:
 * condition-clinical nests recurrence and relapse under active, remission and resolved under inactive.
 */
import { describe, expect, test } from '@jest/globals';
import type { CodeSystem, ValueSet } from 'fhir/r4.js';
import { createTerminology } from '../../../server/fhir/search/terminology.js';
import { testRegistry } from './helpers.js';

const CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';

describe('bundled terminology', () => {
  const terminology = testRegistry().terminology;

  test(':below and :above follow the concept hierarchy', () => {
    expect([...(terminology.below(CLINICAL, 'active') ?? [])].sort()).toEqual([
      'active',
      'recurrence',
      'relapse',
    ]);
    expect([...(terminology.below(CLINICAL, 'inactive') ?? [])].sort()).toEqual([
      'inactive',
      'remission',
      'resolved',
    ]);
    expect([...(terminology.above(CLINICAL, 'relapse') ?? [])].sort()).toEqual(['active', 'relapse']);
    expect(terminology.below(CLINICAL, 'nonsense')).toBeUndefined();
    expect(terminology.below('http://example.org/unknown', 'x')).toBeUndefined();
  });

  test('ValueSets expand from compose (explicit concepts, whole code systems)', () => {
    const vitals = terminology.expand('http://hl7.org/fhir/ValueSet/observation-vitalsignresult|4.0.1') ?? [];
    expect(vitals).toContainEqual({ system: 'http://loinc.org', code: '8867-4' });
    expect(vitals).toHaveLength(13);
    const gender = terminology.expand('http://hl7.org/fhir/ValueSet/administrative-gender') ?? [];
    expect(gender.map((c) => c.code).sort()).toEqual(['female', 'male', 'other', 'unknown']);
    expect(terminology.expand('http://example.org/no-such-vs')).toBeUndefined();
  });

  test('is-a filters, nested ValueSets and excludes', () => {
    const cs: CodeSystem = {
      resourceType: 'CodeSystem',
      url: 'urn:cs',
      status: 'active',
      content: 'complete',
      concept: [
        { code: 'a', concept: [{ code: 'a1' }, { code: 'a2', concept: [{ code: 'a2x' }] }] },
        { code: 'b' },
      ],
    };
    const vs = (url: string, compose: ValueSet['compose']): ValueSet => ({
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose,
    });
    const valueSets = new Map<string, ValueSet>([
      [
        'urn:vs:isa',
        vs('urn:vs:isa', {
          include: [{ system: 'urn:cs', filter: [{ property: 'concept', op: 'is-a', value: 'a2' }] }],
        }),
      ],
      [
        'urn:vs:desc',
        vs('urn:vs:desc', {
          include: [{ system: 'urn:cs', filter: [{ property: 'concept', op: 'descendent-of', value: 'a' }] }],
        }),
      ],
      [
        'urn:vs:all-but-b',
        vs('urn:vs:all-but-b', {
          include: [{ system: 'urn:cs' }],
          exclude: [{ system: 'urn:cs', concept: [{ code: 'b' }] }],
        }),
      ],
      ['urn:vs:nested', vs('urn:vs:nested', { include: [{ valueSet: ['urn:vs:isa'] }] })],
      [
        'urn:vs:regex',
        vs('urn:vs:regex', {
          include: [{ system: 'urn:cs', filter: [{ property: 'code', op: 'regex', value: 'a.*' }] }],
        }),
      ],
    ]);
    const t = createTerminology({ valueSets, codeSystems: new Map([['urn:cs', cs]]) });
    const codes = (url: string) =>
      t
        .expand(url)
        ?.map((c) => c.code)
        .sort();
    expect(codes('urn:vs:isa')).toEqual(['a2', 'a2x']);
    expect(codes('urn:vs:desc')).toEqual(['a1', 'a2', 'a2x']);
    expect(codes('urn:vs:all-but-b')).toEqual(['a', 'a1', 'a2', 'a2x']);
    expect(codes('urn:vs:nested')).toEqual(['a2', 'a2x']);
    expect(codes('urn:vs:regex')).toBeUndefined(); // not resolvable locally: refused, never guessed
  });

  test('plain code parameters know the system of their required binding', () => {
    const registry = testRegistry();
    expect(registry.get('Patient', 'gender')?.codeSystems?.get('male')).toBe(
      'http://hl7.org/fhir/administrative-gender',
    );
    expect(registry.get('Observation', 'status')?.codeSystems?.get('final')).toBe(
      'http://hl7.org/fhir/observation-status',
    );
    expect(registry.get('Condition', 'code')?.codeSystems).toBeUndefined(); // a CodeableConcept has its own systems
  });
});
