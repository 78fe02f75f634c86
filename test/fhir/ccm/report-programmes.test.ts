/**
 * Issue #16 acceptance 3 on the official R4 example patients, with every programme: each example Patient gets
 * one care-management month in March 2026 (CCM, APCM, BHI, CoCM, CCM beside BHI, APCM with a BHI add-on, in
 * turn), written to the store beside the official resource. `$ccm-billing-report` then lists APCM, BHI and
 * CoCM lines beside CCM/PCM; its totals equal the sum of the per-patient summaries (every programme's lines,
 * each entry equal to that patient's `$ccm-month-summary`); no deceased patient bills; the CSV and the
 * dashboard show each line with its programme and evidence.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { FhirResource, Patient } from 'fhir/r4.js';
import request from 'supertest';
import { param, params, storeAll, type Param } from '../../helpers/ccm-load.js';
import { CcmScenario } from '../../helpers/ccm-scenarios.js';
import { readCsv } from '../../helpers/csv-read.js';
import { exampleFiles, readExample } from '../../helpers/examples.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { engineContext } from '../../../server/ccm/engine/context.js';
import { dashboardView } from '../../../server/ccm/dashboard/view-model.js';
import { ccmOf } from '../../../server/ccm/setup.js';

const MONTH = '2026-03';
const NOW = new Date('2026-04-02T15:00:00Z');
const CM = 'Practitioner/bh-cm';
const PSY = 'Practitioner/psy-c';
const KINDS = ['ccm', 'apcm', 'bhi', 'cocm', 'ccm+bhi', 'apcm+bhi', 'cocm-later'] as const;
type Kind = (typeof KINDS)[number];

/** The scenario of one kind for a patient (its Patient resource left out: the official one is stored). */
function scenario(id: string, kind: Kind): FhirResource[] {
  const s = new CcmScenario(id);
  const dep = `${id}-dep`;
  const ccm = kind === 'ccm' || kind === 'ccm+bhi';
  const apcm = kind.startsWith('apcm');
  const bhi = kind.endsWith('bhi');
  s.condition('E11.9', { attested: true, id: `${id}-dm` }).condition('I10', {
    attested: true,
    id: `${id}-htn`,
  });
  s.visit({ at: '2025-12-10T09:00:00-05:00', id: `${id}-visit` });
  if (ccm) {
    s.consent({ at: '2026-01-05T10:00:00-05:00', id: `${id}-ccm-consent` });
    s.carePlan({ start: '2026-01-05T11:00:00-05:00', id: `${id}-ccm-plan` });
    const minutes = kind === 'ccm' ? 45 : 25;
    s.time({ start: '2026-03-03T10:00:00-05:00', minutes, id: `${id}-ccm-time` });
    // CY2026 RPM treatment management by the same nurse inside the CCM entry: 45 - 10 = 35 min, no 99439
    if (kind === 'ccm')
      s.service({ start: '2026-03-03T10:05:00-05:00', minutes: 10, code: '99470', id: `${id}-rpm` });
  }
  if (apcm) {
    s.consent({ at: '2026-01-05T10:00:00-05:00', programmes: ['apcm'], id: `${id}-apcm-consent` });
    s.carePlan({ start: '2026-01-05T11:00:00-05:00', programmes: ['apcm'], id: `${id}-apcm-plan` });
    s.time({
      start: '2026-03-04T10:00:00-05:00',
      minutes: 3,
      programme: 'apcm',
      activity: 'care-coordination',
      id: `${id}-apcm-time`,
    });
  }
  if (bhi || kind.startsWith('cocm')) {
    const programme = bhi ? 'bhi' : 'cocm';
    s.condition('F32.1', { id: dep });
    s.consent({ at: '2026-01-06T10:00:00-05:00', programmes: [programme], id: `${id}-${programme}-consent` });
    s.carePlan({
      start: '2026-01-06T11:00:00-05:00',
      programmes: [programme],
      addresses: [`Condition/${dep}`],
      id: `${id}-${programme}-plan`,
    });
    if (programme === 'cocm') {
      s.bhTeam({ who: CM, role: 'bh-care-manager', start: '2026-01-06', id: `${id}-team-cm` });
      s.bhTeam({ who: PSY, role: 'psychiatric-consultant', start: '2026-01-06', id: `${id}-team-psy` });
    }
    // a later month of the episode: CoCM time in January (the report must load the 6 months before)
    if (kind === 'cocm-later') {
      s.time({
        start: '2026-01-20T10:00:00-05:00',
        minutes: 40,
        programme,
        who: CM,
        role: 'bh-care-manager',
        id: `${id}-cocm-january`,
      });
    }
    s.time({
      start: '2026-03-12T10:00:00-04:00',
      minutes: programme === 'cocm' ? 40 : 25,
      programme,
      ...(programme === 'cocm' ? { who: CM, role: 'bh-care-manager' as const } : {}),
      id: `${id}-${programme}-time`,
    });
  }
  return s.resources.filter((r) => r.resourceType !== 'Patient');
}

/** Whether the official Patient is dead by the end of March 2026. */
function isDead(p: Patient): boolean {
  if (p.deceasedBoolean === true) return true;
  return p.deceasedDateTime !== undefined && Date.parse(p.deceasedDateTime) < Date.parse('2026-04-01');
}

let t: TestApp;
const patients = exampleFiles(['Patient']).map((f) => readExample(f) as Patient);
const kindOf = new Map<string, Kind>();
beforeAll(async () => {
  t = await makeTestApp({ clock: () => NOW });
  const resources: FhirResource[] = [];
  patients.forEach((p, i) => {
    const kind = KINDS[i % KINDS.length];
    kindOf.set(`Patient/${p.id}`, kind);
    resources.push(p, ...scenario(p.id as string, kind));
  });
  await storeAll(t.services, resources);
});
afterAll(async () => t.close());

/** `code` → units and patients. */
type Totals = Record<string, { units: number; patients: number }>;

/** Every line of a month summary: the CCM/PCM lines and each programme-summary's. */
function allLines(s: { parameter?: Param[] }): Array<{ code: string; units: number }> {
  const owners = [s, ...params(s, 'programme-summary')];
  return owners.flatMap((o) =>
    params(o, 'line').map((l) => ({
      code: param(l, 'code').valueCoding?.code as string,
      units: param(l, 'units').valueInteger ?? 0,
    })),
  );
}

describe('the billing report on the official R4 example patients, every programme', () => {
  test('the totals equal the sum of the per-patient summaries, with APCM, BHI and CoCM beside CCM', async () => {
    expect(patients.length).toBeGreaterThanOrEqual(KINDS.length);
    const report = await request(t.app).get(`/fhir/$ccm-billing-report?month=${MONTH}`);
    expect(report.status).toBe(200);
    const [totals, ...entries] = (report.body.entry as Array<{ resource: { parameter: Param[] } }>).map(
      (e) => e.resource,
    );
    expect(entries.map((e) => param(e, 'patient').valueReference?.reference).sort()).toEqual(
      patients.map((p) => `Patient/${p.id}`).sort(),
    );
    const summed: Totals = {};
    let billable = 0;
    for (const entry of entries) {
      const ref = param(entry, 'patient').valueReference?.reference as string;
      const one = await request(t.app).get(`/fhir/${ref}/$ccm-month-summary?month=${MONTH}`);
      expect(one.status).toBe(200);
      expect(entry).toEqual(one.body);
      const lines = allLines(entry);
      if (lines.length > 0) billable++;
      for (const code of new Set(lines.map((l) => l.code)))
        (summed[code] ??= { units: 0, patients: 0 }).patients++;
      for (const l of lines) summed[l.code].units += l.units;
    }
    const reported: Totals = {};
    for (const p of params(totals, 'total'))
      reported[param(p, 'code').valueCoding?.code as string] = {
        units: param(p, 'units').valueInteger ?? 0,
        patients: param(p, 'patients').valueInteger ?? 0,
      };
    expect(reported).toEqual(summed);
    expect(param(totals, 'billable-patients').valueInteger).toBe(billable);
    const failures = params(totals, 'gate-failures').map(
      (g) => `${param(g, 'programme').valueCode}:${param(g, 'name').valueCode}`,
    );
    expect(failures).toEqual(
      expect.arrayContaining(['ccm:consent', 'apcm:element-furnished', 'cocm:cocm-team']),
    );
    // not vacuous: every programme bills for some living example patient
    for (const code of ['99490', 'G0557', 'G0570', '99484', '99492'])
      expect(Object.keys(summed)).toContain(code);
  });

  test('no deceased example patient bills anything; each living one bills its programme', async () => {
    const dead = patients.filter(isDead);
    expect(dead.length).toBeGreaterThanOrEqual(1);
    for (const p of patients) {
      const one = await request(t.app).get(`/fhir/Patient/${p.id}/$ccm-month-summary?month=${MONTH}`);
      const codes = allLines(one.body as { parameter?: Param[] }).map((l) => l.code);
      const expected: Record<Kind, string[]> = {
        ccm: ['99490'],
        apcm: ['G0557'],
        bhi: ['99484'],
        cocm: ['99492'],
        'ccm+bhi': ['99490', '99484'],
        'apcm+bhi': ['G0557', 'G0570'],
        'cocm-later': ['99493'],
      };
      expect([p.id, codes]).toEqual([p.id, isDead(p) ? [] : expected[kindOf.get(`Patient/${p.id}`) as Kind]]);
    }
  });

  test('the CSV lists every programme’s lines with the programme and the evidence behind each', async () => {
    const res = await request(t.app).get(`/fhir/$ccm-billing-report?month=${MONTH}&_format=csv`);
    expect(res.status).toBe(200);
    const rows = readCsv(res.text);
    const header = rows[0];
    const col = (n: string) => header.indexOf(n);
    const lines = rows.filter((r) => r[0] === 'line');
    const living = patients.find((p, i) => !isDead(p) && KINDS[i % KINDS.length] === 'cocm') as Patient;
    const cocm = lines.find((r) => r[col('patient')] === `Patient/${living.id}`) as string[];
    expect(cocm[col('programme')]).toBe('cocm');
    expect(cocm[col('code')]).toBe('99492');
    expect(cocm[col('evidence')].split(' ')).toEqual(
      expect.arrayContaining([
        `Encounter/${living.id}-cocm-time`,
        `CarePlan/${living.id}-cocm-plan`,
        `Consent/${living.id}-cocm-consent`,
        `Condition/${living.id}-dep`,
        `CareTeam/${living.id}-team-psy`,
      ]),
    );
    const units = lines.reduce((n, r) => n + Number(r[col('units')]), 0);
    const totalUnits = rows.filter((r) => r[0] === 'total').reduce((n, r) => n + Number(r[col('units')]), 0);
    expect(units).toBe(totalUnits);
    expect(new Set(lines.map((r) => r[col('programme')]))).toEqual(new Set(['ccm', 'apcm', 'bhi', 'cocm']));
  });

  test('the dashboard lists the lines of every programme with their evidence', async () => {
    const engine = engineContext(MONTH, 'America/New_York', ccmOf(t.services).classifier);
    const built = await ccmOf(t.services).reports.build(engine);
    const view = dashboardView(built.report, built.practice.records.values(), engine, NOW.getTime());
    expect(new Set(view.lines.map((l) => l.programme))).toEqual(new Set(['CCM', 'APCM', 'BHI', 'CoCM']));
    for (const l of view.lines) expect(l.evidence).toMatch(/Encounter\//);
    expect(view.totals.reduce((n, r) => n + Number(r.units), 0)).toBe(
      view.lines.reduce((n, r) => n + Number(r.units), 0),
    );
    const apcm = view.lines.find((l) => l.code === 'G0557');
    expect(apcm?.evidence).toMatch(/CarePlan\/.*-apcm-plan/);
    expect(view.billable).toBe(patients.filter((p) => !isDead(p)).length);
    // gate failures come from the deceased only: a patient reported only for APCM, BHI or CoCM is not listed
    // as failing CCM's gates
    const deadNames = new Set(
      built.report.summaries
        .filter((s) => patients.some((p) => isDead(p) && `Patient/${p.id}` === s.patient))
        .map((s) => s.name ?? s.patient),
    );
    expect(view.gateFailures.length).toBeGreaterThan(0);
    for (const row of view.gateFailures)
      expect([row.patient, deadNames.has(row.patient)]).toEqual([row.patient, true]);
    expect(new Set(view.gateFailures.map((r) => r.gate))).toEqual(new Set(['patient-alive']));
  });
});
