/**
 * What every pure evaluation needs besides the patient's record: the practice zone, the month, the rules in
 * force (with the practice's settings applied) and the classifier. Built once per request (or once per
 * report) by `engineContext`.
 */
import { ConditionClassifier } from '../classification/classify.js';
import { rulesFor } from '../rules/billing-rules.js';
import type { BillingRules } from '../rules/types.js';
import { monthRange, type MonthRange } from '../time/zone.js';
import { visitCodeSet } from './extract.js';

/** A practice's choices where the rules let a practice decide (README configuration table). */
export interface PracticeSettings {
  /**
   * CCM_REQUIRE_ATTESTATION: a chronic condition counts only once a clinician attested both criteria
   * (ccm-rules.md, gate 2). Unset: the rules' own value (required). Off: a table-chronic code counts unattested.
   */
  requireAttestation?: boolean;
  /** APCM with TCM by the same practitioner (unsettled, ccm-rules.md gate 5): unset, the rules' default (deny). */
  apcmWithTcm?: 'deny' | 'allow';
  /** Whether an APCM behavioural-health add-on needs its mirrored code's minutes (unsettled): unset, the rules' (yes). */
  apcmAddOnsNeedMirroredTime?: boolean;
}

/** The evaluation context of one month. */
export interface EngineContext {
  tz: string;
  month: MonthRange;
  rules: BillingRules;
  classifier: ConditionClassifier;
  /** `system|code` of Encounter.type codes that make an initiating visit. */
  visitCodes: ReadonlySet<string>;
}

/** Thrown when no billing rules are in force for the requested month. */
export class NoRulesError extends Error {
  constructor(readonly month: string) {
    super(`No CCM billing rules are in force for ${month}`);
  }
}

/** The rules of a month with the practice's settings applied (the dated entry itself is never changed). */
function withPractice(rules: BillingRules, practice: PracticeSettings): BillingRules {
  let out = rules;
  if (practice.requireAttestation !== undefined) {
    out = {
      ...out,
      chronicConditions: { ...out.chronicConditions, requireAttestation: practice.requireAttestation },
    };
  }
  if (practice.apcmWithTcm !== undefined)
    out = { ...out, apcm: { ...out.apcm, tcm: { ...out.apcm.tcm, default: practice.apcmWithTcm } } };
  if (practice.apcmAddOnsNeedMirroredTime !== undefined)
    out = { ...out, apcm: { ...out.apcm, addOnsNeedMirroredTime: practice.apcmAddOnsNeedMirroredTime } };
  return out;
}

/** Builds the context of a month; throws NoRulesError before the first rules entry. */
export function engineContext(
  month: string,
  tz: string,
  classifier: ConditionClassifier,
  practice: PracticeSettings = {},
): EngineContext {
  const dated = rulesFor(month);
  if (!dated) throw new NoRulesError(month);
  const rules = withPractice(dated, practice);
  return {
    tz,
    month: monthRange(month, tz),
    rules,
    classifier,
    visitCodes: visitCodeSet(rules.initiatingVisit.cptRange, rules.initiatingVisit.hcpcs),
  };
}
