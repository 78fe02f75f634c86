/**
 * Acceptance: races are decided by the storage layer (compare-and-set, unique conditional keys), not by
 * luck: 20 parallel conditional creates make exactly one resource; 20 parallel If-Match updates of the
 * same version give exactly one success and 19 x 412 (http.html#concurrency, #ccreate).
 */
import type { Patient } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ENGINES, makeTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(ENGINES)('on the %s engine', (engine) => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ccm-conc-'));
    // With the journal on, so that writes really interleave with fsyncs.
    t = await makeTestApp({ engine, dataDir: dir });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const body = (mrn: string) =>
    JSON.stringify({
      resourceType: 'Patient',
      identifier: [{ system: 'http://example.org/mrn', value: mrn }],
      name: [{ family: 'Race' }],
    });

  test('20 parallel conditional creates with the same If-None-Exist create exactly 1 resource', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(t.app)
          .post('/fhir/Patient')
          .set('content-type', 'application/fhir+json')
          .set('if-none-exist', 'identifier=http://example.org/mrn|RACE-1')
          .send(body('RACE-1')),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const stored = (await t.services.resources.find('Patient', { kind: 'all' })).filter((d) =>
      (d.resource as Patient).identifier?.some((i) => i.value === 'RACE-1'),
    );
    expect(stored).toHaveLength(1);
  });

  test('20 parallel updates with the same If-Match give 1 success and 19 x 412', async () => {
    await request(t.app)
      .put('/fhir/Patient/race-2')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', id: 'race-2', name: [{ family: 'v1' }] }));
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(t.app)
          .put('/fhir/Patient/race-2')
          .set('content-type', 'application/fhir+json')
          .set('if-match', 'W/"1"')
          .send(JSON.stringify({ resourceType: 'Patient', id: 'race-2', name: [{ family: `w${i}` }] })),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const history = await request(t.app).get('/fhir/Patient/race-2/_history');
    expect(history.body.total).toBe(2);
    const winner = responses.find((r) => r.status === 200);
    expect((await request(t.app).get('/fhir/Patient/race-2')).body.name).toEqual(winner?.body.name);
  });

  test('20 parallel updates without If-Match all succeed as 20 distinct versions (no lost update)', async () => {
    await request(t.app)
      .put('/fhir/Patient/race-3')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Patient', id: 'race-3' }));
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(t.app)
          .put('/fhir/Patient/race-3')
          .set('content-type', 'application/fhir+json')
          .send(JSON.stringify({ resourceType: 'Patient', id: 'race-3', name: [{ family: `n${i}` }] })),
      ),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(responses.map((r) => r.body.meta.versionId)).size).toBe(20);
    expect((await request(t.app).get('/fhir/Patient/race-3/_history')).body.total).toBe(21);
  });
});
