/**
 * What every pure evaluation needs besides the patient's record: the practice zone, the month, the rules in
 * force and the classifier. Built once per request (or once per report) by `engineContext`.
 */
import { ConditionClassifier } from '../classification/classify.js';
import { rulesFor } from '../rules/billing-rules.js';
import type { BillingRules } from '../rules/types.js';
import { monthRange, type MonthRange } from '../time/zone.js';
import { visitCodeSet } from './extract.js';

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

/** Builds the context of a month; throws NoRulesError before the first rules entry. */
export function engineContext(month: string, tz: string, classifier: ConditionClassifier): EngineContext {
  const rules = rulesFor(month);
  if (!rules) throw new NoRulesError(month);
  return {
    tz,
    month: monthRange(month, tz),
    rules,
    classifier,
    visitCodes: visitCodeSet(rules.initiatingVisit.cptRange, rules.initiatingVisit.hcpcs),
  };
}
