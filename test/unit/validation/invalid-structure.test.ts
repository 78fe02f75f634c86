/**
 * Hand-written structural cases, expected results written from R4 json.html and datatypes.html: each invalid
 * resource yields exactly the listed error issues ([expression, code]).
 */
import { describe, expect, test } from '@jest/globals';
import {
  patient,
  condition,
  encounter,
  carePlan,
  observation,
  ext,
  TWO_MB,
  UUID,
  type Case,
} from './builders.js';
import { errorPairs } from './helpers.js';

const CASES: Case[] = [
  // the value is a resource
  ['a string is not a resource', 'Patient', [['Resource', 'structure']]],
  ['an array is not a resource', [patient()], [['Resource', 'structure']]],
  ['null is not a resource', null, [['Resource', 'structure']]],
  ['resourceType is required', { id: 'a' }, [['Resource', 'required']]],
  ['unknown resourceType', { resourceType: 'Foo' }, [['Resource', 'invalid']]],
  ['abstract resourceType', { resourceType: 'DomainResource' }, [['Resource', 'invalid']]],
  ['resourceType must be a string', { resourceType: 7 }, [['Resource', 'invalid']]],
  ['resourceType differs from the expected type', patient(), [['Patient', 'invalid']], 'Condition'],
  [
    'unknown type reported at the expected type',
    { resourceType: 'Foo' },
    [['Condition', 'invalid']],
    'Condition',
  ],
  // unknown elements
  ['unknown root element', condition({ foo: 1 }), [['Condition.foo', 'structure']]],
  [
    'misspelt element',
    condition({ clinicalStatuss: { text: 'x' } }),
    [['Condition.clinicalStatuss', 'structure']],
  ],
  [
    'misspelt element inside a data type',
    condition({ code: { coding: [{ sytem: 'http://snomed.info/sct', code: '1' }] } }),
    [['Condition.code.coding[0].sytem', 'structure']],
  ],
  [
    'choice with a type not allowed',
    condition({ onsetBoolean: true }),
    [['Condition.onsetBoolean', 'structure']],
  ],
  ['choice with an unknown type', condition({ onsetFoo: 'x' }), [['Condition.onsetFoo', 'structure']]],
  [
    'two types of one choice element',
    condition({ onsetDateTime: '2020', onsetString: 'childhood' }),
    [['Condition.onset.ofType(string)', 'structure']],
  ],
  [
    '_name for a complex element',
    condition({ _subject: { id: 'a' } }),
    [['Condition._subject', 'structure']],
  ],
  [
    'resourceType inside a data type',
    condition({ code: { resourceType: 'X', text: 'a' } }),
    [['Condition.code.resourceType', 'structure']],
  ],
  [
    'unknown element in a backbone element',
    carePlan({ activity: [{ detail: { status: 'scheduled', foo: true } }] }),
    [['CarePlan.activity[0].detail.foo', 'structure']],
  ],
  [
    '_url on an extension (an attribute)',
    patient({ extension: [{ url: 'http://x.org', valueString: 'a', _url: { id: 'a' } }] }),
    [['Patient.extension[0]._url', 'structure']],
  ],
  // JSON types and arrays
  ['boolean given as a string', patient({ active: 'true' }), [['Patient.active', 'structure']]],
  ['date given as a number', patient({ birthDate: 19800101 }), [['Patient.birthDate', 'structure']]],
  [
    'integer given as a string',
    patient({ multipleBirthInteger: '2' }),
    [['Patient.multipleBirth.ofType(integer)', 'structure']],
  ],
  ['complex type given as a string', condition({ code: 'diabetes' }), [['Condition.code', 'structure']]],
  [
    'repeating element given as an object',
    patient({ name: { family: 'Doe' } }),
    [['Patient.name', 'structure']],
  ],
  ['single element given as an array', patient({ gender: ['male'] }), [['Patient.gender', 'structure']]],
  [
    'repeating primitive given as a string',
    patient({ name: [{ given: 'John' }] }),
    [['Patient.name[0].given', 'structure']],
  ],
  ['null for a single element', patient({ active: null }), [['Patient.active', 'structure']]],
  ['null inside an array without _name', patient({ name: [null] }), [['Patient.name[0]', 'structure']]],
  ['empty array', patient({ name: [] }), [['Patient.name', 'structure']]],
  ['empty object', patient({ maritalStatus: {} }), [['Patient.maritalStatus', 'structure']]],
  [
    'object with only an id',
    patient({ maritalStatus: { id: 'm' } }),
    [['Patient.maritalStatus', 'structure']],
  ],
  ['empty string', patient({ name: [{ family: '' }] }), [['Patient.name[0].family', 'value']]],
  ['whitespace-only string', patient({ name: [{ family: ' \t ' }] }), [['Patient.name[0].family', 'value']]],
  ['string over 1 MB', patient({ name: [{ family: TWO_MB }] }), [['Patient.name[0].family', 'too-long']]],
  [
    'integer over 32 bits',
    patient({ multipleBirthInteger: 2147483648 }),
    [['Patient.multipleBirth.ofType(integer)', 'value']],
  ],
  [
    'integer with a fraction',
    patient({ multipleBirthInteger: 1.5 }),
    [['Patient.multipleBirth.ofType(integer)', 'value']],
  ],
  ['negative unsignedInt', patient({ photo: [{ size: -1 }] }), [['Patient.photo[0].size', 'value']]],
  [
    'zero positiveInt',
    encounter({ diagnosis: [{ condition: { reference: 'Condition/c1' }, rank: 0 }] }),
    [['Encounter.diagnosis[0].rank', 'value']],
  ],
  [
    'decimal given as a string',
    observation({ valueQuantity: { value: '1.5' } }),
    [['Observation.value.ofType(Quantity).value', 'structure']],
  ],
  [
    'wrong JSON type deep in a choice element',
    observation({ component: [{ code: { text: 'a' }, valueQuantity: { value: 1, unit: 5 } }] }),
    [['Observation.component[0].value.ofType(Quantity).unit', 'structure']],
  ],
  // lexical forms
  ['code with trailing whitespace', encounter({ status: 'finished ' }), [['Encounter.status', 'value']]],
  [
    'code with double whitespace',
    patient({ communication: [{ language: { text: 'x' } }], language: 'en  US' }),
    [['Patient.language', 'value']],
  ],
  ['id with an underscore', patient({ id: 'a_b' }), [['Patient.id', 'value']]],
  ['id longer than 64', patient({ id: 'a'.repeat(65) }), [['Patient.id', 'value']]],
  ['id given as a number', patient({ id: 5 }), [['Patient.id', 'structure']]],
  [
    'uri with a space',
    condition({ code: { coding: [{ system: 'http://snomed info', code: '1' }] } }),
    [['Condition.code.coding[0].system', 'value']],
  ],
  [
    'malformed oid',
    ext({ valueOid: 'urn:oid:1.2.x' }),
    [['Patient.extension[0].value.ofType(oid)', 'value']],
  ],
  [
    'upper-case uuid',
    ext({ valueUuid: UUID.toUpperCase().replace('URN:UUID:', 'urn:uuid:') }),
    [['Patient.extension[0].value.ofType(uuid)', 'value']],
  ],
  [
    'invalid base64Binary',
    patient({ photo: [{ data: 'not base64!' }] }),
    [['Patient.photo[0].data', 'value']],
  ],
  [
    'date that is not in the calendar',
    patient({ birthDate: '2026-02-30' }),
    [['Patient.birthDate', 'value']],
  ],
  ['29 February of a common year', patient({ birthDate: '2023-02-29' }), [['Patient.birthDate', 'value']]],
  ['date without zero padding', patient({ birthDate: '2026-1-5' }), [['Patient.birthDate', 'value']]],
  ['date with month 13', patient({ birthDate: '2026-13' }), [['Patient.birthDate', 'value']]],
  ['year 0000', patient({ birthDate: '0000' }), [['Patient.birthDate', 'value']]],
  ['date with a time', patient({ birthDate: '2026-01-05T10:00:00Z' }), [['Patient.birthDate', 'value']]],
  [
    'dateTime with a time but no zone',
    condition({ onsetDateTime: '2026-01-05T10:00:00' }),
    [['Condition.onset.ofType(dateTime)', 'value']],
  ],
  [
    'dateTime without seconds',
    condition({ onsetDateTime: '2026-01-05T10:00Z' }),
    [['Condition.onset.ofType(dateTime)', 'value']],
  ],
  [
    'dateTime with hour 25',
    condition({ recordedDate: '2026-01-05T25:00:00Z' }),
    [['Condition.recordedDate', 'value']],
  ],
  [
    'dateTime with zone +15:00',
    condition({ recordedDate: '2026-01-05T10:00:00+15:00' }),
    [['Condition.recordedDate', 'value']],
  ],
  [
    'instant without a time',
    patient({ meta: { lastUpdated: '2026-01-05' } }),
    [['Patient.meta.lastUpdated', 'value']],
  ],
  [
    'instant without a zone',
    patient({ meta: { lastUpdated: '2026-01-05T10:00:00.123' } }),
    [['Patient.meta.lastUpdated', 'value']],
  ],
  [
    'time with hour 24',
    ext({ valueTime: '24:00:00' }),
    [['Patient.extension[0].value.ofType(time)', 'value']],
  ],
];

describe('structurally invalid resources produce exactly the expected issues', () => {
  // rest parameters: a callback with more declared parameters than the row would receive jest's `done`
  test.each(CASES)('%s', (...row: Case) => {
    const [, resource, expected, expectedType] = row;
    expect(errorPairs(resource, expectedType)).toEqual(expected);
  });
});
