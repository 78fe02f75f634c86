/**
 * Chronic condition groups of a patient (ccm-rules.md, gate 2 and "Chronic-condition identification"): which
 * active Conditions count, grouped into distinct conditions (E11.9 and E11.65 are one). The table only
 * suggests: a condition counts once a clinician attested both criteria (expected 12 months or more or until
 * death, significant risk) on it, and only attested conditions are grouped. A curated "no" never counts, even
 * attested; an attestation that either criterion fails never counts. When a practice turns attestation off
 * (rules.chronicConditions.requireAttestation false), a curated "yes" counts unattested and an "ask" still
 * needs one. Claims need an ICD-10-CM code for each counted condition.
 */
import type { Classification, ConditionClassifier } from '../classification/classify.js';
import { dottedIcd10 } from '../classification/classify.js';
import type { ChronicFlag } from '../classification/icd10-table-types.js';
import type { BillingRules } from '../rules/types.js';
import { SYSTEM } from '../vocabulary.js';
import type { ConditionRecord } from './record.js';

/** One distinct condition of the patient. */
export interface GroupFinding {
  key: string;
  groupId: string | null;
  name: string;
  chronic: ChronicFlag;
  /** A clinician attested at least one of its counted conditions. */
  attested: boolean;
  /** The ICD-10-CM code a claim would list, when one is known. */
  icd10?: string;
  conditions: string[];
}

/** A condition that does not count, and why. */
export interface ConditionNote {
  ref: string;
  name: string;
  reason: string;
}

/** The chronic-condition picture of a patient at a time. */
export interface ConditionsFinding {
  groups: GroupFinding[];
  /** "ask" conditions waiting for a clinician's attestation. */
  toReview: ConditionNote[];
  notCounted: ConditionNote[];
}

const ACTIVE = new Set(['active', 'recurrence', 'relapse']);
const NOT_VERIFIED = new Set(['entered-in-error', 'refuted']);

/** The classification that speaks for a Condition: a known ICD-10-CM code first, then a known SNOMED CT one. */
function primary(c: ConditionRecord, classifier: ConditionClassifier): Classification | undefined {
  const all = c.codings.flatMap((x) => {
    const r = classifier.classify(x.system, x.code);
    return r ? [r] : [];
  });
  const rank = (r: Classification) =>
    (r.source === 'unknown' ? 2 : 0) + (r.system === SYSTEM.icd10cm ? 0 : 1);
  return all.sort((a, b) => rank(a) - rank(b))[0];
}

/** The claim code: the Condition's own ICD-10-CM coding, else the classification's mapped code. */
function claimCode(c: ConditionRecord, cls: Classification): string | undefined {
  const own = c.codings.find((x) => x.system === SYSTEM.icd10cm && x.code)?.code;
  return own ? dottedIcd10(own) : cls.icd10;
}

/** Whether a relevant Condition counts, or the reason it does not. */
function decide(
  c: ConditionRecord,
  cls: Classification,
  rules: BillingRules,
): true | { review: boolean; reason: string } {
  if (c.attested === false)
    return { review: false, reason: 'a clinician attested it is not a CCM chronic condition' };
  if (cls.chronic === 'no' || !cls.ccmGroup) {
    return { review: false, reason: `${cls.groupName} is not a CCM chronic condition` };
  }
  if (cls.chronic === 'ask' && c.attested !== true) {
    return {
      review: true,
      reason: 'needs a clinician attestation (expected 12 months or more, significant risk)',
    };
  }
  if (rules.chronicConditions.requireAttestation && c.attested !== true) {
    return {
      review: true,
      reason:
        'suggested as chronic by the table; needs a clinician attestation (expected 12 months or more, significant risk)',
    };
  }
  return true;
}

/** Whether a Condition is current at `at` (clinical and verification status, onset and abatement). */
function isCurrent(c: ConditionRecord, start: number, end: number): boolean {
  if (!c.clinicalStatus || !ACTIVE.has(c.clinicalStatus)) return false;
  if (c.verificationStatus && NOT_VERIFIED.has(c.verificationStatus)) return false;
  if (c.abatement !== undefined && c.abatement < start) return false;
  return !(c.onset !== undefined && c.onset >= end);
}

/** Groups a patient's current Conditions into distinct chronic conditions for the interval [start, end). */
export function chronicGroups(
  conditions: ConditionRecord[],
  classifier: ConditionClassifier,
  rules: BillingRules,
  start: number,
  end: number,
): ConditionsFinding {
  const groups = new Map<string, GroupFinding>();
  const out: ConditionsFinding = { groups: [], toReview: [], notCounted: [] };
  for (const c of conditions) {
    if (!isCurrent(c, start, end)) continue;
    const cls = primary(c, classifier);
    const name = cls?.label ?? c.codings[0]?.display ?? c.text ?? c.ref;
    if (!cls) {
      out.toReview.push({
        ref: c.ref,
        name,
        reason: 'no ICD-10-CM or SNOMED CT code: a clinician must classify it',
      });
      continue;
    }
    const verdict = decide(c, cls, rules);
    if (verdict !== true) {
      (verdict.review ? out.toReview : out.notCounted).push({ ref: c.ref, name, reason: verdict.reason });
      continue;
    }
    const g = groups.get(cls.distinctKey) ?? {
      key: cls.distinctKey,
      groupId: cls.groupId,
      name: cls.groupName,
      chronic: cls.chronic,
      attested: false,
      conditions: [],
    };
    g.conditions.push(c.ref);
    g.attested ||= c.attested === true;
    g.icd10 ??= claimCode(c, cls);
    groups.set(cls.distinctKey, g);
  }
  out.groups = [...groups.values()];
  return out;
}
