/**
 * The builder form parser and checks (pure): repeated fields, blank rows, values that are not text, bad
 * dates and numbers, and owners outside the care team all give a sentence, never an exception.
 */
import { describe, expect, test } from '@jest/globals';
import { addDays, isDate, localDate, todayIn } from '../../smart-app/care-plan/dates.js';
import { checkDraft, draftFromForm, field, fieldList } from '../../smart-app/care-plan/form.js';

const RULES = {
  today: '2026-11-20',
  conditions: new Set(['c1', 'c2', 'c3']),
  owners: new Set(['Practitioner/a', 'Patient/p', 'CareTeam']),
};

/** A complete, valid form body. */
function body(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    addresses: ['c1', 'c2'],
    prognosis: 'Stable',
    'goal-0-description': 'HbA1c below 7 %',
    'goal-0-due': '2027-02-18',
    'goal-0-target-0-measure': 'HbA1c',
    'goal-0-target-0-loinc': '4548-4',
    'goal-0-target-0-comparator': '<',
    'goal-0-target-0-value': '7',
    'goal-0-target-0-unit': '%',
    'goal-1-description': '',
    'goal-1-due': '',
    'goal-1-target-0-comparator': '<',
    'intervention-0-text': 'Call monthly',
    'intervention-0-owner': 'Practitioner/a',
    'intervention-0-due': '2026-12-20',
    'intervention-1-text': '',
    'intervention-1-owner': 'Practitioner/a',
    'next-review': '2027-02-18',
    ...over,
  };
}

describe('form fields', () => {
  test('a repeated field counts once; lists drop blanks and duplicates; non-text values read as empty', () => {
    expect(field({ a: ['x', 'y'] }, 'a')).toBe('x');
    expect(field({ a: { nested: 'x' } }, 'a')).toBe('');
    expect(field({}, 'a')).toBe('');
    expect(fieldList({ a: ['x', 'x', ' ', 'y'] }, 'a')).toEqual(['x', 'y']);
    expect(fieldList({ a: 'x' }, 'a')).toEqual(['x']);
  });

  test('a complete form gives a draft without problems; blank rows are ignored', () => {
    const d = draftFromForm(body());
    expect(d.goals).toHaveLength(1);
    expect(d.goals[0].targets).toEqual([
      { measure: 'HbA1c', loinc: '4548-4', comparator: '<', value: '7', unit: '%' },
    ]);
    expect(d.interventions).toHaveLength(1);
    expect(checkDraft(d, RULES)).toEqual([]);
  });

  test('bad dates, numbers, codes, owners and empty goals each give a clear sentence', () => {
    const d = draftFromForm(
      body({
        addresses: ['c1', 'elsewhere'],
        'goal-0-description': '',
        'goal-0-due': '2027-02-30',
        'goal-0-target-0-value': 'seven',
        'goal-0-target-0-loinc': 'A1C',
        'goal-0-target-0-comparator': '~',
        'intervention-0-owner': 'Practitioner/stranger',
        'intervention-0-due': '2026-11-01',
        'next-review': '2026-11-20',
      }),
    );
    expect(checkDraft(d, RULES)).toEqual([
      "The problem list names conditions that are not this patient's: elsewhere.",
      'Goal 1: describe the goal (it cannot be empty).',
      'Goal 1: enter a due date as YYYY-MM-DD.',
      'Goal 1, target 1: A1C is not a LOINC code (like 4548-4).',
      'Goal 1, target 1: the target value must be a number.',
      'Goal 1, target 1: choose a comparison (<, ≤, >, ≥ or =).',
      'Intervention 1: choose who is responsible.',
      'Intervention 1: the due date 2026-11-01 is in the past.',
      'Next review: the date must be after today.',
    ]);
  });

  test('an empty form asks for the problem list, a goal, an intervention and the review date', () => {
    expect(checkDraft(draftFromForm({}), RULES)).toEqual([
      'Problem list: choose at least two chronic conditions (or choose PCM for a plan of one condition).',
      'Goals: add at least one measurable goal.',
      'Interventions: add at least one intervention.',
      'Next review: enter a date as YYYY-MM-DD.',
    ]);
  });

  test('row numbers beyond the limit are ignored', () => {
    const d = draftFromForm(body({ 'intervention-999-text': 'x', 'intervention-999-owner': 'Patient/p' }));
    expect(d.interventions).toHaveLength(1);
  });
});

describe('dates', () => {
  test('calendar checks, offsets and the practice-zone day', () => {
    expect(isDate('2028-02-29')).toBe(true);
    expect(isDate('2027-02-29')).toBe(false);
    expect(isDate('2027-1-01')).toBe(false);
    expect(addDays('2026-12-20', 15)).toBe('2027-01-04');
    expect(todayIn(new Date('2026-11-27T03:00:00Z'), 'America/New_York')).toBe('2026-11-26');
    expect(localDate('2026-11-27T03:00:00Z', 'America/New_York')).toBe('2026-11-26');
    expect(localDate('2026-11-27', 'America/New_York')).toBe('2026-11-27');
  });
});
