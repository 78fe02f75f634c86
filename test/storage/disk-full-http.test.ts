/**
 * A full disk over HTTP: a write the store cannot make durable answers 503 with an OperationOutcome (issue
 * code `transient`, R4 operationoutcome.html) and `Retry-After` (RFC 9110 §10.2.3); reads keep working;
 * /readyz is not ready while writes fail; once there is room again the next write answers 201 without a
 * restart, and a reopen holds every acknowledged write and none of the refused ones. The full disk is the
 * database reaching its page cap (PRAGMA max_page_count), which SQLite reports exactly as a full disk
 * (SQLITE_FULL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import request from 'supertest';
import { createApp } from '../../server/app.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import { TEST_BASE } from '../helpers/test-app.js';

const root = mkdtempSync(join(tmpdir(), 'ccm-full-http-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FHIR_JSON = 'application/fhir+json';
// ~100 KB each, so that every write needs pages the capped file cannot have
const narrative = {
  status: 'generated',
  div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(100_000)}</div>`,
};
const patient = (id: string) =>
  JSON.stringify({ resourceType: 'Patient', id, name: [{ family: id }], text: narrative });

test('503 + OperationOutcome + Retry-After while the disk is full; 201 again once there is room', async () => {
  const dir = join(root, 'data');
  const store = await openSqliteStorage({ dataDir: dir });
  const { app } = createApp({ config: { baseUrl: TEST_BASE, bodyLimitBytes: 1 << 20 }, store });
  const put = (id: string) =>
    request(app).put(`/fhir/Patient/${id}`).set('content-type', FHIR_JSON).send(patient(id));

  expect((await put('before')).status).toBe(201);
  expect((await request(app).get('/readyz')).status).toBe(200);

  // fill the file to its current size: the next write needs a page it cannot have
  store.maxPageCount(store.pageCount());
  const filler = JSON.stringify({
    resourceType: 'Patient',
    id: 'filler',
    text: {
      status: 'generated',
      div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(200_000)}</div>`,
    },
  });
  expect(
    (await request(app).put('/fhir/Patient/filler').set('content-type', FHIR_JSON).send(filler)).status,
  ).toBe(503);
  const refused = await put('refused');
  expect(refused.status).toBe(503);
  expect(refused.headers['retry-after']).toMatch(/^\d+$/);
  expect(refused.body.resourceType).toBe('OperationOutcome');
  expect(refused.body.issue[0].code).toBe('transient');
  expect(refused.body.issue[0].diagnostics).toMatch(/disk is full/);
  const update = await request(app)
    .put('/fhir/Patient/before')
    .set('content-type', FHIR_JSON)
    .send(
      JSON.stringify({
        resourceType: 'Patient',
        id: 'before',
        name: [{ family: 'changed' }],
        text: narrative,
      }),
    );
  expect(update.status).toBe(503);

  // Reads keep working and show neither refused write.
  const read = await request(app).get('/fhir/Patient/before');
  expect(read.status).toBe(200);
  expect(read.body.name[0].family).toBe('before');
  expect(read.body.meta.versionId).toBe('1');
  expect((await request(app).get('/fhir/Patient/refused')).status).toBe(404);
  expect((await request(app).get('/readyz')).status).toBe(503);

  store.maxPageCount(1 << 30); // space is freed: no restart
  expect((await request(app).get('/readyz')).status).toBe(200);
  expect((await put('after')).status).toBe(201);
  await store.close();

  const again = await openSqliteStorage({ dataDir: dir });
  try {
    const { app: app2 } = createApp({
      config: { baseUrl: TEST_BASE, bodyLimitBytes: 1 << 20 },
      store: again,
    });
    const ids = await request(app2).get('/fhir/Patient?_elements=id');
    expect(ids.status).toBe(200);
    expect((ids.body.entry as Array<{ resource: { id: string } }>).map((e) => e.resource.id).sort()).toEqual([
      'after',
      'before',
    ]);
    const before = await request(app2).get('/fhir/Patient/before');
    expect(before.body.name[0].family).toBe('before');
    expect(before.body.meta.versionId).toBe('1');
  } finally {
    await again.close();
  }
});
