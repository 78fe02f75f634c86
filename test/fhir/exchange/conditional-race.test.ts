/**
 * Acceptance: 20 transactions sent at once, each conditionally creating the same Patient (ifNoneExist,
 * http.html#trules) and an Observation referring to it by urn:uuid, create exactly one Patient; every
 * Observation refers to it. Embedded engine always, MongoDB when MONGODB_URI is set.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Observation } from 'fhir/r4.js';
import { ENGINES } from '../../helpers/test-app.js';
import { bundleOf, exchangeApp, postBundle, postEntry, type ExchangeApp } from './helpers.js';

describe.each(ENGINES)('on the %s engine', (engine) => {
  let t: ExchangeApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccm-race-'));
    t = await exchangeApp({ engine, dataDir: dir }); // journal on: commits interleave with fsyncs
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('20 parallel transactions conditionally creating one Patient create exactly one', async () => {
    const mrn = 'http://example.org/mrn|RACE-TX';
    const bundle = (i: number): Bundle => {
      const p = postEntry({
        resourceType: 'Patient',
        identifier: [{ system: 'http://example.org/mrn', value: 'RACE-TX' }],
      });
      p.request = { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${mrn}` };
      const obs: Observation = {
        resourceType: 'Observation',
        status: 'final',
        code: { text: `race ${i}` },
        subject: { reference: p.fullUrl },
      };
      return bundleOf('transaction', [p, postEntry(obs)]);
    };
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => postBundle(t.app, bundle(i))));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const patientStatuses = responses.map((r) => (r.body as Bundle).entry?.[0].response?.status);
    expect(patientStatuses.filter((s) => s === '201 Created')).toHaveLength(1);
    expect(patientStatuses.filter((s) => s === '200 OK')).toHaveLength(19);
    const patients = await t.services.resources.find('Patient', { kind: 'all' });
    expect(patients).toHaveLength(1);
    const observations = await t.services.resources.find('Observation', { kind: 'all' });
    expect(observations).toHaveLength(20);
    for (const o of observations)
      expect((o.resource as Observation).subject?.reference).toBe(`Patient/${patients[0]._id}`);
  });
});
