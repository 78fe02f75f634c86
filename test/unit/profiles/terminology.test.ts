/**
 * The bundled terminology (R4 codesystem.html#hierarchy, valueset.html#compose): concept hierarchies,
 * expansion of include/exclude with concept lists, whole systems, filters and nested value sets, and
 * membership checks with and without a system.
 */
import { describe, expect, test } from '@jest/globals';
import type { CodeSystem, ValueSet } from 'fhir/r4.js';
import { CS, VS } from '../../../server/ccm/vocabulary.js';
import { Terminology } from '../../../server/fhir/terminology/terminology.js';
import { conformance } from './helpers.js';

const CS_URL = 'urn:test:cs';
const codeSystem: CodeSystem = {
  resourceType: 'CodeSystem',
  url: CS_URL,
  status: 'active',
  content: 'complete',
  concept: [
    {
      code: 'a',
      display: 'A',
      property: [{ code: 'kind', valueCode: 'letter' }],
      concept: [
        { code: 'a1', display: 'A one', concept: [{ code: 'a1x', display: 'A one x' }] },
        { code: 'a2', display: 'A two' },
      ],
    },
    { code: 'b', display: 'B', property: [{ code: 'kind', valueCode: 'letter' }] },
    { code: '1', display: 'One', property: [{ code: 'kind', valueCode: 'digit' }] },
  ],
};
const vs = (url: string, compose: ValueSet['compose']): ValueSet => ({
  resourceType: 'ValueSet',
  url,
  status: 'active',
  compose,
});
const sets = [
  vs('urn:test:all', { include: [{ system: CS_URL }] }),
  vs('urn:test:isa', {
    include: [{ system: CS_URL, filter: [{ property: 'concept', op: 'is-a', value: 'a1' }] }],
  }),
  vs('urn:test:desc', {
    include: [{ system: CS_URL, filter: [{ property: 'concept', op: 'descendent-of', value: 'a' }] }],
  }),
  vs('urn:test:letters', {
    include: [{ system: CS_URL, filter: [{ property: 'kind', op: '=', value: 'letter' }] }],
  }),
  vs('urn:test:minus', {
    include: [{ system: CS_URL }],
    exclude: [{ system: CS_URL, concept: [{ code: 'b' }, { code: '1' }] }],
  }),
  vs('urn:test:nested', { include: [{ valueSet: ['urn:test:desc', 'urn:test:letters'] }] }),
  vs('urn:test:nested2', {
    include: [
      { valueSet: ['urn:test:all', 'urn:test:letters'] },
      { system: CS_URL, concept: [{ code: '1' }] },
    ],
  }),
  vs('urn:test:listed', { include: [{ system: 'urn:elsewhere', concept: [{ code: 'z', display: 'Zed' }] }] }),
  vs('urn:test:regex', {
    include: [{ system: CS_URL, filter: [{ property: 'concept', op: 'regex', value: 'a.*' }] }],
  }),
  vs('urn:test:unknown-system', { include: [{ system: 'urn:elsewhere' }] }),
];
const t = new Terminology([{ valueSets: sets, codeSystems: [codeSystem] }]);
const codes = (url: string) => {
  const r = t.expandUrl(url);
  return 'error' in r ? r.error : r.entries.map((e) => e.code);
};

describe('expansion', () => {
  test.each([
    ['urn:test:all', ['a', 'a1', 'a1x', 'a2', 'b', '1']],
    ['urn:test:isa', ['a1', 'a1x']],
    ['urn:test:desc', ['a1', 'a1x', 'a2']],
    ['urn:test:letters', ['a', 'b']],
    ['urn:test:minus', ['a', 'a1', 'a1x', 'a2']],
    ['urn:test:nested', []],
    ['urn:test:nested2', ['a', 'b', '1']],
    ['urn:test:listed', ['z']],
  ])('%s', (url, expected) => {
    expect(codes(url)).toEqual(expected);
  });

  test('what needs an outside terminology server is reported, not guessed', () => {
    expect(codes('urn:test:regex')).toMatch(/filter concept regex is not supported/);
    expect(codes('urn:test:unknown-system')).toMatch(/not available/);
    expect(codes('urn:test:missing')).toMatch(/not available/);
  });

  test('displays come from the code system, or from the include when the system is not bundled', () => {
    const r = t.expandUrl('urn:test:isa');
    const l = t.expandUrl('urn:test:listed');
    expect('entries' in r && r.entries.map((e) => e.display)).toEqual(['A one', 'A one x']);
    expect('entries' in l && l.entries[0]).toEqual({ system: 'urn:elsewhere', code: 'z', display: 'Zed' });
  });

  test('hierarchy look-ups', () => {
    const idx = t.codeSystem(CS_URL);
    expect(idx?.get('a1')?.parent).toBe('a');
    expect(idx?.get('a')?.children).toEqual(['a1', 'a2']);
    expect(idx?.get('A')).toBeUndefined();
  });
});

describe('membership', () => {
  test('with a system, the pair must match; without, the code alone decides', () => {
    expect(t.check('urn:test:letters', { system: CS_URL, code: 'b' })?.result).toBe(true);
    expect(t.check('urn:test:letters', { system: 'urn:other', code: 'b' })?.result).toBe(false);
    expect(t.check('urn:test:letters', { code: 'b' })?.result).toBe(true);
    expect(t.check('urn:test:letters', { code: '1' })).toEqual({
      result: false,
      message: "'1' is not in the value set urn:test:letters",
    });
  });

  test('a wrong display is reported but the code stays valid', () => {
    expect(t.check('urn:test:all', { system: CS_URL, code: 'a', display: 'Aye' })).toEqual({
      result: true,
      display: 'A',
      message: "The display of a is 'A'",
    });
  });

  test('value sets that cannot be expanded cannot be checked', () => {
    expect(t.canCheck('urn:test:regex')).toBe(false);
    expect(t.check('urn:test:regex', { code: 'a' })).toBeUndefined();
  });
});

describe('the server terminology', () => {
  const term = conformance().terminology;

  test('our value sets expand to their code systems', () => {
    const r = term.expandUrl(VS.timeRole);
    expect('entries' in r && r.entries.map((e) => [e.system, e.code])).toEqual([
      [CS.timeRole, 'clinical-staff'],
      [CS.timeRole, 'billing-practitioner'],
      [CS.timeRole, 'non-clinical-staff'],
      [CS.timeRole, 'bh-care-manager'],
      [CS.timeRole, 'psychiatric-consultant'],
    ]);
  });

  test('R4 value sets with nested concepts and v3 value sets with is-a filters expand', () => {
    const clinical = term.expandUrl('http://hl7.org/fhir/ValueSet/condition-clinical');
    expect('entries' in clinical && clinical.entries.map((e) => e.code).sort()).toEqual([
      'active',
      'inactive',
      'recurrence',
      'relapse',
      'remission',
      'resolved',
    ]);
    expect(
      term.check('http://terminology.hl7.org/ValueSet/v3-ActEncounterCode', {
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
        code: 'VR',
      })?.result,
    ).toBe(true);
  });

  test('US Core value sets are bundled', () => {
    const r = term.expandUrl('http://hl7.org/fhir/us/core/ValueSet/us-core-problem-or-health-concern');
    expect('entries' in r && r.entries.map((e) => e.code)).toEqual(['problem-list-item', 'health-concern']);
  });
});
