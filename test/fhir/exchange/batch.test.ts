/**
 * Batch Bundles (R4 http.html#batch, #brules): independent entries, each with its own response status and,
 * on failure, an OperationOutcome; no entry may reference another.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Bundle, BundleEntry, OperationOutcome, Patient } from 'fhir/r4.js';
import { bundleOf, exchangeApp, postBundle, postEntry, type ExchangeApp } from './helpers.js';

let t: ExchangeApp;
beforeAll(async () => {
  t = await exchangeApp();
});
afterAll(async () => {
  await t.close();
});

const patient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family }] });

test('entries succeed or fail on their own; failures carry an OperationOutcome in response.outcome', async () => {
  const res = await postBundle(
    t.app,
    bundleOf('batch', [
      postEntry(patient('BatchOk')),
      postEntry({ ...patient('BatchBad'), gender: 'robot' } as unknown as Patient),
      { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      {
        resource: { ...patient('BatchPut'), id: 'batch-1' },
        request: { method: 'PUT', url: 'Patient/batch-1' },
      },
      { request: { method: 'DELETE', url: 'Patient/batch-1', ifMatch: 'W/"9"' } },
      { request: { method: 'FETCH', url: 'Patient' } } as unknown as BundleEntry,
    ]),
  );
  expect(res.status).toBe(200);
  const out = res.body as Bundle;
  expect(out.type).toBe('batch-response');
  const statuses = out.entry?.map((e) => e.response?.status);
  expect(statuses).toEqual([
    '201 Created',
    '400 Bad Request',
    '404 Not Found',
    '201 Created',
    '412 Precondition Failed',
    '400 Bad Request',
  ]);
  const bad = out.entry?.[1].response?.outcome as OperationOutcome;
  expect(bad.resourceType).toBe('OperationOutcome');
  expect(bad.issue[0].expression).toEqual(['Bundle.entry[1].resource.gender']);
  expect((out.entry?.[2].response?.outcome as OperationOutcome).issue[0].code).toBe('not-found');
  expect((await request(t.app).get('/fhir/Patient/batch-1')).status).toBe(200); // the stale DELETE did nothing
  expect((await request(t.app).get('/fhir/Patient?name=BatchBad')).body.total).toBe(0);
  expect((await request(t.app).get('/fhir/Patient?name=BatchOk')).body.total).toBe(1);
});

test('an entry referring to another entry of the batch fails; the others are processed', async () => {
  const p = postEntry(patient('BatchRef'));
  const res = await postBundle(
    t.app,
    bundleOf('batch', [
      p,
      postEntry({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: p.fullUrl },
      }),
    ]),
  );
  expect(res.status).toBe(200);
  const [pe, oe] = (res.body as Bundle).entry ?? [];
  expect(pe.response?.status).toBe('201 Created');
  expect(oe.response?.status).toBe('400 Bad Request');
  expect((oe.response?.outcome as OperationOutcome).issue[0].diagnostics).toMatch(
    /refers to another entry of a batch/,
  );
});

test('conditional create in a batch entry answers 200 when it matches', async () => {
  const entry = () => ({
    resource: { ...patient('BatchCond'), identifier: [{ system: 'http://example.org/mrn', value: 'B-1' }] },
    request: {
      method: 'POST' as const,
      url: 'Patient',
      ifNoneExist: 'identifier=http://example.org/mrn|B-1',
    },
  });
  const res = await postBundle(t.app, bundleOf('batch', [entry()]));
  expect((res.body as Bundle).entry?.[0].response?.status).toBe('201 Created');
  const again = await postBundle(t.app, bundleOf('batch', [entry()]));
  expect((again.body as Bundle).entry?.[0].response?.status).toBe('200 OK');
});
