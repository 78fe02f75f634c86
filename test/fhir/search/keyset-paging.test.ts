/**
 * Key-set paging (keyset.ts; R4 http.html#paging): for the default order and `_sort=_id` / `-_id`, the
 * pages walked by `next` are exactly the one-page result in order, over one type and over several
 * (compartment search, $everything); `previous`, `first` and `last` land on the same pages; a first page
 * asked with `_offset` is that slice; and writes between pages follow the documented guarantee: an
 * updated resource keeps its place, a deleted one is not served, a created one is served only when its
 * place is after the cursor, and nothing is served twice.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, Condition, Observation, Patient } from 'fhir/r4.js';
import request from 'supertest';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';

let t: TestApp;

const patient = (id: string): Patient => ({ resourceType: 'Patient', id, name: [{ family: id }] });
const condition = (id: string, p = 'p1'): Condition => ({
  resourceType: 'Condition',
  id,
  subject: { reference: `Patient/${p}` },
  code: { text: id },
});
const observation = (id: string, p = 'p1'): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: id },
  subject: { reference: `Patient/${p}` },
});

async function put(r: Patient | Condition | Observation): Promise<void> {
  await t.services.resources.put(r.resourceType, r.id as string, r, { method: 'PUT' });
}

beforeAll(async () => {
  t = await makeTestApp();
  for (const p of ['p1', 'p2']) await put(patient(p));
  for (let i = 0; i < 9; i++) await put(condition(`c${i}`));
  for (let i = 0; i < 7; i++) await put(observation(`o${i}`));
  // the same ids in two types: `_sort=_id` orders them by type after id, also across a page boundary
  for (const id of ['c1', 'c2', 'c4', 'c5']) await put(observation(id));
  for (let i = 0; i < 3; i++) await put(condition(`other${i}`, 'p2'));
});
afterAll(async () => {
  await t.close();
});

/** GET of a path or an absolute link. */
async function get(url: string): Promise<Bundle> {
  const res = await request(t.app).get(
    url.startsWith('http') ? new URL(url).pathname + new URL(url).search : url,
  );
  expect(res.status).toBe(200);
  return res.body as Bundle;
}
const link = (b: Bundle, rel: string) => b.link?.find((l) => l.relation === rel)?.url;
const matches = (b: Bundle) =>
  (b.entry ?? [])
    .filter((e) => e.search?.mode === 'match')
    .map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

/** Every page reached by `next` from `first`. */
async function walk(first: Bundle): Promise<Bundle[]> {
  const pages = [first];
  for (let next = link(first, 'next'); next; next = link(pages[pages.length - 1], 'next')) {
    pages.push(await get(next));
    expect(pages.length).toBeLessThan(100);
  }
  return pages;
}

describe('key-set pages are the one-page result, in order', () => {
  test.each([
    'Condition?subject=Patient/p1',
    'Condition?subject=Patient/p1&_sort=-_id',
    'Condition?_sort=_id',
    'Patient/p1/*',
    'Patient/p1/*?_sort=-_id',
    'Patient/p1/*?_sort=_id',
    'Patient/p1/$everything',
  ])('%s', async (query) => {
    const sep = query.includes('?') ? '&' : '?';
    const whole = matches(await get(`/fhir/${query}${sep}_count=1000`));
    expect(whole.length).toBeGreaterThan(6);
    const pages = await walk(await get(`/fhir/${query}${sep}_count=3`));
    expect(pages.map(matches).flat()).toEqual(whole);
    expect(pages.every((p) => p.total === whole.length)).toBe(true);
    expect(pages.at(-1)?.link?.find((l) => l.relation === 'next')).toBeUndefined();
  });

  test('previous, first and last land on the same pages; a first page with _offset is that slice', async () => {
    const pages = await walk(await get('/fhir/Patient/p1/*?_count=4'));
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(link(pages[0], 'previous')).toBeUndefined();
    expect(matches(await get(link(pages[2], 'previous') as string))).toEqual(matches(pages[1]));
    expect(matches(await get(link(pages[1], 'previous') as string))).toEqual(matches(pages[0]));
    expect(matches(await get(link(pages[2], 'first') as string))).toEqual(matches(pages[0]));
    const last = await get(link(pages[0], 'last') as string);
    expect(matches(last)).toEqual(matches(pages[pages.length - 1]));
    expect(link(last, 'next')).toBeUndefined();
    expect(matches(await get(link(last, 'previous') as string))).toEqual(matches(pages[pages.length - 2]));
    const self = await get(link(pages[2], 'self') as string);
    expect(matches(self)).toEqual(matches(pages[2]));
    const whole = pages.map(matches).flat();
    expect(matches(await get('/fhir/Patient/p1/*?_count=4&_offset=5'))).toEqual(whole.slice(5, 9));
  });
});

describe('writes between key-set pages', () => {
  test('updated keep their place, deleted are not served, created only after the cursor, none twice', async () => {
    for (let i = 0; i < 10; i++) await put(condition(`w${i}`, 'p3'));
    const first = await get('/fhir/Condition?subject=Patient/p3&_count=3');
    expect(matches(first)).toEqual(['Condition/w0', 'Condition/w1', 'Condition/w2']);
    await put({ ...condition('w5', 'p3'), code: { text: 'changed' } }); // not yet served: keeps its place
    await put({ ...condition('w1', 'p3'), code: { text: 'changed' } }); // served: not served again
    await t.services.resources.delete('Condition', 'w7');
    await put(condition('w00', 'p3')); // before the cursor: not served
    await put(condition('w99', 'p3')); // after it: served
    const seen = (await walk(first)).map(matches).flat();
    expect(seen).toEqual([
      ...['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w8', 'w9', 'w99'].map((id) => `Condition/${id}`),
    ]);
  });
});
