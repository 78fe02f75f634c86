/**
 * APCM in `$ccm-eligibility` (ccm-rules.md, "APCM"): any living patient may enrol (no condition minimum);
 * the level follows the attested conditions and QMB status (0-1: G0556, 2+: G0557, 2+ and QMB: G0558); the
 * answer says what enrolment still needs (a consent naming APCM, an APCM care plan); a deceased patient is
 * never eligible.
 */
import { describe, expect, test } from '@jest/globals';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { engineContext } from '../../../server/ccm/engine/context.js';
import { evaluateEligibility } from '../../../server/ccm/engine/eligibility.js';
import { eligibilityParameters } from '../../../server/ccm/fhir/parameters.js';
import { CcmScenario, TZ } from '../../helpers/ccm-scenarios.js';

const classifier = new ConditionClassifier();
const NOW = Date.parse('2026-03-20T15:00:00Z');
const eligibility = (s: CcmScenario) =>
  evaluateEligibility(s.record(TZ), engineContext('2026-03', TZ, classifier), NOW).apcm;

describe('APCM eligibility', () => {
  test('one condition: not CCM eligible, APCM eligible at G0556; consent and plan still missing', () => {
    const s = new CcmScenario().condition('I10', { attested: true });
    const all = evaluateEligibility(s.record(TZ), engineContext('2026-03', TZ, classifier), NOW);
    expect(all.eligible).toBe(false);
    expect(all.apcm.eligible).toBe(true);
    expect(all.apcm.level.code).toBe('G0556');
    expect(all.apcm.unmet.join('\n')).toMatch(/No APCM consent[\s\S]*No APCM care plan/);
  });

  test('two attested conditions: G0557; with a QMB Coverage this month: G0558', () => {
    const s = new CcmScenario().condition('E11.9', { attested: true }).condition('I10', { attested: true });
    expect(eligibility(s).level.code).toBe('G0557');
    s.qmb({ start: '2026-01-01' });
    expect(eligibility(s).level.code).toBe('G0558');
  });

  test('enrolled (APCM consent and plan): nothing missing, and the answer names them', () => {
    const s = new CcmScenario()
      .condition('E11.9', { attested: true })
      .consent({ at: '2026-01-05T10:00:00-05:00', programmes: ['apcm'], id: 'ae-consent' })
      .carePlan({ start: '2026-01-05T11:00:00-05:00', programmes: ['apcm'], id: 'ae-plan' });
    const e = eligibility(s);
    expect(e.unmet).toEqual([]);
    expect(e.consent.status).toBe('accepted');
    const record = s.record(TZ);
    const params = eligibilityParameters(
      evaluateEligibility(record, engineContext('2026-03', TZ, classifier), NOW),
      '2026-03-20T15:00:00Z',
    );
    const apcm = params.parameter?.find((p) => p.name === 'apcm');
    expect(apcm?.part?.find((p) => p.name === 'care-plan')?.valueReference?.reference).toBe(
      'CarePlan/ae-plan',
    );
    expect(apcm?.part?.find((p) => p.name === 'eligible')?.valueBoolean).toBe(true);
  });

  test('a deceased patient is never APCM eligible, with the reason', () => {
    const s = new CcmScenario().deceased('2026-02-10').condition('E11.9', { attested: true });
    const e = eligibility(s);
    expect(e.eligible).toBe(false);
    expect(e.unmet[0]).toMatch(/deceased/);
  });
});
