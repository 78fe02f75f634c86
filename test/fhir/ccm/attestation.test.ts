/**
 * Gate 2 through HTTP (ccm-rules.md, gate 2): Conditions written with PUT carrying, or not, the clinician's
 * attestation extension (ccm-chronic-condition-attestation); `$ccm-eligibility` and `$ccm-month-summary` read
 * back on a server with the default setting (attestation required) and on one with
 * CCM_REQUIRE_ATTESTATION=false.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { CcmScenario } from '../../helpers/ccm-scenarios.js';
import { gates, lineCodes, param, params, putAll } from '../../helpers/ccm-load.js';
import { makeTestApp, TEST_BASE, type TestApp } from '../../helpers/test-app.js';
import { createApp, type CcmApp } from '../../../server/app.js';
import { openStore } from '../../../server/storage/open-store.js';
import type { Storage } from '../../../server/storage/repository.js';

const clock = () => new Date('2026-03-25T15:00:00Z');

/** Enrolled with Dr A, two table-chronic conditions (attested or not), 25 minutes of staff time in March. */
function patient(id: string, attested: boolean | undefined): CcmScenario {
  const o = attested === undefined ? {} : { attested };
  return new CcmScenario(id)
    .condition('E11.9', o)
    .condition('I10', o)
    .consent({ at: '2026-01-05T10:00:00-05:00' })
    .carePlan({ start: '2026-01-05T11:00:00-05:00' })
    .visit({ at: '2025-12-10T09:00:00-05:00' })
    .time({ start: '2026-03-20T10:00:00-04:00', minutes: 25 });
}
const unattested = patient('at-unattested', undefined);
const attested = patient('at-attested', true);
const sinus = new CcmScenario('at-sinus')
  .condition('J32.9', { attested: true })
  .condition('I10', { attested: true })
  .consent({ at: '2026-01-05T10:00:00-05:00' })
  .carePlan({ start: '2026-01-05T11:00:00-05:00' })
  .visit({ at: '2025-12-10T09:00:00-05:00' })
  .time({ start: '2026-03-20T10:00:00-04:00', minutes: 25 });
const all = [...unattested.resources, ...attested.resources, ...sinus.resources];

let t: TestApp;
let offStore: Storage;
let off: CcmApp;

beforeAll(async () => {
  t = await makeTestApp({ clock });
  await putAll(t.app, all);
  offStore = await openStore({ dataDir: null });
  off = createApp({
    config: { baseUrl: TEST_BASE, bodyLimitBytes: 1 << 24, ccmRequireAttestation: false },
    store: offStore,
    clock,
  });
  await putAll(off.app, all);
});
afterAll(async () => {
  await t.close();
  await offStore.close();
});

/** `$ccm-eligibility` and the March `$ccm-month-summary` of a patient on an app. */
async function read(app: CcmApp['app'], id: string) {
  const e = await request(app).get(`/fhir/Patient/${id}/$ccm-eligibility`);
  const m = await request(app).get(`/fhir/Patient/${id}/$ccm-month-summary?month=2026-03`);
  expect([e.status, m.status]).toEqual([200, 200]);
  return { eligibility: e.body, month: m.body };
}

describe('attestation required (the default)', () => {
  test('two table-chronic conditions without attestation: not eligible, both to review, nothing billed', async () => {
    const { eligibility, month } = await read(t.app, 'at-unattested');
    expect(param(eligibility, 'eligible').valueBoolean).toBe(false);
    expect(params(eligibility, 'condition-group')).toEqual([]);
    expect(params(eligibility, 'condition-to-review')).toHaveLength(2);
    expect(gates(month)['chronic-conditions']).toBe(false);
    expect(lineCodes(month)).toEqual([]);
    const gate = params(month, 'gate').find((g) => param(g, 'name').valueCode === 'chronic-conditions');
    const reasons = params(gate ?? {}, 'reason').map((r) => r.valueString ?? '');
    expect(reasons.join('\n')).toContain('needs a clinician attestation');
  });

  test('both attested: eligible, 99490 billed, the groups say attested', async () => {
    const { eligibility, month } = await read(t.app, 'at-attested');
    expect(param(eligibility, 'eligible').valueBoolean).toBe(true);
    const groups = params(eligibility, 'condition-group');
    expect(groups.map((g) => param(g, 'attested').valueBoolean)).toEqual([true, true]);
    expect(lineCodes(month)).toEqual(['99490×1']);
  });

  test('an attested chronic sinusitis (curated "not chronic") still does not count', async () => {
    const { eligibility, month } = await read(t.app, 'at-sinus');
    expect(param(eligibility, 'eligible').valueBoolean).toBe(false);
    expect(params(eligibility, 'not-chronic')).toHaveLength(1);
    expect(lineCodes(month)).toEqual([]);
  });
});

describe('CCM_REQUIRE_ATTESTATION=false', () => {
  test('two table-chronic conditions count unattested: eligible and 99490 billed', async () => {
    const { eligibility, month } = await read(off.app, 'at-unattested');
    expect(param(eligibility, 'eligible').valueBoolean).toBe(true);
    expect(lineCodes(month)).toEqual(['99490×1']);
  });

  test('an attested chronic sinusitis still does not count', async () => {
    const { eligibility } = await read(off.app, 'at-sinus');
    expect(param(eligibility, 'eligible').valueBoolean).toBe(false);
  });
});
