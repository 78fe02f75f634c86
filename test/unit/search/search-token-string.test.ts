/**
 * Parse + compile + execute (mingo) for token and string parameters, expectations from R4 search.html#token
 * and #string: system and code must match in the same coding, `|code` means no system, `:not` also matches
 * resources without the element, `:text` searches display/text, strings are case- and accent-insensitive
 * prefixes, `:contains` anywhere, `:exact` whole and case-sensitive, comma = OR, repetition = AND.
 */
import { describe, expect, test } from '@jest/globals';
import type { Condition, Patient } from 'fhir/r4.js';
import { search, toDoc } from './helpers.js';

const SNOMED = 'http://snomed.info/sct';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
const cond = (id: string, extra: Partial<Condition>): Condition => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/p' },
  ...extra,
});

const conditions = [
  cond('c1', {
    code: {
      coding: [{ system: SNOMED, code: '1', display: 'Diabetes mellitus type 2' }],
      text: 'Type 2 diabetes',
    },
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    identifier: [
      {
        system: 'urn:x',
        value: '123',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
      },
    ],
  }),
  cond('c2', {
    code: { coding: [{ system: ICD10, code: 'E11' }, { code: '1' }] },
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }],
    },
    identifier: [{ system: 'urn:x', value: 'a|b' }],
  }),
  cond('c3', {
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'inactive' }],
    },
    identifier: [{ system: 'urn:x', value: 'a,b' }],
  }),
].map((r) => toDoc(r));

const pat = (id: string, family: string, given: string[], extra: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family, given }],
  ...extra,
});
const patients = [
  pat('p1', 'Müller', ['Anna', 'Maria'], { gender: 'female', active: true }),
  pat('p2', 'Mueller', ['Hans'], { gender: 'male', active: false }),
  pat('p3', 'Smith', ['abc'], { gender: 'male' }),
  pat('p4', 'A.* Corp', ['Zed']),
  pat('p5', 'O(Brien', ['Pat']),
].map((r) => toDoc(r));

describe('token search', () => {
  const find = (params: Array<[string, string]>): string[] => search(conditions, 'Condition', params);

  test('code alone matches any system', () => {
    expect(find([['code', '1']])).toEqual(['c1', 'c2']);
  });

  test('system|code must match in the same coding', () => {
    expect(find([['code', `${SNOMED}|1`]])).toEqual(['c1']);
    expect(find([['code', `${ICD10}|E11`]])).toEqual(['c2']);
    expect(find([['code', `${ICD10}|1`]])).toEqual([]); // c2 has icd-10|E11 and |1, never icd-10|1
  });

  test('|code matches only codings without a system; system| matches any code of the system', () => {
    expect(find([['code', '|1']])).toEqual(['c2']);
    expect(find([['code', `${SNOMED}|`]])).toEqual(['c1']);
  });

  test(':not excludes matching resources and keeps those without the element', () => {
    expect(find([['code:not', '1']])).toEqual(['c3']);
    expect(find([['code:not', 'E11']])).toEqual(['c1', 'c3']);
    expect(find([['clinical-status:not', 'active,resolved']])).toEqual(['c3']);
  });

  test(':text matches the start of display or text, case-insensitively', () => {
    expect(find([['code:text', 'DIAB']])).toEqual(['c1']);
    expect(find([['code:text', 'type 2']])).toEqual(['c1']);
    expect(find([['code:text', 'mellitus']])).toEqual([]);
  });

  test(':missing', () => {
    expect(find([['code:missing', 'true']])).toEqual(['c3']);
    expect(find([['code:missing', 'false']])).toEqual(['c1', 'c2']);
  });

  test('comma is OR, repetition is AND', () => {
    expect(find([['clinical-status', 'active,resolved']])).toEqual(['c1', 'c2']);
    expect(
      find([
        ['clinical-status', 'active,resolved'],
        ['code', 'E11'],
      ]),
    ).toEqual(['c2']);
    expect(
      find([
        ['code', '1'],
        ['code', 'E11'],
      ]),
    ).toEqual(['c2']);
  });

  test('identifier forms, :of-type, and escaped | and , in values', () => {
    expect(find([['identifier', 'urn:x|123']])).toEqual(['c1']);
    expect(find([['identifier:of-type', 'http://terminology.hl7.org/CodeSystem/v2-0203|MR|123']])).toEqual([
      'c1',
    ]);
    expect(find([['identifier:of-type', 'http://terminology.hl7.org/CodeSystem/v2-0203|MR|a\\|b']])).toEqual(
      [],
    ); // c2 has no type
    expect(find([['identifier', 'urn:x|a\\|b']])).toEqual(['c2']);
    expect(find([['identifier', 'a\\,b']])).toEqual(['c3']);
    expect(find([['identifier', 'a,b']])).toEqual([]);
  });

  test('code and boolean elements are tokens', () => {
    expect(search(patients, 'Patient', [['gender', 'male']])).toEqual(['p2', 'p3']);
    expect(search(patients, 'Patient', [['active', 'true']])).toEqual(['p1']);
    expect(search(patients, 'Patient', [['active:not', 'true']])).toEqual(['p2', 'p3', 'p4', 'p5']);
  });
});

describe('string search', () => {
  const find = (params: Array<[string, string]>): string[] => search(patients, 'Patient', params);

  test('default is a case- and accent-insensitive prefix match', () => {
    expect(find([['family', 'mull']])).toEqual(['p1']);
    expect(find([['family', 'MÜL']])).toEqual(['p1']);
    expect(find([['family', 'mu']])).toEqual(['p1', 'p2']);
    expect(find([['family', 'ller']])).toEqual([]);
  });

  test(':contains matches anywhere', () => {
    expect(find([['family:contains', 'ller']])).toEqual(['p1', 'p2']);
    expect(find([['family:contains', 'LLER']])).toEqual(['p1', 'p2']);
  });

  test(':exact matches the whole value with case and accents', () => {
    expect(find([['family:exact', 'Müller']])).toEqual(['p1']);
    expect(find([['family:exact', 'müller']])).toEqual([]);
    expect(find([['family:exact', 'Mülle']])).toEqual([]);
  });

  test('name matches any part of a HumanName and the whole name', () => {
    expect(find([['name', 'maria']])).toEqual(['p1']);
    expect(find([['name', 'anna maria m']])).toEqual(['p1']);
    expect(find([['name', 'hans']])).toEqual(['p2']);
  });

  test('OR and AND', () => {
    expect(find([['family', 'mu,sm']])).toEqual(['p1', 'p2', 'p3']);
    expect(
      find([
        ['given', 'anna'],
        ['family', 'mue'],
      ]),
    ).toEqual([]);
    expect(
      find([
        ['given', 'hans'],
        ['family', 'mue'],
      ]),
    ).toEqual(['p2']);
  });

  test('regex metacharacters are literal: a.* does not match abc', () => {
    expect(find([['given', 'a.*']])).toEqual([]);
    expect(find([['family', 'a.*']])).toEqual(['p4']);
    expect(find([['family:contains', '(']])).toEqual(['p5']);
    expect(find([['family', '^o']])).toEqual([]);
  });
});
