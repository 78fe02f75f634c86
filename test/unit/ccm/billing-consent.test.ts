/**
 * Consent history (ccm-rules.md gate 1 and "Who bills"): a revocation is its own dated fact that never moves
 * the date consent was obtained and takes effect at the end of its month; the month's billing practitioner is
 * the assigned one (CareTeam billing-practitioner role, else the author of the care plan in effect), whose own
 * consent must precede the counted minutes. Revocations are written with the clinician app's revoke action.
 */
import { describe, expect, test } from '@jest/globals';
import type { Consent } from 'fhir/r4.js';
import { ConditionClassifier } from '../../../server/ccm/classification/classify.js';
import { engineContext } from '../../../server/ccm/engine/context.js';
import { consentRecord } from '../../../server/ccm/engine/extract.js';
import { evaluateMonth } from '../../../server/ccm/engine/month-summary.js';
import { CcmScenario, DR_A, DR_B, enrolled, TZ } from '../../helpers/ccm-scenarios.js';
import { checkVector, type Vector } from '../../helpers/ccm-vectors.js';

const JAN5 = '2026-01-05T10:00:00-05:00';
const REVOKED_AT = '2026-03-20T15:00:00-04:00';

/** Enrolled with Dr A since 5 January (consent `c-<id>`), 25 staff minutes in Feb, Mar and Apr. */
function withTime(id: string): CcmScenario {
  return new CcmScenario(id)
    .condition('E11.9', { attested: true })
    .condition('I10', { attested: true })
    .consent({ at: JAN5, id: `c-${id}` })
    .carePlan({ start: '2026-01-05T11:00:00-05:00' })
    .visit({ at: '2025-12-10T09:00:00-05:00' })
    .time({ start: '2026-02-10T10:00:00-05:00', minutes: 25 })
    .time({ start: '2026-03-05T10:00:00-05:00', minutes: 25 })
    .time({ start: '2026-04-08T10:00:00-04:00', minutes: 25 });
}

/** Revoked with the app on 20 March. */
const revoked = (id: string) => withTime(id).revoke(`c-${id}`, REVOKED_AT);

const revocation: Vector[] = [
  {
    name: 'a month before the revocation keeps its consent (February bills)',
    month: '2026-02',
    scenario: () => revoked('rv-feb'),
    lines: ['99490×1'],
    seconds: { staff: 1500, excluded: 0 },
  },
  {
    name: 'the revocation month keeps its consent: minutes before the revocation date count',
    month: '2026-03',
    scenario: () => revoked('rv-mar'),
    lines: ['99490×1'],
    seconds: { staff: 1500, excluded: 0 },
  },
  {
    name: 'the month after the revocation has no consent',
    month: '2026-04',
    scenario: () => revoked('rv-apr'),
    lines: [],
    failing: ['consent', 'initiating-visit'],
    reason: 'effective at the end of 2026-03',
  },
  {
    name: 'a new consent after the revocation: minutes count from its date',
    month: '2026-04',
    scenario: () =>
      revoked('rv-new')
        .consent({ at: '2026-04-15T09:00:00-04:00' })
        .time({ start: '2026-04-20T10:00:00-04:00', minutes: 25 }),
    lines: ['99490×1'],
    seconds: { staff: 1500, excluded: 1500 },
  },
  {
    name: 'a record written by the old revoke action (dateTime overwritten) keeps its original consent date',
    month: '2026-02',
    scenario: () => {
      const s = withTime('rv-legacy');
      const c = s.resources.find((r) => r.resourceType === 'Consent') as Consent;
      Object.assign(c, {
        status: 'inactive',
        dateTime: REVOKED_AT,
        provision: { ...c.provision, period: { start: '2026-01-05', end: '2026-03-31' } },
      });
      return s;
    },
    lines: ['99490×1'],
  },
];

/** Enrolled with Dr A (plan author, consent); staff time only in March (10th and 20th). */
function staffOnly(id?: string): CcmScenario {
  return enrolled(id)
    .time({ start: '2026-03-10T10:00:00-04:00', minutes: 15 })
    .time({ start: '2026-03-20T10:00:00-04:00', minutes: 25 });
}

/** Dr A (Jan–Feb, consent 5 Jan), Dr B (Mar, consent 1 Mar), Dr A again from April; staff time 2 and 20 April. */
function aToBToA(): CcmScenario {
  return enrolled()
    .careTeam({ who: DR_A, start: '2026-01-05', end: '2026-02-28' })
    .careTeam({ who: DR_B, start: '2026-03-01', end: '2026-03-31' })
    .consent({ at: '2026-03-01T09:00:00-05:00', who: DR_B })
    .careTeam({ who: DR_A, start: '2026-04-01' })
    .time({ start: '2026-04-02T10:00:00-04:00', minutes: 10 })
    .time({ start: '2026-04-20T10:00:00-04:00', minutes: 25 });
}

const practitioner: Vector[] = [
  {
    name: 'CareTeam assigns Dr B from March, only staff log time, no consent names Dr B: consent gate fails',
    month: '2026-03',
    scenario: () => staffOnly().careTeam({ who: DR_B, start: '2026-03-01' }),
    lines: [],
    failing: ['consent', 'initiating-visit'],
    reason: 'no CCM consent names Practitioner/dr-b',
  },
  {
    name: 'the care plan in effect is authored by Dr B from March, only staff time: consent gate fails',
    month: '2026-03',
    scenario: () =>
      new CcmScenario()
        .condition('E11.9', { attested: true })
        .condition('I10', { attested: true })
        .consent({ at: JAN5 })
        .carePlan({ start: '2026-01-05T11:00:00-05:00', status: 'completed', end: '2026-02-28' })
        .carePlan({ start: '2026-03-01T09:00:00-05:00', author: DR_B })
        .visit({ at: '2025-12-10T09:00:00-05:00' })
        .visit({ at: '2026-03-01T08:00:00-05:00', who: DR_B })
        .time({ start: '2026-03-20T10:00:00-04:00', minutes: 25 }),
    lines: [],
    failing: ['consent', 'initiating-visit'],
    reason: 'a new consent obtained by Practitioner/dr-b is needed',
  },
  {
    name: 'the new practitioner obtained consent mid-month: minutes before it do not count',
    month: '2026-03',
    scenario: () =>
      staffOnly()
        .careTeam({ who: DR_B, start: '2026-03-01' })
        .consent({ at: '2026-03-15T09:00:00-04:00', who: DR_B })
        .visit({ at: '2026-03-15T08:30:00-04:00', who: DR_B }),
    lines: ['99490×1'],
    seconds: { staff: 1500, excluded: 900 },
  },
  {
    name: 'the month before the change still bills under Dr A',
    month: '2026-02',
    scenario: () =>
      enrolled()
        .careTeam({ who: DR_A, start: '2026-01-05', end: '2026-02-28' })
        .careTeam({ who: DR_B, start: '2026-03-01' })
        .time({ start: '2026-02-10T10:00:00-05:00', minutes: 25 }),
    lines: ['99490×1'],
  },
  {
    name: 'back from Dr B to Dr A: the January consent of Dr A predates the change and no longer counts',
    month: '2026-04',
    scenario: () => aToBToA(),
    lines: [],
    failing: ['consent', 'initiating-visit'],
    reason: 'predates the change of billing practitioner to Practitioner/dr-b',
  },
  {
    name: 'back from Dr B to Dr A with a new consent of Dr A: minutes count from it',
    month: '2026-04',
    scenario: () => aToBToA().consent({ at: '2026-04-06T09:00:00-04:00' }),
    lines: ['99490×1'],
    seconds: { staff: 1500, excluded: 600 },
  },
  {
    name: 'Dr A logging billing-practitioner time while Dr B is assigned does not move the billing practitioner',
    month: '2026-03',
    scenario: () =>
      enrolled()
        .careTeam({ who: DR_B, start: '2026-03-01' })
        .time({ start: '2026-03-20T10:00:00-04:00', minutes: 35, role: 'billing-practitioner', who: DR_A }),
    lines: [],
    failing: ['consent', 'initiating-visit'],
  },
];

describe('consent revocation is its own dated fact (issue 16, defect 1)', () => {
  test.each(revocation.map((v) => [v.name, v] as const))('%s', (_name, v) => checkVector(v));

  test('the app keeps the consent date and records the revocation date', () => {
    const s = revoked('rv-shape');
    const c = s.resources.find((r) => r.resourceType === 'Consent') as Consent;
    expect(c.dateTime).toBe(JAN5);
    expect(c.status).toBe('inactive');
    expect(c.provision?.period?.end).toBe('2026-03-31');
    const rec = consentRecord(c, TZ);
    expect(rec?.obtainedAt).toBe(Date.parse(JAN5));
    expect(rec?.revokedAt).toBe(Date.parse(REVOKED_AT));
  });

  test('month statuses: accepted before, revoked-this-month in March, revoked after', () => {
    const record = revoked('rv-status').record();
    const classifier = new ConditionClassifier();
    const status = (m: string) => evaluateMonth(record, engineContext(m, TZ, classifier)).consent.status;
    expect([status('2026-02'), status('2026-03'), status('2026-04')]).toEqual([
      'accepted',
      'revoked-this-month',
      'revoked',
    ]);
  });
});

describe('the month billing practitioner is the assigned one (issue 16, defect 5)', () => {
  test.each(practitioner.map((v) => [v.name, v] as const))('%s', (_name, v) => checkVector(v));

  test('the summary names the assigned practitioner, not the consent or whoever logged time', () => {
    const record = staffOnly().careTeam({ who: DR_B, start: '2026-03-01' }).record();
    const s = evaluateMonth(record, engineContext('2026-03', TZ, new ConditionClassifier()));
    expect(s.practitioner).toBe(DR_B);
    expect(s.consent.assignment?.source).toBe('care-team');
  });
});

describe('a CCM consent covers PCM', () => {
  test('PCM staff time with a CCM consent passes the consent gate', () => {
    const record = new CcmScenario()
      .condition('E11.9', { attested: true })
      .consent({ at: JAN5 })
      .carePlan({ start: '2026-01-05T11:00:00-05:00' })
      .visit({ at: '2025-12-10T09:00:00-05:00' })
      .time({ start: '2026-03-20T10:00:00-04:00', minutes: 35, programme: 'pcm' })
      .record();
    const s = evaluateMonth(record, engineContext('2026-03', TZ, new ConditionClassifier()));
    expect(s.programme).toBe('pcm');
    expect(s.gates.find((g) => g.name === 'consent')?.passed).toBe(true);
  });
});
