/**
 * Consent history through HTTP (ccm-rules.md gate 1, "Who bills"; issue 16 defects 1 and 5): resources written
 * with PUT (validated, the consent against ccm-consent), a revocation written the way the clinician app writes
 * it, then $ccm-month-summary, $ccm-eligibility and the billing report read back.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Consent } from 'fhir/r4.js';
import request from 'supertest';
import { CcmScenario, DR_B, enrolled, TZ } from '../../helpers/ccm-scenarios.js';
import { gates, lineCodes, param, params, putAll, type Param } from '../../helpers/ccm-load.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { revokedConsent } from '../../../smart-app/ccm/resources.js';
import { PROFILE } from '../../../server/ccm/vocabulary.js';

let t: TestApp;
const JAN5 = '2026-01-05T10:00:00-05:00';

/** Enrolled since 5 January with Dr A, 25 staff minutes on 10 Feb, 5 Mar and 8 Apr. */
const history = new CcmScenario('ch-revoked')
  .condition('E11.9', { attested: true })
  .condition('I10', { attested: true })
  .consent({ at: JAN5, id: 'ch-consent' })
  .carePlan({ start: '2026-01-05T11:00:00-05:00' })
  .visit({ at: '2025-12-10T09:00:00-05:00' })
  .time({ start: '2026-02-10T10:00:00-05:00', minutes: 25 })
  .time({ start: '2026-03-05T10:00:00-05:00', minutes: 25 })
  .time({ start: '2026-04-08T10:00:00-04:00', minutes: 25 });
for (const r of history.resources) if (r.resourceType === 'Consent') r.meta = { profile: [PROFILE.consent] };

/** Enrolled with Dr A; the practice assigns Dr B from March (CareTeam); only staff log time. */
const team = enrolled('ch-team')
  .careTeam({ who: DR_B, start: '2026-03-01', id: 'ch-team-b' })
  .time({ start: '2026-03-10T10:00:00-04:00', minutes: 15 })
  .time({ start: '2026-03-20T10:00:00-04:00', minutes: 25 });

/** A month summary of a patient. */
async function summary(patient: string, month: string): Promise<{ parameter: Param[] }> {
  const res = await request(t.app).get(`/fhir/Patient/${patient}/$ccm-month-summary?month=${month}`);
  expect(res.status).toBe(200);
  return res.body as { parameter: Param[] };
}

/** The reasons of a gate of a summary. */
function reasons(body: { parameter: Param[] }, gate: string): string[] {
  const g = params(body, 'gate').find((x) => param(x, 'name').valueCode === gate) as Param;
  return params(g, 'reason').map((r) => r.valueString as string);
}

beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-03-25T15:00:00Z') });
  await putAll(t.app, [...history.resources, ...team.resources]);
});
afterAll(async () => t.close());

describe('a revocation written by the app keeps the consent date (defect 1)', () => {
  beforeAll(async () => {
    const read = await request(t.app).get('/fhir/Consent/ch-consent');
    const revoked = revokedConsent(read.body as Consent, Date.parse('2026-03-20T15:00:00-04:00'), TZ);
    const put = await request(t.app)
      .put('/fhir/Consent/ch-consent')
      .set('content-type', 'application/fhir+json')
      .send(revoked);
    expect(put.status).toBe(200);
  });

  test('the stored consent keeps dateTime and records the revocation on its own', async () => {
    const c = (await request(t.app).get('/fhir/Consent/ch-consent')).body as Consent;
    expect(c.dateTime).toBe(JAN5);
    expect(c.status).toBe('inactive');
    expect(c.provision?.period?.end).toBe('2026-03-31');
    expect(c.extension?.find((e) => e.url.endsWith('ccm-consent-revoked'))?.valueDateTime).toBe(
      '2026-03-20T15:00:00-04:00',
    );
  });

  test('February (before the revocation) still bills', async () => {
    const feb = await summary('ch-revoked', '2026-02');
    expect(lineCodes(feb)).toEqual(['99490×1']);
    expect(param(feb, 'consent-status').valueCode).toBe('accepted');
  });

  test('March (the revocation month) keeps its consent: the 5 March minutes count', async () => {
    const mar = await summary('ch-revoked', '2026-03');
    expect(lineCodes(mar)).toEqual(['99490×1']);
    expect(param(mar, 'consent-status').valueCode).toBe('revoked-this-month');
    expect(param(mar, 'counted-seconds').valueInteger).toBe(1500);
  });

  test('April has no consent, with the reason', async () => {
    const apr = await summary('ch-revoked', '2026-04');
    expect(lineCodes(apr)).toEqual([]);
    expect(gates(apr).consent).toBe(false);
    expect(reasons(apr, 'consent').join('\n')).toContain('effective at the end of 2026-03');
  });

  test('a new consent in April counts from its date', async () => {
    const again = new CcmScenario('ch-revoked')
      .consent({ at: '2026-04-15T09:00:00-04:00', id: 'ch-consent-2' })
      .time({ start: '2026-04-20T10:00:00-04:00', minutes: 25 });
    await putAll(t.app, again.resources.slice(1));
    const apr = await summary('ch-revoked', '2026-04');
    expect(lineCodes(apr)).toEqual(['99490×1']);
    expect(params(apr, 'excluded-time').map((x) => param(x, 'reason').valueString)).toEqual([
      'before consent was obtained',
    ]);
  });
});

describe('the assigned billing practitioner needs their own consent (defect 5)', () => {
  test('month summary: consent gate fails naming the assigned practitioner; nothing bills', async () => {
    const mar = await summary('ch-team', '2026-03');
    expect(lineCodes(mar)).toEqual([]);
    expect(param(mar, 'billing-practitioner').valueReference?.reference).toBe(DR_B);
    expect(gates(mar).consent).toBe(false);
    expect(reasons(mar, 'consent').join('\n')).toContain('no CCM consent names Practitioner/dr-b');
  });

  test('eligibility reports the missing consent of the assigned practitioner', async () => {
    const res = await request(t.app).get('/fhir/Patient/ch-team/$ccm-eligibility');
    expect(res.status).toBe(200);
    const consent = param(res.body, 'consent');
    expect(param(consent, 'status').valueCode).toBe('none');
    expect(param(consent, 'billing-practitioner').valueReference?.reference).toBe(DR_B);
    const texts = params(res.body, 'reason')
      .filter((r) => param(r, 'requirement').valueCode === 'consent')
      .map((r) => param(r, 'text').valueString);
    expect(texts.join('\n')).toContain('a new consent obtained by Practitioner/dr-b is needed');
  });

  test('the billing report agrees with the month summary', async () => {
    const res = await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03');
    const entry = (res.body.entry as Array<{ resource: { parameter: Param[] } }>).find(
      (e) => params(e.resource, 'patient')[0]?.valueReference?.reference === 'Patient/ch-team',
    );
    expect(entry?.resource).toEqual(await summary('ch-team', '2026-03'));
  });

  test("after Dr B's consent on 15 March, only the minutes from it count", async () => {
    const consent = new CcmScenario('ch-team')
      .consent({ at: '2026-03-15T09:00:00-04:00', who: DR_B, id: 'ch-team-consent-b' })
      .visit({ at: '2026-03-15T08:30:00-04:00', who: DR_B, id: 'ch-team-visit-b' });
    await putAll(t.app, consent.resources.slice(1));
    const mar = await summary('ch-team', '2026-03');
    expect(lineCodes(mar)).toEqual(['99490×1']);
    expect(param(mar, 'counted-seconds').valueInteger).toBe(1500);
    expect(params(mar, 'excluded-time').map((x) => param(x, 'reason').valueString)).toEqual([
      'before consent was obtained',
    ]);
  });
});
