/**
 * The programme line of the Time screen (issue 16, acceptance 4): APCM with its level and what is missing when
 * the month carries the APCM marker, from `$ccm-month-summary` or from the engine run in the app; CCM/PCM with
 * the documented family otherwise.
 */
import { describe, expect, test } from '@jest/globals';
import type { Parameters } from 'fhir/r4.js';
import { ConditionClassifier } from '../../server/ccm/classification/classify.js';
import { engineContext } from '../../server/ccm/engine/context.js';
import { evaluateMonth } from '../../server/ccm/engine/month-summary.js';
import { monthSummaryParameters } from '../../server/ccm/fhir/parameters.js';
import { monthFromEngine, monthFromParameters } from '../../smart-app/ccm/view-model.js';
import { AppViews } from '../../smart-app/views.js';
import { CcmScenario, enrolled, TZ } from '../helpers/ccm-scenarios.js';

const classifier = new ConditionClassifier();
const summary = (s: CcmScenario) => evaluateMonth(s.record(TZ), engineContext('2026-03', TZ, classifier));

/** An APCM patient whose only consent is a CCM one, with one element in March 2026. */
function apcmWithoutApcmConsent(): CcmScenario {
  return new CcmScenario()
    .condition('E11.9', { attested: true })
    .condition('I10', { attested: true })
    .consent({ at: '2026-01-05T10:00:00-05:00' })
    .carePlan({ start: '2026-01-05T11:00:00-05:00', programmes: ['apcm'] })
    .visit({ at: '2025-06-10T09:00:00-04:00' })
    .time({ start: '2026-03-10T09:00:00-04:00', minutes: 3, programme: 'apcm' });
}

describe('the programme line of the Time screen', () => {
  test('an APCM month: the level and the missing consent, the same from the server and from the app', () => {
    const s = summary(apcmWithoutApcmConsent());
    const fromServer = monthFromParameters(monthSummaryParameters(s) as Parameters).programme;
    const fromApp = monthFromEngine(s).programme;
    expect(fromServer).toEqual(fromApp);
    expect(fromServer.code).toBe('apcm');
    expect(fromServer.label).toBe('APCM G0557');
    expect(fromServer.billable).toBe(false);
    expect(fromServer.missing).toHaveLength(1);
    expect(fromServer.missing[0]).toContain('a CCM consent does not cover APCM');
  });

  test("the Time screen's view renders the APCM line and what is missing from $ccm-month-summary", () => {
    const s = summary(apcmWithoutApcmConsent());
    const month = monthFromParameters(monthSummaryParameters(s) as Parameters);
    const html = new AppViews().template('time')({ month: '2026-03', summary: month, entries: [] });
    const line = /<p class="programme">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
    expect(line.replace(/<[^>]+>/g, '')).toBe('Programme: APCM G0557 (not billable yet)');
    const missing = /<ul class="programme-missing"[^>]*>([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
    expect(missing).toContain('a CCM consent does not cover APCM');
  });

  test('a CCM month: CCM and the documented family, nothing listed as missing', () => {
    const s = summary(enrolled().time({ start: '2026-03-10T09:00:00-04:00', minutes: 25 }));
    expect(monthFromParameters(monthSummaryParameters(s) as Parameters).programme).toEqual({
      code: 'ccm',
      label: 'CCM 99490',
      missing: [],
    });
    expect(monthFromEngine(s).programme.label).toBe('CCM 99490');
  });

  test('a BHI month beside CCM: its own line, the same from the server and from the app', () => {
    const s = enrolled().time({ start: '2026-03-10T09:00:00-04:00', minutes: 25 });
    s.condition('F32.1', { id: `${s.patientId}-dep` });
    s.consent({ at: '2026-01-06T10:00:00-05:00', programmes: ['bhi'] });
    s.carePlan({
      start: '2026-01-06T11:00:00-05:00',
      programmes: ['bhi'],
      addresses: [`Condition/${s.patientId}-dep`],
    });
    s.time({ start: '2026-03-11T09:00:00-04:00', minutes: 22, programme: 'bhi' });
    const m = summary(s);
    const fromServer = monthFromParameters(monthSummaryParameters(m) as Parameters);
    expect(fromServer.behavioural).toEqual(monthFromEngine(m).behavioural);
    expect(fromServer.behavioural).toEqual([
      { code: 'bhi', label: 'BHI 99484', billable: true, missing: [], lines: ['99484'] },
    ]);
    expect(fromServer.programme.label).toBe('CCM 99490');
  });

  test('BHI time without its plan: the line says what is missing', () => {
    const s = enrolled().time({ start: '2026-03-11T09:00:00-04:00', minutes: 22, programme: 'bhi' });
    const view = monthFromParameters(monthSummaryParameters(summary(s)) as Parameters).behavioural;
    expect(view[0].billable).toBe(false);
    expect(view[0].missing.join('\n')).toMatch(/No BHI \(99484\) plan in effect/);
  });
});
