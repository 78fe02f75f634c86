/**
 * Billing vectors, part 3: what time counts and which month it belongs to. Excluded minutes (counted toward
 * another service, non-clinical staff, no role, unfinished entries) never count; months are calendar months
 * in America/New_York, including the daylight-saving changes (8 March and 1 November 2026); PCM families
 * and the PCM/APCM conflict.
 */
import { describe, test } from '@jest/globals';
import { DR_B, enrolled } from '../../helpers/ccm-scenarios.js';
import { checkVector, type Vector } from '../../helpers/ccm-vectors.js';

const MONTH = '2026-03';
const T1 = '2026-03-10T10:00:00-04:00';
const T2 = '2026-03-20T10:00:00-04:00';

const excluded: Vector[] = [
  {
    name: 'minutes counted toward TCM are excluded (25 - 10 = 15)',
    month: MONTH,
    scenario: () =>
      enrolled().time({ start: T1, minutes: 15 }).time({ start: T2, minutes: 10, exclusion: 'counted-tcm' }),
    lines: [],
    seconds: { staff: 900, excluded: 600 },
  },
  {
    name: 'minutes inside a separately billed E/M visit are excluded (45 - 10 = 35)',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 35 })
        .time({ start: T2, minutes: 10, exclusion: 'within-em-visit' }),
    lines: ['99490×1'],
    seconds: { staff: 2100, excluded: 600 },
  },
  {
    name: 'G0506 time never counts toward monthly minutes',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 15 })
        .time({ start: T2, minutes: 10, role: 'billing-practitioner', exclusion: 'counted-g0506' }),
    lines: [],
    seconds: { staff: 900, practitioner: 0, excluded: 600 },
  },
  {
    name: 'non-clinical staff time never counts',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 15 })
        .time({ start: T2, minutes: 30, role: 'non-clinical-staff' }),
    lines: [],
    seconds: { staff: 900, excluded: 1800 },
  },
  {
    name: 'an entry with no time role does not count',
    month: MONTH,
    scenario: () => enrolled().time({ start: T1, minutes: 15 }).time({ start: T2, minutes: 10, role: null }),
    lines: [],
    seconds: { excluded: 600 },
  },
  {
    name: 'an unfinished entry (timer still running) does not count',
    month: MONTH,
    scenario: () =>
      enrolled().time({ start: T1, minutes: 15 }).time({ start: T2, minutes: 10, status: 'in-progress' }),
    lines: [],
    seconds: { excluded: 600 },
  },
  {
    name: 'an entered-in-error entry is ignored altogether',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 21 })
        .time({ start: T2, minutes: 30, status: 'entered-in-error' }),
    lines: ['99490×1'],
    seconds: { staff: 1260, excluded: 0 },
  },
];

const boundaries: Vector[] = [
  {
    name: 'an entry at 23:30 local on 31 March (03:30 UTC on 1 April) belongs to March',
    month: '2026-03',
    scenario: () => enrolled().time({ start: '2026-03-31T23:30:00-04:00', minutes: 20 }),
    lines: ['99490×1'],
  },
  {
    name: '... and not to April',
    month: '2026-04',
    scenario: () => enrolled().time({ start: '2026-03-31T23:30:00-04:00', minutes: 20 }),
    lines: [],
    seconds: { staff: 0 },
  },
  {
    name: 'the same instant written in UTC (2026-04-01T03:30Z) is still March',
    month: '2026-03',
    scenario: () => enrolled().time({ start: '2026-04-01T03:30:00Z', minutes: 20 }),
    lines: ['99490×1'],
  },
  {
    name: 'an entry at 00:10 local on 1 March (05:10 UTC) belongs to March, not February',
    month: '2026-03',
    scenario: () => enrolled().time({ start: '2026-03-01T00:10:00-05:00', minutes: 20 }),
    lines: ['99490×1'],
  },
  {
    name: 'an entry at 23:50 local on 28 February (04:50 UTC on 1 March) belongs to February',
    month: '2026-02',
    scenario: () => enrolled().time({ start: '2026-02-28T23:50:00-05:00', minutes: 20 }),
    lines: ['99490×1'],
  },
  {
    name: '... and not to March',
    month: '2026-03',
    scenario: () => enrolled().time({ start: '2026-02-28T23:50:00-05:00', minutes: 20 }),
    lines: [],
  },
  {
    name: 'spring forward (8 March 2026): entries either side of 02:00 local are summed in March',
    month: '2026-03',
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-08T01:50:00-05:00', minutes: 10 })
        .time({ start: '2026-03-08T03:05:00-04:00', minutes: 10 }),
    lines: ['99490×1'],
  },
  {
    name: 'fall back (1 November 2026): 23:30 local on 31 October (03:30 UTC) belongs to October',
    month: '2026-10',
    scenario: () => enrolled().time({ start: '2026-10-31T23:30:00-04:00', minutes: 20 }),
    lines: ['99490×1'],
  },
  {
    name: '... and not to November',
    month: '2026-11',
    scenario: () => enrolled().time({ start: '2026-10-31T23:30:00-04:00', minutes: 20 }),
    lines: [],
  },
  {
    name: 'fall back: the second 01:30 on 1 November (EST) belongs to November',
    month: '2026-11',
    scenario: () =>
      enrolled()
        .time({ start: '2026-11-01T01:30:00-05:00', minutes: 10 })
        .time({ start: '2026-11-01T01:30:00-04:00', minutes: 10 }),
    lines: ['99490×1'],
  },
  {
    name: 'an entry at 23:59 local on 30 November (EST) belongs to November',
    month: '2026-11',
    scenario: () => enrolled().time({ start: '2026-11-30T23:59:00-05:00', minutes: 20 }),
    lines: ['99490×1'],
  },
];

const programmes: Vector[] = [
  {
    name: 'PCM conflict: CCM and PCM by the same practitioner in one month',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 25 })
        .time({ start: T2, minutes: 30, role: 'billing-practitioner', programme: 'pcm' }),
    lines: [],
    failing: ['no-conflict'],
    reason: 'PCM by Practitioner/dr-a',
  },
  {
    name: 'PCM by a different practitioner does not conflict with CCM',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 25 })
        .time({ start: T2, minutes: 30, role: 'billing-practitioner', programme: 'pcm', who: DR_B }),
    lines: ['99490×1'],
  },
  {
    name: 'PCM time whose practitioner is not identified is reported as a possible conflict',
    month: MONTH,
    scenario: () =>
      enrolled().time({ start: T1, minutes: 25 }).time({ start: T2, minutes: 30, programme: 'pcm' }),
    lines: [],
    failing: ['no-conflict'],
  },
  {
    name: 'APCM by the same practitioner conflicts with CCM',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 25 })
        .time({ start: T2, minutes: 5, role: 'billing-practitioner', programme: 'apcm' }),
    lines: [],
    failing: ['no-conflict'],
  },
  {
    name: 'PCM only, 35 min of the practitioner: 99424',
    month: MONTH,
    scenario: () =>
      enrolled().time({ start: T1, minutes: 35, role: 'billing-practitioner', programme: 'pcm' }),
    lines: ['99424×1'],
    family: '99424',
  },
  {
    name: 'PCM only, 65 min of clinical staff: 99426 + 99427',
    month: MONTH,
    scenario: () => enrolled().time({ start: T1, minutes: 65, programme: 'pcm' }),
    lines: ['99426×1', '99427×1'],
    family: '99426',
  },
  {
    name: 'BHI time is its own programme and never counts for CCM',
    month: MONTH,
    scenario: () =>
      enrolled().time({ start: T1, minutes: 15 }).time({ start: T2, minutes: 30, programme: 'bhi' }),
    lines: [],
    seconds: { staff: 900 },
  },
];

describe('billing vectors: excluded time', () => {
  test.each(excluded.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
describe('billing vectors: month boundaries in America/New_York (DST)', () => {
  test.each(boundaries.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
describe('billing vectors: PCM, APCM and other programmes', () => {
  test.each(programmes.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
