/** The CapabilityStatement (capabilitystatement.html) describes what is really implemented. */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import request from 'supertest';
import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4.js';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

test('GET /fhir/metadata lists the CCM types with the implemented interactions', async () => {
  const res = await request(t.app).get('/fhir/metadata');
  expect(res.status).toBe(200);
  const cs = res.body as CapabilityStatement;
  expect(cs.resourceType).toBe('CapabilityStatement');
  expect(cs.fhirVersion).toBe('4.0.1');
  expect(cs.kind).toBe('instance');
  expect(cs.format).toContain('application/fhir+json');
  const rest = cs.rest?.[0];
  expect(rest?.mode).toBe('server');
  const types = new Map<string, CapabilityStatementRestResource>(
    rest?.resource?.map((r) => [r.type as string, r]),
  );
  for (const type of ['CarePlan', 'Condition', 'Consent', 'Task', 'Encounter', 'Patient']) {
    const r = types.get(type);
    expect(r).toBeDefined();
    const codes = r?.interaction?.map((i) => i.code).sort();
    expect(codes).toEqual(
      [
        'create',
        'delete',
        'history-instance',
        'history-type',
        'patch',
        'read',
        'search-type',
        'update',
        'vread',
      ].sort(),
    );
    expect(r?.versioning).toBe('versioned-update');
    expect(r?.conditionalCreate).toBe(true);
    expect(r?.conditionalUpdate).toBe(true);
    expect(r?.conditionalDelete).toBe('single');
  }
  expect(types.size).toBe(t.services.definitions.resourceTypes.length); // every concrete R4 resource type
  expect(types.size).toBe(146);
  // POST [base] takes transaction and batch Bundles (http.html#transaction).
  expect(rest?.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch', 'history-system']);
  expect(types.get('Condition')?.searchParam?.map((p) => p.name)).toEqual(
    expect.arrayContaining(['patient', 'code', '_id']),
  );
});
