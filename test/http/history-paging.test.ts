/**
 * History pages are read by key (R4 http.html#history): following `next` through type and system history
 * while other clients write serves every version that existed when the first page was read exactly once
 * (the `_before` bound keeps later versions out), in history order, with the first page's total; a
 * tampered `_page` is a 400, never a 500.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Bundle } from 'fhir/r4.js';
import request from 'supertest';
import { makeTestApp, TEST_BASE, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
const FHIR_JSON = 'application/fhir+json';
beforeAll(async () => {
  t = await makeTestApp();
  for (let i = 0; i < 30; i++) {
    for (let v = 0; v < 2; v++) {
      const res = await request(t.app)
        .put(`/fhir/Patient/hp-${i}`)
        .set('content-type', FHIR_JSON)
        .send(JSON.stringify({ resourceType: 'Patient', id: `hp-${i}`, active: v === 1 }));
      expect([200, 201]).toContain(res.status);
    }
  }
});
afterAll(async () => t.close());

const pathOf = (url: string) => url.slice(TEST_BASE.length - '/fhir'.length);

async function pages(first: string, writeBetween: boolean): Promise<{ keys: string[]; totals: number[] }> {
  const keys: string[] = [];
  const totals: number[] = [];
  let url: string | undefined = first;
  let n = 0;
  while (url) {
    const res = await request(t.app).get(url);
    expect(res.status).toBe(200);
    const b = res.body as Bundle;
    totals.push(b.total as number);
    for (const e of b.entry ?? []) keys.push(`${e.fullUrl}|${e.response?.etag}`);
    const next = b.link?.find((l) => l.relation === 'next')?.url;
    url = next ? pathOf(next) : undefined;
    if (writeBetween) {
      await request(t.app)
        .put(`/fhir/Patient/hp-new-${n++}`)
        .set('content-type', FHIR_JSON)
        .send(JSON.stringify({ resourceType: 'Patient', active: true }));
    }
  }
  return { keys, totals };
}

test.each(['/fhir/Patient/_history?_count=7', '/fhir/_history?_count=7'])(
  '%s: every version once, newest first, while others write',
  async (first) => {
    const quiet = await pages(first, false);
    const busy = await pages(first, true);
    expect(new Set(busy.keys).size).toBe(busy.keys.length);
    // the busy walk started later: it may see the versions written by the quiet one's neighbours, never lose one
    for (const k of quiet.keys) expect(busy.keys).toContain(k);
    expect(new Set(busy.totals).size).toBe(1);
    expect(busy.totals[0]).toBe(busy.keys.length);
  },
);

test('a tampered _page is a clear 400', async () => {
  for (const bad of ['x', Buffer.from('{"l":1}').toString('base64url'), '%%%']) {
    const res = await request(t.app).get(`/fhir/Patient/_history?_page=${encodeURIComponent(bad)}`);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  }
});

test('versions written within one millisecond (instants ahead of the clock) are all in the history', async () => {
  // A stopped clock: every version after the first takes the previous instant + 1 ms, ahead of the clock.
  const fixed = new Date('2026-03-01T10:00:00.000Z');
  const app = await makeTestApp({ clock: () => fixed });
  try {
    for (let v = 0; v < 5; v++) {
      const res = await request(app.app)
        .put('/fhir/Patient/burst')
        .set('content-type', FHIR_JSON)
        .send(JSON.stringify({ resourceType: 'Patient', id: 'burst', active: v % 2 === 0 }));
      expect([200, 201]).toContain(res.status);
    }
    const first = await request(app.app).get('/fhir/Patient/burst/_history?_count=2');
    const b = first.body as Bundle;
    expect(b.total).toBe(5);
    expect(b.entry?.map((e) => e.response?.etag)).toEqual(['W/"5"', 'W/"4"']);
    const next = b.link?.find((l) => l.relation === 'next')?.url as string;
    // the links carry the newest instant read, not the clock's
    expect(new URL(next).searchParams.get('_before')).toBe('2026-03-01T10:00:00.004Z');
    const rest: string[] = [];
    let url: string | undefined = next;
    while (url) {
      const page = (await request(app.app).get(pathOf(url))).body as Bundle;
      expect(page.total).toBe(5);
      rest.push(...(page.entry ?? []).map((e) => e.response?.etag as string));
      url = page.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(rest).toEqual(['W/"3"', 'W/"2"', 'W/"1"']);
  } finally {
    await app.close();
  }
});
