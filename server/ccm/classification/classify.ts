/**
 * Chronic-condition classification of coded diagnoses (ccm-rules.md, "Chronic-condition identification").
 * Order of authority for an ICD-10-CM code: the curated table (longest matching prefix), then the curated
 * category ranges (every malignancy), then a loaded AHRQ
 * chronic condition indicator file, then "ask". A SNOMED CT concept is looked up in the curated concept table;
 * anything else is "ask". Unknown codes are never silently chronic. The curated tables answer the CCM question
 * (lasting and risky), so a curated "no" (chronic sinusitis) wins over an AHRQ "chronic" flag.
 */
import { SYSTEM } from '../vocabulary.js';
import { dotless, type ChronicIndicatorTable } from './ahrq-cci.js';
import { CONDITION_GROUPS, groupById } from './groups.js';
import { ICD10_CIRCULATORY_METABOLIC } from './icd10-circulatory-metabolic.js';
import { ICD10_OTHER } from './icd10-other.js';
import { icd10Range } from './icd10-ranges.js';
import { ICD10_RESPIRATORY_NEURO_RENAL } from './icd10-respiratory-neuro-renal.js';
import type { ChronicFlag, Icd10Row, SnomedRow } from './icd10-table-types.js';
import { SNOMED_CHRONIC } from './snomed-chronic.js';
import { SNOMED_OTHER } from './snomed-other.js';

/** Every curated ICD-10-CM row. */
export const ICD10_TABLE: readonly Icd10Row[] = [
  ...ICD10_CIRCULATORY_METABOLIC,
  ...ICD10_RESPIRATORY_NEURO_RENAL,
  ...ICD10_OTHER,
];

/** Every curated SNOMED CT row. */
export const SNOMED_TABLE: readonly SnomedRow[] = [...SNOMED_CHRONIC, ...SNOMED_OTHER];

/** What the classifier says about one code. */
export interface Classification {
  system: string;
  code: string;
  /** Group id, or null when the code is unknown. */
  groupId: string | null;
  groupName: string;
  /** Two classifications with the same key are the same condition. */
  distinctKey: string;
  chronic: ChronicFlag;
  /** Whether a condition of this kind can count toward CCM at all (false for acute/misleading groups). */
  ccmGroup: boolean;
  /** The ICD-10-CM code for a claim, when known. */
  icd10?: string;
  source: 'curated' | 'ahrq' | 'unknown';
  label?: string;
}

/** `E119` → `E11.9`; dotted codes are upper-cased. */
export function dottedIcd10(code: string): string {
  const c = code.trim().toUpperCase();
  if (c.includes('.') || c.length <= 3) return c;
  return `${c.slice(0, 3)}.${c.slice(3)}`;
}

const ICD10_BY_CODE = new Map(ICD10_TABLE.map((r) => [r[0], r]));
const SNOMED_BY_CODE = new Map(SNOMED_TABLE.map((r) => [r[0], r]));

/** The curated row with the longest prefix matching a dotted ICD-10-CM code. */
export function curatedIcd10Row(dotted: string): Icd10Row | undefined {
  for (let p = dotted; p.length >= 3; p = p.slice(0, -1)) {
    if (p.endsWith('.')) continue;
    const row = ICD10_BY_CODE.get(p);
    if (row) return row;
  }
  return undefined;
}

/** A classification from a curated group. */
function fromGroup(
  system: string,
  code: string,
  groupId: string,
  chronic: ChronicFlag,
  icd10: string | undefined,
  label: string,
): Classification {
  const g = groupById(groupId);
  const category = icd10 ? icd10.slice(0, 3) : code;
  return {
    system,
    code,
    groupId,
    groupName: g.name,
    distinctKey: g.perCategory ? `${groupId}:${category}` : groupId,
    chronic,
    ccmGroup: g.ccm,
    ...(icd10 ? { icd10 } : {}),
    source: 'curated',
    label,
  };
}

/** Classifies coded diagnoses; one instance per app (it memoises). */
export class ConditionClassifier {
  private readonly memo = new Map<string, Classification>();

  constructor(private readonly ahrq?: ChronicIndicatorTable) {}

  /** Classifies one coding; undefined for systems that are neither ICD-10-CM nor SNOMED CT. */
  classify(system: string | undefined, code: string | undefined): Classification | undefined {
    if (!system || !code) return undefined;
    const key = `${system}|${code}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    let out: Classification | undefined;
    if (system === SYSTEM.icd10cm) out = this.classifyIcd10(code);
    else if (system === SYSTEM.snomed) out = this.classifySnomed(code);
    if (out) this.memo.set(key, out);
    return out;
  }

  private classifyIcd10(code: string): Classification {
    const dotted = dottedIcd10(code);
    const row = curatedIcd10Row(dotted);
    if (row) return fromGroup(SYSTEM.icd10cm, dotted, row[1], row[2], dotted, row[3]);
    const range = icd10Range(dotted);
    if (range) return fromGroup(SYSTEM.icd10cm, dotted, range[2], range[3], dotted, range[4]);
    const category = dotted.slice(0, 3);
    const ahrq = this.ahrq?.get(dotless(dotted));
    if (ahrq) {
      const chronic: ChronicFlag = ahrq.flag === 1 ? 'yes' : ahrq.flag === 0 ? 'no' : 'ask';
      return {
        system: SYSTEM.icd10cm,
        code: dotted,
        groupId: `icd10-category:${category}`,
        groupName: `ICD-10-CM ${category}${ahrq.description ? ` (${ahrq.description})` : ''}`,
        distinctKey: `icd10-category:${category}`,
        chronic,
        ccmGroup: chronic !== 'no',
        icd10: dotted,
        source: 'ahrq',
      };
    }
    return unknown(SYSTEM.icd10cm, dotted, `icd10-category:${category}`, dotted);
  }

  private classifySnomed(code: string): Classification {
    const row = SNOMED_BY_CODE.get(code.trim());
    if (row) return fromGroup(SYSTEM.snomed, row[0], row[1], row[2], row[3], row[4]);
    return unknown(SYSTEM.snomed, code.trim(), `snomed:${code.trim()}`);
  }
}

/** An unknown code: a clinician must decide; it forms its own condition. */
function unknown(system: string, code: string, distinctKey: string, icd10?: string): Classification {
  return {
    system,
    code,
    groupId: null,
    groupName: `Unclassified ${system === SYSTEM.icd10cm ? 'ICD-10-CM' : 'SNOMED CT'} ${code}`,
    distinctKey,
    chronic: 'ask',
    ccmGroup: true,
    ...(icd10 ? { icd10 } : {}),
    source: 'unknown',
  };
}

/** True when a group id names a curated group (for tests and tooling). */
export function isCuratedGroup(id: string): boolean {
  return CONDITION_GROUPS.has(id);
}
