/**
 * BHI (99484) and CoCM (99492, 99493, +99494, G2214) (ccm-rules.md, "Time-based codes", "BHI and CoCM",
 * gates 1, 4, 5 and "APCM"): the thresholds as data (CoCM under the CPT midpoint rule, whole minutes), the
 * episode (first month: no CoCM in the 6 months before), whose time counts, the marker plan and the
 * condition it addresses, the consent naming the programme, the initiating visit, the CoCM team, one
 * practitioner, 99484 with CoCM by the same practitioner, CCM beside BHI, and the CY2026 APCM add-ons
 * replacing the programme's own codes.
 */
import { describe, expect, test } from '@jest/globals';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { behaviouralLines } from '../../../server/ccm/engine/behavioural.js';
import { engineContext } from '../../../server/ccm/engine/context.js';
import { evaluateMonth, monthLines, type MonthSummary } from '../../../server/ccm/engine/month-summary.js';
import { rulesFor } from '../../../server/ccm/rules/billing-rules.js';
import type { BehaviouralFamily } from '../../../server/ccm/rules/types.js';
import { CcmScenario, DR_A, DR_B, NURSE, TZ } from '../../helpers/ccm-scenarios.js';

const classifier = new ConditionClassifier();
const MONTH = '2026-03';
const PSY = 'Practitioner/psy-c';
const CM = 'Practitioner/bh-cm';

/** Options of a behavioural-health patient. */
interface BhOptions {
  programmes?: Array<'bhi' | 'cocm'>;
  /** Programmes the consent names (default: the plan's). */
  consent?: string[] | null;
  consentAt?: string;
  condition?: string;
  visit?: boolean;
  team?: Array<'bh-care-manager' | 'psychiatric-consultant'>;
  author?: string;
}

/**
 * A patient with moderate depression (F32.1) whose BHI and/or CoCM plan by Dr A (the marker) addresses it since
 * 5 January 2026, a consent naming the programme(s), an E/M visit in December 2025 and, for CoCM, a care
 * manager and a psychiatric consultant on the care team.
 */
function bhPatient(o: BhOptions = {}): CcmScenario {
  const programmes = o.programmes ?? ['bhi'];
  const s = new CcmScenario();
  s.condition(o.condition ?? 'F32.1', { id: `${s.patientId}-dep` });
  if (o.consent !== null)
    s.consent({ at: o.consentAt ?? '2026-01-05T10:00:00-05:00', programmes: o.consent ?? programmes });
  for (const p of programmes) {
    s.carePlan({
      start: '2026-01-05T11:00:00-05:00',
      programmes: [p],
      addresses: [`Condition/${s.patientId}-dep`],
      author: o.author ?? DR_A,
    });
  }
  if (o.visit !== false) s.visit({ at: '2025-12-10T09:00:00-05:00' });
  for (const role of o.team ??
    (programmes.includes('cocm') ? ['bh-care-manager', 'psychiatric-consultant'] : []))
    s.bhTeam({ who: role === 'bh-care-manager' ? CM : PSY, role, start: '2026-01-05' });
  return s;
}

/** Time of a programme in March (default BHI by the nurse). */
const time = (
  s: CcmScenario,
  o: { minutes?: number; seconds?: number; programme?: string; day?: number; who?: string; role?: string },
) =>
  s.time({
    start: `2026-03-${String(o.day ?? 10).padStart(2, '0')}T10:00:00-04:00`,
    minutes: o.minutes ?? 0,
    seconds: o.seconds ?? 0,
    programme: o.programme ?? 'bhi',
    ...(o.who ? { who: o.who } : {}),
    ...(o.role ? { role: o.role as 'clinical-staff' } : {}),
  });

/** CoCM time by the care manager. */
const cocm = (s: CcmScenario, minutes: number, seconds = 0, start = '2026-03-10T10:00:00-04:00') =>
  s.time({ start, minutes, seconds, programme: 'cocm', who: CM, role: 'bh-care-manager' });

function evaluate(s: CcmScenario, month = MONTH): MonthSummary {
  return evaluateMonth(s.record(TZ), engineContext(month, TZ, classifier));
}

function of(s: MonthSummary, programme: 'bhi' | 'cocm') {
  const b = s.behavioural.find((x) => x.programme === programme);
  if (!b) throw new Error(`no ${programme} summary`);
  return b;
}
const lines = (s: MonthSummary, p: 'bhi' | 'cocm' = 'bhi') =>
  of(s, p).lines.map((l) => `${l.code}×${l.units}`);
const failing = (s: MonthSummary, p: 'bhi' | 'cocm' = 'bhi') =>
  of(s, p)
    .gates.filter((g) => !g.passed)
    .map((g) => g.name);
const reasons = (s: MonthSummary, p: 'bhi' | 'cocm' = 'bhi') =>
  of(s, p)
    .gates.flatMap((g) => g.reasons)
    .join('\n');

describe('BHI and CoCM rules as data', () => {
  const families = rulesFor(MONTH)?.behavioural.families ?? [];
  const cocmFamily = families.find((f) => f.id === 'cocm') as BehaviouralFamily;

  test('the rows of the time table: 99484 20 min; CoCM 99492 70/36, 99493 60/31, +99494, G2214 from 16', () => {
    expect(
      families.map((f) => [
        f.id,
        f.countedRoles.join('+'),
        f.bases.map((b) => `${b.code}:${b.episode}:${b.thresholdMinutes}`),
      ]),
    ).toEqual([
      ['99484', 'clinical-staff+bh-care-manager+billing-practitioner', ['99484:any:20']],
      ['cocm', 'bh-care-manager+billing-practitioner', ['99492:first:36', '99493:later:31']],
    ]);
    expect(cocmFamily.addOn).toEqual({
      code: '99494',
      system: 'cpt',
      firstUnitMinutes: { '99492': 86, '99493': 76 },
      blockMinutes: 30,
      cap: null,
    });
    expect(cocmFamily.shortMonth?.code).toBe('G2214');
    expect(cocmFamily.shortMonth?.thresholdMinutes).toBe(16);
    expect(rulesFor(MONTH)?.behavioural.episodeLookbackMonths).toBe(6);
    expect(rulesFor(MONTH)?.behavioural.conflicts).toEqual([['bhi', 'cocm']]);
  });

  test('CoCM thresholds are the CPT midpoint rule: a unit once half its nominal time is passed', () => {
    for (const code of [...cocmFamily.bases, cocmFamily.shortMonth]) {
      if (!code?.nominalMinutes) throw new Error('nominal minutes missing');
      expect(code.thresholdMinutes).toBe(Math.floor(code.nominalMinutes / 2) + 1);
      const first = cocmFamily.addOn?.firstUnitMinutes[code.code];
      if (first !== undefined)
        expect(first).toBe(code.nominalMinutes + cocmFamily.addOn!.blockMinutes / 2 + 1);
    }
  });

  test.each([
    [35, 'first', ['G2214×1']],
    [36, 'first', ['99492×1']],
    [85, 'first', ['99492×1']],
    [86, 'first', ['99492×1', '99494×1']],
    [115, 'first', ['99492×1', '99494×1']],
    [116, 'first', ['99492×1', '99494×2']],
    [15, 'later', []],
    [16, 'later', ['G2214×1']],
    [30, 'later', ['G2214×1']],
    [31, 'later', ['99493×1']],
    [75, 'later', ['99493×1']],
    [76, 'later', ['99493×1', '99494×1']],
    [106, 'later', ['99493×1', '99494×2']],
  ] as const)('CoCM %i whole minutes in a %s month: %j', (minutes, episode, expected) => {
    expect(behaviouralLines(cocmFamily, minutes, episode).map((l) => `${l.code}×${l.units}`)).toEqual(
      expected,
    );
  });
});

describe('99484 (general BHI)', () => {
  test('20 full minutes bill 99484 once; 19 min 59 s bill nothing; 45 min still one unit', () => {
    expect(lines(evaluate(time(bhPatient(), { minutes: 19, seconds: 59 })))).toEqual([]);
    expect(lines(evaluate(time(bhPatient(), { minutes: 20 })))).toEqual(['99484×1']);
    expect(lines(evaluate(time(bhPatient(), { minutes: 45 })))).toEqual(['99484×1']);
  });

  test('every gate passes for the standard patient, and the month names its evidence', () => {
    const s = evaluate(time(bhPatient(), { minutes: 25 }));
    const b = of(s, 'bhi');
    expect(failing(s)).toEqual([]);
    expect(b.billable).toBe(true);
    expect(b.practitioner).toBe(DR_A);
    expect(b.conditions.map((c) => c.icd10)).toEqual(['F32.1']);
    expect(b.initiatingVisit).toBeDefined();
    expect(monthLines(s)).toEqual([{ code: '99484', system: 'cpt', units: 1, programme: 'bhi' }]);
  });

  test('a CCM consent does not cover BHI: the consent must name it', () => {
    const s = evaluate(time(bhPatient({ consent: [] }), { minutes: 25 }));
    expect(failing(s)).toEqual(['consent']);
    expect(reasons(s)).toMatch(/No BHI consent .*ccm-program#bhi/);
  });

  test('a CoCM consent does not cover BHI [decision]', () => {
    expect(failing(evaluate(time(bhPatient({ consent: ['cocm'] }), { minutes: 25 })))).toEqual(['consent']);
  });

  test('minutes before the BHI consent do not count', () => {
    const s = bhPatient({ consentAt: '2026-03-10T12:00:00-04:00' });
    time(s, { minutes: 15, day: 9 });
    time(s, { minutes: 15, day: 11 });
    const r = evaluate(s);
    expect(of(r, 'bhi').countedSeconds).toBe(15 * 60);
    expect(lines(r)).toEqual([]);
  });

  test('BHI time without a BHI plan is evaluated and fails with a reason (the month has no marker)', () => {
    const s = new CcmScenario()
      .condition('F32.1')
      .consent({ at: '2026-01-05T10:00:00-05:00', programmes: ['bhi'] });
    const r = evaluate(time(s, { minutes: 25 }));
    expect(failing(r)).toContain('behavioural-condition');
    expect(reasons(r)).toMatch(/No BHI \(99484\) plan in effect during 2026-03/);
    expect(of(r, 'bhi').lines).toEqual([]);
  });

  test('the plan must address a mental, behavioural or substance-use condition (ICD-10-CM F01-F99)', () => {
    const r = evaluate(time(bhPatient({ condition: 'E11.9' }), { minutes: 25 }));
    expect(failing(r)).toEqual(['behavioural-condition']);
    const alcohol = evaluate(time(bhPatient({ condition: 'F10.20' }), { minutes: 25 }));
    expect(lines(alcohol)).toEqual(['99484×1']);
  });

  test('initiating visit: no E/M, AWV or IPPE by the practitioner within the year before BHI began', () => {
    const r = evaluate(time(bhPatient({ visit: false }), { minutes: 25 }));
    expect(failing(r)).toEqual(['initiating-visit']);
  });

  test('one billing practitioner per programme: BHI practitioner time by Dr B while the plan is Dr A’s', () => {
    const s = bhPatient();
    time(s, { minutes: 25, who: DR_B, role: 'billing-practitioner' });
    expect(failing(evaluate(s))).toEqual(['one-practitioner']);
  });

  test('no BHI summary in a month without a BHI plan or BHI work', () => {
    expect(evaluate(new CcmScenario().condition('E11.9')).behavioural).toEqual([]);
  });
});

describe('CoCM', () => {
  const patient = () => bhPatient({ programmes: ['cocm'] });

  test('first month of an episode (no CoCM in the 6 months before): 36 minutes bill 99492; 35:59 bill G2214', () => {
    expect(lines(evaluate(cocm(patient(), 36)), 'cocm')).toEqual(['99492×1']);
    expect(lines(evaluate(cocm(patient(), 35, 59)), 'cocm')).toEqual(['G2214×1']);
    expect(of(evaluate(cocm(patient(), 36)), 'cocm').episode).toBe('first');
  });

  test('CoCM in the 6 months before: a later month, 31 minutes bill 99493 and 76 add 99494', () => {
    const s = cocm(patient(), 40, 0, '2026-01-20T10:00:00-05:00');
    expect(lines(evaluate(cocm(s, 31)), 'cocm')).toEqual(['99493×1']);
    const t = cocm(cocm(patient(), 40, 0, '2026-01-20T10:00:00-05:00'), 76);
    expect(lines(evaluate(t), 'cocm')).toEqual(['99493×1', '99494×1']);
    expect(of(evaluate(t), 'cocm').episode).toBe('later');
  });

  test('CoCM 7 months before only: a new episode, 99492 again', () => {
    const s = bhPatient({ programmes: ['cocm'], consentAt: '2025-07-01T10:00:00-04:00' });
    s.visit({ at: '2025-06-10T09:00:00-04:00' });
    cocm(s, 40, 0, '2025-08-20T10:00:00-04:00');
    expect(lines(evaluate(cocm(s, 40)), 'cocm')).toEqual(['99492×1']);
  });

  test('whose time counts: the care manager and the practitioner, not other clinical staff (noted)', () => {
    const s = patient();
    time(s, { minutes: 30, programme: 'cocm', who: NURSE });
    cocm(s, 20, 0, '2026-03-11T10:00:00-04:00');
    const r = evaluate(s);
    expect(of(r, 'cocm').countedSeconds).toBe(20 * 60);
    expect(lines(r, 'cocm')).toEqual(['G2214×1']);
    expect(of(r, 'cocm').notes.join('\n')).toMatch(/do(es)? not count toward it/);
  });

  test('a psychiatric consultant’s time counts toward no code', () => {
    const s = patient();
    s.time({
      start: '2026-03-10T10:00:00-04:00',
      minutes: 40,
      programme: 'cocm',
      who: PSY,
      role: 'psychiatric-consultant',
    });
    const r = evaluate(s);
    expect(of(r, 'cocm').countedSeconds).toBe(0);
    expect(r.excluded.map((x) => x.reason)).toContain('psychiatric-consultant time never counts');
  });

  test('CoCM needs a psychiatric consultant and a care manager on the care team', () => {
    const r = evaluate(cocm(bhPatient({ programmes: ['cocm'], team: ['bh-care-manager'] }), 40));
    expect(failing(r, 'cocm')).toEqual(['cocm-team']);
    expect(reasons(r, 'cocm')).toMatch(/No psychiatric consultant/);
  });

  test('99484 with CoCM by the same practitioner: documented work of both fails both', () => {
    const s = bhPatient({ programmes: ['bhi', 'cocm'] });
    time(s, { minutes: 25 });
    cocm(s, 40, 0, '2026-03-12T10:00:00-04:00');
    const r = evaluate(s);
    expect(failing(r, 'bhi')).toEqual(['no-conflict']);
    expect(failing(r, 'cocm')).toEqual(['no-conflict']);
    expect(monthLines(r)).toEqual([]);
  });

  test('99484 by Dr B and CoCM by Dr A in one month: different practitioners, both bill', () => {
    const s = bhPatient({ programmes: ['cocm'] });
    s.consent({ at: '2026-01-06T10:00:00-05:00', programmes: ['bhi'], who: DR_B });
    s.carePlan({
      start: '2026-01-06T11:00:00-05:00',
      programmes: ['bhi'],
      addresses: [`Condition/${s.patientId}-dep`],
      author: DR_B,
    });
    s.visit({ at: '2025-12-11T09:00:00-05:00', who: DR_B });
    time(s, { minutes: 25 });
    cocm(s, 40, 0, '2026-03-12T10:00:00-04:00');
    const r = evaluate(s);
    expect(lines(r, 'bhi')).toEqual(['99484×1']);
    expect(lines(r, 'cocm')).toEqual(['99492×1']);
  });
});

describe('BHI beside CCM and APCM', () => {
  test('CCM with BHI by the same practitioner in one month: both bill, each minute counted once', () => {
    const s = bhPatient();
    s.condition('E11.9', { attested: true }).condition('I10', { attested: true });
    s.consent({ at: '2026-01-05T10:00:00-05:00' });
    s.carePlan({ start: '2026-01-05T11:00:00-05:00' });
    s.time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 });
    // the same nurse's BHI entry overlaps the CCM one by 10 minutes: they count once, for CCM (which began first)
    s.time({ start: '2026-03-10T10:15:00-04:00', minutes: 30, programme: 'bhi' });
    const r = evaluate(s);
    expect(r.lines.map((l) => l.code)).toEqual(['99490']);
    expect(of(r, 'bhi').countedSeconds).toBe(20 * 60);
    expect(lines(r)).toEqual(['99484×1']);
    expect(r.warnings.some((w) => w.kind === 'overlap')).toBe(true);
  });

  test('a care manager is clinical staff: 20 min of bh-care-manager time under CCM bill 99490 (not 99491)', () => {
    const s = new CcmScenario()
      .condition('E11.9', { attested: true })
      .condition('I10', { attested: true })
      .consent({ at: '2026-01-05T10:00:00-05:00' })
      .carePlan({ start: '2026-01-05T11:00:00-05:00' })
      .visit({ at: '2025-12-10T09:00:00-05:00' })
      .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20, who: CM, role: 'bh-care-manager' })
      .time({ start: '2026-03-11T10:00:00-04:00', minutes: 15, role: 'billing-practitioner' });
    const r = evaluate(s);
    expect(r.family?.id).toBe('99490');
    expect(r.lines.map((l) => `${l.code}×${l.units}`)).toEqual(['99490×1']);
  });

  test('a BHI-only plan is not a CCM care plan (gate 3 of CCM fails without one)', () => {
    const s = bhPatient();
    s.condition('E11.9', { attested: true }).condition('I10', { attested: true });
    s.consent({ at: '2026-01-05T10:00:00-05:00' });
    s.time({ start: '2026-03-10T10:00:00-04:00', minutes: 25 });
    const r = evaluate(s);
    expect(r.gates.find((g) => g.name === 'care-plan')?.passed).toBe(false);
  });

  /** An APCM patient of Dr A (2 attested conditions, APCM consent and plan, an element this month) with BHI. */
  function apcmWithBhi(year: 2025 | 2026): CcmScenario {
    const y = String(year);
    const s = new CcmScenario();
    s.condition('E11.9', { attested: true }).condition('I10', { attested: true });
    s.condition('F32.1', { id: `${s.patientId}-dep` });
    s.consent({ at: `${y}-01-05T10:00:00-05:00`, programmes: ['apcm', 'bhi'] });
    s.carePlan({ start: `${y}-01-05T11:00:00-05:00`, programmes: ['apcm'] });
    s.carePlan({
      start: `${y}-01-05T11:00:00-05:00`,
      programmes: ['bhi'],
      addresses: [`Condition/${s.patientId}-dep`],
    });
    s.visit({ at: `${year - 1}-12-10T09:00:00-05:00` });
    s.time({
      start: `${y}-03-09T09:00:00-05:00`,
      minutes: 2,
      programme: 'apcm',
      activity: 'care-coordination',
    });
    s.time({ start: `${y}-03-10T10:00:00-04:00`, minutes: 25, programme: 'bhi' });
    return s;
  }

  test('CY2026: BHI work with APCM by the same practitioner bills G0570, never also 99484', () => {
    const r = evaluate(apcmWithBhi(2026));
    expect(monthLines(r).map((l) => l.code)).toEqual(['G0557', 'G0570']);
    expect(of(r, 'bhi').billedWithApcm).toBe('G0570');
    expect(of(r, 'bhi').notes.join('\n')).toMatch(/bills as G0570 with APCM/);
  });

  test('CY2025 (no add-ons): APCM and 99484 by the same practitioner both bill', () => {
    const r = evaluate(apcmWithBhi(2025), '2025-03');
    expect(monthLines(r).map((l) => l.code)).toEqual(['G0557', '99484']);
  });
});

describe('TCM, RPM and RTM: exclusions only (the CY2026 codes)', () => {
  /** A CCM patient enrolled since January of `year` with Dr A. */
  function ccmPatient(year: number): CcmScenario {
    return new CcmScenario()
      .condition('E11.9', { attested: true })
      .condition('I10', { attested: true })
      .consent({ at: `${year}-01-05T10:00:00-05:00` })
      .carePlan({ start: `${year}-01-05T11:00:00-05:00` })
      .visit({ at: `${year - 1}-12-10T09:00:00-05:00` });
  }
  const ccmTime = (s: CcmScenario, year: number) =>
    s.time({ start: `${year}-03-10T10:00:00-04:00`, minutes: 25 });

  test('CY2026: the nurse’s 10 minutes billed as RPM 99470 never count toward CCM (25 → 15 min, no 99490)', () => {
    const s = ccmTime(ccmPatient(2026), 2026).service({
      start: '2026-03-10T10:00:00-04:00',
      minutes: 10,
      code: '99470',
    });
    const r = evaluate(s);
    expect(r.countedSeconds).toBe(15 * 60);
    expect(r.lines).toEqual([]);
    expect(r.warnings.map((w) => w.kind)).toEqual(['counted-elsewhere']);
    expect(r.warnings[0].message).toMatch(/RPM \(99470\)/);
  });

  test('CY2026: RTM 98979 and 98985 claim their minutes the same way', () => {
    for (const code of ['98979', '98985']) {
      const s = ccmTime(ccmPatient(2026), 2026).service({
        start: '2026-03-10T10:20:00-04:00',
        minutes: 10,
        code,
      });
      expect(evaluate(s).countedSeconds).toBe(20 * 60);
    }
  });

  test('CY2025: 99470 is no code yet (the rules of the year decide); 99457 is excluded in both years', () => {
    const new2026 = ccmTime(ccmPatient(2025), 2025).service({
      start: '2025-03-10T10:00:00-04:00',
      minutes: 10,
      code: '99470',
    });
    expect(evaluate(new2026, '2025-03').countedSeconds).toBe(25 * 60);
    const old = ccmTime(ccmPatient(2025), 2025).service({
      start: '2025-03-10T10:00:00-04:00',
      minutes: 10,
      code: '99457',
    });
    expect(evaluate(old, '2025-03').countedSeconds).toBe(15 * 60);
  });

  test('another person’s RPM time does not reduce the nurse’s CCM time', () => {
    const s = ccmTime(ccmPatient(2026), 2026).service({
      start: '2026-03-10T10:00:00-04:00',
      minutes: 10,
      code: '99470',
      who: 'Practitioner/other-nurse',
    });
    expect(evaluate(s).lines.map((l) => l.code)).toEqual(['99490']);
  });

  test('RPM/RTM conflict with nothing: 99470 and 98979 by the billing practitioner leave CCM and APCM billable', () => {
    const s = ccmTime(ccmPatient(2026), 2026)
      .service({ start: '2026-03-12T10:00:00-04:00', minutes: 10, code: '99470', who: DR_A })
      .service({ start: '2026-03-13T10:00:00-04:00', minutes: 10, code: '98979', who: DR_A });
    const r = evaluate(s);
    expect(r.gates.every((g) => g.passed)).toBe(true);
    expect(r.lines.map((l) => l.code)).toEqual(['99490']);
  });
});
