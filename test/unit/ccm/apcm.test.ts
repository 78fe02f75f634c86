/**
 * APCM (ccm-rules.md, "APCM" and gate 5), one test per scenario of the rules that concerns APCM: the level
 * from attested conditions and QMB status, no time threshold but at least one element furnished [decision],
 * consent naming APCM (a CCM consent does not cover it [decision]), the initiating visit only for patients not
 * seen within 3 years (an AWV qualifies), one practitioner per month, the conflicts (CCM/PCM by the same
 * practitioner fail both; APCM-TCM unsettled, denied by default; RPM allowed), and the CY2026
 * behavioural-health add-ons only with APCM by the same practitioner in the same month.
 */
import { describe, expect, test } from '@jest/globals';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { engineContext, type PracticeSettings } from '../../../server/ccm/engine/context.js';
import { evaluateMonth, type MonthSummary } from '../../../server/ccm/engine/month-summary.js';
import { rulesFor } from '../../../server/ccm/rules/billing-rules.js';
import { CcmScenario, DR_A, DR_B, TZ } from '../../helpers/ccm-scenarios.js';

const classifier = new ConditionClassifier();
const MONTH = '2026-03';
const ELEMENT_AT = '2026-03-10T09:00:00-04:00';

/** Options of the APCM patient. */
interface ApcmOptions {
  conditions?: string[];
  consent?: 'apcm' | 'ccm' | 'none';
  visitAt?: string | null;
  visitCodes?: string[];
  copy?: boolean;
}

/**
 * A patient in APCM with Dr A since 5 January 2026 (care plan marked apcm, authored by Dr A, copy given),
 * attested conditions (default diabetes and hypertension), a consent naming APCM, an E/M visit in June 2025.
 */
function apcmPatient(o: ApcmOptions = {}): CcmScenario {
  const s = new CcmScenario();
  for (const code of o.conditions ?? ['E11.9', 'I10']) s.condition(code, { attested: true });
  if ((o.consent ?? 'apcm') !== 'none') {
    s.consent({
      at: '2026-01-05T10:00:00-05:00',
      ...(o.consent === 'ccm' ? {} : { programmes: ['apcm'] }),
    });
  }
  s.carePlan({
    start: '2026-01-05T11:00:00-05:00',
    programmes: ['apcm'],
    ...(o.copy === false ? { copy: null } : {}),
  });
  if (o.visitAt !== null) s.visit({ at: o.visitAt ?? '2025-06-10T09:00:00-04:00', codes: o.visitCodes });
  return s;
}

/** One APCM element (care coordination, 2 minutes of clinical-staff time) in March. */
const element = (s: CcmScenario, who?: string) =>
  s.time({
    start: ELEMENT_AT,
    minutes: 2,
    programme: 'apcm',
    activity: 'care-coordination',
    ...(who ? { who } : {}),
  });

function evaluate(s: CcmScenario, month = MONTH, practice: PracticeSettings = {}): MonthSummary {
  return evaluateMonth(s.record(TZ), engineContext(month, TZ, classifier, practice));
}

function apcmOf(s: MonthSummary) {
  if (!s.apcm) throw new Error('no APCM summary');
  return s.apcm;
}

const failing = (s: MonthSummary) =>
  apcmOf(s)
    .gates.filter((g) => !g.passed)
    .map((g) => g.name);
const reasons = (s: MonthSummary) =>
  apcmOf(s)
    .gates.flatMap((g) => g.reasons)
    .join('\n');
const lines = (s: MonthSummary) => apcmOf(s).lines.map((l) => `${l.code}×${l.units}`);

describe('APCM rules as data', () => {
  test('CY2025 and CY2026 carry the levels, no threshold, the 3-year lookback; only CY2026 has the BH add-ons', () => {
    const y25 = rulesFor('2025-06');
    const y26 = rulesFor('2026-06');
    expect(y25?.apcm.levels.map((l) => [l.code, l.minChronicGroups, l.requiresQmb])).toEqual([
      ['G0558', 2, true],
      ['G0557', 2, false],
      ['G0556', 0, false],
    ]);
    expect(y25?.apcm.initiatingVisitLookbackMonths).toBe(36);
    expect(y25?.apcm.behaviouralAddOns).toEqual([]);
    expect(y26?.apcm.behaviouralAddOns.map((a) => `${a.code}↔${a.mirrors}`)).toEqual([
      'G0568↔99492',
      'G0569↔99493',
      'G0570↔99484',
    ]);
    expect(y26?.apcm.tcm.default).toBe('deny');
    expect(y26?.apcm.conflictingProgrammes).toEqual(['ccm', 'pcm']);
  });

  test('a month without an APCM plan in effect has no APCM summary (CCM output unchanged)', () => {
    const s = new CcmScenario().condition('E11.9', { attested: true });
    s.carePlan({ start: '2026-01-05T11:00:00-05:00' });
    expect(evaluate(s).apcm).toBeUndefined();
    const ended = apcmPatient();
    const before = evaluate(ended, '2025-12');
    expect(before.apcm).toBeUndefined();
  });
});

describe('APCM level (attested chronic conditions, QMB)', () => {
  test('no chronic condition: G0556', () => {
    const s = evaluate(element(apcmPatient({ conditions: [] })));
    expect(lines(s)).toEqual(['G0556×1']);
    expect(apcmOf(s).chronicGroups).toBe(0);
  });

  test('one chronic condition: G0556', () => {
    expect(lines(evaluate(element(apcmPatient({ conditions: ['E11.9'] }))))).toEqual(['G0556×1']);
  });

  test('two chronic conditions: G0557', () => {
    const s = evaluate(element(apcmPatient()));
    expect(lines(s)).toEqual(['G0557×1']);
    expect(apcmOf(s).billable).toBe(true);
    expect(failing(s)).toEqual([]);
  });

  test('two codes of one condition group count once: G0556', () => {
    expect(lines(evaluate(element(apcmPatient({ conditions: ['E11.9', 'E11.65'] }))))).toEqual(['G0556×1']);
  });

  test('unattested conditions do not count toward the level', () => {
    const s = apcmPatient({ conditions: ['E11.9'] });
    s.condition('I10');
    expect(apcmOf(evaluate(element(s))).level.code).toBe('G0556');
  });

  test('two conditions and a QMB during the month: G0558', () => {
    const s = evaluate(element(apcmPatient().qmb({ start: '2026-02-01' })));
    expect(lines(s)).toEqual(['G0558×1']);
    expect(apcmOf(s).qmb?.ref).toMatch(/^Coverage\//);
  });

  test('QMB with one condition: G0556', () => {
    expect(
      lines(evaluate(element(apcmPatient({ conditions: ['I10'] }).qmb({ start: '2026-01-01' })))),
    ).toEqual(['G0556×1']);
  });

  test('QMB for part of the month counts; a QMB coverage that ended before the month does not', () => {
    const part = apcmPatient().qmb({ start: '2026-01-01', end: '2026-03-03' });
    expect(apcmOf(evaluate(element(part))).level.code).toBe('G0558');
    const ended = apcmPatient().qmb({ start: '2025-01-01', end: '2026-02-28' });
    expect(apcmOf(evaluate(element(ended))).level.code).toBe('G0557');
  });

  test('unknown QMB status is not QMB; a cancelled coverage does not count', () => {
    const cancelled = apcmPatient().qmb({ start: '2026-01-01', status: 'cancelled' });
    expect(apcmOf(evaluate(element(cancelled))).qmb).toBeUndefined();
    expect(apcmOf(evaluate(element(cancelled))).level.code).toBe('G0557');
  });
});

describe('APCM time and elements', () => {
  test('no time threshold: one element of 2 minutes bills the month', () => {
    expect(lines(evaluate(element(apcmPatient())))).toEqual(['G0557×1']);
  });

  test('a month without any element furnished does not bill [decision], and says so; the level is still reported', () => {
    const s = evaluate(apcmPatient());
    expect(lines(s)).toEqual([]);
    expect(failing(s)).toEqual(['element-furnished']);
    expect(apcmOf(s).level.code).toBe('G0557');
    expect(reasons(s)).toContain('No APCM element furnished');
  });

  test('the element is named from the activity recorded', () => {
    const s = evaluate(element(apcmPatient()));
    expect(apcmOf(s).elements.map((e) => e.element)).toEqual(['coordination']);
  });

  test('non-clinical staff time is not an element', () => {
    const s = apcmPatient().time({
      start: ELEMENT_AT,
      minutes: 5,
      programme: 'apcm',
      role: 'non-clinical-staff',
    });
    expect(failing(evaluate(s))).toEqual(['element-furnished']);
  });
});

describe('APCM consent', () => {
  test('a CCM consent does not cover APCM [decision]', () => {
    const s = evaluate(element(apcmPatient({ consent: 'ccm' })));
    expect(lines(s)).toEqual([]);
    expect(failing(s)).toEqual(['consent']);
    expect(reasons(s)).toContain('a CCM consent does not cover APCM');
    expect(apcmOf(s).consent.status).toBe('none');
  });

  test('no consent at all: the consent gate fails, the initiating visit is still checked from the plan start', () => {
    const s = evaluate(element(apcmPatient({ consent: 'none' })));
    expect(failing(s)).toEqual(['consent']);
  });

  test('an APCM consent does not cover CCM: CCM time finds no CCM consent', () => {
    const s = apcmPatient().time({ start: ELEMENT_AT, minutes: 25, who: 'Practitioner/nurse-x' });
    expect(evaluate(s).consent.status).toBe('none');
  });

  test('an APCM consent declined: not billable', () => {
    const s = apcmPatient({ consent: 'none' });
    s.consent({ at: '2026-01-05T10:00:00-05:00', programmes: ['apcm'], status: 'rejected' });
    const r = evaluate(element(s));
    expect(failing(r)).toEqual(['consent']);
    expect(reasons(r)).toContain('declined APCM');
  });

  test('the APCM consent must name the APCM practitioner (the plan author)', () => {
    const s = apcmPatient({ consent: 'none' });
    s.consent({ at: '2026-01-05T10:00:00-05:00', programmes: ['apcm'], who: DR_B });
    expect(failing(evaluate(element(s)))).toContain('consent');
  });
});

describe('APCM care plan and initiating visit', () => {
  test('no record of the patient copy of the APCM plan: the care-plan gate fails', () => {
    expect(failing(evaluate(element(apcmPatient({ copy: false }))))).toEqual(['care-plan']);
  });

  test('seen 2.5 years before APCM began: no new initiating visit is needed', () => {
    const s = evaluate(element(apcmPatient({ visitAt: '2023-08-15T09:00:00-04:00' })));
    expect(failing(s)).toEqual([]);
    expect(apcmOf(s).initiatingVisit).toBeDefined();
  });

  test('not seen within 3 years (last visit 4 years before): an initiating visit is missing', () => {
    const s = evaluate(element(apcmPatient({ visitAt: '2021-11-15T09:00:00-05:00' })));
    expect(failing(s)).toEqual(['initiating-visit']);
    expect(reasons(s)).toContain('not seen within 3 years');
  });

  test('a new patient never seen: an initiating visit is missing; an AWV in the first month qualifies', () => {
    expect(failing(evaluate(element(apcmPatient({ visitAt: null }))))).toEqual(['initiating-visit']);
    const awv = apcmPatient({ visitAt: '2026-01-05T09:00:00-05:00', visitCodes: ['G0439'] });
    expect(failing(evaluate(element(awv)))).toEqual([]);
  });

  test('a visit by another practitioner does not count', () => {
    const s = apcmPatient({ visitAt: null }).visit({ at: '2025-06-10T09:00:00-04:00', who: DR_B });
    expect(failing(evaluate(element(s)))).toEqual(['initiating-visit']);
  });
});

describe('APCM: one practitioner, conflicts', () => {
  test('two APCM plans by different practitioners in the month: one practitioner per month fails', () => {
    const s = apcmPatient().carePlan({
      start: '2026-03-01T09:00:00-05:00',
      programmes: ['apcm'],
      author: DR_B,
    });
    const r = evaluate(element(s));
    expect(failing(r)).toContain('one-practitioner');
    expect(lines(r)).toEqual([]);
  });

  test('APCM time by another billing practitioner: one practitioner per month fails', () => {
    const s = apcmPatient().time({
      start: ELEMENT_AT,
      minutes: 5,
      programme: 'apcm',
      role: 'billing-practitioner',
      who: DR_B,
    });
    expect(failing(evaluate(s))).toEqual(['one-practitioner']);
  });

  test('APCM with CCM by the same practitioner: both fail the no-conflict gate, nothing bills', () => {
    const s = element(apcmPatient()).consent({ at: '2026-01-05T10:00:00-05:00' });
    s.time({ start: '2026-03-12T09:00:00-04:00', minutes: 25 });
    const r = evaluate(s);
    expect(failing(r)).toEqual(['no-conflict']);
    expect(r.gates.find((g) => g.name === 'no-conflict')?.passed).toBe(false);
    expect(r.lines).toEqual([]);
    expect(lines(r)).toEqual([]);
  });

  test('APCM with PCM by the same practitioner: both fail', () => {
    const s = element(apcmPatient()).consent({ at: '2026-01-05T10:00:00-05:00' });
    s.time({ start: '2026-03-12T09:00:00-04:00', minutes: 30, programme: 'pcm' });
    const r = evaluate(s);
    expect(failing(r)).toEqual(['no-conflict']);
    expect(r.gates.find((g) => g.name === 'no-conflict')?.passed).toBe(false);
  });

  test('CCM by a different practitioner (a CareTeam assigns Dr B) does not conflict with APCM by Dr A', () => {
    const s = element(apcmPatient())
      .careTeam({ who: DR_B, start: '2026-01-01' })
      .consent({ at: '2026-01-06T10:00:00-05:00', who: DR_B })
      .time({ start: '2026-03-12T09:00:00-04:00', minutes: 25 });
    const r = evaluate(s);
    expect(failing(r)).toEqual([]);
    expect(r.gates.find((g) => g.name === 'no-conflict')?.passed).toBe(true);
  });

  test('CCM time by the same practitioner in a month without an APCM element: a warning, APCM fails only for the element', () => {
    const s = apcmPatient().consent({ at: '2026-01-05T10:00:00-05:00' });
    s.time({ start: '2026-03-12T09:00:00-04:00', minutes: 25 });
    const r = evaluate(s);
    expect(failing(r)).toEqual(['element-furnished']);
    expect(apcmOf(r).warnings.join('\n')).toContain('would conflict');
  });

  test('APCM with TCM by the same practitioner: unsettled, denied by default', () => {
    const s = element(apcmPatient()).visit({ at: '2026-03-05T09:00:00-05:00', codes: ['99496'] });
    const r = evaluate(s);
    expect(failing(r)).toEqual(['no-conflict']);
    expect(reasons(r)).toContain('unsettled');
  });

  test('APCM with TCM when the practice allows it: billable, with a warning', () => {
    const s = element(apcmPatient()).visit({ at: '2026-03-05T09:00:00-05:00', codes: ['99495'] });
    const r = evaluate(s, MONTH, { apcmWithTcm: 'allow' });
    expect(lines(r)).toEqual(['G0557×1']);
    expect(apcmOf(r).warnings.join('\n')).toContain('unsettled');
  });

  test('APCM with RPM in the same month is allowed', () => {
    const s = element(apcmPatient()).time({
      start: '2026-03-12T09:00:00-04:00',
      minutes: 20,
      programme: 'rpm',
    });
    expect(lines(evaluate(s))).toEqual(['G0557×1']);
  });

  test('a month after the patient died does not bill', () => {
    const s = element(apcmPatient()).deceased('2026-02-10');
    expect(failing(evaluate(s))).toContain('patient-alive');
  });
});

describe('APCM behavioural-health add-ons (CY2026)', () => {
  const bhi = (s: CcmScenario, minutes: number, who?: string) =>
    s.time({
      start: '2026-03-14T09:00:00-04:00',
      minutes,
      programme: 'bhi',
      ...(who ? { role: 'billing-practitioner', who } : {}),
    });

  test('BHI work with APCM by the same practitioner bills G0570 beside the APCM code', () => {
    const r = evaluate(bhi(element(apcmPatient()), 25));
    expect(lines(r)).toEqual(['G0557×1', 'G0570×1']);
    expect(apcmOf(r).warnings.join('\n')).toContain('never also as 99484');
  });

  test('under the mirrored 20 minutes of 99484: refused by default, billed when the practice does not require them', () => {
    const r = evaluate(bhi(element(apcmPatient()), 15));
    expect(lines(r)).toEqual(['G0557×1']);
    expect(apcmOf(r).addOnsRefused.map((a) => a.code)).toEqual(['G0570']);
    expect(apcmOf(r).addOnsRefused[0].reason).toContain('unsettled');
    const off = evaluate(bhi(element(apcmPatient()), 15), MONTH, { apcmAddOnsNeedMirroredTime: false });
    expect(lines(off)).toEqual(['G0557×1', 'G0570×1']);
  });

  test('only with an APCM code billed the same month: APCM not billable refuses the add-on', () => {
    const r = evaluate(bhi(element(apcmPatient({ consent: 'ccm' })), 25));
    expect(lines(r)).toEqual([]);
    expect(apcmOf(r).addOnsRefused[0].reason).toContain('only with an APCM code');
  });

  test('BHI work by another practitioner than the APCM one: refused', () => {
    const r = evaluate(bhi(element(apcmPatient()), 25, DR_B));
    expect(lines(r)).toEqual(['G0557×1']);
    expect(apcmOf(r).addOnsRefused[0].reason).toContain(DR_B);
  });

  test('no add-on before 2026', () => {
    const s = new CcmScenario().condition('E11.9', { attested: true }).condition('I10', { attested: true });
    s.consent({ at: '2025-03-01T10:00:00-05:00', programmes: ['apcm'] })
      .carePlan({ start: '2025-03-01T11:00:00-05:00', programmes: ['apcm'] })
      .visit({ at: '2025-02-10T09:00:00-05:00', who: DR_A })
      .time({ start: '2025-06-10T09:00:00-04:00', minutes: 2, programme: 'apcm' })
      .time({ start: '2025-06-12T09:00:00-04:00', minutes: 30, programme: 'bhi' });
    const r = evaluate(s, '2025-06');
    expect(lines(r)).toEqual(['G0557×1']);
    expect(apcmOf(r).addOnsRefused).toEqual([]);
  });
});
