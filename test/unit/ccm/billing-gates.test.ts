/**
 * Billing vectors, part 2: the gates of ccm-rules.md — consent (given mid-month, declined, revoked effective
 * at the end of the month, practitioner change without a new consent, incomplete record), two or more chronic
 * conditions (distinct groups, not codes; misleading names; attestation), the care plan and its copy, the
 * initiating visit (and G0506), and the complex family with and without its documentation.
 */
import { describe, test } from '@jest/globals';
import { DR_B, enrolled, enrolledRevised } from '../../helpers/ccm-scenarios.js';
import { checkVector, type Vector } from '../../helpers/ccm-vectors.js';
import { base, MONTH, staff25, T1, T2 } from './gate-vectors.js';

const consent: Vector[] = [
  {
    name: 'consent given mid-month: minutes before it do not count',
    month: MONTH,
    scenario: () =>
      base({ consent: false })
        .consent({ at: '2026-03-15T09:00:00-04:00' })
        .visit({ at: '2026-03-15T08:30:00-04:00' })
        .time({ start: T1, minutes: 15 })
        .time({ start: T2, minutes: 25 }),
    lines: ['99490×1'],
    seconds: { staff: 1500, excluded: 900 },
  },
  {
    name: 'no consent on file',
    month: MONTH,
    scenario: () => staff25(base({ consent: false })),
    lines: [],
    failing: ['consent', 'initiating-visit'],
    reason: 'No CCM consent',
  },
  {
    name: 'consent declined',
    month: MONTH,
    scenario: () =>
      staff25(base({ consent: false }).consent({ at: '2026-02-02T10:00:00-05:00', status: 'rejected' })),
    lines: [],
    failing: ['consent', 'initiating-visit'],
    reason: 'declined',
  },
  {
    name: 'declined after an earlier acceptance: the latest consent decides',
    month: MONTH,
    scenario: () => staff25(enrolled().consent({ at: '2026-02-20T10:00:00-05:00', status: 'rejected' })),
    lines: [],
    failing: ['consent', 'initiating-visit'],
  },
  {
    name: 'revoked on 10 March: effective at the end of March, March is billable',
    month: MONTH,
    scenario: () =>
      staff25(
        base({ consent: false }).consent({
          at: '2026-01-05T10:00:00-05:00',
          status: 'inactive',
          end: '2026-03-31T23:59:59-04:00',
        }),
      ),
    lines: ['99490×1'],
  },
  {
    name: 'revoked in March: April is not billable',
    month: '2026-04',
    scenario: () =>
      base({ consent: false })
        .consent({ at: '2026-01-05T10:00:00-05:00', status: 'inactive', end: '2026-03-31T23:59:59-04:00' })
        .time({ start: '2026-04-08T10:00:00-04:00', minutes: 25 }),
    lines: [],
    failing: ['consent', 'initiating-visit'],
    reason: 'effective at the end of 2026-03',
  },
  {
    name: 'revoked in March, the entry at 23:30 on 31 March still counts for March',
    month: MONTH,
    scenario: () =>
      base({ consent: false })
        .consent({ at: '2026-01-05T10:00:00-05:00', status: 'inactive', end: '2026-03' })
        .time({ start: '2026-03-31T23:30:00-04:00', minutes: 20 }),
    lines: ['99490×1'],
  },
  {
    name: 'billing practitioner changed without a new consent',
    month: MONTH,
    scenario: () => enrolled().time({ start: T1, minutes: 35, role: 'billing-practitioner', who: DR_B }),
    lines: [],
    failing: ['consent'],
    reason: 'a new consent is needed',
  },
  {
    name: 'billing practitioner changed (CareTeam) with a new consent and a visit by the new practitioner',
    month: MONTH,
    scenario: () =>
      enrolled()
        .careTeam({ who: DR_B, start: '2026-02-20' })
        .consent({ at: '2026-02-20T10:00:00-05:00', who: DR_B })
        .visit({ at: '2026-02-20T09:00:00-05:00', who: DR_B })
        .time({ start: T1, minutes: 35, role: 'billing-practitioner', who: DR_B }),
    lines: ['99491×1'],
  },
  {
    name: 'consent without the four elements explained',
    month: MONTH,
    scenario: () =>
      staff25(
        base({ consent: false }).consent({
          at: '2026-01-05T10:00:00-05:00',
          elements: ['service-available', 'cost-sharing'],
        }),
      ),
    lines: [],
    failing: ['consent'],
    reason: 'one-practitioner-per-month, stop-any-time',
  },
  {
    name: 'consent without its method (verbal or written)',
    month: MONTH,
    scenario: () =>
      staff25(base({ consent: false }).consent({ at: '2026-01-05T10:00:00-05:00', method: null })),
    lines: [],
    failing: ['consent'],
  },
];

const plansAndVisits: Vector[] = [
  {
    name: 'no care plan',
    month: MONTH,
    scenario: () => staff25(base({ plan: false })),
    lines: [],
    failing: ['care-plan'],
    reason: 'No CCM care plan',
  },
  {
    name: 'care plan without a record of the patient copy',
    month: MONTH,
    scenario: () =>
      staff25(base({ plan: false }).carePlan({ start: '2026-01-05T11:00:00-05:00', copy: null })),
    lines: [],
    failing: ['care-plan'],
    reason: 'copy',
  },
  {
    name: 'care plan still a draft',
    month: MONTH,
    scenario: () =>
      staff25(base({ plan: false }).carePlan({ start: '2026-01-05T11:00:00-05:00', status: 'draft' })),
    lines: [],
    failing: ['care-plan'],
  },
  {
    name: 'missing initiating visit',
    month: MONTH,
    scenario: () => staff25(base({ visit: false })),
    lines: [],
    failing: ['initiating-visit'],
  },
  {
    name: 'initiating visit more than a year before CCM started',
    month: MONTH,
    scenario: () => staff25(base({ visit: false }).visit({ at: '2024-12-15T09:00:00-05:00' })),
    lines: [],
    failing: ['initiating-visit'],
  },
  {
    name: 'initiating visit by another practitioner',
    month: MONTH,
    scenario: () => staff25(base({ visit: false }).visit({ at: '2025-12-10T09:00:00-05:00', who: DR_B })),
    lines: [],
    failing: ['initiating-visit'],
  },
  {
    name: 'an annual wellness visit (G0439) is an initiating visit',
    month: MONTH,
    scenario: () =>
      staff25(base({ visit: false }).visit({ at: '2025-06-10T09:00:00-04:00', codes: ['G0439'] })),
    lines: ['99490×1'],
  },
  {
    name: 'G0506 is reported in the month of the initiating visit that carries it',
    month: MONTH,
    scenario: () =>
      base({ consent: false, visit: false })
        .consent({ at: '2026-03-02T10:30:00-05:00' })
        .visit({ at: '2026-03-02T10:00:00-05:00', codes: ['99215', 'G0506'] })
        .time({ start: T2, minutes: 22 }),
    lines: ['99490×1', 'G0506×1'],
  },
];

const complexity: Vector[] = [
  {
    name: 'complex with moderate MDM and a care-plan revision: 99487',
    month: MONTH,
    scenario: () =>
      enrolledRevised()
        .time({ start: T1, minutes: 10, role: 'billing-practitioner', mdm: 'moderate' })
        .time({ start: T2, minutes: 55 }),
    lines: ['99487×1'],
    family: '99487',
  },
  {
    name: 'complex documentation without MDM: non-complex 99490 family',
    month: MONTH,
    scenario: () =>
      enrolledRevised()
        .time({ start: T1, minutes: 10, role: 'billing-practitioner' })
        .time({ start: T2, minutes: 55 }),
    lines: ['99490×1', '99439×2'],
    family: '99490',
  },
  {
    name: 'high MDM without a care-plan revision this month: 99490 family',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 10, role: 'billing-practitioner', mdm: 'high' })
        .time({ start: T2, minutes: 55 }),
    lines: ['99490×1', '99439×2'],
    family: '99490',
  },
  {
    name: 'low MDM is not complex',
    month: MONTH,
    scenario: () =>
      enrolledRevised()
        .time({ start: T1, minutes: 10, role: 'billing-practitioner', mdm: 'low' })
        .time({ start: T2, minutes: 55 }),
    lines: ['99490×1', '99439×2'],
    family: '99490',
  },
  {
    name: 'staff and practitioner time together count toward 99490 (25 + 15 = 40)',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: T1, minutes: 25 })
        .time({ start: T2, minutes: 15, role: 'billing-practitioner' }),
    lines: ['99490×1', '99439×1'],
    family: '99490',
    seconds: { staff: 1500, practitioner: 900 },
  },
  {
    name: "practitioner's own time only, 25 min: counted as staff time toward 99490",
    month: MONTH,
    scenario: () => enrolled().time({ start: T1, minutes: 25, role: 'billing-practitioner' }),
    lines: ['99490×1'],
    family: '99490',
  },
];

describe('billing vectors: consent', () => {
  test.each(consent.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
describe('billing vectors: care plan and initiating visit', () => {
  test.each(plansAndVisits.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
describe('billing vectors: complex CCM and personal vs staff time', () => {
  test.each(complexity.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
