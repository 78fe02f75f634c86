/**
 * Every version keeps its own body: vread and history (R4 http.html#vread, #history) give each version as
 * it was written, however many versions followed it, on every engine.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import type { Bundle, Patient } from 'fhir/r4.js';
import request from 'supertest';
import { ENGINES, makeTestApp, type TestApp } from '../helpers/test-app.js';

const patient = (family: string): Patient => ({ resourceType: 'Patient', id: 'h1', name: [{ family }] });

describe.each(ENGINES)('history bodies stored once (%s)', (engine) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({ engine });
  });
  afterEach(async () => t.close());

  const put = async (family: string, status = 0) => {
    const res = await request(t.app)
      .put('/fhir/Patient/h1')
      .set('content-type', 'application/fhir+json')
      .send(JSON.stringify(patient(family)));
    expect(res.status).toBe(status || res.status);
    expect([200, 201]).toContain(res.status);
  };
  const stored = (vid: number) => t.services.resources.vread('Patient', 'h1', vid);
  const family = (r: unknown) => (r as Patient | undefined)?.name?.[0]?.family;

  test('each version keeps its own body after it is superseded', async () => {
    await put('One', 201);
    const v1 = await stored(1);
    expect(v1).toMatchObject({ t: 'Patient', rid: 'h1', vid: 1 });
    expect(v1?.resource?.meta?.versionId).toBe('1');

    await put('Two', 200);
    expect(family((await stored(1))?.resource)).toBe('One');
    expect((await stored(1))?.resource?.meta?.versionId).toBe('1');
    expect((await stored(2))?.resource?.meta?.versionId).toBe('2');

    const r1 = await request(t.app).get('/fhir/Patient/h1/_history/1');
    const r2 = await request(t.app).get('/fhir/Patient/h1/_history/2');
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect([family(r1.body), r1.body.meta.versionId]).toEqual(['One', '1']);
    expect([family(r2.body), r2.body.meta.versionId]).toEqual(['Two', '2']);

    const hist = (await request(t.app).get('/fhir/Patient/h1/_history')).body as Bundle;
    expect(hist.entry?.map((e) => [e.resource?.meta?.versionId, family(e.resource)])).toEqual([
      ['2', 'Two'],
      ['1', 'One'],
    ]);
  });

  test('a delete keeps the last body; type and system history carry every body', async () => {
    await put('One');
    await put('Two');
    expect((await request(t.app).delete('/fhir/Patient/h1')).status).toBe(204);
    expect(family((await stored(2))?.resource)).toBe('Two');
    expect(await stored(3)).toMatchObject({ vid: 3, deleted: true, method: 'DELETE' });
    expect((await request(t.app).get('/fhir/Patient/h1/_history/2')).body.name[0].family).toBe('Two');
    expect((await request(t.app).get('/fhir/Patient/h1/_history/3')).status).toBe(410);
    for (const path of ['/fhir/Patient/_history', '/fhir/_history']) {
      const b = (await request(t.app).get(path)).body as Bundle;
      const mine = (b.entry ?? []).filter((e) => e.fullUrl?.endsWith('/Patient/h1'));
      expect(mine.map((e) => [e.response?.etag, family(e.resource)])).toEqual([
        ['W/"3"', undefined],
        ['W/"2"', 'Two'],
        ['W/"1"', 'One'],
      ]);
    }
    await put('Back');
    expect(family((await stored(4))?.resource)).toBe('Back');
    expect((await request(t.app).get('/fhir/Patient/h1/_history/4')).body.name[0].family).toBe('Back');
  });
});
