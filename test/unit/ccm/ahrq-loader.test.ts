/**
 * The loader of a user-supplied AHRQ chronic condition indicator CSV (HCUP CCIR layout: title line, header
 * row, values in single quotes inside CSV quotes; 1 chronic, 0 not chronic, 9 no determination) and how the
 * classifier uses it: curated rows first (a curated "no" wins), then the AHRQ flag, grouped by ICD-10-CM
 * category; codes in neither stay "ask".
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadChronicIndicatorCsv } from '../../../server/ccm/classification/ahrq-cci.js';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { SYSTEM } from '../../../server/ccm/vocabulary.js';
import { ROOT } from '../../helpers/server-process.js';

const text = readFileSync(path.join(ROOT, 'fixtures', 'ccm', 'ccir-sample.csv'), 'utf8');

describe('loadChronicIndicatorCsv', () => {
  test('skips the title line, finds the header, strips the quotes, counts unreadable rows', () => {
    const { table, skipped } = loadChronicIndicatorCsv(text, 'sample');
    expect(table.size).toBe(7);
    expect(skipped).toBe(2);
    expect(table.get('D869')).toEqual({ flag: 1, description: 'Sarcoidosis, unspecified' });
    expect(table.get('V0001XA')?.flag).toBe(9);
    expect(table.get('G4700')).toBeUndefined();
  });

  test('a file without the expected columns is refused', () => {
    expect(() => loadChronicIndicatorCsv('"code","flag"\n"A000","0"\n')).toThrow(/no header row/);
  });
});

describe('the classifier with a loaded AHRQ table', () => {
  const { table } = loadChronicIndicatorCsv(text, 'sample');
  const c = new ConditionClassifier(table);
  const icd = (code: string) => c.classify(SYSTEM.icd10cm, code);

  test('a code only AHRQ knows takes its flag and groups by category', () => {
    expect([icd('D86.9')?.chronic, icd('D86.9')?.source, icd('D86.9')?.distinctKey]).toEqual([
      'yes',
      'ahrq',
      'icd10-category:D86',
    ]);
    expect(icd('D86.0')?.distinctKey).toBe(icd('D86.9')?.distinctKey);
    expect([icd('A00.0')?.chronic, icd('A00.0')?.ccmGroup]).toEqual(['no', false]);
    expect(icd('V00.01XA')?.chronic).toBe('ask');
  });

  test('curated rows win: chronic sinusitis stays "no" although AHRQ flags it chronic', () => {
    expect([icd('J32.9')?.chronic, icd('J32.9')?.source]).toEqual(['no', 'curated']);
    expect(icd('E11.9')?.groupId).toBe('diabetes');
  });

  test('a code in neither table is "ask"', () => {
    expect([icd('Q99.9')?.chronic, icd('Q99.9')?.source]).toEqual(['ask', 'unknown']);
  });
});
