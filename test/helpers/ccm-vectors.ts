/**
 * Billing test vectors: a named scenario of FHIR resources, a month, and the expected result written by
 * hand from ccm-rules.md (lines with units, gates, optionally family and seconds). `runVector` evaluates
 * the scenario with the pure engine and returns what to compare.
 */
import { expect } from '@jest/globals';
import { ConditionClassifier } from '../../server/ccm/classification/classify.js';
import { engineContext } from '../../server/ccm/engine/context.js';
import { evaluateMonth, type MonthSummary } from '../../server/ccm/engine/month-summary.js';
import type { GateName } from '../../server/ccm/rules/types.js';
import { TZ, type CcmScenario } from './ccm-scenarios.js';

/** One billing test vector. */
export interface Vector {
  name: string;
  month: string;
  scenario: () => CcmScenario;
  /** Expected lines as `code×units`, e.g. ['99490×1', '99439×2']; [] for nothing billable. */
  lines: string[];
  /** Gates expected to fail (every other gate must pass). */
  failing?: GateName[];
  family?: string;
  /** Expected seconds of the ccm programme. */
  seconds?: { staff?: number; practitioner?: number; excluded?: number };
  /** Text some failing gate's reason must contain. */
  reason?: string;
}

const classifier = new ConditionClassifier();

/** Evaluates a vector's scenario. */
export function evaluateVector(v: Vector): MonthSummary {
  return evaluateMonth(v.scenario().record(TZ), engineContext(v.month, TZ, classifier));
}

/** Evaluates a vector and checks every expectation. */
export function checkVector(v: Vector): void {
  const s = evaluateVector(v);
  expect(s.lines.map((l) => `${l.code}×${l.units}`)).toEqual(v.lines);
  const failed = s.gates.filter((g) => !g.passed).map((g) => g.name);
  expect(failed).toEqual(v.failing ?? []);
  if (v.family !== undefined) expect(s.family?.id).toBe(v.family);
  const ccm = s.seconds.get('ccm');
  if (v.seconds?.staff !== undefined) expect(ccm?.['clinical-staff']).toBe(v.seconds.staff);
  if (v.seconds?.practitioner !== undefined)
    expect(ccm?.['billing-practitioner']).toBe(v.seconds.practitioner);
  if (v.seconds?.excluded !== undefined) expect(ccm?.excluded).toBe(v.seconds.excluded);
  if (v.reason !== undefined) {
    expect(s.gates.flatMap((g) => g.reasons).join('\n')).toContain(v.reason);
  }
  expect(s.billable).toBe(v.lines.length > 0);
}
