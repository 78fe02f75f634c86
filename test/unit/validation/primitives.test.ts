/**
 * Primitive values and reference strings, case by case from R4 datatypes.html and references.html.
 */
import { describe, expect, test } from '@jest/globals';
import { checkPrimitive, isValidCalendarDate } from '../../../server/fhir/validation/primitives.js';
import { checkReference } from '../../../server/fhir/validation/references.js';

const VALID: [string, unknown][] = [
  ['boolean', false],
  ['integer', -2147483648],
  ['integer', 2147483647],
  ['positiveInt', 1],
  ['unsignedInt', 0],
  ['decimal', -0.000001],
  ['decimal', 1e21],
  ['string', ' leading and trailing whitespace is allowed '],
  ['markdown', '# title\n\n* item'],
  ['code', 'in-progress'],
  ['code', 'a b'],
  ['id', 'A-z.0-9'],
  ['id', 'a'.repeat(64)],
  ['uri', 'urn:ietf:bcp:47'],
  ['uri', 'relative/path#frag'],
  ['url', 'https://example.org/fhir?x=1'],
  ['canonical', 'http://hl7.org/fhir/ValueSet/example|4.0.1'],
  ['oid', 'urn:oid:2.16.840.1.113883.6.96'],
  ['uuid', 'urn:uuid:c757873d-ec9a-4326-a141-556f43239520'],
  ['base64Binary', 'SGVsbG8='],
  ['base64Binary', 'SGVsbA=='],
  ['base64Binary', 'SGVs bG8h'],
  ['date', '2018'],
  ['date', '1973-06'],
  ['date', '1905-08-23'],
  ['date', '2000-02-29'],
  ['dateTime', '2015-02-07T13:28:17-05:00'],
  ['dateTime', '2017-01-01T00:00:00.000Z'],
  ['dateTime', '2017-01-01T00:00:00+14:00'],
  ['dateTime', '2017-01-01T00:00:00-13:59'],
  ['instant', '2015-02-07T13:28:17.239+02:00'],
  ['time', '00:00:00'],
  ['time', '23:59:59.999'],
  ['xhtml', '<div xmlns="http://www.w3.org/1999/xhtml">text</div>'],
];

const INVALID: [string, unknown, string][] = [
  ['boolean', 'true', 'structure'],
  ['boolean', 0, 'structure'],
  ['integer', 2147483648, 'value'],
  ['integer', -2147483649, 'value'],
  ['integer', 0.5, 'value'],
  ['integer', '1', 'structure'],
  ['positiveInt', 0, 'value'],
  ['unsignedInt', -1, 'value'],
  ['decimal', '1.0', 'structure'],
  ['decimal', Infinity, 'value'],
  ['decimal', NaN, 'value'],
  ['string', '', 'value'],
  ['string', ' \r\n\t', 'value'],
  ['string', 7, 'structure'],
  ['string', {}, 'structure'],
  ['code', ' lead', 'value'],
  ['code', 'trail\t', 'value'],
  ['code', 'double  space', 'value'],
  ['id', '', 'value'],
  ['id', 'a'.repeat(65), 'value'],
  ['id', 'has space', 'value'],
  ['id', 'under_score', 'value'],
  ['id', 'slash/', 'value'],
  ['uri', 'has space', 'value'],
  ['url', 'http://x y', 'value'],
  ['canonical', 'http://x\ny', 'value'],
  ['oid', '2.16.840', 'value'],
  ['oid', 'urn:oid:3.1', 'value'],
  ['oid', 'urn:oid:1.02', 'value'],
  ['uuid', 'urn:uuid:C757873D-EC9A-4326-A141-556F43239520', 'value'],
  ['uuid', 'c757873d-ec9a-4326-a141-556f43239520', 'value'],
  ['base64Binary', 'SGVsbG8', 'value'],
  ['base64Binary', 'SGV$bG8=', 'value'],
  ['date', '2018-02-29', 'value'],
  ['date', '1900-02-29', 'value'],
  ['date', '2018-04-31', 'value'],
  ['date', '2018-00', 'value'],
  ['date', '2018-1-05', 'value'],
  ['date', '18-01-05', 'value'],
  ['date', '2018-01-05Z', 'value'],
  ['date', '2018-01-05T00:00:00Z', 'value'],
  ['dateTime', '2018-01-05T10:00Z', 'value'],
  ['dateTime', '2018-01-05T10:00:00', 'value'],
  ['dateTime', '2018-01-05T24:00:00Z', 'value'],
  ['dateTime', '2018-01-05T10:60:00Z', 'value'],
  ['dateTime', '2018-01-05T10:00:61Z', 'value'],
  ['dateTime', '2018-01-05T10:00:00+14:30', 'value'],
  ['dateTime', '2018-01-05T10:00:00+0500', 'value'],
  ['dateTime', '2018-01-05 10:00:00Z', 'value'],
  ['instant', '2018-01-05', 'value'],
  ['instant', '2018-01-05T10:00:00', 'value'],
  ['instant', '2018-02-30T10:00:00Z', 'value'],
  ['time', '24:00:00', 'value'],
  ['time', '10:00', 'value'],
  ['time', '10:00:00Z', 'value'],
  ['xhtml', 'plain', 'value'],
  ['xhtml', '<p>not a div</p>', 'value'],
];

describe('primitive values (R4 datatypes.html)', () => {
  test.each(VALID)('%s %p is valid', (type, value) => {
    expect(checkPrimitive(type, value)).toBeNull();
  });

  test.each(INVALID)('%s %p is invalid (%s)', (type, value, code) => {
    expect(checkPrimitive(type, value)?.code).toBe(code);
  });

  test('calendar dates follow the Gregorian leap-year rules', () => {
    expect(isValidCalendarDate(2000, 2, 29)).toBe(true);
    expect(isValidCalendarDate(2100, 2, 29)).toBe(false);
    expect(isValidCalendarDate(2024, 2, 29)).toBe(true);
    expect(isValidCalendarDate(2026, 2, 30)).toBe(false);
    expect(isValidCalendarDate(2026, 12, 31)).toBe(true);
    expect(isValidCalendarDate(0, 1, 1)).toBe(false);
  });
});

describe('Reference.reference (R4 references.html)', () => {
  const resourceTypes = new Set(['Patient', 'Group', 'Observation', 'Encounter']);
  const subject = { resourceTypes, targetTypes: new Set(['Patient', 'Group']), inBundle: false };
  const inBundle = { ...subject, inBundle: true };

  test.each([
    ['Patient/123', subject],
    ['Group/g.1', subject],
    ['Patient/123/_history/2', subject],
    ['http://example.org/fhir/Patient/123', subject],
    ['https://example.org/fhir/Patient/123/_history/1', subject],
    ['http://example.org/some/other/thing', subject],
    ['#p1', subject],
    ['#', subject],
    ['urn:uuid:c757873d-ec9a-4326-a141-556f43239520', subject],
    ['urn:oid:1.2.3', subject],
    ['Patient?identifier=http://x|1', inBundle],
  ])('%s is valid', (ref, ctx) => {
    expect(checkReference(ref, ctx)).toBeNull();
  });

  test.each([
    ['Patient', subject],
    ['Patient/', subject],
    ['/Patient/1', subject],
    ['Patients/1', subject],
    ['Patient/1/2', subject],
    ['Patient/1/_history', subject],
    ['Patient/1/_history/', subject],
    ['Patient/' + 'a'.repeat(65), subject],
    ['Observation/1', subject],
    ['http://example.org/fhir/Observation/1', subject],
    ['#a b', subject],
    ['#a_b', subject],
    ['urn:uuid:123', subject],
    ['urn:oid:1.x', subject],
    ['Patient/1 ', subject],
    ['Patient?identifier=x', subject],
    ['Observation?code=x', inBundle],
  ])('%s is invalid', (ref, ctx) => {
    expect(checkReference(ref, ctx)?.code).toBe('value');
  });
});
