/**
 * The family fallbacks of ccm-rules.md ("The family follows what was documented, never the revenue") through
 * HTTP: resources written with PUT (validated like any client write), `$ccm-month-summary` read back.
 * Complex CCM documented but under 60 minutes bills the non-complex family when its thresholds are met; the
 * billing practitioner's own 20-29 minutes count as clinical-staff time toward 99490.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { enrolled, enrolledRevised } from '../../helpers/ccm-scenarios.js';
import { gates, lineCodes, param, putAll, type Param } from '../../helpers/ccm-load.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;
const complex55 = enrolledRevised('ff-complex-55')
  .time({ start: '2026-03-04T09:00:00-05:00', minutes: 10, role: 'billing-practitioner', mdm: 'high' })
  .time({ start: '2026-03-20T09:00:00-04:00', minutes: 45 });
const complex60 = enrolledRevised('ff-complex-60')
  .time({ start: '2026-03-04T09:00:00-05:00', minutes: 10, role: 'billing-practitioner', mdm: 'high' })
  .time({ start: '2026-03-20T09:00:00-04:00', minutes: 50 });
const own25 = enrolled('ff-own-25').time({
  start: '2026-03-09T10:00:00-04:00',
  minutes: 25,
  role: 'billing-practitioner',
});
const own35 = enrolled('ff-own-35').time({
  start: '2026-03-09T10:00:00-04:00',
  minutes: 35,
  role: 'billing-practitioner',
});

beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-03-25T15:00:00Z') });
  await putAll(t.app, [
    ...complex55.resources,
    ...complex60.resources,
    ...own25.resources,
    ...own35.resources,
  ]);
});
afterAll(async () => t.close());

/** The month summary of a patient for March 2026. */
async function summary(id: string): Promise<{ parameter: Param[] }> {
  const res = await request(t.app).get(`/fhir/Patient/${id}/$ccm-month-summary?month=2026-03`);
  expect(res.status).toBe(200);
  return res.body as { parameter: Param[] };
}

describe('$ccm-month-summary: the family fallbacks', () => {
  test('complex documented, 55 minutes: 99490 + 99439, and the reason says why', async () => {
    const body = await summary('ff-complex-55');
    expect(Object.values(gates(body)).every(Boolean)).toBe(true);
    expect(lineCodes(body)).toEqual(['99490×1', '99439×1']);
    expect(param(body, 'family').valueCode).toBe('99490');
    expect(param(body, 'family-reason').valueString).toMatch(/complex documented but under the 60 minutes/);
    expect(param(body, 'billable').valueBoolean).toBe(true);
  });

  test('complex documented, 60 minutes: 99487', async () => {
    const body = await summary('ff-complex-60');
    expect(lineCodes(body)).toEqual(['99487×1']);
    expect(param(body, 'family').valueCode).toBe('99487');
  });

  test("the billing practitioner's own 25 minutes: 99490", async () => {
    const body = await summary('ff-own-25');
    expect(lineCodes(body)).toEqual(['99490×1']);
    expect(param(body, 'family').valueCode).toBe('99490');
    expect(param(body, 'family-reason').valueString).toMatch(/counts as clinical-staff time toward 99490/);
  });

  test("the billing practitioner's own 35 minutes: 99491", async () => {
    const body = await summary('ff-own-35');
    expect(lineCodes(body)).toEqual(['99491×1']);
    expect(param(body, 'family').valueCode).toBe('99491');
  });
});
