/**
 * UCUM canonical units (https://ucum.org/ucum, R4 search.html#quantity "canonical units"): factors taken from
 * the UCUM table (1 [lb_av] = 453.59237 g, 1 mm[Hg] = 133.322387415 Pa, 1 a = 365.25 d, Cel = K - 273.15).
 */
import { describe, expect, test } from '@jest/globals';
import { canonicalUnit } from '../../../server/fhir/search/ucum.js';

const to = (code: string, value: number) => {
  const c = canonicalUnit(code);
  if (!c) throw new Error(`${code} not understood`);
  return { unit: c.unit, value: c.toCanonical(value) };
};

describe('canonicalUnit', () => {
  test.each([
    ['mg', 5, 'g', 0.005],
    ['kg', 70, 'g', 70000],
    ['ug', 1, 'g', 1e-6],
    ['[lb_av]', 1, 'g', 453.59237],
    ['[oz_av]', 16, 'g', 453.59237],
    ['mg/dL', 100, 'g.m-3', 1000],
    ['g/L', 1.2, 'g.m-3', 1200],
    ['min', 1, 's', 60],
    ['h', 1.5, 's', 5400],
    ['/min', 72, 's-1', 1.2],
    ['{beats}/min', 60, 's-1', 1],
    ['a', 1, 's', 31557600],
    ['mo', 1, 's', 2629800],
    ['cm', 180, 'm', 1.8],
    ['[in_i]', 1, 'm', 0.0254],
    ['kg/m2', 25, 'g.m-2', 25000],
    ['mm[Hg]', 120, 'g.m-1.s-2', 120 * 133.322387415 * 1000], // Pa = kg/(m.s2) = 1000 g/(m.s2)
    ['kPa', 16, 'g.m-1.s-2', 16_000_000],
    ['%', 50, '1', 0.5],
    ['10*3/uL', 7, 'm-3', 7e12],
    ['mL/min/{1.73_m2}', 90, 'm3.s-1', 1.5e-6],
    ['Cel', 37, 'K', 310.15],
    ['[degF]', 98.6, 'K', 310.15],
  ])('%s: %d → %s', (code, value, unit, expected) => {
    const c = to(code as string, value as number);
    expect(c.unit).toBe(unit);
    expect(c.value / (expected as number)).toBeCloseTo(1, 10);
  });

  test('units of the same dimension share the canonical unit; different dimensions do not', () => {
    expect(canonicalUnit('mg')?.unit).toBe(canonicalUnit('[lb_av]')?.unit);
    expect(canonicalUnit('mmol/L')?.unit).toBe(canonicalUnit('umol/mL')?.unit);
    expect(canonicalUnit('mg/dL')?.unit).not.toBe(canonicalUnit('mmol/L')?.unit);
    expect(canonicalUnit('min')?.unit).not.toBe(canonicalUnit('m')?.unit);
  });

  test('unknown or malformed units are not converted', () => {
    for (const code of ['', 'pills', 'mg/', '(mg', 'Cel/h', 'kmin', 'x'.repeat(100), 'm g']) {
      expect(canonicalUnit(code)).toBeUndefined();
    }
  });
});
