/**
 * Calendar months in the practice zone (ccm-rules.md: "the calendar month computed in the practice's time
 * zone"). Expected UTC boundaries are worked out by hand from the 2026 daylight-saving dates: the US
 * changes on 8 March and 1 November 2026, the UK on 29 March and 25 October 2026.
 */
import { describe, expect, test } from '@jest/globals';
import {
  endInstantOf,
  instantOf,
  isValidTimeZone,
  localToEpoch,
  monthOf,
  monthRange,
  parseMonth,
  shiftMonth,
} from '../../../server/ccm/time/zone.js';

const NY = 'America/New_York';
const iso = (ms: number) => new Date(ms).toISOString();

describe('monthRange', () => {
  test('March 2026 in New York starts in EST and ends in EDT', () => {
    const r = monthRange('2026-03', NY);
    expect(iso(r.start)).toBe('2026-03-01T05:00:00.000Z');
    expect(iso(r.end)).toBe('2026-04-01T04:00:00.000Z');
  });

  test('November 2026 in New York starts in EDT and ends in EST', () => {
    const r = monthRange('2026-11', NY);
    expect(iso(r.start)).toBe('2026-11-01T04:00:00.000Z');
    expect(iso(r.end)).toBe('2026-12-01T05:00:00.000Z');
  });

  test('months in other zones: London (BST from 29 March), Honolulu (no DST), UTC, Chicago', () => {
    expect(iso(monthRange('2026-03', 'Europe/London').end)).toBe('2026-03-31T23:00:00.000Z');
    expect(iso(monthRange('2026-07', 'Pacific/Honolulu').start)).toBe('2026-07-01T10:00:00.000Z');
    expect(iso(monthRange('2026-02', 'UTC').end)).toBe('2026-03-01T00:00:00.000Z');
    expect(iso(monthRange('2026-12', 'America/Chicago').end)).toBe('2027-01-01T06:00:00.000Z');
  });
});

describe('monthOf', () => {
  test('23:30 local on the last day of a month belongs to that month', () => {
    expect(monthOf(Date.parse('2026-03-31T23:30:00-04:00'), NY)).toBe('2026-03');
    expect(monthOf(Date.parse('2026-10-31T23:30:00-04:00'), NY)).toBe('2026-10');
    expect(monthOf(Date.parse('2026-02-28T23:59:59-05:00'), NY)).toBe('2026-02');
  });

  test('the first instant of a local month belongs to it; the one before does not', () => {
    const r = monthRange('2026-11', NY);
    expect(monthOf(r.start, NY)).toBe('2026-11');
    expect(monthOf(r.start - 1, NY)).toBe('2026-10');
    expect(monthOf(Date.parse('2026-12-31T23:59:00-05:00'), 'America/New_York')).toBe('2026-12');
  });
});

describe('localToEpoch across daylight-saving changes', () => {
  test('a local time skipped by spring-forward moves forward by the jump', () => {
    expect(iso(localToEpoch(2026, 3, 8, 2, 30, 0, NY))).toBe('2026-03-08T07:30:00.000Z');
  });
  test('a repeated local time (fall back) resolves to its first occurrence', () => {
    expect(iso(localToEpoch(2026, 11, 1, 1, 30, 0, NY))).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('FHIR dates as instants in the practice zone', () => {
  test('a dateTime with a zone is exact; partial dates stand for their first local instant', () => {
    expect(iso(instantOf('2026-03-10T10:00:00Z', NY) as number)).toBe('2026-03-10T10:00:00.000Z');
    expect(iso(instantOf('2026-03-10', NY) as number)).toBe('2026-03-10T04:00:00.000Z');
    expect(iso(instantOf('2026-03', NY) as number)).toBe('2026-03-01T05:00:00.000Z');
    expect(iso(instantOf('2026', NY) as number)).toBe('2026-01-01T05:00:00.000Z');
    expect(instantOf('10 March', NY)).toBeUndefined();
    expect(instantOf(undefined, NY)).toBeUndefined();
  });
  test('period ends cover their whole local day or month', () => {
    expect(iso(endInstantOf('2026-03', NY) as number)).toBe('2026-04-01T03:59:59.999Z');
    expect(iso(endInstantOf('2026-03-08', NY) as number)).toBe('2026-03-09T03:59:59.999Z');
  });
});

describe('zone names and months', () => {
  test('IANA names are accepted, anything else refused', () => {
    for (const tz of ['America/New_York', 'America/Argentina/Buenos_Aires', 'UTC', 'Europe/London'])
      expect(isValidTimeZone(tz)).toBe(true);
    for (const tz of ['Mars/Olympus', 'America/New York', '+05:00', '', 'EST5EDT;rm'])
      expect(isValidTimeZone(tz)).toBe(false);
  });
  test('months parse as YYYY-MM only and shift across years', () => {
    expect(parseMonth('2026-03')).toEqual({ year: 2026, monthNumber: 3 });
    for (const bad of ['2026-3', '2026-13', '2026-00', '26-03', '2026-03-01'])
      expect(parseMonth(bad)).toBeNull();
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(shiftMonth('2026-03', -12)).toBe('2025-03');
  });
});
