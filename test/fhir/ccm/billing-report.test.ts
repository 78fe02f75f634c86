/**
 * GET /fhir/$ccm-billing-report through HTTP: a Bundle of Parameters (totals first, then one entry per patient
 * equal to that patient's $ccm-month-summary), the CSV form with Accept: text/csv or _format=csv (parsed as
 * a spreadsheet would: BOM, quoted fields, CRLF), content negotiation of everything else unchanged, the
 * OperationDefinitions in the CapabilityStatement, and the report following later writes.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { CcmScenario, enrolled } from '../../helpers/ccm-scenarios.js';
import { lineCodes, param, params, putAll, type Param } from '../../helpers/ccm-load.js';
import { readCsv } from '../../helpers/csv-read.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { ccmOf, warmCcm } from '../../../server/ccm/setup.js';

let t: TestApp;
const alice = enrolled('rp-alice').time({ start: '2026-03-03T10:00:00-05:00', minutes: 45 });
const bob = enrolled('rp-bob').time({ start: '2026-03-31T23:30:00-04:00', minutes: 21 });
const carol = new CcmScenario('rp-carol', { family: 'O"Brien, Carol', given: '=SUM(A1)' })
  .condition('I10')
  .consent({ at: '2026-01-05T10:00:00-05:00' })
  .time({ start: '2026-03-05T10:00:00-05:00', minutes: 30 });
const dave = enrolled('rp-dave').time({ start: '2026-03-05T10:00:00-05:00', minutes: 12 });
const erin = new CcmScenario('rp-erin').condition('E11.9').condition('I10');

beforeAll(async () => {
  t = await makeTestApp({ clock: () => new Date('2026-04-02T12:00:00Z') });
  await putAll(t.app, [
    ...alice.resources,
    ...bob.resources,
    ...carol.resources,
    ...dave.resources,
    ...erin.resources,
  ]);
});
afterAll(async () => t.close());

describe('GET /fhir/$ccm-billing-report', () => {
  test('is a Bundle (collection) of Parameters: totals first, then one month summary per patient', async () => {
    const res = await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03');
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(res.body.type).toBe('collection');
    const [totals, ...patients] = (res.body.entry as Array<{ resource: { parameter: Param[] } }>).map(
      (e) => e.resource,
    );
    expect(param(totals, 'patients').valueInteger).toBe(4);
    expect(param(totals, 'billable-patients').valueInteger).toBe(2);
    const byCode = Object.fromEntries(
      params(totals, 'total').map((p) => [
        param(p, 'code').valueCoding?.code,
        [param(p, 'units').valueInteger, param(p, 'patients').valueInteger],
      ]),
    );
    expect(byCode).toEqual({ '99490': [2, 2], '99439': [1, 1] });
    expect(patients.map((p) => param(p, 'patient').valueReference?.reference)).toEqual([
      'Patient/rp-alice',
      'Patient/rp-bob',
      'Patient/rp-carol',
      'Patient/rp-dave',
    ]);
    expect(lineCodes(patients[0])).toEqual(['99490×1', '99439×1']);
    expect(lineCodes(patients[1])).toEqual(['99490×1']);
  });

  test("each patient entry equals that patient's $ccm-month-summary", async () => {
    const report = await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03');
    for (const entry of report.body.entry.slice(1) as Array<{ resource: { parameter: Param[] } }>) {
      const ref = param(entry.resource, 'patient').valueReference?.reference as string;
      const one = await request(t.app).get(`/fhir/${ref}/$ccm-month-summary?month=2026-03`);
      expect(entry.resource).toEqual(one.body);
    }
  });

  test('CSV with Accept: text/csv opens as a spreadsheet expects: header, rows per patient and code, gate failures, totals', async () => {
    const res = await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03').set('accept', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="ccm-billing-2026-03.csv"');
    const rows = readCsv(res.text);
    const header = rows[0];
    expect(header.slice(0, 7)).toEqual([
      'row_type',
      'patient',
      'patient_name',
      'month',
      'code_system',
      'code',
      'units',
    ]);
    for (const r of rows) expect(r).toHaveLength(header.length);
    const col = (name: string) => header.indexOf(name);
    const lines = rows
      .filter((r) => r[0] === 'line')
      .map((r) => [r[col('patient')], r[col('code')], r[col('units')]]);
    expect(lines).toEqual([
      ['Patient/rp-alice', '99490', '1'],
      ['Patient/rp-alice', '99439', '1'],
      ['Patient/rp-bob', '99490', '1'],
    ]);
    const failures = rows
      .filter((r) => r[0] === 'gate-failure')
      .map((r) => [r[col('patient')], r[col('gate')]]);
    expect(failures).toEqual([
      ['Patient/rp-carol', 'chronic-conditions'],
      ['Patient/rp-carol', 'care-plan'],
      ['Patient/rp-carol', 'initiating-visit'],
    ]);
    const carolRow = rows.find((r) => r[col('patient')] === 'Patient/rp-carol') as string[];
    // a name a spreadsheet would run as a formula is neutralised; quotes and commas survive the quoting
    expect(carolRow[col('patient_name')]).toBe(`'=SUM(A1) O"Brien, Carol`);
    const daveRow = rows.find((r) => r[col('patient')] === 'Patient/rp-dave') as string[];
    expect(daveRow[0]).toBe('no-billable-time');
    expect(daveRow[col('counted_seconds')]).toBe('720');
    const totals = rows
      .filter((r) => r[0] === 'total')
      .map((r) => [r[col('code')], r[col('units')], r[col('patients')]]);
    expect(totals).toEqual([
      ['99490', '2', '2'],
      ['99439', '1', '1'],
    ]);
  });

  test('_format=csv also gives CSV; other formats are still 406; a missing month is a 400 OperationOutcome', async () => {
    const csv = await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03&_format=csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(
      (await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03').set('accept', 'application/xml'))
        .status,
    ).toBe(406);
    expect((await request(t.app).get('/fhir/Patient/rp-alice').set('accept', 'text/csv')).status).toBe(406);
    expect(
      (await request(t.app).get('/fhir/Patient/rp-alice/$ccm-eligibility').set('accept', 'text/csv')).status,
    ).toBe(406);
    const bad = await request(t.app).get('/fhir/$ccm-billing-report').set('accept', 'text/csv');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).resourceType).toBe('OperationOutcome');
  });

  test('the report follows later writes (new time, deleted time)', async () => {
    await putAll(
      t.app,
      new CcmScenario('rp-dave').time({ start: '2026-03-06T10:00:00-05:00', minutes: 8 }).resources.slice(1),
    );
    let res = await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03');
    const dave = () =>
      (res.body.entry as Array<{ resource: { parameter: Param[] } }>)
        .map((e) => e.resource)
        .find((p) => params(p, 'patient')[0]?.valueReference?.reference === 'Patient/rp-dave') as {
        parameter: Param[];
      };
    expect(lineCodes(dave())).toEqual(['99490×1']);
    const aliceEntry = alice.resources.find(
      (r) => r.resourceType === 'Encounter' && r.id?.includes('time'),
    ) as { id: string };
    expect((await request(t.app).delete(`/fhir/Encounter/${aliceEntry.id}`)).status).toBe(204);
    res = await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03');
    const first = res.body.entry[1].resource as { parameter: Param[] };
    expect(param(first, 'patient').valueReference?.reference).toBe('Patient/rp-alice');
    expect(lineCodes(first)).toEqual([]);
  });
});

describe('CapabilityStatement and OperationDefinitions', () => {
  test('the warm-up after start prepares the closed month: its first report evaluates no patient again', async () => {
    // A change to a patient makes the memo of that patient stale: the warm-up must evaluate it again.
    await putAll(
      t.app,
      new CcmScenario('rp-bob').time({ start: '2026-03-07T10:00:00-05:00', minutes: 5 }).resources.slice(1),
    );
    const { reports } = ccmOf(t.services);
    const before = reports.evaluations;
    await warmCcm(t.services);
    expect(reports.evaluations).toBeGreaterThan(before);
    const evaluated = reports.evaluations;
    const res = await request(t.app).get('/fhir/$ccm-billing-report?month=2026-03');
    expect(res.status).toBe(200);
    expect(res.body.entry.length).toBeGreaterThan(1);
    expect(reports.evaluations).toBe(evaluated);
    // A month the warm-up did not prepare is evaluated on request.
    await request(t.app).get('/fhir/$ccm-billing-report?month=2026-02').expect(200);
    expect(reports.evaluations).toBeGreaterThan(evaluated);
  });

  test('lists the three CCM operations with their canonical OperationDefinitions', async () => {
    const cs = (await request(t.app).get('/fhir/metadata')).body;
    const system = cs.rest[0].operation as Array<{ name: string; definition: string }>;
    expect(system).toContainEqual({
      name: 'ccm-billing-report',
      definition: 'http://ccm-fhir.org/fhir/OperationDefinition/ccm-billing-report',
    });
    const patient = (
      cs.rest[0].resource as Array<{ type: string; operation?: Array<{ name: string; definition: string }> }>
    ).find((r) => r.type === 'Patient');
    expect(patient?.operation).toContainEqual({
      name: 'ccm-eligibility',
      definition: 'http://ccm-fhir.org/fhir/OperationDefinition/ccm-eligibility',
    });
    expect(patient?.operation).toContainEqual({
      name: 'ccm-month-summary',
      definition: 'http://ccm-fhir.org/fhir/OperationDefinition/ccm-month-summary',
    });
    const ops = t.services.operations.all().filter((o) => o.name.startsWith('ccm-'));
    for (const o of ops) {
      expect(o.operationDefinition?.url).toBe(o.definition);
      expect(
        t.services
          .validate(o.operationDefinition, 'OperationDefinition')
          .filter((i) => i.severity === 'error'),
      ).toEqual([]);
    }
  });
});
