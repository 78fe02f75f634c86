/**
 * Written resources over the element-count limits (issue 14 finding 6): a 15 MB Patient with 300,000 names
 * was accepted and stored; now every write path (create, update, transaction entry, patch result) answers a
 * 400 OperationOutcome with one `too-long` issue naming the element, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import { createApp, type AppDeps, type CcmApp } from '../../server/app.js';
import { openStore } from '../../server/storage/open-store.js';
import type { Storage } from '../../server/storage/repository.js';
import { TEST_BASE } from '../helpers/test-app.js';

let store: Storage;
let built: CcmApp;

beforeAll(async () => {
  store = await openStore({ dataDir: null });
  const config: AppDeps['config'] = { baseUrl: TEST_BASE, bodyLimitBytes: 32 << 20 };
  built = createApp({ config, store });
});
afterAll(async () => {
  await built.bulk.stop();
  await store.close();
});

const names = (n: number) => Array.from({ length: n }, (_, i) => ({ family: `F${i}`, given: ['A', 'B'] }));
const json = (req: request.Test, body: unknown) =>
  req.set('content-type', 'application/fhir+json').send(JSON.stringify(body));

/** Asserts the 400 too-long outcome naming `expression`. */
function expectTooLong(res: request.Response, expression: string): void {
  expect(res.status).toBe(400);
  const oo = res.body as OperationOutcome;
  expect(oo.resourceType).toBe('OperationOutcome');
  expect(oo.issue.map((i) => [i.code, i.expression?.[0]])).toEqual([['too-long', expression]]);
}

async function patientTotal(): Promise<number> {
  const res = await request(built.app).get('/fhir/Patient?_summary=count');
  return (res.body as Bundle).total ?? -1;
}

describe('writes over the limits', () => {
  test('a Patient with 300,000 names (the finding) is refused at Patient.name and not stored', async () => {
    const res = await json(request(built.app).post('/fhir/Patient'), {
      resourceType: 'Patient',
      name: names(300_000),
    });
    expectTooLong(res, 'Patient.name');
    expect(await patientTotal()).toBe(0);
  });

  test('an update with 10,001 given names is refused at the array', async () => {
    const res = await json(request(built.app).put('/fhir/Patient/big'), {
      resourceType: 'Patient',
      id: 'big',
      name: [{ given: Array(10_001).fill('G') }],
    });
    expectTooLong(res, 'Patient.name[0].given');
    expect((await request(built.app).get('/fhir/Patient/big')).status).toBe(404);
  });

  test('a transaction entry over the limit fails the transaction naming the entry', async () => {
    const entry = [
      { resource: { resourceType: 'Patient', active: true }, request: { method: 'POST', url: 'Patient' } },
      {
        resource: { resourceType: 'Patient', name: names(10_001) },
        request: { method: 'POST', url: 'Patient' },
      },
    ];
    const res = await json(request(built.app).post('/fhir'), {
      resourceType: 'Bundle',
      type: 'transaction',
      entry,
    });
    expectTooLong(res, 'Bundle.entry[1].resource.name');
    expect(await patientTotal()).toBe(0);
  });

  test('a patch whose result is over the limit is refused and leaves the resource as it was', async () => {
    const created = await json(request(built.app).put('/fhir/Patient/p1'), {
      resourceType: 'Patient',
      id: 'p1',
      name: [{ family: 'One' }],
    });
    expect(created.status).toBe(201);
    const ops = Array.from({ length: 10_000 }, () => ({
      op: 'add',
      path: '/name/-',
      value: { family: 'X' },
    }));
    const res = await request(built.app)
      .patch('/fhir/Patient/p1')
      .set('content-type', 'application/json-patch+json')
      .send(JSON.stringify(ops));
    expectTooLong(res, 'Patient.name');
    const after = await request(built.app).get('/fhir/Patient/p1');
    expect(after.body.name).toHaveLength(1);
  });

  test('a resource at the limits is stored', async () => {
    const res = await json(request(built.app).post('/fhir/Patient'), {
      resourceType: 'Patient',
      name: [{ given: Array(10_000).fill('G') }],
    });
    expect(res.status).toBe(201);
  });
});
