/**
 * The billing rules as data (ccm-rules.md, "Codes" and "Gates"): the numbers of the table, selection by
 * effective date, and the pure block arithmetic (full blocks only, caps, the next threshold).
 */
import { describe, expect, test } from '@jest/globals';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { engineContext, NoRulesError } from '../../../server/ccm/engine/context.js';
import { chooseFamily, linesFor, nextThreshold } from '../../../server/ccm/engine/families.js';
import { BILLING_RULES, rulesFor } from '../../../server/ccm/rules/billing-rules.js';
import type { BillingRules, CodeFamily } from '../../../server/ccm/rules/types.js';

const family = (id: string) => rulesFor('2026-03')?.families.find((f) => f.id === id) as CodeFamily;

describe('rules by effective date', () => {
  test('each month takes the latest entry in force on its first day; none before the first entry', () => {
    expect(rulesFor('2024-12')).toBeUndefined();
    expect(rulesFor('2025-01')?.version).toBe('cms-pfs-cy2025');
    expect(rulesFor('2025-12')?.version).toBe('cms-pfs-cy2025');
    expect(rulesFor('2026-01')?.version).toBe('cms-pfs-cy2026');
    expect(() => engineContext('2024-12', 'America/New_York', new ConditionClassifier())).toThrow(
      NoRulesError,
    );
  });

  test('a later entry with other numbers applies from its date only', () => {
    const changed = { ...BILLING_RULES[1], version: 'test-2027', effective: '2027-01-01' };
    const table = [...BILLING_RULES, changed];
    expect(rulesFor('2026-12', table)?.version).toBe('cms-pfs-cy2026');
    expect(rulesFor('2027-01', table)?.version).toBe('test-2027');
  });

  test('the table of ccm-rules.md, as data', () => {
    const rows = (rulesFor('2026-03')?.families ?? []).map((f) => [
      f.id,
      f.base.thresholdMinutes,
      f.addOn.code,
      f.addOn.blockMinutes,
      f.addOn.cap,
      f.countedRoles.join('+'),
      f.minChronicGroups,
    ]);
    expect(rows).toEqual([
      ['99490', 20, '99439', 20, 2, 'clinical-staff+bh-care-manager+billing-practitioner', 2],
      ['99491', 30, '99437', 30, null, 'billing-practitioner', 2],
      ['99487', 60, '99489', 30, null, 'clinical-staff+bh-care-manager+billing-practitioner', 2],
      ['99424', 30, '99425', 30, null, 'billing-practitioner', 1],
      ['99426', 30, '99427', 30, null, 'clinical-staff+bh-care-manager+billing-practitioner', 1],
    ]);
    const r = rulesFor('2026-03');
    expect(r?.initiation).toEqual({ code: 'G0506', system: 'hcpcs' });
    expect(r?.gates).toEqual([
      'patient-alive',
      'consent',
      'chronic-conditions',
      'care-plan',
      'initiating-visit',
      'no-conflict',
    ]);
    expect(r?.complex.mdmLevels).toEqual(['moderate', 'high']);
    expect(r?.neverCountedRoles).toEqual(['non-clinical-staff', 'psychiatric-consultant']);
  });
});

describe('full blocks', () => {
  test('seconds are never rounded up', () => {
    expect(linesFor(family('99490'), 1199)).toEqual([]);
    expect(linesFor(family('99490'), 1200)).toEqual([{ code: '99490', system: 'cpt', units: 1 }]);
    expect(linesFor(family('99490'), 2399)).toEqual([{ code: '99490', system: 'cpt', units: 1 }]);
    expect(linesFor(family('99490'), 2400)).toEqual([
      { code: '99490', system: 'cpt', units: 1 },
      { code: '99439', system: 'cpt', units: 1 },
    ]);
    expect(linesFor(family('99490'), 100 * 60)[1].units).toBe(2);
    expect(linesFor(family('99487'), 210 * 60)[1].units).toBe(5);
  });

  test('the next threshold counts down in seconds and stops at the cap', () => {
    expect(nextThreshold(family('99490'), 1199)).toEqual({ code: '99490', secondsToGo: 1 });
    expect(nextThreshold(family('99490'), 1500)).toEqual({ code: '99439', secondsToGo: 900 });
    expect(nextThreshold(family('99490'), 3600)).toBeUndefined();
    expect(nextThreshold(family('99491'), 3600)).toEqual({ code: '99437', secondsToGo: 1800 });
  });
});

describe('family choice and its fallbacks, as data', () => {
  const rules = rulesFor('2026-03') as BillingRules;
  const strict: BillingRules = {
    ...rules,
    familyFallbacks: { complexUnderThreshold: false, personalUnderThreshold: false },
  };
  const sec = (staff: number, practitioner: number) => ({
    'clinical-staff': staff * 60,
    'bh-care-manager': 0,
    'billing-practitioner': practitioner * 60,
    excluded: 0,
  });
  const documented = { mdm: true, revised: true };
  const none = { mdm: false, revised: false };

  test('the rules in force carry both fallbacks', () => {
    expect(rules.familyFallbacks).toEqual({ complexUnderThreshold: true, personalUnderThreshold: true });
  });

  test('complex under its threshold: the non-complex family with the fallback, complex without', () => {
    expect(chooseFamily(rules, 'ccm', sec(45, 10), documented)?.family.id).toBe('99490');
    expect(chooseFamily(rules, 'ccm', sec(0, 45), documented)?.family.id).toBe('99491');
    expect(chooseFamily(rules, 'ccm', sec(0, 25), documented)?.family.id).toBe('99490');
    expect(chooseFamily(rules, 'ccm', sec(50, 10), documented)?.family.id).toBe('99487');
    expect(chooseFamily(strict, 'ccm', sec(45, 10), documented)?.family.id).toBe('99487');
  });

  test("the practitioner's own time under 30 minutes: the staff family with the fallback, personal without", () => {
    expect(chooseFamily(rules, 'ccm', sec(0, 25), none)?.family.id).toBe('99490');
    expect(chooseFamily(rules, 'ccm', sec(0, 30), none)?.family.id).toBe('99491');
    expect(chooseFamily(strict, 'ccm', sec(0, 25), none)?.family.id).toBe('99491');
    expect(chooseFamily(rules, 'pcm', sec(0, 25), none)?.family.id).toBe('99426');
    expect(chooseFamily(rules, 'pcm', sec(0, 30), none)?.family.id).toBe('99424');
  });
});
