/**
 * Acceptance: a transaction is all or nothing on the embedded engine (R4 http.html#transaction: "the
 * server SHALL either accept all actions ... or reject all resources"). A 500-entry Bundle fails at its
 * start, middle or end (an invalid entry, a storage fault injected into a write, a stale If-Match after
 * every create was applied) and leaves nothing written; a concurrent reader never sees half of one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Bundle, BundleEntry, Observation, Patient } from 'fhir/r4.js';
import {
  bundleOf,
  exchangeApp,
  instrumentedStore,
  postBundle,
  postEntry,
  storeTotals,
  type ExchangeApp,
} from './helpers.js';

const control: { failAt?: number; yieldInTx?: boolean; writesInTx: number } = { writesInTx: 0 };
let t: ExchangeApp;
beforeAll(async () => {
  t = await exchangeApp({ wrap: (store) => instrumentedStore(store, control) });
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  control.failAt = undefined;
  control.yieldInTx = false;
  control.writesInTx = 0;
});

const SIZE = 500;
const CODES = 'http://example.org/atomicity';

/** A 500-entry transaction: one Patient and 499 Observations referring to it by urn:uuid. */
function bigBundle(tag: string): Bundle {
  const p = postEntry({ resourceType: 'Patient', identifier: [{ system: CODES, value: tag }] } as Patient);
  const entries: BundleEntry[] = [p];
  for (let i = 1; i < SIZE; i++) {
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: CODES, code: tag }] },
      subject: { reference: p.fullUrl },
      valueQuantity: { value: i, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
    };
    entries.push(postEntry(obs));
  }
  return bundleOf('transaction', entries);
}

const observationsOf = async (tag: string): Promise<number> =>
  (await request(t.app).get(`/fhir/Observation?code=${CODES}|${tag}&_count=0`)).body.total as number;

describe.each([
  ['start', 0],
  ['middle', 250],
  ['end', SIZE - 1],
])('a 500-entry transaction failing at its %s (entry %d)', (_where, index) => {
  test('an invalid entry: 400 naming it, 0 resources written', async () => {
    const before = await storeTotals(t.services);
    const b = bigBundle(`invalid-${index}`);
    (b.entry?.[index].resource as unknown as Record<string, unknown>).unknownElement = true;
    const res = await postBundle(t.app, b);
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].diagnostics).toMatch(new RegExp(`^Bundle\\.entry\\[${index}\\]: `));
    expect(res.body.issue[0].expression[0]).toMatch(
      new RegExp(`^Bundle\\.entry\\[${index}\\]\\.resource\\.unknownElement`),
    );
    expect(await storeTotals(t.services)).toEqual(before);
  });

  test('a storage fault injected into the matching write: 500, 0 resources written', async () => {
    const before = await storeTotals(t.services);
    // Each created resource is one write through the repository: fail the first, a middle or the last one.
    control.failAt = index + 1;
    const res = await postBundle(t.app, bigBundle(`fault-${index}`));
    expect(control.writesInTx).toBe(control.failAt);
    expect(res.status).toBe(500);
    expect(res.body.issue[0].code).toBe('exception');
    control.failAt = undefined;
    expect(await storeTotals(t.services)).toEqual(before);
  });
});

test('a stale If-Match on the last entry, processed after all 499 creates were applied: 412, nothing written', async () => {
  const seeded = await request(t.app)
    .put('/fhir/Patient/atom-im')
    .set('content-type', 'application/fhir+json')
    .send(JSON.stringify({ resourceType: 'Patient', id: 'atom-im' }));
  expect(seeded.status).toBe(201);
  const before = await storeTotals(t.services);
  control.writesInTx = 0;
  const b = bigBundle('stale');
  b.entry?.splice(SIZE - 1, 1, {
    resource: { resourceType: 'Patient', id: 'atom-im', active: true } as Patient,
    request: { method: 'PUT', url: 'Patient/atom-im', ifMatch: 'W/"7"' },
  });
  const res = await postBundle(t.app, b);
  expect(res.status).toBe(412);
  expect(res.body.issue[0].diagnostics).toMatch(/^Bundle\.entry\[499\]: If-Match version 7/);
  // every create had been written inside the transaction, then the PUT was tried and refused
  expect(control.writesInTx).toBe(SIZE);
  expect(await storeTotals(t.services)).toEqual(before);
  expect(await observationsOf('stale')).toBe(0);
});

test('a concurrent reader sees 0 or all 499 Observations, never part of a transaction in flight', async () => {
  control.yieldInTx = true; // every operation of the transaction yields: readers run between its writes
  const pending = postBundle(t.app, bigBundle('reader')).then((r) => r);
  let done = false;
  void pending.finally(() => {
    done = true;
  });
  const seen: number[] = [];
  while (!done) seen.push(await observationsOf('reader'));
  const res = await pending;
  expect(res.status).toBe(200);
  expect(seen.length).toBeGreaterThan(10);
  expect(seen.filter((n) => n !== 0 && n !== SIZE - 1)).toEqual([]);
  expect(seen).toContain(0);
  expect(await observationsOf('reader')).toBe(SIZE - 1);
});
