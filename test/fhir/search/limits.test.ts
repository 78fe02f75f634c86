/**
 * Search limits over HTTP (issue 14 finding 6): a search with too many OR values or parameters, or a
 * `_sort` the store's order does not serve over more matches than SEARCH_SORT_MAX, is a 400 OperationOutcome
 * (`too-costly`, R4 search.html#errors) naming the parameter, instead of minutes of work; a `_sort` by `_id`
 * (served by the store's order) and a narrowed sort are answered as before.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Bundle, OperationOutcome, Patient } from 'fhir/r4.js';
import { createApp, type AppDeps, type CcmApp } from '../../../server/app.js';
import { openStore } from '../../../server/storage/open-store.js';
import type { Storage } from '../../../server/storage/repository.js';
import { TEST_BASE } from '../../helpers/test-app.js';

const PATIENTS = 30;
const SORT_MAX = 20;
let store: Storage;
let built: CcmApp;
let app: CcmApp['app'];

beforeAll(async () => {
  store = await openStore({ dataDir: null });
  const config: AppDeps['config'] = { baseUrl: TEST_BASE, bodyLimitBytes: 16 << 20, searchSortMax: SORT_MAX };
  built = createApp({ config, store });
  app = built.app;
  const entry = Array.from({ length: PATIENTS }, (_, i) => ({
    resource: {
      resourceType: 'Patient',
      name: [{ family: i % 2 ? 'Odd' : 'Even', given: [`G${String(i).padStart(2, '0')}`] }],
      birthDate: `19${50 + (i % 7)}-01-01`,
    } satisfies Patient,
    request: { method: 'POST', url: 'Patient' },
  }));
  const res = await request(app)
    .post('/fhir')
    .set('content-type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }));
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await built.bulk.stop();
  await store.close();
});

const search = (query: string) => request(app).get(`/fhir/Patient?${query}`);

/** Asserts a 400 too-costly OperationOutcome naming `expression`. */
function expectTooCostly(res: request.Response, expression?: string): OperationOutcome {
  expect(res.status).toBe(400);
  const oo = res.body as OperationOutcome;
  expect(oo.resourceType).toBe('OperationOutcome');
  expect(oo.issue[0].code).toBe('too-costly');
  if (expression) expect(oo.issue[0].expression).toEqual([expression]);
  return oo;
}

describe('values and parameters', () => {
  test('POST _search with 100,000 OR values is a 400 naming the parameter', async () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `n${i}`).join(',');
    const res = await request(app).post('/fhir/Patient/_search').type('form').send(`name=${names}`);
    expectTooCostly(res, 'name');
  });

  test('101 values in a GET are a 400; 100 are searched', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`).join(',');
    expectTooCostly(await search(`_id=${ids(101)}`), '_id');
    expect((await search(`_id=${ids(100)}`)).status).toBe(200);
  });

  test('more than 50 parameters are a 400', async () => {
    const query = Array.from({ length: 51 }, (_, i) => `family=f${i}`).join('&');
    expectTooCostly(await search(query));
  });
});

describe(`_sort over more than SEARCH_SORT_MAX (${SORT_MAX}) matches`, () => {
  test('a 3-key sort over every Patient is too-costly and suggests narrowing', async () => {
    const oo = expectTooCostly(await search('_sort=family,-birthdate,given'), '_sort');
    expect(oo.issue[0].diagnostics).toMatch(/add criteria/);
  });

  test('also when the page would hold them all (_count above the match count)', async () => {
    expectTooCostly(await search('_sort=birthdate&_count=100'), '_sort');
  });

  test('a narrowed search is sorted', async () => {
    const res = await search('family=Odd&_sort=-given&_count=100');
    expect(res.status).toBe(200);
    const given = (res.body as Bundle).entry?.map((e) => (e.resource as Patient).name?.[0].given?.[0]);
    expect(given).toHaveLength(PATIENTS / 2);
    expect(given).toEqual([...(given as string[])].sort().reverse());
  });

  test('a sort by _id is served by the store order and not limited', async () => {
    const res = await search('_sort=-_id&_count=5');
    expect(res.status).toBe(200);
    expect((res.body as Bundle).total).toBe(PATIENTS);
  });

  test('an unsorted search is not limited', async () => {
    const res = await search('_count=5');
    expect(res.status).toBe(200);
    expect((res.body as Bundle).total).toBe(PATIENTS);
  });
});
