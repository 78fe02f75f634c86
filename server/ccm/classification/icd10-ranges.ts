/**
 * Curated ICD-10-CM category ranges, consulted after the curated rows and before a loaded AHRQ file: every
 * malignant neoplasm is a chronic condition whatever its stage or site (ccm-rules.md, "Chronic-condition
 * identification"; CCW cancer categories), so a malignancy the rows do not name is not left to "ask".
 */
import type { ChronicFlag } from './icd10-table-types.js';

/** One range of 3-character categories, inclusive, compared as strings (C7A sorts between C79 and C80). */
export type Icd10Range = readonly [from: string, to: string, group: string, chronic: ChronicFlag, label: string];

/** The curated category ranges. */
export const ICD10_RANGES: readonly Icd10Range[] = [
  ['C00', 'C80', 'cancer-other', 'yes', 'Malignant neoplasm'],
  ['C81', 'C96', 'leukemia-lymphoma', 'yes', 'Malignant neoplasm of lymphoid, hematopoietic and related tissue'],
  ['D00', 'D09', 'carcinoma-in-situ', 'ask', 'Carcinoma in situ'],
];

/** The range holding a dotted code's category, if any. */
export function icd10Range(dotted: string): Icd10Range | undefined {
  const category = dotted.slice(0, 3);
  return ICD10_RANGES.find(([from, to]) => category >= from && category <= to);
}
