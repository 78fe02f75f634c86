/**
 * Conditional interactions, JSON Patch, formats and operational basics of R4 http.html through the HTTP
 * adapter: status codes, headers and bodies.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Patient } from 'fhir/r4.js';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';

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

describe('conditional interactions (http.html#ccreate, #cond-update, #3.1.0.7.1)', () => {
  const withMrn = (mrn: string, family: string) =>
    patient(family, { identifier: [{ system: 'http://example.org/mrn', value: mrn }] });

  test('conditional create: 0 matches creates (201), 1 match returns it (200), 2 matches is 412', async () => {
    const post = (mrn: string, family: string) =>
      create(withMrn(mrn, family)).set('if-none-exist', `identifier=http://example.org/mrn|${mrn}`);
    const first = await post('C-1', 'First');
    expect(first.status).toBe(201);
    const again = await post('C-1', 'Second');
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.name[0].family).toBe('First');
    await create(withMrn('C-2', 'Dup1'));
    await create(withMrn('C-2', 'Dup2'));
    expect((await post('C-2', 'Third')).status).toBe(412);
  });

  test('conditional create with an unknown parameter is 400, not a silent match', async () => {
    const res = await create(withMrn('C-3', 'X')).set('if-none-exist', 'no-such-param=1');
    expect(res.status).toBe(400);
  });

  test('conditional update: no match creates, one match updates, two matches is 412', async () => {
    const put = (mrn: string, family: string) =>
      request(t.app)
        .put(`/fhir/Patient?identifier=${encodeURIComponent(`http://example.org/mrn|${mrn}`)}`)
        .set('content-type', 'application/fhir+json')
        .send(JSON.stringify(withMrn(mrn, family)));
    const created = await put('U-1', 'One');
    expect(created.status).toBe(201);
    const updated = await put('U-1', 'Two');
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.meta.versionId).toBe('2');
    await create(withMrn('U-2', 'A'));
    await create(withMrn('U-2', 'B'));
    expect((await put('U-2', 'C')).status).toBe(412);
  });

  test('conditional delete removes the single match', async () => {
    const c = await create(withMrn('D-1', 'Gone'));
    const res = await request(t.app).delete(
      `/fhir/Patient?identifier=${encodeURIComponent('http://example.org/mrn|D-1')}`,
    );
    expect(res.status).toBe(204);
    expect((await request(t.app).get(`/fhir/Patient/${c.body.id}`)).status).toBe(410);
  });
});

describe('patch (http.html#patch, JSON Patch)', () => {
  test('applies a JSON Patch as a new version; a failing test op is 422; another content type is 415', async () => {
    const id = (await create(patient('Patch'))).body.id;
    const res = await request(t.app)
      .patch(`/fhir/Patient/${id}`)
      .set('content-type', 'application/json-patch+json')
      .set('if-match', 'W/"1"')
      .send(
        JSON.stringify([
          { op: 'replace', path: '/gender', value: 'male' },
          { op: 'add', path: '/active', value: true },
        ]),
      );
    expect(res.status).toBe(200);
    expect(res.body.gender).toBe('male');
    expect(res.body.active).toBe(true);
    expect(res.body.meta.versionId).toBe('2');
    const failing = await request(t.app)
      .patch(`/fhir/Patient/${id}`)
      .set('content-type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'test', path: '/gender', value: 'female' }]));
    expect(failing.status).toBe(422);
    const invalid = await request(t.app)
      .patch(`/fhir/Patient/${id}`)
      .set('content-type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/gender', value: 42 }]));
    expect(invalid.status).toBe(400);
    expect(invalid.body.issue[0].expression).toEqual(['Patient.gender']);
    const stale = await request(t.app)
      .patch(`/fhir/Patient/${id}`)
      .set('content-type', 'application/json-patch+json')
      .set('if-match', 'W/"1"')
      .send(JSON.stringify([{ op: 'remove', path: '/active' }]));
    expect(stale.status).toBe(412);
    const wrongType = await request(t.app)
      .patch(`/fhir/Patient/${id}`)
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify({ resourceType: 'Parameters' }));
    expect(wrongType.status).toBe(415);
    const changesId = await request(t.app)
      .patch(`/fhir/Patient/${id}`)
      .set('content-type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/id', value: 'other' }]));
    expect(changesId.status).toBe(422);
  });
});

describe('formats (http.html#mime)', () => {
  test('XML is not produced: Accept or _format xml is 406 with an OperationOutcome', async () => {
    const a = await request(t.app).get('/fhir/metadata').set('accept', 'application/fhir+xml');
    expect(a.status).toBe(406);
    expect(a.body.resourceType).toBe('OperationOutcome');
    expect((await request(t.app).get('/fhir/metadata?_format=xml')).status).toBe(406);
    expect((await request(t.app).get('/fhir/metadata?_format=json')).status).toBe(200);
    expect((await request(t.app).get('/fhir/metadata').set('accept', 'text/html, */*;q=0.1')).status).toBe(
      200,
    );
  });

  test('an XML or text body is 415', async () => {
    const res = await request(t.app)
      .post('/fhir/Patient')
      .set('content-type', 'application/fhir+xml')
      .send('<Patient/>');
    expect(res.status).toBe(415);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  test('_pretty=true indents the JSON', async () => {
    await request(t.app)
      .put('/fhir/Patient/upd-1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient('Pretty', { id: 'upd-1' })));
    const res = await request(t.app).get('/fhir/Patient/upd-1?_pretty=true');
    expect(res.text).toContain('\n  "resourceType": "Patient"');
    const compact = await request(t.app).get('/fhir/Patient/upd-1');
    expect(compact.text.includes('\n')).toBe(false);
  });

  test('unsupported methods are 405', async () => {
    const res = await request(t.app)
      .patch('/fhir/Patient')
      .set('content-type', 'application/json-patch+json')
      .send('[]');
    expect(res.status).toBe(405);
  });
});

describe('operations basics', () => {
  test('healthz and readyz', async () => {
    expect((await request(t.app).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(t.app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.engine).toBe('sqlite');
  });

  test('every response carries a request id; a well-formed incoming one is echoed', async () => {
    const res = await request(t.app).get('/fhir/metadata').set('x-request-id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
    const gen = await request(t.app).get('/fhir/metadata').set('x-request-id', 'bad id with spaces');
    expect(gen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
