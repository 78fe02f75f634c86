/**
 * Chronic-condition classification (ccm-rules.md, "Chronic-condition identification"): every curated table
 * entry classifies to its own group and flag; named real-world codes checked by hand against the CMS CCW
 * condition categories and the CCIR notion of chronic (lasting 12 months or more) narrowed to CCM (and
 * significant risk); misleading "chronic" names are never CCM conditions; unknown codes are "ask".
 */
import { describe, expect, test } from '@jest/globals';
import {
  ConditionClassifier,
  ICD10_TABLE,
  SNOMED_TABLE,
} from '../../../server/ccm/classification/classify.js';
import { CONDITION_GROUPS } from '../../../server/ccm/classification/groups.js';
import { SYSTEM } from '../../../server/ccm/vocabulary.js';

const c = new ConditionClassifier();
const icd = (code: string) => c.classify(SYSTEM.icd10cm, code);
const sct = (code: string) => c.classify(SYSTEM.snomed, code);

describe('the curated tables', () => {
  test('hold at least 300 ICD-10-CM rows and 150 SNOMED CT concepts, without duplicates', () => {
    expect(ICD10_TABLE.length).toBeGreaterThanOrEqual(300);
    expect(SNOMED_TABLE.length).toBeGreaterThanOrEqual(150);
    expect(new Set(ICD10_TABLE.map((r) => r[0])).size).toBe(ICD10_TABLE.length);
    expect(new Set(SNOMED_TABLE.map((r) => r[0])).size).toBe(SNOMED_TABLE.length);
  });

  test.each(ICD10_TABLE.map((r) => [r[0], r] as const))(
    'ICD-10-CM %s classifies to its group and flag',
    (_code, [code, group, chronic]) => {
      expect(code).toMatch(/^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/);
      const r = icd(code);
      expect([r?.groupId, r?.chronic, r?.source]).toEqual([group, chronic, 'curated']);
      expect(CONDITION_GROUPS.get(group)?.ccm).toBe(chronic !== 'no');
    },
  );

  test.each(SNOMED_TABLE.map((r) => [r[0], r] as const))(
    'SNOMED CT %s classifies to its group and flag, with a consistent ICD-10-CM code',
    (_code, [concept, group, chronic, icd10]) => {
      const r = sct(concept);
      expect([r?.groupId, r?.chronic, r?.icd10]).toEqual([group, chronic, icd10]);
      const viaClaim = icd(icd10);
      expect([viaClaim?.groupId, viaClaim?.chronic]).toEqual([group, chronic]);
    },
  );

  test('the synthetic-data concepts named in the brief are all present and chronic (ask for stroke and a depressive disorder not stated as recurrent)', () => {
    const expected: Array<[string, string, string]> = [
      ['44054006', 'diabetes', 'yes'],
      ['59621000', 'hypertension', 'yes'],
      ['431855005', 'chronic-kidney-disease', 'yes'],
      ['433144002', 'chronic-kidney-disease', 'yes'],
      ['431857002', 'chronic-kidney-disease', 'yes'],
      ['88805009', 'heart-failure', 'yes'],
      ['13645005', 'copd', 'yes'],
      ['53741008', 'ischemic-heart-disease', 'yes'],
      ['49436004', 'atrial-fibrillation', 'yes'],
      ['26929004', 'dementia', 'yes'],
      ['35489007', 'depression', 'ask'],
      ['239873007', 'osteoarthritis', 'yes'],
      ['55822004', 'hyperlipidemia', 'yes'],
      ['195967001', 'asthma', 'yes'],
      ['64859006', 'osteoporosis', 'yes'],
      ['230690007', 'stroke-tia', 'ask'],
    ];
    for (const [concept, group, chronic] of expected)
      expect([concept, sct(concept)?.groupId, sct(concept)?.chronic]).toEqual([concept, group, chronic]);
  });
});

describe('named real-world ICD-10-CM codes, checked by hand against the CCW categories', () => {
  const HAND_CHECKED: Array<[string, string, 'yes' | 'no' | 'ask']> = [
    ['E11.9', 'diabetes', 'yes'],
    ['E11.65', 'diabetes', 'yes'],
    ['E10.9', 'diabetes', 'yes'],
    ['E11.3293', 'diabetes', 'yes'],
    ['I10', 'hypertension', 'yes'],
    ['I12.9', 'hypertension', 'yes'],
    ['N18.4', 'chronic-kidney-disease', 'yes'],
    ['N18.6', 'chronic-kidney-disease', 'yes'],
    ['I50.9', 'heart-failure', 'yes'],
    ['I50.32', 'heart-failure', 'yes'],
    ['I11.0', 'heart-failure', 'yes'],
    ['I25.10', 'ischemic-heart-disease', 'yes'],
    ['I48.91', 'atrial-fibrillation', 'yes'],
    ['J44.9', 'copd', 'yes'],
    ['J43.9', 'copd', 'yes'],
    ['J45.909', 'asthma', 'yes'],
    ['G30.9', 'dementia', 'yes'],
    ['F03.90', 'dementia', 'yes'],
    ['F32.9', 'depression', 'ask'],
    ['F33.1', 'depression', 'yes'],
    ['M17.11', 'osteoarthritis', 'yes'],
    ['M06.9', 'rheumatoid-arthritis', 'yes'],
    ['M81.0', 'osteoporosis', 'yes'],
    ['E78.5', 'hyperlipidemia', 'yes'],
    ['E03.9', 'hypothyroidism', 'yes'],
    ['I69.354', 'stroke-tia', 'yes'],
    ['C50.911', 'cancer-breast', 'yes'],
    ['C61', 'cancer-prostate', 'yes'],
    ['C34.90', 'cancer-lung', 'yes'],
    ['B20', 'hiv', 'yes'],
    ['K74.60', 'liver-disease', 'yes'],
    ['G20.A1', 'parkinsons', 'yes'],
    ['H40.1131', 'glaucoma', 'yes'],
    ['I21.4', 'acute-mi', 'no'],
    ['S72.001A', 'hip-pelvic-fracture', 'no'],
    ['J20.9', 'acute-infection', 'no'],
    ['R73.03', 'prediabetes', 'ask'],
    ['G43.909', 'migraine', 'ask'],
    ['F41.1', 'anxiety', 'ask'],
  ];
  test.each(HAND_CHECKED)('%s is %s, chronic %s', (code, group, chronic) => {
    expect([icd(code)?.groupId, icd(code)?.chronic]).toEqual([group, chronic]);
  });
});

describe('names mislead', () => {
  test.each([
    'J32.9',
    'J32.0',
    'J31.0',
    'J31.2',
    'J35.01',
    'J37.0',
    'K29.50',
    'N30.20',
    'N41.1',
    'H10.401',
    'H66.3X1',
    'K81.1',
    'K05.311',
  ])('%s ("chronic ...") is not a CCM condition group', (code) => {
    const r = icd(code);
    expect(r?.chronic).toBe('no');
    expect(CONDITION_GROUPS.get(r?.groupId as string)?.ccm).toBe(false);
  });
  test('SNOMED CT chronic sinusitis (40055000) is not a CCM condition group either', () => {
    expect(sct('40055000')?.chronic).toBe('no');
    expect(sct('40055000')?.ccmGroup).toBe(false);
  });
});

describe('grouping and unknown codes', () => {
  test('codes of one condition share a distinct key; other cancers are told apart by category', () => {
    expect(icd('E11.9')?.distinctKey).toBe(icd('E11.65')?.distinctKey);
    expect(icd('I10')?.distinctKey).not.toBe(icd('E11.9')?.distinctKey);
    expect(icd('C16.9')?.distinctKey).toBe('cancer-other:C16');
    expect(icd('C22.0')?.distinctKey).toBe('cancer-other:C22');
  });
  test('unknown ICD-10-CM and SNOMED CT codes are "ask", never chronic; other systems are not classified', () => {
    expect([icd('Q99.9')?.chronic, icd('Q99.9')?.source, icd('Q99.9')?.distinctKey]).toEqual([
      'ask',
      'unknown',
      'icd10-category:Q99',
    ]);
    expect([sct('123456789')?.chronic, sct('123456789')?.source]).toEqual(['ask', 'unknown']);
    expect(c.classify('http://loinc.org', '4548-4')).toBeUndefined();
  });
  test('codes without a dot and in lower case are read as ICD-10-CM codes', () => {
    expect(icd('E119')?.code).toBe('E11.9');
    expect(icd('e1165')?.groupId).toBe('diabetes');
  });
});
