/**
 * Acceptance: the official R4 examples of CarePlan, Condition, Consent, Task and Encounter round-trip
 * through create and read unchanged apart from `id` and `meta` (http.html#create, #read).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Resource } from 'fhir/r4.js';
import { exampleFiles, readExample } from '../helpers/examples.js';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

const files = exampleFiles(['CarePlan', 'Condition', 'Consent', 'Task', 'Encounter']);

function withoutIdAndMeta(r: Resource): Omit<Resource, 'id' | 'meta'> {
  const { id: _id, meta: _meta, ...rest } = r;
  return rest;
}

describe('official R4 examples round-trip', () => {
  test('there are 57 of them', () => {
    expect(files).toHaveLength(57);
  });

  test.each(files)('%s', async (file) => {
    const example = readExample(file);
    const created = await request(t.app)
      .post(`/fhir/${example.resourceType}`)
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(example));
    expect(created.status).toBe(201);
    const read = await request(t.app).get(`/fhir/${example.resourceType}/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(withoutIdAndMeta(read.body as Resource)).toEqual(withoutIdAndMeta(example));
    // Client meta (profiles, tags, security) survives; the server sets versionId and lastUpdated.
    expect(read.body.meta.versionId).toBe('1');
    const { versionId: _v, lastUpdated: _l, ...clientMeta } = example.meta ?? {};
    expect(read.body.meta).toMatchObject(clientMeta);
  });
});
