/**
 * Issue #16 defects 2-4 through HTTP: real resources written with PUT (validated like any client write), then
 * $ccm-month-summary and $ccm-eligibility read back (ccm-rules.md, "An entry's time is its period",
 * "Overlaps", "Death", gate 0).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Encounter } from 'fhir/r4.js';
import request from 'supertest';
import { enrolled } from '../../helpers/ccm-scenarios.js';
import { gates, lineCodes, param, params, putAll, type Param } from '../../helpers/ccm-load.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { PROFILE } from '../../../server/ccm/vocabulary.js';

let t: TestApp;
const stated = enrolled('td-stated').time({
  start: '2026-03-10T10:00:00-04:00',
  minutes: 10,
  statedMinutes: 25,
});
const overlapping = enrolled('td-overlap')
  .time({ start: '2026-03-10T10:00:00-04:00', minutes: 20, id: 'td-overlap-a' })
  .time({ start: '2026-03-10T10:10:00-04:00', minutes: 20, id: 'td-overlap-b' });
const died = enrolled('td-died')
  .deceased('2026-03-15T12:00:00-04:00')
  .time({ start: '2026-03-10T10:00:00-04:00', minutes: 15 })
  .time({ start: '2026-03-15T11:50:00-04:00', minutes: 30 })
  .time({ start: '2026-04-02T10:00:00-04:00', minutes: 25 });
const undated = enrolled('td-undated').deceased(true);

beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-03-25T15:00:00Z') });
  await putAll(t.app, [
    ...stated.resources,
    ...overlapping.resources,
    ...died.resources,
    ...undated.resources,
  ]);
});
afterAll(async () => t.close());

/** The scenario's time entry (class VR), not its initiating visit. */
const timeEntry = () =>
  stated.resources.find((r) => r.resourceType === 'Encounter' && r.class.code === 'VR') as Encounter;

const summary = async (patient: string, month: string) => {
  const res = await request(t.app).get(`/fhir/Patient/${patient}/$ccm-month-summary?month=${month}`);
  expect(res.status).toBe(200);
  return res.body as { parameter: Param[] };
};
const staffSeconds = (body: { parameter: Param[] }) =>
  param(param(body, 'seconds'), 'clinical-staff').valueInteger;

describe('defect 4: a stated length beyond the period', () => {
  test('a time entry claiming ccm-time-entry whose length exceeds its period is refused with ccm-te-3 on Encounter.length', async () => {
    const entry = timeEntry();
    const claimed = { ...entry, id: 'td-claimed', meta: { profile: [PROFILE.timeEntry] } };
    const res = await request(t.app)
      .put('/fhir/Encounter/td-claimed')
      .set('content-type', 'application/fhir+json')
      .send(claimed);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const hit = (res.body.issue as Array<{ expression?: string[]; diagnostics?: string }>).find((i) =>
      i.expression?.includes('Encounter.length'),
    );
    expect(hit?.diagnostics).toContain('ccm-te-3');
  });

  test('the same entry claiming the profile with a shorter length is accepted', async () => {
    const entry = timeEntry();
    const shorter = {
      ...entry,
      id: 'td-claimed-short',
      subject: { reference: 'Patient/td-undated' },
      meta: { profile: [PROFILE.timeEntry] },
      length: { ...entry.length, value: 8 },
    };
    const res = await request(t.app)
      .put('/fhir/Encounter/td-claimed-short')
      .set('content-type', 'application/fhir+json')
      .send(shorter);
    expect(res.status).toBe(201);
  });

  test('an entry written without the profile counts only its 10-minute span: no 99490', async () => {
    const body = await summary('td-stated', '2026-03');
    expect(staffSeconds(body)).toBe(600);
    expect(lineCodes(body)).toEqual([]);
  });
});

describe('defect 3: overlapping time by the same person', () => {
  test('two overlapping 20-minute entries count 30 minutes, with a warning naming both', async () => {
    const body = await summary('td-overlap', '2026-03');
    expect(staffSeconds(body)).toBe(1800);
    expect(lineCodes(body)).toEqual(['99490×1']);
    const warnings = params(body, 'warning');
    expect(warnings).toHaveLength(1);
    expect(param(warnings[0], 'kind').valueCode).toBe('overlap');
    expect(params(warnings[0], 'time-entry').map((p) => p.valueReference?.reference)).toEqual([
      'Encounter/td-overlap-a',
      'Encounter/td-overlap-b',
    ]);
    expect(param(warnings[0], 'seconds-not-counted').valueInteger).toBe(600);
  });
});

describe('defect 2: deceased patients', () => {
  test('$ccm-eligibility never marks a deceased patient eligible, and says why', async () => {
    for (const id of ['td-died', 'td-undated']) {
      const res = await request(t.app).get(`/fhir/Patient/${id}/$ccm-eligibility`);
      expect(res.status).toBe(200);
      expect([id, param(res.body, 'eligible').valueBoolean]).toEqual([id, false]);
      const requirements = params(res.body, 'reason').map((r) => param(r, 'requirement').valueCode);
      expect(requirements).toContain('patient-alive');
    }
  });

  test('the month of death counts time up to the death instant only (15 + 10 minutes: 99490)', async () => {
    const body = await summary('td-died', '2026-03');
    expect(staffSeconds(body)).toBe(1500);
    expect(lineCodes(body)).toEqual(['99490×1']);
    expect(gates(body)['patient-alive']).toBe(true);
    expect(params(body, 'warning').map((w) => param(w, 'kind').valueCode)).toEqual(['death']);
  });

  test('the month after death fails the patient-alive gate with a reason and bills nothing', async () => {
    const body = await summary('td-died', '2026-04');
    expect(lineCodes(body)).toEqual([]);
    const gate = params(body, 'gate').find((g) => param(g, 'name').valueCode === 'patient-alive');
    expect(gate && param(gate, 'passed').valueBoolean).toBe(false);
    expect(gate && param(gate, 'reason').valueString).toContain('died before 2026-04');
  });
});
