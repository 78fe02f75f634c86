/**
 * Index extraction on official R4 examples and small hand-made resources. Expected entries are written by
 * reading the examples against R4 search.html (token, string, date, reference, quantity, composite) and
 * compartmentdefinition-patient.html, not recorded from the code.
 */
import { describe, expect, test } from '@jest/globals';
import type {
  CarePlan,
  ChargeItem,
  Condition,
  Encounter,
  Observation,
  Patient,
  QuestionnaireResponse,
} from 'fhir/r4.js';
import { extractIndex } from '../../../server/fhir/search/extract.js';
import { MAX_BOUND, MIN_BOUND } from '../../../server/fhir/search/index-entry.js';
import { example, ms, testRegistry } from './helpers.js';

const registry = testRegistry();
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const LOINC = 'http://loinc.org';
const day = (d: string): { lo: number; hi: number } => ({
  lo: ms(`${d}T00:00:00.000Z`),
  hi: ms(`${d}T23:59:59.999Z`),
});

describe('extractIndex on official examples', () => {
  test('Condition-example: tokens from CodeableConcepts, subject/patient references, onset day range', () => {
    const { sp, comp } = extractIndex(registry, example<Condition>('Condition-example.json'));
    expect(sp.code).toEqual([{ s: SNOMED, c: '39065001', t: 'burn of ear' }, { t: 'burnt ear' }]);
    expect(sp['clinical-status']).toEqual([
      { s: 'http://terminology.hl7.org/CodeSystem/condition-clinical', c: 'active' },
    ]);
    expect(sp['verification-status']).toEqual([
      { s: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', c: 'confirmed' },
    ]);
    expect(sp.category).toEqual([
      {
        s: 'http://terminology.hl7.org/CodeSystem/condition-category',
        c: 'encounter-diagnosis',
        t: 'encounter diagnosis',
      },
      { s: SNOMED, c: '439401001', t: 'diagnosis' },
    ]);
    expect(sp.severity).toEqual([{ s: SNOMED, c: '24484000', t: 'severe' }]);
    expect(sp.subject).toEqual([{ r: 'Patient/example', t: 'Patient' }]);
    expect(sp.patient).toEqual([{ r: 'Patient/example', t: 'Patient' }]);
    expect(sp['onset-date']).toEqual([day('2012-05-24')]);
    // absent elements give no key at all, so :missing is $exists
    for (const code of [
      'abatement-date',
      'encounter',
      'recorded-date',
      'asserter',
      'identifier',
      '_lastUpdated',
    ]) {
      expect(sp[code]).toBeUndefined();
    }
    expect(comp).toEqual(['Patient/example']);
  });

  test('Condition-f202: onset and abatement Age as quantities', () => {
    const { sp } = extractIndex(registry, example<Condition>('Condition-f202.json'));
    // UCUM `a` is the Julian year, 31557600 s: the canonical range is in seconds (ucum.ts)
    const years = (n: number) => ({
      v: n,
      lo: n,
      hi: n,
      s: UCUM,
      c: 'a',
      u: 'years',
      n: 's',
      nlo: n * 31557600,
      nhi: n * 31557600,
    });
    expect(sp['onset-age']).toEqual([years(52)]);
    expect(sp['abatement-age']).toEqual([years(54)]);
    expect(sp['recorded-date']).toEqual([day('2012-12-01')]);
  });

  test('Encounter-example: code and Coding tokens, no date without a period', () => {
    const { sp, comp } = extractIndex(registry, example<Encounter>('Encounter-example.json'));
    // a plain `code` takes the system of its required binding (search.html#token)
    expect(sp.status).toEqual([{ c: 'in-progress', s: 'http://hl7.org/fhir/encounter-status' }]);
    expect(sp.class).toEqual([
      { s: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', c: 'IMP', t: 'inpatient encounter' },
    ]);
    expect(sp.date).toBeUndefined();
    expect(comp).toEqual(['Patient/example']);
  });

  test('Encounter-home: a Period of seconds with a +10:00 zone, in UTC', () => {
    const { sp } = extractIndex(registry, example<Encounter>('Encounter-home.json'));
    expect(sp.date).toEqual([{ lo: ms('2015-01-17T06:00:00.000Z'), hi: ms('2015-01-17T06:30:00.999Z') }]);
  });

  test('Encounter-emerg: a Period without end is open to MAX_BOUND', () => {
    const { sp } = extractIndex(registry, example<Encounter>('Encounter-emerg.json'));
    expect(sp.date).toEqual([{ lo: ms('2017-01-31T21:15:00.000Z'), hi: MAX_BOUND }]);
  });

  test('Encounter-f203 and f202: a Period of days; length in minutes', () => {
    expect(extractIndex(registry, example<Encounter>('Encounter-f203.json')).sp.date).toEqual([
      { lo: ms('2013-03-11T00:00:00.000Z'), hi: ms('2013-03-20T23:59:59.999Z') },
    ]);
    const f202 = extractIndex(registry, example<Encounter>('Encounter-f202.json'));
    expect(f202.sp.length).toEqual([
      { v: 56, lo: 56, hi: 56, s: UCUM, c: 'min', u: 'minutes', n: 's', nlo: 3360, nhi: 3360 },
    ]);
    expect(f202.comp).toEqual(['Patient/f201']);
  });

  test('CarePlan-example: open-start period, activity codes, contained reference skipped, compartment', () => {
    const { sp, comp } = extractIndex(registry, example<CarePlan>('CarePlan-example.json'));
    expect(sp.date).toEqual([{ lo: MIN_BOUND, hi: ms('2017-06-01T23:59:59.999Z') }]);
    expect(sp.identifier).toEqual([{ c: '12345' }]);
    expect(sp.status).toEqual([{ c: 'active', s: 'http://hl7.org/fhir/request-status' }]);
    expect(sp.intent).toEqual([{ c: 'plan', s: 'http://hl7.org/fhir/request-intent' }]);
    expect(sp.category).toEqual([{ t: 'weight management plan' }]);
    expect(sp['activity-code']).toEqual([
      { s: LOINC, c: '3141-9', t: 'weight measured' },
      { s: SNOMED, c: '27113001', t: 'body weight' },
    ]);
    expect(sp['instantiates-uri']).toEqual([{ v: 'http://example.org/protocol-for-obesity' }]);
    expect(sp.performer).toEqual([{ r: 'Patient/example', t: 'Patient' }]);
    expect(sp['care-team']).toEqual([{ r: 'CareTeam/example', t: 'CareTeam' }]);
    expect(sp.encounter).toEqual([{ r: 'Encounter/home', t: 'Encounter' }]);
    expect(sp.goal).toEqual([{ r: 'Goal/example', t: 'Goal' }]);
    expect(sp.condition).toBeUndefined(); // addresses -> "#p1", a contained resource
    expect(sp['activity-date']).toBeUndefined(); // a Timing with neither events nor bounds
    expect(sp['based-on']).toBeUndefined(); // display-only references
    expect(comp).toEqual(['Patient/example']);
  });

  test('Patient-example: names, address parts, identifier type, telecom, birth date, own compartment', () => {
    const { sp, comp } = extractIndex(registry, example<Patient>('Patient-example.json'));
    expect(sp.family).toEqual([
      { v: 'chalmers', e: 'Chalmers' },
      { v: 'windsor', e: 'Windsor' },
    ]);
    expect(sp.given).toEqual([
      { v: 'peter', e: 'Peter' },
      { v: 'james', e: 'James' },
      { v: 'jim', e: 'Jim' },
    ]);
    expect(sp.name).toEqual(
      expect.arrayContaining([
        { v: 'peter james chalmers', e: 'Peter James Chalmers' },
        { v: 'jim', e: 'Jim' },
      ]),
    );
    expect(sp['address-city']).toEqual([{ v: 'pleasantville', e: 'PleasantVille' }]);
    expect(sp.address).toEqual(
      expect.arrayContaining([
        { v: '534 erewhon st', e: '534 Erewhon St' },
        { v: 'rainbow', e: 'Rainbow' },
        {
          v: '534 erewhon st peasantville, rainbow, vic 3999',
          e: '534 Erewhon St PeasantVille, Rainbow, Vic  3999',
        },
      ]),
    );
    expect(sp.identifier).toEqual([
      {
        s: 'urn:oid:1.2.36.146.595.217.0.1',
        c: '12345',
        ts: 'http://terminology.hl7.org/CodeSystem/v2-0203',
        tc: 'MR',
      },
    ]);
    expect(sp.gender).toEqual([{ c: 'male', s: 'http://hl7.org/fhir/administrative-gender' }]);
    expect(sp.active).toEqual([{ c: 'true' }]);
    expect(sp.deceased).toEqual([{ c: 'false' }]);
    expect(sp.birthdate).toEqual([day('1974-12-25')]);
    expect(sp.phone).toEqual([
      { s: 'phone', c: '(03) 5555 6473' },
      { s: 'phone', c: '(03) 3410 5613' },
      { s: 'phone', c: '(03) 5555 8834' },
    ]);
    expect(sp.telecom).toHaveLength(3); // the first ContactPoint has only `use`: nothing to index
    expect(sp.organization).toEqual([{ r: 'Organization/1', t: 'Organization' }]);
    expect(comp).toEqual(['Patient/example']);
  });

  test('Observation-example: quantity with UCUM code and human unit, code-value-quantity combinations', () => {
    const { sp, comp } = extractIndex(registry, example<Observation>('Observation-example.json'));
    // 185 [lb_av] × 453.59237 g (UCUM's avoirdupois pound) = 83914.58845 g
    const weight = {
      v: 185,
      lo: 185,
      hi: 185,
      s: UCUM,
      c: '[lb_av]',
      u: 'lbs',
      n: 'g',
      nlo: 83914.58845,
      nhi: 83914.58845,
    };
    expect(sp['value-quantity']).toEqual([weight]);
    expect(sp.date).toEqual([day('2016-03-28')]);
    expect(sp.code).toHaveLength(4);
    expect(sp['code-value-quantity']).toHaveLength(4);
    expect(sp['code-value-quantity']).toContainEqual({
      c0: { s: LOINC, c: '29463-7', t: 'body weight' },
      c1: weight,
    });
    expect(comp).toEqual(['Patient/example']);
  });

  test('Observation-blood-pressure: component composites pair each code with its own value', () => {
    const { sp } = extractIndex(registry, example<Observation>('Observation-blood-pressure.json'));
    const pairs = (sp['component-code-value-quantity'] ?? []).map((e) => {
      const entry = e as { c0: { c: string }; c1: { v: number } };
      return `${entry.c0.c}=${entry.c1.v}`;
    });
    expect(pairs.sort()).toEqual(['271649006=107', '8462-4=60', '8480-6=107', 'bp-s=107']);
    expect(sp['combo-code-value-quantity']).toHaveLength(4); // Observation.value is absent: only components
  });
});

describe('extractIndex on hand-made resources', () => {
  test('meta gives _lastUpdated (instant), _tag, _profile, _security, _source', () => {
    const { sp } = extractIndex(registry, {
      resourceType: 'Condition',
      id: 'm',
      meta: {
        lastUpdated: '2024-05-01T10:00:00.123Z',
        tag: [{ system: 'urn:t', code: 'ccm' }],
        profile: ['http://ccm-fhir.org/fhir/StructureDefinition/ccm-condition|1.0'],
        security: [{ system: 'urn:s', code: 'R' }],
        source: 'urn:ehr',
      },
      subject: { reference: 'Patient/1' },
    } as Condition);
    expect(sp._lastUpdated).toEqual([
      { lo: ms('2024-05-01T10:00:00.123Z'), hi: ms('2024-05-01T10:00:00.123Z') },
    ]);
    expect(sp._tag).toEqual([{ s: 'urn:t', c: 'ccm' }]);
    expect(sp._profile).toEqual([{ v: 'http://ccm-fhir.org/fhir/StructureDefinition/ccm-condition|1.0' }]);
    expect(sp._security).toEqual([{ s: 'urn:s', c: 'R' }]);
    expect(sp._source).toEqual([{ v: 'urn:ehr' }]);
  });

  test('strings are lowercased, accents removed, whitespace collapsed; :exact keeps the raw value', () => {
    const { sp } = extractIndex(registry, {
      resourceType: 'Patient',
      id: 'p',
      name: [{ family: 'Müller  Lüdenscheidt', given: ['Zoë'] }],
    } as Patient);
    expect(sp.family).toEqual([{ v: 'muller ludenscheidt', e: 'Müller  Lüdenscheidt' }]);
    expect(sp.given).toEqual([{ v: 'zoe', e: 'Zoë' }]);
  });

  test('references: versioned, absolute under the base URL, foreign absolute, identifier-only, canonical', () => {
    const options = { baseUrl: 'https://ccm.example/fhir' };
    const versioned = extractIndex(
      registry,
      { resourceType: 'Condition', subject: { reference: 'Patient/1/_history/3' } } as Condition,
      options,
    );
    expect(versioned.sp.subject).toEqual([{ r: 'Patient/1', t: 'Patient' }]);
    const local = extractIndex(
      registry,
      {
        resourceType: 'Condition',
        subject: { reference: 'https://ccm.example/fhir/Patient/2' },
      } as Condition,
      options,
    );
    expect(local.sp.subject).toEqual([{ r: 'Patient/2', t: 'Patient' }]);
    expect(local.comp).toEqual(['Patient/2']);
    const foreign = extractIndex(
      registry,
      { resourceType: 'Condition', subject: { reference: 'http://other.org/fhir/Patient/2' } } as Condition,
      options,
    );
    expect(foreign.sp.subject).toEqual([{ r: 'http://other.org/fhir/Patient/2', t: 'Patient' }]);
    expect(foreign.comp).toEqual([]);
    const byIdentifier = extractIndex(registry, {
      resourceType: 'Condition',
      subject: { type: 'Patient', identifier: { system: 'urn:mrn', value: '77' } },
    } as Condition);
    expect(byIdentifier.sp.subject).toEqual([{ t: 'Patient', is: 'urn:mrn', iv: '77' }]);
    const qr = extractIndex(registry, {
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      questionnaire: 'http://ccm-fhir.org/fhir/Questionnaire/intake|2.0',
    } as QuestionnaireResponse);
    expect(qr.sp.questionnaire).toEqual([{ r: 'http://ccm-fhir.org/fhir/Questionnaire/intake' }]);
  });

  test('Timing covers its outer limits: events and repeat.boundsPeriod', () => {
    const { sp } = extractIndex(registry, {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/1' },
      activity: [
        {
          detail: {
            status: 'scheduled',
            scheduledTiming: {
              event: ['2024-03-05T09:00:00Z', '2024-02-01'],
              repeat: { boundsPeriod: { start: '2024-01-15', end: '2024-04' } },
            },
          },
        },
      ],
    } as CarePlan);
    expect(sp['activity-date']).toEqual([
      { lo: ms('2024-01-15T00:00:00.000Z'), hi: ms('2024-04-30T23:59:59.999Z') },
    ]);
  });

  test('Quantity comparators and Range become open ranges; Money is a quantity in ISO 4217', () => {
    const lessThan = extractIndex(registry, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      valueQuantity: { value: 5, comparator: '<', system: UCUM, code: 'mg' },
    } as Observation);
    expect(lessThan.sp['value-quantity']).toEqual([
      { v: 5, lo: MIN_BOUND, hi: 5, s: UCUM, c: 'mg', n: 'g', nlo: MIN_BOUND, nhi: 0.005 },
    ]);
    const range = extractIndex(registry, {
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      onsetRange: { low: { value: 40, system: UCUM, code: 'a' } },
    } as Condition);
    expect(range.sp['onset-age']).toEqual([
      { lo: 40, hi: MAX_BOUND, s: UCUM, c: 'a', n: 's', nlo: 40 * 31557600, nhi: MAX_BOUND },
    ]);
    const charge = extractIndex(registry, {
      resourceType: 'ChargeItem',
      status: 'billable',
      code: { text: 'x' },
      subject: { reference: 'Patient/1' },
      priceOverride: { value: 42.5, currency: 'USD' },
    } as ChargeItem);
    expect(charge.sp['price-override']).toEqual([
      { v: 42.5, lo: 42.5, hi: 42.5, s: 'urn:iso:std:iso:4217', c: 'USD' },
    ]);
  });

  test('patient compartment: every compartment parameter, and a Patient and the patients it links', () => {
    const obs = extractIndex(registry, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/a' },
      performer: [{ reference: 'Patient/b' }, { reference: 'Practitioner/c' }],
    } as Observation);
    expect(obs.comp.sort()).toEqual(['Patient/a', 'Patient/b']);
    const grp = extractIndex(registry, {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Group/g' },
    } as Observation);
    expect(grp.comp).toEqual([]);
    const pat = extractIndex(registry, {
      resourceType: 'Patient',
      id: 'p1',
      link: [{ other: { reference: 'Patient/p2' }, type: 'seealso' }],
    } as Patient);
    expect(pat.comp.sort()).toEqual(['Patient/p1', 'Patient/p2']);
    const practitioner = extractIndex(registry, { resourceType: 'Practitioner', id: 'x' });
    expect(practitioner.comp).toEqual([]);
  });

  test('no empty arrays are stored and duplicate entries are merged', () => {
    const { sp } = extractIndex(registry, {
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      category: [{ coding: [{ system: 'urn:c', code: 'a' }] }, { coding: [{ system: 'urn:c', code: 'a' }] }],
    } as Condition);
    expect(sp.category).toEqual([{ s: 'urn:c', c: 'a' }]);
    expect(Object.values(sp).every((entries) => entries.length > 0)).toBe(true);
  });
});
