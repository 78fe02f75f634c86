/**
 * Dates as ranges (R4 search.html#date): each precision stands for the whole interval it names, inclusive,
 * in UTC; zones are applied; malformed or impossible dates are rejected.
 */
import { describe, expect, test } from '@jest/globals';
import { dateRange } from '../../../server/fhir/search/date-range.js';
import { ms } from './helpers.js';

describe('dateRange', () => {
  test('year precision covers the whole year', () => {
    expect(dateRange('2013')).toEqual({
      lo: ms('2013-01-01T00:00:00.000Z'),
      hi: ms('2013-12-31T23:59:59.999Z'),
    });
  });

  test('month precision covers the month, including leap February', () => {
    expect(dateRange('2013-02')).toEqual({
      lo: ms('2013-02-01T00:00:00.000Z'),
      hi: ms('2013-02-28T23:59:59.999Z'),
    });
    expect(dateRange('2012-02')?.hi).toBe(ms('2012-02-29T23:59:59.999Z'));
    expect(dateRange('2013-12')?.hi).toBe(ms('2013-12-31T23:59:59.999Z'));
  });

  test('day precision covers the day', () => {
    expect(dateRange('2013-01-14')).toEqual({
      lo: ms('2013-01-14T00:00:00.000Z'),
      hi: ms('2013-01-14T23:59:59.999Z'),
    });
  });

  test('minute precision (search values) covers the minute; no zone means UTC', () => {
    expect(dateRange('2013-01-14T10:00')).toEqual({
      lo: ms('2013-01-14T10:00:00.000Z'),
      hi: ms('2013-01-14T10:00:59.999Z'),
    });
  });

  test('second precision with a zone is converted to UTC', () => {
    expect(dateRange('2013-01-14T10:00:00+10:00')).toEqual({
      lo: ms('2013-01-14T00:00:00.000Z'),
      hi: ms('2013-01-14T00:00:00.999Z'),
    });
    expect(dateRange('2013-01-14T10:00:00-05:30')?.lo).toBe(ms('2013-01-14T15:30:00.000Z'));
  });

  test('fractional seconds narrow the range to their precision', () => {
    expect(dateRange('2013-01-14T10:00:00.5Z')).toEqual({
      lo: ms('2013-01-14T10:00:00.500Z'),
      hi: ms('2013-01-14T10:00:00.599Z'),
    });
    expect(dateRange('2013-01-14T10:00:00.123Z')).toEqual({
      lo: ms('2013-01-14T10:00:00.123Z'),
      hi: ms('2013-01-14T10:00:00.123Z'),
    });
  });

  test('years below 100 are taken literally', () => {
    expect(dateRange('0050')?.lo).toBe(ms('0050-01-01T00:00:00.000Z'));
  });

  test.each([
    '2013-13',
    '2013-02-30',
    '2013-00',
    '13-01-01',
    '2013-1-1',
    '2013-01-14T25:00',
    '2013-01-14T10:60',
    'abc',
    '',
    '0000',
  ])('rejects %p', (text) => {
    expect(dateRange(text)).toBeUndefined();
  });
});
