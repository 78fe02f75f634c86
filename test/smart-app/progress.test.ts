/**
 * Progress toward the next billing threshold, from the billing rules data (server/ccm/rules): full minutes
 * only, never rounded up; the family's base code first, then each add-on block up to its cap.
 */
import { describe, expect, test } from '@jest/globals';
import { duration, progressOf } from '../../smart-app/ccm/view-model.js';

const M = 60;

describe('progress toward the next threshold (99490 family, CY2026 rules)', () => {
  test('below the base threshold', () => {
    const p = progressOf('2026-11', 14 * M);
    expect(p?.toward).toBe('14 of 20 minutes toward 99490');
    expect(p?.remaining).toBe('6 minutes to 99490');
    expect(p?.reached).toEqual([]);
  });

  test('19 min 59 s is not 20 minutes', () => {
    const p = progressOf('2026-11', 20 * M - 1);
    expect(p?.toward).toBe('19 of 20 minutes toward 99490');
    expect(p?.remaining).toBe('1 s to 99490');
  });

  test('base reached, then the add-on blocks up to the cap', () => {
    expect(progressOf('2026-11', 34 * M)).toMatchObject({
      toward: '34 of 40 minutes toward 99439',
      remaining: '6 minutes to 99439',
      reached: ['99490 reached'],
    });
    expect(progressOf('2026-11', 45 * M)?.reached).toEqual(['99490 reached', '99439 ×1 reached']);
    const capped = progressOf('2026-11', 75 * M);
    expect(capped?.remaining).toBeUndefined();
    expect(capped?.reached).toEqual(['99490 reached', '99439 ×2 reached']);
  });

  test('the personal family follows its own thresholds (99491: 30, +99437 each 30)', () => {
    expect(progressOf('2026-11', 25 * M, '99491')?.remaining).toBe('5 minutes to 99491');
    expect(progressOf('2026-11', 61 * M, '99491')?.toward).toBe('61 of 90 minutes toward 99437');
  });

  test('no rules before the first effective date', () => {
    expect(progressOf('2019-01', 10 * M)).toBeUndefined();
  });

  test('durations', () => {
    expect(duration(60)).toBe('1 minute');
    expect(duration(330)).toBe('5 min 30 s');
  });
});
