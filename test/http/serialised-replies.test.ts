/**
 * Replies sent from stored text (fhir/json-reply.ts, storage/stored-json.ts): read, vread and searchsets
 * carry exactly the bytes JSON.stringify gives of the parsed body; a reply that was inspected or rebuilt is
 * serialised from its object; `_pretty`, `_summary` / `_elements` and outcome entries still apply.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Bundle, BundleEntry, BundleLink, Patient } from 'fhir/r4.js';
import { bundle, bundleJson, type SerialisedEntry } from '../../server/fhir/bundle.js';
import { jsonReply, untouchedJson } from '../../server/fhir/json-reply.js';
import { makeTestApp, TEST_BASE, type TestApp } from '../helpers/test-app.js';

describe('jsonReply', () => {
  const text = JSON.stringify({ resourceType: 'Patient', id: 'a' });

  test('the text is sent while the body is untouched', () => {
    const res = jsonReply(200, { etag: 'W/"1"' }, text);
    expect(untouchedJson(res)).toBe(text);
    expect(res.status).toBe(200);
    expect(res.headers).toEqual({ etag: 'W/"1"' });
    expect(untouchedJson(res)).toBe(text);
  });

  test('reading the body parses it and withdraws the text (the object may be changed)', () => {
    const res = jsonReply(200, {}, text);
    const body = res.body as Patient;
    expect(body).toEqual({ resourceType: 'Patient', id: 'a' });
    expect(untouchedJson(res)).toBeUndefined();
    body.gender = 'male';
    expect((res.body as Patient).gender).toBe('male');
  });

  test('a rebuilt reply carries no text; replacing or deleting the body withdraws it', () => {
    const original = jsonReply(200, {}, text);
    const rebuilt = { ...original, body: { resourceType: 'Bundle' } };
    expect(untouchedJson(rebuilt)).toBeUndefined();
    const replaced = jsonReply(200, {}, text);
    replaced.body = { resourceType: 'Basic' };
    expect(untouchedJson(replaced)).toBeUndefined();
    const deleted = jsonReply(200, {}, text);
    delete deleted.body;
    expect(untouchedJson(deleted)).toBeUndefined();
    expect(untouchedJson({ status: 200, headers: {}, body: {} })).toBeUndefined();
  });
});

describe('bundleJson', () => {
  const link: BundleLink[] = [{ relation: 'self', url: `${TEST_BASE}/Patient?name=%C3%BC&_count=20` }];
  const resources = [
    { resourceType: 'Patient', id: 'a', name: [{ family: 'Ü "quoted" \u2028' }] },
    { resourceType: 'Observation', id: 'b', valueQuantity: { value: 1e-7 } },
  ];
  const entries: BundleEntry[] = [
    { fullUrl: `${TEST_BASE}/Patient/a`, resource: resources[0] as Patient, search: { mode: 'match' } },
    { fullUrl: `${TEST_BASE}/Observation/b`, resource: resources[1] as never, search: { mode: 'include' } },
    { resource: { resourceType: 'OperationOutcome', issue: [] } as never, search: { mode: 'outcome' } },
    { fullUrl: `${TEST_BASE}/Patient/c`, search: { mode: 'match' } },
  ];
  const serialised: SerialisedEntry[] = entries.map((e) => ({
    fullUrl: e.fullUrl,
    resourceJson: e.resource && JSON.stringify(e.resource),
    search: e.search,
  }));

  test.each([
    ['with total and entries', 3, entries.length],
    ['without total', undefined, entries.length],
    ['without entries', 0, 0],
  ])('is JSON.stringify of bundle() %s', (_name, total, n) => {
    const expected = JSON.stringify(bundle('searchset', total, link, entries.slice(0, n)));
    expect(bundleJson('searchset', total, link, serialised.slice(0, n))).toBe(expected);
  });
});

describe('over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
    const put = (type: string, id: string, body: object) =>
      request(t.app)
        .put(`/fhir/${type}/${id}`)
        .set('content-type', 'application/fhir+json')
        .send(JSON.stringify({ resourceType: type, id, ...body }));
    expect(
      (
        await put('Patient', 'sr-p', {
          name: [{ family: 'Serialised', given: ['Ünï \u2028'] }],
          gender: 'female',
          birthDate: '1950-01-02',
          text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
        })
      ).status,
    ).toBe(201);
    expect(
      (await put('Patient', 'sr-p', { name: [{ family: 'Serialised' }], gender: 'female' })).status,
    ).toBe(200);
    expect(
      (
        await put('Goal', 'sr-g', {
          lifecycleStatus: 'active',
          description: { text: 'walk' },
          subject: { reference: 'Patient/sr-p' },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await put('CarePlan', 'sr-c', {
          status: 'active',
          intent: 'plan',
          subject: { reference: 'Patient/sr-p' },
          goal: [{ reference: 'Goal/sr-g' }],
        })
      ).status,
    ).toBe(201);
  });
  afterAll(async () => t.close());

  test('read and vread send the stored version: JSON.stringify of what it parses to, with its headers', async () => {
    const read = await request(t.app).get('/fhir/Patient/sr-p');
    expect(read.status).toBe(200);
    expect(read.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(read.headers.etag).toBe('W/"2"');
    expect(read.text).toBe(JSON.stringify(JSON.parse(read.text)));
    expect(read.body.meta.versionId).toBe('2');
    expect(read.body).not.toHaveProperty('birthDate');
    const v1 = await request(t.app).get('/fhir/Patient/sr-p/_history/1');
    expect(v1.status).toBe(200);
    expect(v1.headers.etag).toBe('W/"1"');
    expect(v1.text).toBe(JSON.stringify(JSON.parse(v1.text)));
    expect(v1.body.birthDate).toBe('1950-01-02');
    expect(v1.body.name[0].given).toEqual(['Ünï \u2028']);
  });

  test('_pretty, _format and If-None-Match still apply', async () => {
    const pretty = await request(t.app).get('/fhir/Patient/sr-p?_pretty=true&_format=json');
    expect(pretty.text).toBe(JSON.stringify(JSON.parse(pretty.text), null, 2));
    expect(pretty.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    const asJson = await request(t.app).get('/fhir/Patient/sr-p').set('accept', 'application/json');
    expect(asJson.headers['content-type']).toBe('application/json; charset=utf-8');
    const notModified = await request(t.app).get('/fhir/Patient/sr-p').set('if-none-match', 'W/"2"');
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe('');
  });

  test('a searchset with an _include is JSON.stringify of its parsed Bundle', async () => {
    const res = await request(t.app).get('/fhir/CarePlan?patient=sr-p&_include=CarePlan:goal');
    expect(res.status).toBe(200);
    expect(res.text).toBe(JSON.stringify(JSON.parse(res.text)));
    const b = res.body as Bundle;
    expect(b.total).toBe(1);
    expect(b.entry?.map((e) => [e.fullUrl, e.search?.mode, e.resource?.id])).toEqual([
      [`${TEST_BASE}/CarePlan/sr-c`, 'match', 'sr-c'],
      [`${TEST_BASE}/Goal/sr-g`, 'include', 'sr-g'],
    ]);
    const read = await request(t.app).get('/fhir/Goal/sr-g');
    expect(b.entry?.[1].resource).toEqual(read.body);
  });

  test('_elements and _summary still shape the matches; ignored parameters still give an outcome entry', async () => {
    const res = await request(t.app).get('/fhir/Patient?_id=sr-p&_elements=gender&unknown-param=1');
    expect(res.status).toBe(200);
    expect(res.text).toBe(JSON.stringify(JSON.parse(res.text)));
    const [match, outcome] = (res.body as Bundle).entry ?? [];
    expect(Object.keys(match.resource ?? {}).sort()).toEqual(['gender', 'id', 'meta', 'resourceType']);
    expect(match.resource?.meta?.tag?.some((c) => c.code === 'SUBSETTED')).toBe(true);
    expect(outcome.search?.mode).toBe('outcome');
    expect(outcome.resource?.resourceType).toBe('OperationOutcome');
    const summary = await request(t.app).get('/fhir/Patient?_id=sr-p&_summary=text');
    expect((summary.body as Bundle).entry?.[0].resource).not.toHaveProperty('gender');
    const count = await request(t.app).get('/fhir/Patient?_id=sr-p&_summary=count');
    expect(count.body).toEqual({
      resourceType: 'Bundle',
      type: 'searchset',
      link: expect.any(Array),
      total: 1,
    });
  });

  test('a batch GET entry carries the resource that a read sends', async () => {
    const res = await request(t.app)
      .post('/fhir')
      .set('content-type', 'application/fhir+json')
      .send(
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'batch',
          entry: [
            { request: { method: 'GET', url: 'Patient/sr-p' } },
            { request: { method: 'GET', url: 'Goal?patient=sr-p' } },
          ],
        }),
      );
    expect(res.status).toBe(200);
    const read = await request(t.app).get('/fhir/Patient/sr-p');
    const [one, search] = (res.body as Bundle).entry ?? [];
    expect(one.resource).toEqual(read.body);
    expect(one.response?.etag).toBe('W/"2"');
    expect((search.resource as Bundle).entry?.map((e) => e.resource?.id)).toEqual(['sr-g']);
  });
});
