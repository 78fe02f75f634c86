/**
 * Gate 2 needs a clinician's judgement (ccm-rules.md, gate 2 and "Chronic-condition identification"): the table
 * suggests, a clinician attests both criteria per condition; distinct groups are counted among attested
 * conditions only; a curated "not chronic" never counts even attested. CCM_REQUIRE_ATTESTATION (default true)
 * is the practice setting that turns attestation off; each value is tested, in the engine and in the config.
 */
import { describe, expect, test } from '@jest/globals';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { engineContext } from '../../../server/ccm/engine/context.js';
import { evaluateEligibility } from '../../../server/ccm/engine/eligibility.js';
import { evaluateMonth } from '../../../server/ccm/engine/month-summary.js';
import { rulesFor } from '../../../server/ccm/rules/billing-rules.js';
import { ConfigError, loadConfig } from '../../../server/config.js';
import { CcmScenario, TZ } from '../../helpers/ccm-scenarios.js';

const classifier = new ConditionClassifier();
const NOW = Date.parse('2026-03-25T15:00:00Z');

/** Enrolled (consent, plan, visit) with the given conditions and 25 minutes of staff time in March 2026. */
function patient(conditions: Array<[string, boolean?]>): CcmScenario {
  const s = new CcmScenario();
  for (const [code, attested] of conditions) s.condition(code, attested === undefined ? {} : { attested });
  return s
    .consent({ at: '2026-01-05T10:00:00-05:00' })
    .carePlan({ start: '2026-01-05T11:00:00-05:00' })
    .visit({ at: '2025-12-10T09:00:00-05:00' })
    .time({ start: '2026-03-20T10:00:00-04:00', minutes: 25 });
}

/** Billed lines and eligibility under a setting (undefined: the rules' default). */
function evaluate(s: CcmScenario, requireAttestation?: boolean) {
  const practice = requireAttestation === undefined ? {} : { requireAttestation };
  const ctx = engineContext('2026-03', TZ, classifier, practice);
  const record = s.record(TZ);
  const month = evaluateMonth(record, ctx);
  const eligibility = evaluateEligibility(record, ctx, NOW);
  return {
    lines: month.lines.map((l) => `${l.code}×${l.units}`),
    groups: eligibility.conditions.groups.map((g) => g.key).sort(),
    toReview: eligibility.conditions.toReview.length,
    eligible: eligibility.eligible,
  };
}

describe('attestation is required by default', () => {
  test('the rules in force require it', () => {
    expect(rulesFor('2025-06')?.chronicConditions.requireAttestation).toBe(true);
    expect(rulesFor('2026-03')?.chronicConditions.requireAttestation).toBe(true);
  });

  test('two table-chronic codes without attestation: not eligible, nothing billed, both to review', () => {
    const r = evaluate(patient([['E11.9'], ['I10']]));
    expect(r).toEqual({ lines: [], groups: [], toReview: 2, eligible: false });
  });

  test('both attested: eligible and 99490 billed', () => {
    const r = evaluate(
      patient([
        ['E11.9', true],
        ['I10', true],
      ]),
    );
    expect(r.lines).toEqual(['99490×1']);
    expect(r.eligible).toBe(true);
    expect(r.groups).toHaveLength(2);
  });

  test('groups are counted among attested conditions only: an unattested third condition adds nothing', () => {
    const r = evaluate(patient([['E11.9', true], ['E11.65', true], ['I10']]));
    expect(r.groups).toHaveLength(1);
    expect(r.eligible).toBe(false);
    expect(r.lines).toEqual([]);
  });

  test('a curated "not chronic" never counts, even attested (chronic sinusitis)', () => {
    const r = evaluate(
      patient([
        ['J32.9', true],
        ['I10', true],
      ]),
    );
    expect(r.groups).toHaveLength(1);
    expect(r.eligible).toBe(false);
  });

  test('an attestation that a criterion fails never counts', () => {
    const r = evaluate(
      patient([
        ['E11.9', false],
        ['I10', true],
      ]),
    );
    expect(r.eligible).toBe(false);
  });

  test('setting it explicitly on is the default', () => {
    expect(evaluate(patient([['E11.9'], ['I10']]), true)).toEqual(evaluate(patient([['E11.9'], ['I10']])));
  });
});

describe('CCM_REQUIRE_ATTESTATION=false', () => {
  test('table-chronic codes count unattested', () => {
    const r = evaluate(patient([['E11.9'], ['I10']]), false);
    expect(r.lines).toEqual(['99490×1']);
    expect(r.eligible).toBe(true);
  });

  test('an "ask" code (migraine) still needs attestation; a curated "not chronic" still never counts', () => {
    expect(evaluate(patient([['G43.909'], ['I10']]), false).eligible).toBe(false);
    expect(evaluate(patient([['G43.909', true], ['I10']]), false).eligible).toBe(true);
    expect(evaluate(patient([['J32.9', true], ['I10']]), false).eligible).toBe(false);
  });

  test('an attestation that a criterion fails still excludes the condition', () => {
    expect(evaluate(patient([['E11.9', false], ['I10']]), false).eligible).toBe(false);
  });

  test('the dated rules entry itself is never changed by the setting', () => {
    engineContext('2026-03', TZ, classifier, { requireAttestation: false });
    expect(rulesFor('2026-03')?.chronicConditions.requireAttestation).toBe(true);
  });
});

describe('the configuration', () => {
  test('CCM_REQUIRE_ATTESTATION defaults to true; true, false and 0 are read', () => {
    expect(loadConfig({}).ccmRequireAttestation).toBe(true);
    expect(loadConfig({ CCM_REQUIRE_ATTESTATION: 'true' }).ccmRequireAttestation).toBe(true);
    expect(loadConfig({ CCM_REQUIRE_ATTESTATION: 'false' }).ccmRequireAttestation).toBe(false);
    expect(loadConfig({ CCM_REQUIRE_ATTESTATION: '0' }).ccmRequireAttestation).toBe(false);
  });

  test('another value stops the start with a message naming the variable', () => {
    expect(() => loadConfig({ CCM_REQUIRE_ATTESTATION: 'sometimes' })).toThrow(ConfigError);
    try {
      loadConfig({ CCM_REQUIRE_ATTESTATION: 'sometimes' });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toContain('CCM_REQUIRE_ATTESTATION=sometimes');
    }
  });
});
