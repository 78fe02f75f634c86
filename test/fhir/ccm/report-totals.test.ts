/**
 * Issue #16 acceptance 3 (report part): on the project's own synthetic practice (scripts/generate), the
 * `$ccm-billing-report` totals equal the sum of its per-patient entries, and each entry equals that patient's
 * `$ccm-month-summary`, for every month the generator wrote. The check is not vacuous: the practice bills
 * some codes in those months.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { FhirResource } from 'fhir/r4.js';
import request from 'supertest';
import { param, params, storeAll, type Param } from '../../helpers/ccm-load.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { context } from '../../unit/generate/helpers.js';
import { buildPatientRecord } from '../../../scripts/generate/patient.js';

const PATIENTS = 80;
const MONTHS = ['2026-08', '2026-09', '2026-10'];

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-11-03T15:00:00Z') });
  const ctx = context(PATIENTS);
  const resources: FhirResource[] = [...ctx.practice.resources] as FhirResource[];
  for (let n = 1; n <= PATIENTS; n++) {
    for (const lines of buildPatientRecord(ctx, n).toNdjson().values()) {
      for (const line of lines) resources.push(JSON.parse(line) as FhirResource);
    }
  }
  await storeAll(t.services, resources);
});
afterAll(async () => t.close());

type Totals = Record<string, { units: number; patients: number }>;

/** code → units and patients of the report's totals entry. */
function reportTotals(totals: { parameter?: Param[] }): Totals {
  const out: Totals = {};
  for (const p of params(totals, 'total')) {
    const code = param(p, 'code').valueCoding?.code as string;
    out[code] = {
      units: param(p, 'units').valueInteger ?? 0,
      patients: param(p, 'patients').valueInteger ?? 0,
    };
  }
  return out;
}

/** Every line of a summary: the CCM/PCM lines and each programme-summary's (APCM, BHI, CoCM). */
function linesOf(s: { parameter?: Param[] }): Param[] {
  return [s, ...params(s, 'programme-summary')].flatMap((o) => params(o, 'line'));
}

/** The same totals summed from per-patient month summaries (a patient counts once per code). */
function summed(summaries: Array<{ parameter?: Param[] }>): Totals {
  const out: Totals = {};
  for (const s of summaries) {
    const seen = new Set<string>();
    for (const line of linesOf(s)) {
      const code = param(line, 'code').valueCoding?.code as string;
      const t0 = (out[code] ??= { units: 0, patients: 0 });
      t0.units += param(line, 'units').valueInteger ?? 0;
      if (!seen.has(code)) t0.patients += 1;
      seen.add(code);
    }
  }
  return out;
}

describe.each(MONTHS)('the synthetic practice, %s', (month) => {
  test("the report's totals equal the sum of its patients' month summaries", async () => {
    const report = await request(t.app).get(`/fhir/$ccm-billing-report?month=${month}`);
    expect(report.status).toBe(200);
    const [totals, ...entries] = (report.body.entry as Array<{ resource: { parameter: Param[] } }>).map(
      (e) => e.resource,
    );
    expect(param(totals, 'patients').valueInteger).toBe(entries.length);
    const summaries = [];
    for (const entry of entries) {
      const ref = param(entry, 'patient').valueReference?.reference as string;
      const one = await request(t.app).get(`/fhir/${ref}/$ccm-month-summary?month=${month}`);
      expect(one.status).toBe(200);
      expect(entry).toEqual(one.body);
      summaries.push(one.body as { parameter?: Param[] });
    }
    const expected = summed(summaries);
    expect(reportTotals(totals)).toEqual(expected);
    const billable = summaries.filter((s) => linesOf(s).length > 0).length;
    expect(param(totals, 'billable-patients').valueInteger).toBe(billable);
    // Not vacuous: the generated practice bills in every month it covers.
    expect(Object.keys(expected).length).toBeGreaterThan(0);
  });
});
