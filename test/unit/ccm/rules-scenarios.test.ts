/**
 * Issue #16 acceptance 2: the scenarios of ccm-rules.md that no other test file covered. Where the others
 * live: the worked table (billing-worked-table), full minutes and fallbacks (billing-worked-table, rules),
 * exclusions, month boundaries and fall-back day (billing-time, billing-time-span), overlaps and death
 * (billing-time-span, time-and-death), who bills and consent (billing-consent, consent-history), gates 2-5
 * (billing-gates, billing-gates-conditions, attestation, pcm-care-plan), APCM (apcm, apcm-month-summary), BHI,
 * CoCM and the CY2026 RPM/RTM codes (behavioural, behavioural-month-summary), chronic-condition
 * identification (classification, classification-verdicts). This file: a joint activity is one entry and
 * counts once; every combination gate 5 allows in one month ("CCM with TCM, RPM, RTM, BHI or CoCM; APCM with
 * RPM/RTM"; RPM with RTM is the billing system's concern); CoCM's APCM add-on has no companion to 99494.
 */
import { describe, expect, test } from '@jest/globals';
import type { Encounter } from 'fhir/r4.js';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { engineContext } from '../../../server/ccm/engine/context.js';
import { evaluateMonth, monthLines, type MonthSummary } from '../../../server/ccm/engine/month-summary.js';
import { programmeGates } from '../../../server/ccm/report/practice-report.js';
import { CS } from '../../../server/ccm/vocabulary.js';
import { CcmScenario, DR_A, NURSE, TZ, enrolled } from '../../helpers/ccm-scenarios.js';

const classifier = new ConditionClassifier();
const CM = 'Practitioner/bh-cm';
const PSY = 'Practitioner/psy-c';

function evaluate(s: CcmScenario, month = '2026-03'): MonthSummary {
  return evaluateMonth(s.record(TZ), engineContext(month, TZ, classifier));
}

/** Every line of the month as `code×units`. */
const all = (s: MonthSummary) => monthLines(s).map((l) => `${l.code}×${l.units}`);

/** Every failed gate of every programme of the month (CCM's only when it is a CCM month, as the report does). */
const failed = (s: MonthSummary) =>
  programmeGates(s).flatMap((p) => p.gates.filter((g) => !g.passed).map((g) => `${p.programme}:${g.name}`));

/** Adds depression and a CoCM plan, consent and team of Dr A, and `minutes` of the care manager in March. */
function withCocm(s: CcmScenario, minutes: number): CcmScenario {
  const dep = `${s.patientId}-dep`;
  s.condition('F33.1', { id: dep });
  s.consent({ at: '2026-01-06T10:00:00-05:00', programmes: ['cocm'] });
  s.carePlan({ start: '2026-01-06T11:00:00-05:00', programmes: ['cocm'], addresses: [`Condition/${dep}`] });
  s.bhTeam({ who: CM, role: 'bh-care-manager', start: '2026-01-06' });
  s.bhTeam({ who: PSY, role: 'psychiatric-consultant', start: '2026-01-06' });
  return s.time({
    start: '2026-03-12T10:00:00-04:00',
    minutes,
    programme: 'cocm',
    who: CM,
    role: 'bh-care-manager',
  });
}

/** An APCM patient of Dr A in 2026 (two attested conditions, APCM consent and plan, one element in March). */
function apcmPatient(): CcmScenario {
  return new CcmScenario()
    .condition('E11.9', { attested: true })
    .condition('I10', { attested: true })
    .consent({ at: '2026-01-05T10:00:00-05:00', programmes: ['apcm'] })
    .carePlan({ start: '2026-01-05T11:00:00-05:00', programmes: ['apcm'] })
    .visit({ at: '2025-12-10T09:00:00-05:00' })
    .time({
      start: '2026-03-09T09:00:00-04:00',
      minutes: 2,
      programme: 'apcm',
      activity: 'care-coordination',
    });
}

describe('a joint activity is one entry and counts once [decision]', () => {
  test('one 20-minute entry with the nurse and Dr A both present counts 20 minutes: 99490 only', () => {
    const s = enrolled().time({ start: '2026-03-10T10:00:00-04:00', minutes: 20, id: 'joint' });
    const entry = s.resources.find((r) => r.id === 'joint') as Encounter;
    entry.participant?.push({
      type: [{ coding: [{ system: CS.timeRole, code: 'billing-practitioner' }] }],
      individual: { reference: DR_A },
    });
    const r = evaluate(s);
    expect(r.countedSeconds).toBe(20 * 60);
    expect(all(r)).toEqual(['99490×1']);
  });
});

describe('gate 5: what one month may hold by the same practitioner', () => {
  test('CCM with TCM (99495 visit by Dr A): both allowed, CCM bills', () => {
    const r = evaluate(
      enrolled()
        .visit({ at: '2026-03-03T09:00:00-05:00', codes: ['99495'] })
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 }),
    );
    expect(failed(r)).toEqual([]);
    expect(all(r)).toEqual(['99490×1']);
  });

  test('CCM with RPM and RTM (99457, 98977 by the nurse and Dr A on other days): CCM bills', () => {
    const r = evaluate(
      enrolled()
        .service({ start: '2026-03-03T09:00:00-05:00', minutes: 20, code: '99457' })
        .service({ start: '2026-03-04T09:00:00-05:00', minutes: 20, code: '98977', who: DR_A })
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 }),
    );
    expect(failed(r)).toEqual([]);
    expect(all(r)).toEqual(['99490×1']);
  });

  test('CCM with CoCM by Dr A: both bill (CCM with BHI: behavioural.test.ts)', () => {
    const s = withCocm(enrolled().time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 }), 40);
    const r = evaluate(s);
    expect(failed(r)).toEqual([]);
    expect(all(r)).toEqual(['99490×1', '99492×1']);
  });

  test('APCM with RTM (98979 by Dr A, CY2026): APCM bills', () => {
    const r = evaluate(
      apcmPatient().service({ start: '2026-03-11T09:00:00-04:00', minutes: 10, code: '98979', who: DR_A }),
    );
    expect(failed(r)).toEqual([]);
    expect(all(r)).toEqual(['G0557×1']);
  });

  test('RPM with RTM in one month is the billing system’s concern: nothing here fails', () => {
    const r = evaluate(
      enrolled()
        .service({ start: '2026-03-03T09:00:00-05:00', minutes: 20, code: '99470', who: NURSE })
        .service({ start: '2026-03-04T09:00:00-05:00', minutes: 20, code: '98979', who: NURSE })
        .time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 }),
    );
    expect(failed(r)).toEqual([]);
    expect(all(r)).toEqual(['99490×1']);
  });
});

describe('APCM behavioural-health add-ons: no companion to 99494', () => {
  test('CoCM 90 minutes in the first month with APCM by Dr A (CY2026): G0568 only, never 99492 or 99494', () => {
    const r = evaluate(withCocm(apcmPatient(), 90));
    expect(all(r)).toEqual(['G0557×1', 'G0568×1']);
    const cocm = r.behavioural.find((b) => b.programme === 'cocm');
    expect(cocm?.reached.map((l) => l.code)).toEqual(['99492', '99494']);
    expect(cocm?.billedWithApcm).toBe('G0568');
  });
});
