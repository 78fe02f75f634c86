/**
 * Issue #16 acceptance 3 (death part): on the project's own synthetic practice, on the official R4 example
 * patients and on the deceased patients of the Synthea sample (fixtures/synthea), eligibility never marks a deceased patient
 * eligible (ccm-rules.md, "Death", gate 0). Each data set also shows the check is not vacuous: a patient the
 * rule turns away would be eligible alive, or the answer names the patient-alive requirement.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, Condition, FhirResource, Patient } from 'fhir/r4.js';
import request from 'supertest';
import { storeAll, param, params } from '../../helpers/ccm-load.js';
import { CcmScenario } from '../../helpers/ccm-scenarios.js';
import { exampleFiles, readExample } from '../../helpers/examples.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { context } from '../../unit/generate/helpers.js';
import { buildPatientRecord } from '../../../scripts/generate/patient.js';
import { engineContext } from '../../../server/ccm/engine/context.js';
import { evaluateEligibility } from '../../../server/ccm/engine/eligibility.js';
import type { PatientRecord } from '../../../server/ccm/engine/record.js';
import { dashboardView } from '../../../server/ccm/dashboard/view-model.js';
import { ccmOf } from '../../../server/ccm/setup.js';

const NOW = new Date('2026-10-20T15:00:00Z');
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SYNTHEA = path.join(REPO, 'fixtures', 'synthea', 'patients-conditions.json');

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp({ clock: () => NOW });
});
afterAll(async () => t.close());

/** $ccm-eligibility of a patient: eligible (CCM and APCM), and the requirements it names. */
async function eligibility(
  id: string,
): Promise<{ eligible: boolean; apcmEligible: boolean; requirements: string[] }> {
  const res = await request(t.app).get(`/fhir/Patient/${encodeURIComponent(id)}/$ccm-eligibility`);
  expect(res.status).toBe(200);
  return {
    eligible: param(res.body, 'eligible').valueBoolean === true,
    apcmEligible: param(param(res.body, 'apcm'), 'eligible').valueBoolean === true,
    requirements: params(res.body, 'reason').map((r) => param(r, 'requirement').valueCode as string),
  };
}

/** Whether a Patient is recorded as dead at NOW. */
function isDead(p: Patient): boolean {
  if (p.deceasedBoolean === true) return true;
  return p.deceasedDateTime !== undefined && Date.parse(p.deceasedDateTime) <= NOW.getTime();
}

/** The same record with every condition attested and no death (how it would be judged alive). */
function aliveAndAttested(r: PatientRecord): PatientRecord {
  return { ...r, death: undefined, conditions: r.conditions.map((c) => ({ ...c, attested: true })) };
}

describe('the synthetic practice (scripts/generate)', () => {
  test('no deceased patient is eligible, in $ccm-eligibility, in the records and in the dashboard list', async () => {
    const ctx = context(60);
    const resources: FhirResource[] = [...ctx.practice.resources] as FhirResource[];
    const deceased = new Set<string>();
    for (let n = 1; n <= 60; n++) {
      for (const lines of buildPatientRecord(ctx, n).toNdjson().values()) {
        for (const line of lines) {
          const r = JSON.parse(line) as FhirResource;
          if (r.resourceType === 'Patient' && n % 3 === 0) {
            // every third patient dies: on a date, at an instant this month, or with no date at all
            if (n % 9 === 0) r.deceasedBoolean = true;
            else r.deceasedDateTime = n % 2 === 0 ? '2026-09-03' : '2026-10-02T08:15:00-04:00';
            deceased.add(`Patient/${r.id}`);
          }
          resources.push(r);
        }
      }
    }
    await storeAll(t.services, resources);
    const engine = engineContext('2026-10', 'America/New_York', ccmOf(t.services).classifier);
    const { records } = await ccmOf(t.services).model.recordsFor(engine);
    const dead = [...records.values()].filter((r) => deceased.has(r.patient));
    expect(dead.length).toBe(deceased.size);
    let wouldBeEligible = 0;
    for (const r of dead) {
      expect([r.patient, evaluateEligibility(r, engine, NOW.getTime()).eligible]).toEqual([r.patient, false]);
      if (evaluateEligibility(aliveAndAttested(r), engine, NOW.getTime()).eligible) wouldBeEligible++;
      const answer = await eligibility(r.patient.slice('Patient/'.length));
      expect([r.patient, answer.eligible, answer.apcmEligible]).toEqual([r.patient, false, false]);
      expect(answer.requirements).toContain('patient-alive');
    }
    expect(wouldBeEligible).toBeGreaterThan(0);
    const report = await ccmOf(t.services).reports.build(engine);
    const view = dashboardView(report.report, records.values(), engine, NOW.getTime());
    const names = new Set(dead.map((r) => r.name ?? r.patient));
    expect(view.eligibleNotEnrolled.filter((row) => names.has(row.patient))).toEqual([]);
  });
});

describe('the official R4 example patients (hl7.fhir.r4.examples)', () => {
  test('with two chronic conditions each, exactly the living ones are eligible', async () => {
    const patients = exampleFiles(['Patient']).map((f) => readExample(f) as Patient);
    expect(patients.filter(isDead).length).toBeGreaterThanOrEqual(2);
    const resources: FhirResource[] = [];
    for (const p of patients) {
      resources.push(p);
      const conditions = new CcmScenario(p.id as string)
        .condition('E11.9', { attested: true, id: `r4ex-${p.id}-dm` })
        .condition('I10', { attested: true, id: `r4ex-${p.id}-htn` })
        .resources.filter((r): r is Condition => r.resourceType === 'Condition');
      resources.push(...conditions);
    }
    await storeAll(t.services, resources);
    for (const p of patients) {
      const answer = await eligibility(p.id as string);
      expect([p.id, answer.eligible, answer.apcmEligible]).toEqual([p.id, !isDead(p), !isDead(p)]);
      if (isDead(p)) expect(answer.requirements).toContain('patient-alive');
    }
  });
});

/** The Synthea sample's Patients with their Conditions (fixtures/synthea, see fixtures/README.md). */
function syntheaPatients(): Array<{ patient: Patient; conditions: Condition[] }> {
  const bundle = JSON.parse(readFileSync(SYNTHEA, 'utf8')) as Bundle;
  const resources = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource as FhirResource] : []));
  return resources
    .filter((r): r is Patient => r.resourceType === 'Patient')
    .map((patient) => ({
      patient,
      conditions: resources.filter(
        (r): r is Condition =>
          r.resourceType === 'Condition' && r.subject.reference === `Patient/${patient.id}`,
      ),
    }));
}

describe('the Synthea sample', () => {
  test('every deceased patient is not eligible and the answer names the patient-alive requirement', async () => {
    const all = syntheaPatients();
    const dead = all.filter((x) => isDead(x.patient));
    expect(dead.length).toBeGreaterThanOrEqual(5);
    await storeAll(
      t.services,
      all.flatMap((x) => [x.patient, ...x.conditions]),
    );
    for (const { patient } of all) {
      const answer = await eligibility(patient.id as string);
      if (isDead(patient)) {
        expect([patient.id, answer.eligible, answer.apcmEligible]).toEqual([patient.id, false, false]);
        expect(answer.requirements).toContain('patient-alive');
      } else {
        expect(answer.requirements).not.toContain('patient-alive');
        expect([patient.id, answer.apcmEligible]).toEqual([patient.id, true]);
      }
    }
  });
});
