/**
 * Issue #16, defect 8 (ccm-rules.md, "Chronic-condition identification"): named ICD-10-CM codes get the verdict
 * the CCM question calls for (acute codes never chronic; time-limited ones asked; real chronic conditions
 * chronic with their group), and every SNOMED CT condition code of the Synthea sample (fixtures/synthea) has a
 * curated verdict — none is left unknown.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { CONDITION_GROUPS } from '../../../server/ccm/classification/groups.js';
import { SYSTEM } from '../../../server/ccm/vocabulary.js';

const c = new ConditionClassifier();
const icd = (code: string) => c.classify(SYSTEM.icd10cm, code);
const sct = (code: string) => c.classify(SYSTEM.snomed, code);

type Verdict = 'yes' | 'no' | 'ask';

describe('acute codes are never chronic', () => {
  test.each([
    ['F43.11', 'Post-traumatic stress disorder, acute'],
    ['I20.0', 'Unstable angina'],
    ['G89.11', 'Acute pain due to trauma'],
  ])('%s (%s) is not chronic and not a CCM group', (code) => {
    const r = icd(code);
    expect(r?.source).toBe('curated');
    expect(r?.chronic).toBe('no');
    expect(CONDITION_GROUPS.get(r?.groupId as string)?.ccm).toBe(false);
  });
});

describe('time-limited conditions are asked, not counted without review', () => {
  test.each([
    ['F32.0', 'depression'],
    ['F32.1', 'depression'],
    ['F32.9', 'depression'],
    ['F32.A', 'depression'],
    ['E09.9', 'diabetes'],
    ['E09.65', 'diabetes'],
    ['K70.10', 'liver-disease'],
    ['K70.11', 'liver-disease'],
    ['F43.10', 'ptsd'],
  ])('%s is %s, ask', (code, group) => {
    expect([icd(code)?.groupId, icd(code)?.chronic]).toEqual([group, 'ask']);
  });
});

describe('real chronic conditions are chronic with their group', () => {
  const CHRONIC: Array<[string, string]> = [
    ['G89.21', 'chronic-pain'],
    ['G89.29', 'chronic-pain'],
    ['G89.4', 'chronic-pain'],
    ['M79.7', 'chronic-pain'],
    ['G43.709', 'migraine'],
    ['G43.719', 'migraine'],
    ['G43.E09', 'migraine'],
    ['G43.E19', 'migraine'],
    ['G81.91', 'paralysis'],
    ['G82.20', 'paralysis'],
    ['G82.50', 'paralysis'],
    ['M10.9', 'gout'],
    ['M1A.9XX0', 'gout'],
    ['C77.0', 'cancer-other'],
    ['C78.00', 'cancer-other'],
    ['C79.51', 'cancer-other'],
    ['C50.911', 'cancer-breast'],
    ['C61', 'cancer-prostate'],
    ['C34.11', 'cancer-lung'],
    ['I69.30', 'stroke-tia'],
    ['I69.354', 'stroke-tia'],
    ['F11.20', 'drug-use-disorder'],
    ['F11.21', 'drug-use-disorder'],
    ['F10.20', 'alcohol-use-disorder'],
    ['F43.12', 'ptsd'],
    ['F33.1', 'depression'],
  ];
  test.each(CHRONIC)('%s is %s, chronic', (code, group) => {
    expect([icd(code)?.groupId, icd(code)?.chronic, icd(code)?.source]).toEqual([group, 'yes', 'curated']);
  });
});

describe('every malignancy is chronic, whatever its stage or site', () => {
  test.each([
    ['C15.9', 'cancer-other', 'yes', 'cancer-other:C15'],
    ['C7A.00', 'cancer-other', 'yes', 'cancer-other:C7A'],
    ['C76.0', 'cancer-other', 'yes', 'cancer-other:C76'],
    ['C88.0', 'leukemia-lymphoma', 'yes', 'leukemia-lymphoma'],
    ['C96.9', 'leukemia-lymphoma', 'yes', 'leukemia-lymphoma'],
    ['D03.9', 'carcinoma-in-situ', 'ask', 'carcinoma-in-situ'],
    ['C44.91', 'skin-cancer-nonmelanoma', 'ask', 'skin-cancer-nonmelanoma'],
  ])('%s is %s, chronic %s, one condition %s', (code, group, chronic, key) => {
    const r = icd(code);
    expect([r?.groupId, r?.chronic, r?.distinctKey, r?.source]).toEqual([group, chronic, key, 'curated']);
  });
  test('codes outside the ranges stay unknown ("ask")', () => {
    expect([icd('D10.0')?.source, icd('D10.0')?.chronic]).toEqual(['unknown', 'ask']);
  });
});

/** The SNOMED CT condition codes of the Synthea sample's Conditions, with their displays. */
function syntheaSnomedCodes(): Map<string, string> {
  const bundle = JSON.parse(readFileSync('fixtures/synthea/patients-conditions.json', 'utf8')) as {
    entry: Array<{ resource: { resourceType: string; code?: { coding?: Array<Record<string, string>> } } }>;
  };
  const out = new Map<string, string>();
  for (const { resource } of bundle.entry) {
    if (resource.resourceType !== 'Condition') continue;
    for (const coding of resource.code?.coding ?? [])
      if (coding.system === SYSTEM.snomed && coding.code) out.set(coding.code, coding.display ?? '');
  }
  return out;
}

describe('the Synthea sample', () => {
  const codes = syntheaSnomedCodes();
  test('holds the SNOMED CT condition codes of the sample', () => {
    expect(codes.size).toBeGreaterThanOrEqual(50);
  });
  test.each([...codes])('SNOMED CT %s (%s) has a curated verdict', (code) => {
    const r = sct(code);
    expect(r?.source).toBe('curated');
    expect(r?.icd10).toMatch(/^[A-Z][0-9][0-9A-Z]/);
  });

  const NAMED: Array<[string, string, Verdict]> = [
    ['40055000', 'chronic-sinusitis-rhinitis', 'no'],
    ['10509002', 'acute-infection', 'no'],
    ['444814009', 'acute-infection', 'no'],
    ['72892002', 'pregnancy', 'no'],
    ['35999006', 'pregnancy', 'no'],
    ['283371005', 'acute-injury', 'no'],
    ['39848009', 'acute-injury', 'no'],
    ['192127007', 'adhd', 'ask'],
    ['703151001', 'status-or-history', 'no'],
    ['38341003', 'hypertension', 'yes'],
    ['15777000', 'prediabetes', 'ask'],
    ['271737000', 'anemia', 'ask'],
    ['363406005', 'cancer-colorectal', 'yes'],
    ['36923009', 'depression', 'ask'],
    ['698754002', 'paralysis', 'yes'],
    ['67811000119102', 'cancer-lung', 'yes'],
    ['314994000', 'cancer-prostate', 'yes'],
    ['203082005', 'chronic-pain', 'yes'],
    ['90560007', 'gout', 'yes'],
    ['714628002', 'prediabetes', 'ask'],
  ];
  test.each(NAMED)('SNOMED CT %s is %s, chronic %s', (code, group, chronic) => {
    expect([sct(code)?.groupId, sct(code)?.chronic]).toEqual([group, chronic]);
  });
});
