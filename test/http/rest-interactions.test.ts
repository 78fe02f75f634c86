/**
 * The REST interactions of R4 http.html through the HTTP adapter: status codes, headers and bodies.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Patient } from 'fhir/r4.js';
import { makeTestApp, TEST_BASE, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

const patient = (family: string, extra: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  name: [{ family, given: ['Ann'] }],
  gender: 'female',
  birthDate: '1950-01-02',
  ...extra,
});

function create(body: object) {
  return request(t.app)
    .post('/fhir/Patient')
    .set('content-type', 'application/fhir+json')
    .send(JSON.stringify(body));
}

describe('create (http.html#create)', () => {
  test('201 with absolute versioned Location, ETag W/"1", Last-Modified and the stored resource', async () => {
    const res = await create(patient('Create', { id: 'client-chosen' }));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const id = res.body.id as string;
    expect(id).not.toBe('client-chosen'); // the server ignores a client id on create
    expect(res.headers.location).toBe(`${TEST_BASE}/Patient/${id}/_history/1`);
    expect(res.headers.etag).toBe('W/"1"');
    expect(new Date(res.headers['last-modified']).getTime()).toBeGreaterThan(0);
    expect(res.body.meta.versionId).toBe('1');
    expect(res.body.name).toEqual([{ family: 'Create', given: ['Ann'] }]);
  });

  test('Prefer: return=minimal gives no body; return=OperationOutcome gives an outcome', async () => {
    const minimal = await create(patient('Minimal')).set('prefer', 'return=minimal');
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.location).toMatch(/\/Patient\/[^/]+\/_history\/1$/);
    const oo = await create(patient('Outcome')).set('prefer', 'return=OperationOutcome');
    expect(oo.status).toBe(201);
    expect(oo.body.resourceType).toBe('OperationOutcome');
    expect(oo.body.issue[0].severity).toBe('information');
  });

  test('application/json is accepted and answered as application/json when asked', async () => {
    const res = await request(t.app)
      .post('/fhir/Patient')
      .set('content-type', 'application/json')
      .set('accept', 'application/json')
      .send(JSON.stringify(patient('PlainJson')));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});

describe('read and vread (http.html#read, #vread, #cread)', () => {
  let id: string;
  beforeAll(async () => {
    id = (await create(patient('Read'))).body.id;
    await request(t.app)
      .put(`/fhir/Patient/${id}`)
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient('Read2', { id })));
  });

  test('read returns the current version with ETag and Last-Modified', async () => {
    const res = await request(t.app).get(`/fhir/Patient/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    expect(res.body.meta.versionId).toBe('2');
    expect(res.body.name[0].family).toBe('Read2');
  });

  test('vread returns an old version; an unknown version is 404', async () => {
    const v1 = await request(t.app).get(`/fhir/Patient/${id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.name[0].family).toBe('Read');
    expect(v1.headers.etag).toBe('W/"1"');
    expect((await request(t.app).get(`/fhir/Patient/${id}/_history/9`)).status).toBe(404);
    expect((await request(t.app).get(`/fhir/Patient/${id}/_history/abc`)).status).toBe(404);
  });

  test('If-None-Match with the current version gives 304; another version gives 200', async () => {
    const same = await request(t.app).get(`/fhir/Patient/${id}`).set('if-none-match', 'W/"2"');
    expect(same.status).toBe(304);
    expect(same.text).toBe('');
    const other = await request(t.app).get(`/fhir/Patient/${id}`).set('if-none-match', 'W/"1"');
    expect(other.status).toBe(200);
  });

  test('If-Modified-Since after the last update gives 304', async () => {
    const later = new Date(Date.now() + 60_000).toUTCString();
    expect((await request(t.app).get(`/fhir/Patient/${id}`).set('if-modified-since', later)).status).toBe(
      304,
    );
    const earlier = new Date(Date.now() - 3_600_000).toUTCString();
    expect((await request(t.app).get(`/fhir/Patient/${id}`).set('if-modified-since', earlier)).status).toBe(
      200,
    );
  });

  test('unknown id is 404, unknown type is 404, both with an OperationOutcome', async () => {
    const a = await request(t.app).get('/fhir/Patient/does-not-exist');
    expect(a.status).toBe(404);
    expect(a.body.resourceType).toBe('OperationOutcome');
    expect(a.body.issue[0].code).toBe('not-found');
    const b = await request(t.app).get('/fhir/Patientt/1');
    expect(b.status).toBe(404);
    expect(b.body.issue[0].diagnostics).toContain('Patientt');
  });

  test('a malformed id is 400', async () => {
    const res = await request(t.app).get(`/fhir/Patient/${'x'.repeat(65)}`);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('update (http.html#update)', () => {
  test('update-as-create with a client id gives 201, then 200 with version 2', async () => {
    const first = await request(t.app)
      .put('/fhir/Patient/upd-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient('U1', { id: 'upd-1' })));
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`${TEST_BASE}/Patient/upd-1/_history/1`);
    const second = await request(t.app)
      .put('/fhir/Patient/upd-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient('U2', { id: 'upd-1' })));
    expect(second.status).toBe(200);
    expect(second.headers.etag).toBe('W/"2"');
    expect(second.body.meta.versionId).toBe('2');
  });

  test('an update with the content of the current version answers that version and writes none', async () => {
    const put = (body: Patient) =>
      request(t.app)
        .put('/fhir/Patient/upd-same')
        .set('content-type', 'application/fhir+json')
        .send(JSON.stringify(body));
    const first = await put(patient('Same', { id: 'upd-same' }));
    expect(first.status).toBe(201);
    // the content read back (its meta included) and sent again: nothing changes
    const again = await put(first.body as Patient);
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBe('W/"1"');
    expect(again.headers['last-modified']).toBe(first.headers['last-modified']);
    expect(again.body).toEqual(first.body);
    expect(again.body.meta).toEqual({ versionId: '1', lastUpdated: first.body.meta.lastUpdated });
    const history = await request(t.app).get('/fhir/Patient/upd-same/_history');
    expect(history.body.total).toBe(1);
    // a change is a new version
    const changed = await put(patient('Other', { id: 'upd-same' }));
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('W/"2"');
  });

  test('If-Match with the current version succeeds; a stale one is 412', async () => {
    const put = (etag: string, family: string) =>
      request(t.app)
        .put('/fhir/Patient/upd-2')
        .set('content-type', 'application/fhir+json')
        .set('if-match', etag)
        .send(JSON.stringify(patient(family, { id: 'upd-2' })));
    await request(t.app)
      .put('/fhir/Patient/upd-2')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient('A', { id: 'upd-2' })));
    expect((await put('W/"1"', 'B')).status).toBe(200);
    const stale = await put('W/"1"', 'C');
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    expect((await request(t.app).get('/fhir/Patient/upd-2')).body.name[0].family).toBe('B');
    expect((await put('"2"', 'D')).status).toBe(200);
    expect((await put('garbage', 'E')).status).toBe(400);
  });

  test('an id in the body that disagrees with the URL, or no id at all, is 400 naming Patient.id', async () => {
    const wrong = await request(t.app)
      .put('/fhir/Patient/upd-3')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient('X', { id: 'other' })));
    expect(wrong.status).toBe(400);
    expect(wrong.body.issue[0].expression).toEqual(['Patient.id']);
    const missing = await request(t.app)
      .put('/fhir/Patient/upd-3')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient('X')));
    expect(missing.status).toBe(400);
    expect(missing.body.issue[0].expression).toEqual(['Patient.id']);
  });

  test('a body of another resourceType than the URL is 400', async () => {
    const res = await request(t.app)
      .put('/fhir/Patient/upd-4')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Observation', id: 'upd-4' }));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['resourceType']);
  });
});

describe('delete (http.html#delete)', () => {
  test('delete is soft: 204, then read is 410 Gone, vread of the old version still works, history shows it', async () => {
    const id = (await create(patient('Del'))).body.id;
    const del = await request(t.app).delete(`/fhir/Patient/${id}`);
    expect(del.status).toBe(204);
    expect(del.headers.etag).toBe('W/"2"');
    const read = await request(t.app).get(`/fhir/Patient/${id}`);
    expect(read.status).toBe(410);
    expect(read.body.issue[0].code).toBe('deleted');
    expect((await request(t.app).get(`/fhir/Patient/${id}/_history/1`)).status).toBe(200);
    expect((await request(t.app).get(`/fhir/Patient/${id}/_history/2`)).status).toBe(410);
    const hist = await request(t.app).get(`/fhir/Patient/${id}/_history`);
    expect(hist.body.total).toBe(2);
    expect(hist.body.entry[0].request).toEqual({ method: 'DELETE', url: `Patient/${id}` });
    expect(hist.body.entry[0].resource).toBeUndefined();
    // Deleting again and deleting the unknown are both fine (204) and write nothing.
    expect((await request(t.app).delete(`/fhir/Patient/${id}`)).status).toBe(204);
    expect((await request(t.app).get(`/fhir/Patient/${id}/_history`)).body.total).toBe(2);
    expect((await request(t.app).delete('/fhir/Patient/never-was')).status).toBe(204);
  });

  test('an update after delete brings the resource back as a new version (201)', async () => {
    const id = (await create(patient('Back'))).body.id;
    await request(t.app).delete(`/fhir/Patient/${id}`);
    const res = await request(t.app)
      .put(`/fhir/Patient/${id}`)
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient('Back2', { id })));
    expect(res.status).toBe(201);
    expect(res.body.meta.versionId).toBe('3');
  });
});

describe('history (http.html#history)', () => {
  test('instance, type and system history with _count paging and _since', async () => {
    await request(t.app)
      .put('/fhir/Organization/h-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Organization', id: 'h-1', name: 'v1' }));
    await new Promise((r) => setTimeout(r, 5));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    for (const name of ['v2', 'v3']) {
      await request(t.app)
        .put('/fhir/Organization/h-1')
        .set('content-type', 'application/fhir+json')
        .send(JSON.stringify({ resourceType: 'Organization', id: 'h-1', name }));
    }
    const inst = await request(t.app).get('/fhir/Organization/h-1/_history?_count=2');
    expect(inst.body.type).toBe('history');
    expect(inst.body.total).toBe(3);
    expect(inst.body.entry.map((e: { resource: { name: string } }) => e.resource.name)).toEqual(['v3', 'v2']);
    const next = inst.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    expect(next.startsWith(`${TEST_BASE}/Organization/h-1/_history?`)).toBe(true);
    const page2 = await request(t.app).get('/fhir' + next.slice(TEST_BASE.length));
    expect(page2.body.entry.map((e: { resource: { name: string } }) => e.resource.name)).toEqual(['v1']);
    const since = await request(t.app).get(
      `/fhir/Organization/h-1/_history?_since=${encodeURIComponent(mid)}`,
    );
    expect(since.body.total).toBe(2);
    const type = await request(t.app).get('/fhir/Organization/_history');
    expect(
      type.body.entry.every((e: { fullUrl: string }) => e.fullUrl.startsWith(`${TEST_BASE}/Organization/`)),
    ).toBe(true);
    const system = await request(t.app).get('/fhir/_history?_count=1');
    expect(system.body.entry).toHaveLength(1);
    expect(system.body.total).toBeGreaterThanOrEqual(3);
    expect((await request(t.app).get('/fhir/Organization/h-1/_history?_since=yesterday')).status).toBe(400);
    expect((await request(t.app).get('/fhir/Organization/nope/_history')).status).toBe(404);
  });
});
