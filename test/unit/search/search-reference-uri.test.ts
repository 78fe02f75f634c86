/**
 * Parse + compile + execute (mingo) for reference, uri and _id parameters (R4 search.html#reference, #uri,
 * #id): `Type/id`, bare `id` (any target type), `:[Type]`, absolute URLs (relative when under our base),
 * versioned references, `:identifier`, `:missing`; uri exact, `:below`, `:above`; `_id` lists.
 */
import { describe, expect, test } from '@jest/globals';
import type { CarePlan, Condition } from 'fhir/r4.js';
import { search, toDoc } from './helpers.js';

const BASE = 'https://ccm.example/fhir';
const cond = (id: string, subject?: Condition['subject']): Condition =>
  ({ resourceType: 'Condition', id, subject }) as Condition;
const docs = [
  cond('r1', { reference: 'Patient/1' }),
  cond('r2', { reference: 'Patient/2/_history/3' }),
  cond('r3', { reference: 'Group/1' }),
  cond('r4', { reference: 'http://other.org/fhir/Patient/1' }),
  cond('r5', { reference: `${BASE}/Patient/1` }),
  cond('r6', { type: 'Patient', identifier: { system: 'urn:mrn', value: '77' } }),
  cond('r7'),
].map((r) => toDoc(r, { baseUrl: BASE }));

describe('reference search', () => {
  const find = (name: string, value: string): string[] =>
    search(docs, 'Condition', [[name, value]], { baseUrl: BASE });

  test('Type/id matches local references, whatever form they were written in', () => {
    expect(find('subject', 'Patient/1')).toEqual(['r1', 'r5']);
    expect(find('subject', 'Patient/2')).toEqual(['r2']);
    expect(find('subject', 'Patient/2/_history/3')).toEqual(['r2']);
  });

  test('a bare id matches every target type; :[Type] restricts it', () => {
    expect(find('subject', '1')).toEqual(['r1', 'r3', 'r5']);
    expect(find('subject:Patient', '1')).toEqual(['r1', 'r5']);
    expect(find('subject:Group', '1')).toEqual(['r3']);
  });

  test('absolute URLs: ours compare as relative, others exactly', () => {
    expect(find('subject', `${BASE}/Patient/1`)).toEqual(['r1', 'r5']);
    expect(find('subject', 'http://other.org/fhir/Patient/1')).toEqual(['r4']);
  });

  test('patient only holds references to Patients', () => {
    expect(find('patient', '1')).toEqual(['r1', 'r5']);
    expect(find('patient', 'Group/1')).toEqual([]);
  });

  test(':identifier matches Reference.identifier', () => {
    expect(find('subject:identifier', 'urn:mrn|77')).toEqual(['r6']);
    expect(find('subject:identifier', '77')).toEqual(['r6']);
    expect(find('subject:identifier', 'urn:other|77')).toEqual([]);
  });

  test(':missing and OR', () => {
    expect(find('subject:missing', 'true')).toEqual(['r7']);
    expect(find('subject', 'Patient/1,Group/1')).toEqual(['r1', 'r3', 'r5']);
  });

  test('a malformed reference is a 400', () => {
    expect(() => find('subject', 'not a reference')).toThrow(/subject/);
  });
});

describe('uri and _id search', () => {
  const plans = [
    { id: 'a', uri: 'http://example.org/protocol/obesity' },
    { id: 'b', uri: 'http://example.org/protocol/obesity/v2' },
    { id: 'c', uri: 'http://example.org/protocol' },
    { id: 'd', uri: 'http://example.org/protocols' },
  ].map(({ id, uri }) =>
    toDoc({
      resourceType: 'CarePlan',
      id,
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/1' },
      instantiatesUri: [uri],
    } as CarePlan),
  );
  const find = (params: Array<[string, string]>): string[] => search(plans, 'CarePlan', params);

  test('uri is exact and case-sensitive', () => {
    expect(find([['instantiates-uri', 'http://example.org/protocol/obesity']])).toEqual(['a']);
    expect(find([['instantiates-uri', 'http://example.org/Protocol/obesity']])).toEqual([]);
  });

  test(':below matches the URI and everything under it; :above the URI and its parents', () => {
    expect(find([['instantiates-uri:below', 'http://example.org/protocol/obesity']])).toEqual(['a', 'b']);
    expect(find([['instantiates-uri:below', 'http://example.org/protocol']])).toEqual(['a', 'b', 'c']); // not "protocols"
    expect(find([['instantiates-uri:above', 'http://example.org/protocol/obesity/v2']])).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  test('_id takes a list and combines with other parameters', () => {
    expect(find([['_id', 'a,c,zz']])).toEqual(['a', 'c']);
    expect(
      find([
        ['_id', 'a,c'],
        ['instantiates-uri:below', 'http://example.org/protocol/'],
      ]),
    ).toEqual(['a']);
  });
});
