/**
 * `_page` tokens are bound to their search and to their holder (issue 14, finding 7): a token is only
 * usable by the same search (path, selection, sort) and the same token holder (client, subject and
 * patient context); anything else, a tampered token included, is a 400 OperationOutcome on `_page` that
 * reveals nothing of the other search (no total, no entries). Both paging modes are covered: key-set
 * paging (the default order) and snapshot paging (a `_sort` that needs a stored list).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import { LEGACY_SNAPSHOT_COLLECTION } from '../../../server/fhir/search/page-token.js';
import { makeTestApp } from '../../helpers/test-app.js';
import { makeSmartTestApp, mintToken, pathOf, request, type SmartTestApp } from '../../helpers/smart-app.js';

let t: SmartTestApp;
let alice: string;
let bob: string;
let alicePatient1: string;
let alicePatient2: string;
beforeAll(async () => {
  t = await makeSmartTestApp();
  alice = await mintToken(t.smart, 'user/*.rs', { clientId: 'test-confidential', sub: 'okonkwo' });
  bob = await mintToken(t.smart, 'user/*.rs', { clientId: 'test-public', sub: 'lindqvist' });
  alicePatient1 = await mintToken(t.smart, 'patient/*.rs', { patient: 'demo-patient-1' });
  alicePatient2 = await mintToken(t.smart, 'patient/*.rs', { patient: 'demo-patient-2' });
});
afterAll(async () => {
  await t.close();
});

const get = (url: string, token: string) =>
  request(t.app).get(pathOf(url)).set('authorization', `Bearer ${token}`);

/** The `next` link of a first page read with `token`. */
async function nextOf(query: string, token: string): Promise<string> {
  const first = await get(`/fhir/${query}`, token);
  expect(first.status).toBe(200);
  const next = (first.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
  expect(next).toBeDefined();
  return next as string;
}

/** Asserts a refused `_page`: 400, an OperationOutcome on `_page`, and nothing of the other search. */
function expectRefused(res: { status: number; body: unknown; text: string }): void {
  expect(res.status).toBe(400);
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue[0].expression).toEqual(['_page']);
  expect(res.text).not.toMatch(/"total"|"entry"/);
}

describe.each([
  ['key-set paging (default order)', 'Condition?_count=2'],
  ['snapshot paging (_sort=code)', 'Condition?_count=2&_sort=code'],
])('%s', (_mode, query) => {
  test('the holder pages on with its own token', async () => {
    const res = await get(await nextOf(query, alice), alice);
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry).toHaveLength(2);
  });

  test("another client's token is refused and reveals no total", async () => {
    expectRefused(await get(await nextOf(query, alice), bob));
  });

  test('the same client in another patient context cannot use the token', async () => {
    const q = query.replace('_count=2', '_count=1');
    expectRefused(await get(await nextOf(q, alicePatient1), alicePatient2));
  });

  test('the same client and user with other scopes cannot use the token', async () => {
    const narrower = await mintToken(t.smart, 'user/Condition.rs', {
      clientId: 'test-confidential',
      sub: 'okonkwo',
    });
    expectRefused(await get(await nextOf(query, alice), narrower));
  });

  test('a token of another search is refused and reveals no total', async () => {
    const next = new URL(await nextOf(query, alice));
    next.searchParams.set('code:not', 'no-such-code');
    expectRefused(await get(next.toString(), alice));
  });

  test('a tampered token is refused', async () => {
    const next = new URL(await nextOf(query, alice));
    const token = next.searchParams.get('_page') as string;
    const flipped = token.slice(0, 5) + (token[5] === 'A' ? 'B' : 'A') + token.slice(6);
    next.searchParams.set('_page', flipped);
    expectRefused(await get(next.toString(), alice));
    next.searchParams.set('_page', 'x'.repeat(5000));
    expectRefused(await get(next.toString(), alice));
  });
});

describe('the paging state of earlier versions', () => {
  test('the first paging of a store deletes the snapshots earlier versions stored', async () => {
    const fresh = await makeTestApp();
    try {
      const legacy = fresh.store.aux(LEGACY_SNAPSHOT_COLLECTION);
      await legacy.insertMany([
        { _id: 'old', key: 'Condition?#', total: 1, chunks: 1, exp: 0 },
        { _id: 'old:0', sid: 'old', keys: ['Condition/x'], exp: 0 },
      ]);
      for (const id of ['a', 'b', 'c']) {
        const r = { resourceType: 'Basic', id, code: { text: id } };
        await fresh.services.resources.put('Basic', id, r, { method: 'PUT' });
      }
      const res = await request(fresh.app).get('/fhir/Basic?_count=2');
      expect((res.body as Bundle).link?.some((l) => l.relation === 'next')).toBe(true);
      expect(await legacy.countDocuments({})).toBe(0);
    } finally {
      await fresh.close();
    }
  });
});
