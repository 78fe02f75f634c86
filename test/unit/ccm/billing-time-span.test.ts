/**
 * Billing vectors, part 4: an entry's time is its period (ccm-rules.md, "An entry's time is its period",
 * "Overlaps", "Month", "Death", gate 0): a stated length never counts beyond the span, one person's
 * overlapping entries count once, the fall-back day is measured in instants, and nothing counts after death.
 */
import { describe, expect, test } from '@jest/globals';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { engineContext } from '../../../server/ccm/engine/context.js';
import { evaluateEligibility } from '../../../server/ccm/engine/eligibility.js';
import { countedSecondsOf } from '../../../server/ccm/engine/extract.js';
import { evaluateMonth } from '../../../server/ccm/engine/month-summary.js';
import { DR_B, enrolled, NURSE, TZ, type CcmScenario } from '../../helpers/ccm-scenarios.js';
import { checkVector, type Vector } from '../../helpers/ccm-vectors.js';

const MONTH = '2026-03';
const NURSE_2 = 'Practitioner/nurse-m';
const classifier = new ConditionClassifier();
const summary = (s: CcmScenario, month = MONTH) =>
  evaluateMonth(s.record(TZ), engineContext(month, TZ, classifier));

const statedLength: Vector[] = [
  {
    name: 'a 10-minute entry stated as 25 minutes counts 10 minutes (no 99490)',
    month: MONTH,
    scenario: () => enrolled().time({ start: '2026-03-10T10:00:00-04:00', minutes: 10, statedMinutes: 25 }),
    lines: [],
    seconds: { staff: 600 },
  },
  {
    name: 'a shorter stated length counts as stated (30-minute span stated 22 minutes: 99490)',
    month: MONTH,
    scenario: () => enrolled().time({ start: '2026-03-10T10:00:00-04:00', minutes: 30, statedMinutes: 22 }),
    lines: ['99490×1'],
    seconds: { staff: 1320 },
  },
  {
    name: '19 min 59 s written as 19.983333 minutes is 1199 s, not 20 minutes',
    month: MONTH,
    scenario: () =>
      enrolled().time({ start: '2026-03-10T10:00:00-04:00', seconds: 1199, statedMinutes: 19.983333 }),
    lines: [],
    seconds: { staff: 1199 },
  },
];

const overlaps: Vector[] = [
  {
    name: 'two overlapping 20-minute entries by the same person count their union (30 min: 99490 only)',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20 })
        .time({ start: '2026-03-10T10:10:00-04:00', minutes: 20 }),
    lines: ['99490×1'],
    seconds: { staff: 1800, excluded: 600 },
  },
  {
    name: 'the same 20 minutes logged twice by one person count once',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20 })
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20 }),
    lines: ['99490×1'],
    seconds: { staff: 1200, excluded: 1200 },
  },
  {
    name: 'the same 20 minutes by two different people each count (99490 + 99439)',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20 })
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20, who: NURSE_2 }),
    lines: ['99490×1', '99439×1'],
    seconds: { staff: 2400, excluded: 0 },
  },
  {
    name: 'across programmes the overlap counts for the entry that began first (BHI 10:00-10:20, CCM 10:10-10:35: 15 min)',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20, programme: 'bhi' })
        .time({ start: '2026-03-10T10:10:00-04:00', minutes: 25 }),
    lines: [],
    seconds: { staff: 900, excluded: 600 },
  },
  {
    name: 'minutes counted toward TCM are not counted again by an overlapping CCM entry',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 25, exclusion: 'counted-tcm' })
        .time({ start: '2026-03-10T10:10:00-04:00', minutes: 25 }),
    lines: [],
    seconds: { staff: 600 },
  },
  {
    name: 'back-to-back entries (10:00-10:10, 10:10-10:20) do not overlap',
    month: MONTH,
    scenario: () =>
      enrolled()
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 10 })
        .time({ start: '2026-03-10T10:10:00-04:00', minutes: 10 }),
    lines: ['99490×1'],
    seconds: { staff: 1200, excluded: 0 },
  },
];

const fallBack: Vector[] = [
  {
    name: 'fall-back day: 01:50 EDT to 01:10 EST lasts 20 minutes (99490)',
    month: '2026-11',
    scenario: () =>
      enrolled().time({
        start: '2026-11-01T01:50:00-04:00',
        end: '2026-11-01T01:10:00-05:00',
        minutes: 20,
      }),
    lines: ['99490×1'],
    seconds: { staff: 1200 },
  },
  {
    name: 'fall-back day: 01:30 EDT and 01:30 EST are different instants, so 20-minute entries at both do not overlap',
    month: '2026-11',
    scenario: () =>
      enrolled()
        .time({ start: '2026-11-01T01:30:00-04:00', minutes: 20 })
        .time({ start: '2026-11-01T01:30:00-05:00', minutes: 20 }),
    lines: ['99490×1', '99439×1'],
    seconds: { staff: 2400, excluded: 0 },
  },
  {
    name: 'fall-back day: 01:50 EDT-01:10 EST overlaps an entry at 01:05 EST by the same person (5 min once)',
    month: '2026-11',
    scenario: () =>
      enrolled()
        .time({ start: '2026-11-01T01:50:00-04:00', end: '2026-11-01T01:10:00-05:00', minutes: 20 })
        .time({ start: '2026-11-01T01:05:00-05:00', minutes: 20 }),
    lines: ['99490×1'],
    seconds: { staff: 2100, excluded: 300 },
  },
];

const DIED = '2026-03-15T12:00:00-04:00';
const death: Vector[] = [
  {
    name: 'minutes after the death instant never count (15 before + 15 after: nothing)',
    month: MONTH,
    scenario: () =>
      enrolled()
        .deceased(DIED)
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 15 })
        .time({ start: '2026-03-20T10:00:00-04:00', minutes: 15 }),
    lines: [],
    seconds: { staff: 900, excluded: 900 },
  },
  {
    name: 'the month of death bills what was reached before death (25 min on 10 March: 99490)',
    month: MONTH,
    scenario: () => enrolled().deceased(DIED).time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 }),
    lines: ['99490×1'],
  },
  {
    name: 'an entry spanning the death instant counts up to it (10 + 10 of 30: 99490 only)',
    month: MONTH,
    scenario: () =>
      enrolled()
        .deceased(DIED)
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 10 })
        .time({ start: '2026-03-15T11:50:00-04:00', minutes: 30 }),
    lines: ['99490×1'],
    seconds: { staff: 1200, excluded: 1200 },
  },
  {
    name: 'the month after death fails the patient-alive gate with a reason',
    month: '2026-04',
    scenario: () => enrolled().deceased(DIED).time({ start: '2026-04-02T10:00:00-04:00', minutes: 25 }),
    lines: [],
    failing: ['patient-alive'],
    reason: 'died before 2026-04',
  },
  {
    name: 'a death date alone means after that day: an evening entry on the day counts, the next morning does not',
    month: MONTH,
    scenario: () =>
      enrolled()
        .deceased('2026-03-15')
        .time({ start: '2026-03-15T20:00:00-04:00', minutes: 20 })
        .time({ start: '2026-03-16T08:00:00-04:00', minutes: 20 }),
    lines: ['99490×1'],
    seconds: { staff: 1200, excluded: 1200 },
  },
  {
    name: 'deceasedBoolean true without a date fails the patient-alive gate',
    month: MONTH,
    scenario: () => enrolled().deceased(true).time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 }),
    lines: [],
    failing: ['patient-alive'],
    reason: 'without a date',
  },
  {
    name: 'deceasedBoolean false is alive',
    month: MONTH,
    scenario: () => enrolled().deceased(false).time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 }),
    lines: ['99490×1'],
  },
];

describe('billing vectors: the stated length never exceeds the period', () => {
  test.each(statedLength.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
describe("billing vectors: one person's overlapping time counts once", () => {
  test.each(overlaps.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
describe('billing vectors: the fall-back day is measured in instants', () => {
  test.each(fallBack.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});
describe('billing vectors: death', () => {
  test.each(death.map((v) => [v.name, v] as const))('%s', (_n, v) => checkVector(v));
});

describe('counted seconds of one entry', () => {
  const start = Date.parse('2026-03-10T10:00:00-04:00');
  const min = (value: number) => ({ value, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' });
  test('the span in whole seconds, never rounded up', () => {
    expect(countedSecondsOf(undefined, start, start + 1199_999)).toBe(1199);
    expect(countedSecondsOf(min(25), start, start + 600_000)).toBe(600);
    expect(countedSecondsOf(min(5), start, start + 600_000)).toBe(300);
    expect(countedSecondsOf(min(20), start, undefined)).toBe(0);
    expect(countedSecondsOf(min(20), start, start - 1000)).toBe(0);
  });
});

describe('warnings about time', () => {
  test('each overlap names both entries, the earlier first, and the seconds not counted', () => {
    const s = enrolled()
      .time({ start: '2026-03-10T10:10:00-04:00', minutes: 20, id: 'late' })
      .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20, id: 'early' })
      .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20, who: NURSE_2, id: 'other' });
    const out = summary(s);
    expect(out.warnings.map((w) => [w.kind, w.entries, w.seconds])).toEqual([
      ['overlap', ['Encounter/early', 'Encounter/late'], 600],
    ]);
    expect(out.warnings[0].message).toContain('began first');
  });

  test('an overlap across programmes is flagged and the later programme loses the minutes', () => {
    const s = enrolled()
      .time({ start: '2026-03-10T10:00:00-04:00', minutes: 30, role: 'billing-practitioner', who: DR_B })
      .time({
        start: '2026-03-10T10:15:00-04:00',
        minutes: 20,
        role: 'billing-practitioner',
        who: DR_B,
        programme: 'bhi',
      });
    const out = summary(s);
    expect(out.seconds.get('ccm')?.['billing-practitioner']).toBe(1800);
    expect(out.seconds.get('bhi')?.['billing-practitioner']).toBe(300);
    expect(out.warnings.map((w) => w.kind)).toEqual(['overlap']);
  });

  test('a PractitionerRole and its Practitioner are one person', () => {
    const s = enrolled()
      .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20 })
      .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20, who: 'PractitionerRole/nurse-n-role' });
    const record = s.record(TZ);
    const separate = evaluateMonth(record, engineContext(MONTH, TZ, classifier));
    expect(separate.seconds.get('ccm')?.['clinical-staff']).toBe(2400);
    record.roleToPractitioner = { 'PractitionerRole/nurse-n-role': NURSE };
    const same = evaluateMonth(record, engineContext(MONTH, TZ, classifier));
    expect(same.seconds.get('ccm')?.['clinical-staff']).toBe(1200);
    expect(same.warnings.map((w) => w.kind)).toEqual(['overlap']);
  });

  test('an entry cut at death is flagged', () => {
    const s = enrolled().deceased(DIED).time({ start: '2026-03-15T11:50:00-04:00', minutes: 30 });
    const out = summary(s);
    expect(out.warnings.map((w) => [w.kind, w.seconds])).toEqual([['death', 1200]]);
  });
});

describe('eligibility of a deceased patient', () => {
  const ctx = engineContext(MONTH, TZ, classifier);
  test('a patient who died is not eligible, with a patient-alive reason', () => {
    const e = evaluateEligibility(
      enrolled().deceased(DIED).record(TZ),
      ctx,
      Date.parse('2026-03-20T12:00:00Z'),
    );
    expect(e.eligible).toBe(false);
    expect(e.unmet[0].requirement).toBe('patient-alive');
  });
  test('deceasedBoolean true is never eligible', () => {
    const e = evaluateEligibility(
      enrolled().deceased(true).record(TZ),
      ctx,
      Date.parse('2026-03-20T12:00:00Z'),
    );
    expect(e.eligible).toBe(false);
  });
  test('before the death instant the same patient is eligible', () => {
    const e = evaluateEligibility(
      enrolled().deceased(DIED).record(TZ),
      ctx,
      Date.parse('2026-03-10T12:00:00Z'),
    );
    expect(e.eligible).toBe(true);
    expect(e.unmet).toEqual([]);
  });
});
