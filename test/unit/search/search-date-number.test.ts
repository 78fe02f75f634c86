/**
 * Parse + compile + execute (mingo) for date, number and quantity parameters. Expectations follow R4
 * search.html#prefix / #date / #number / #quantity: a date of any precision is a range; eq = the search range
 * contains the value's range, ne = it does not, gt/lt = the range above/below the search value overlaps the
 * value, ge/le = that or contained, sa/eb = entirely after/before, ap = approximately (overlap with the
 * search range widened by 10% of the gap to now). Numbers carry implicit precision for eq/ne (100 means
 * [99.5, 100.5)) and are exact for the other prefixes.
 */
import { describe, expect, test } from '@jest/globals';
import type { Condition, Observation, RiskAssessment } from 'fhir/r4.js';
import { FhirError } from '../../../server/fhir/outcomes.js';
import { example, ms, search, toDoc } from './helpers.js';

const onset = (id: string, extra: Partial<Condition>): Condition => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/p' },
  ...extra,
});
const conditions = [
  onset('year', { onsetDateTime: '2012' }),
  onset('month', { onsetDateTime: '2012-05' }),
  onset('day', { onsetDateTime: '2012-05-24' }),
  onset('second', { onsetDateTime: '2012-05-24T10:30:00Z' }),
  onset('period', { onsetPeriod: { start: '2012-05-20', end: '2012-06-10' } }),
  onset('open', { onsetPeriod: { start: '2012-05-20' } }),
  onset('after', { onsetDateTime: '2012-07-01' }),
  onset('before', { onsetDateTime: '2011-12-31' }),
  onset('none', {}),
].map((r) => toDoc(r));

const find = (value: string, now?: number): string[] =>
  search(conditions, 'Condition', [['onset-date', value]], now === undefined ? {} : { now });

describe('date search', () => {
  test('eq (default): the value lies within the search range of each precision', () => {
    expect(find('2012-05-24')).toEqual(['day', 'second']);
    expect(find('eq2012-05-24')).toEqual(['day', 'second']);
    expect(find('2012-05')).toEqual(['day', 'month', 'second']);
    expect(find('2012')).toEqual(['after', 'day', 'month', 'period', 'second', 'year']);
  });

  test('second and minute precision, and zones', () => {
    expect(find('2012-05-24T10:30:00Z')).toEqual(['second']);
    expect(find('2012-05-24T20:30:00+10:00')).toEqual(['second']);
    expect(find('2012-05-24T10:30')).toEqual(['second']);
    expect(find('2012-05-24T10:31')).toEqual([]);
  });

  test('ne: the value is not within the search range (resources without a value do not match)', () => {
    expect(find('ne2012-05-24')).toEqual(['after', 'before', 'month', 'open', 'period', 'year']);
  });

  test('gt / lt: the range above / below the search value overlaps the value', () => {
    expect(find('gt2012-05-24')).toEqual(['after', 'month', 'open', 'period', 'year']);
    expect(find('lt2012-05-24')).toEqual(['before', 'month', 'open', 'period', 'year']);
  });

  test('ge / le: gt / lt, or contained', () => {
    expect(find('ge2012-05-24')).toEqual(['after', 'day', 'month', 'open', 'period', 'second', 'year']);
    expect(find('le2012-05-24')).toEqual(['before', 'day', 'month', 'open', 'period', 'second', 'year']);
  });

  test('sa / eb: starts after the end / ends before the start of the search range', () => {
    expect(find('sa2012-05-24')).toEqual(['after']);
    expect(find('eb2012-05-24')).toEqual(['before']);
    expect(find('sa2012-05-19')).toEqual(['after', 'day', 'open', 'period', 'second']);
  });

  test('ap: overlap with the search range widened by 10% of the gap to now', () => {
    // ten days after the search value: about one day either side
    expect(find('ap2012-05-24', ms('2012-06-03T00:00:00Z'))).toEqual([
      'day',
      'month',
      'open',
      'period',
      'second',
      'year',
    ]);
    // ten years after: about a year either side
    expect(find('ap2012-05-24', ms('2022-05-24T00:00:00Z'))).toEqual([
      'after',
      'before',
      'day',
      'month',
      'open',
      'period',
      'second',
      'year',
    ]);
  });

  test('_lastUpdated is searched like any date (from meta.lastUpdated)', () => {
    const docs = [
      toDoc({
        resourceType: 'Condition',
        id: 'old',
        subject: { reference: 'Patient/p' },
        meta: { lastUpdated: '2023-12-31T23:59:59.999Z' },
      }),
      toDoc({
        resourceType: 'Condition',
        id: 'new',
        subject: { reference: 'Patient/p' },
        meta: { lastUpdated: '2024-01-01T00:00:00.000Z' },
      }),
    ];
    expect(search(docs, 'Condition', [['_lastUpdated', 'ge2024-01-01']])).toEqual(['new']);
    expect(search(docs, 'Condition', [['_lastUpdated', 'lt2024']])).toEqual(['old']);
    expect(search(docs, 'Condition', [['_lastUpdated', '2023-12-31']])).toEqual(['old']);
  });

  test('malformed dates and prefixes are a 400 naming the parameter', () => {
    for (const bad of ['2012-13-01', '2012-02-30', 'zz2012', 'today', '2012-05-24T10', '2012/05/24']) {
      expect(() => find(bad)).toThrow(FhirError);
      expect(() => find(bad)).toThrow(/onset-date/);
    }
  });
});

const risk = (id: string, probability: number): RiskAssessment => ({
  resourceType: 'RiskAssessment',
  id,
  status: 'final',
  subject: { reference: 'Patient/p' },
  prediction: [{ probabilityDecimal: probability }],
});
const risks = [
  risk('half', 0.5),
  risk('hundred', 100),
  risk('almost', 99.6),
  risk('edge', 100.5),
  risk('tiny', 0.02),
].map((r) => toDoc(r));

describe('number search', () => {
  const find = (value: string): string[] => search(risks, 'RiskAssessment', [['probability', value]]);

  test('eq uses the implicit precision of the value', () => {
    expect(find('100')).toEqual(['almost', 'hundred']); // [99.5, 100.5)
    expect(find('100.0')).toEqual(['hundred']); // [99.95, 100.05)
    expect(find('1e2')).toEqual(['almost', 'edge', 'hundred']); // one significant digit: [50, 150)
  });

  test('the other prefixes compare with the exact value', () => {
    expect(find('gt99.6')).toEqual(['edge', 'hundred']);
    expect(find('ge99.6')).toEqual(['almost', 'edge', 'hundred']);
    expect(find('lt0.5')).toEqual(['tiny']);
    expect(find('le0.5')).toEqual(['half', 'tiny']);
    expect(find('sa100')).toEqual(['edge']);
    expect(find('eb0.5')).toEqual(['tiny']);
    expect(find('ne100')).toEqual(['edge', 'half', 'tiny']);
    expect(find('ap100')).toEqual(['almost', 'edge', 'hundred']); // within 10%
  });

  test('malformed numbers are a 400', () => {
    for (const bad of ['abc', 'xx100', '1,2x', '10 0', '--1']) expect(() => find(bad)).toThrow(/probability/);
  });
});

const obs = (id: string, value: Observation['valueQuantity']): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: 'x' },
  valueQuantity: value,
});
const quantities = [
  toDoc(example<Observation>('Observation-example.json')), // 185 lbs [lb_av]
  toDoc(example<Observation>('Observation-blood-pressure.json')),
  toDoc(obs('mg', { value: 5.4, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' })),
  toDoc(obs('unit-only', { value: 5.4, unit: 'mg' })),
  toDoc(
    obs('below5', { value: 5, comparator: '<', unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' }),
  ),
];

describe('quantity and composite search', () => {
  const find = (code: string, value: string): string[] => search(quantities, 'Observation', [[code, value]]);

  test('number alone, with system and code, and with code only (matching code or unit)', () => {
    expect(find('value-quantity', '5.4')).toEqual(['mg', 'unit-only']);
    expect(find('value-quantity', '5.4|http://unitsofmeasure.org|mg')).toEqual(['mg']);
    expect(find('value-quantity', '5.4||mg')).toEqual(['mg', 'unit-only']);
    expect(find('value-quantity', '185||lbs')).toEqual(['example']);
  });

  test('prefixes; a comparator (<5) makes the value an open range', () => {
    expect(find('value-quantity', 'lt5.4')).toEqual(['below5']);
    expect(find('value-quantity', 'le5.4||mg')).toEqual(['below5', 'mg', 'unit-only']);
    expect(find('value-quantity', 'gt100')).toEqual(['example']);
    expect(find('value-quantity', 'ap180')).toEqual(['example']);
  });

  test('composite code-value-quantity matches code and value in the same combination', () => {
    expect(find('code-value-quantity', 'http://loinc.org|29463-7$gt180')).toEqual(['example']);
    expect(find('code-value-quantity', 'http://loinc.org|29463-7$lt180')).toEqual([]);
    expect(find('component-code-value-quantity', 'http://loinc.org|8480-6$gt100')).toEqual([
      'blood-pressure',
    ]);
    expect(find('component-code-value-quantity', 'http://loinc.org|8462-4$gt100')).toEqual([]); // diastolic is 60
    expect(find('component-code-value-quantity', 'http://loinc.org|8462-4$60')).toEqual(['blood-pressure']);
    expect(find('combo-code-value-quantity', '8480-6$107,29463-7$185')).toEqual([
      'blood-pressure',
      'example',
    ]);
  });

  test('malformed quantities and composites are a 400', () => {
    expect(() => find('value-quantity', '5.4|http://unitsofmeasure.org')).toThrow(/value-quantity/);
    expect(() => find('value-quantity', 'big||mg')).toThrow(/value-quantity/);
    expect(() => find('code-value-quantity', 'http://loinc.org|8480-6')).toThrow(/code-value-quantity/);
  });

  test('Encounter length in minutes', () => {
    const docs = ['Encounter-f001.json', 'Encounter-f202.json', 'Encounter-example.json'].map((f) =>
      toDoc(example(f)),
    );
    expect(search(docs, 'Encounter', [['length', 'gt60||min']])).toEqual(['f001']);
    expect(search(docs, 'Encounter', [['length', '56']])).toEqual(['f202']);
  });
});
