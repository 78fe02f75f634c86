/**
 * $validate (R4 resource-operation-validate.html) over HTTP: type and instance level, the resource as a
 * Parameters `resource` or as the body, the `profile` parameter, and modes create, update, delete and
 * profile. The reply is 200 with an OperationOutcome whenever the validation ran.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { PROFILE } from '../../../server/ccm/vocabulary.js';
import { makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { FHIR_JSON, fixture, parameters, triples } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await makeTestApp();
});
afterAll(async () => {
  await t.close();
});

const post = (url: string, body: unknown) =>
  request(t.app).post(url).set('content-type', FHIR_JSON).send(JSON.stringify(body));

describe('type level', () => {
  test('a valid resource gets one informational issue', async () => {
    const res = await post(
      '/fhir/Consent/$validate',
      parameters(fixture('ccm-consent', 'valid-verbal-accepted')),
    );
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(triples(res.body)).toEqual([['information', 'informational', '']]);
  });

  test('an invalid one gets its issues with expressions, still 200', async () => {
    const res = await post(
      '/fhir/Consent/$validate',
      parameters(fixture('ccm-consent', 'invalid-no-policy')),
    );
    expect(res.status).toBe(200);
    expect(triples(res.body)).toEqual([
      ['error', 'invariant', 'Consent'],
      ['error', 'required', 'Consent.policyRule'],
    ]);
  });

  test('the resource may be the body itself', async () => {
    const res = await post('/fhir/Task/$validate', fixture('ccm-task', 'invalid-no-owner'));
    expect(triples(res.body)).toEqual([['error', 'required', 'Task.owner']]);
  });

  test('profile names a profile the resource does not claim', async () => {
    const { meta: _m, ...bare } = fixture('ccm-task', 'invalid-no-owner');
    expect(triples((await post('/fhir/Task/$validate', parameters(bare))).body)).toEqual([
      ['information', 'informational', ''],
    ]);
    const res = await post('/fhir/Task/$validate', parameters(bare, { profile: PROFILE.task }));
    expect(triples(res.body)).toEqual([['error', 'required', 'Task.owner']]);
    const q = await post(`/fhir/Task/$validate?profile=${encodeURIComponent(PROFILE.task)}`, bare);
    expect(triples(q.body)).toEqual([['error', 'required', 'Task.owner']]);
  });

  test('an unknown profile parameter is an error', async () => {
    const res = await post(
      '/fhir/Task/$validate',
      parameters(fixture('ccm-task', 'valid-cancelled'), { profile: 'http://example.org/nope' }),
    );
    expect(triples(res.body)).toEqual([['error', 'not-supported', '']]);
  });

  test('a resource of another type than the URL is reported', async () => {
    const res = await post('/fhir/Task/$validate', parameters(fixture('ccm-consent', 'valid-declined')));
    expect(triples(res.body)).toContainEqual(['error', 'invalid', 'Consent']);
  });
});

describe('type level: bad requests', () => {
  test.each([
    ['no resource', parameters(undefined), 'resource'],
    ['an unknown mode', parameters(fixture('ccm-task', 'valid-cancelled'), { mode: 'upsert' }), 'mode'],
    [
      'mode update at type level',
      parameters(fixture('ccm-task', 'valid-cancelled'), { mode: 'update' }),
      'mode',
    ],
    [
      'mode profile without a profile',
      parameters(fixture('ccm-task', 'valid-cancelled'), { mode: 'profile' }),
      'profile',
    ],
  ])('%s is a 400', async (_what, body, expression) => {
    const res = await post('/fhir/Task/$validate', body);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual([expression]);
  });
});

describe('instance level', () => {
  beforeAll(async () => {
    const task = fixture('ccm-task', 'valid-outreach-requested');
    expect(
      (
        await request(t.app)
          .put(`/fhir/Task/${task.id}`)
          .set('content-type', FHIR_JSON)
          .send(JSON.stringify(task))
      ).status,
    ).toBe(201);
  });

  test('GET validates the stored resource, here against a profile it does not claim', async () => {
    const ok = await request(t.app).get('/fhir/Task/task-valid-outreach-requested/$validate');
    expect(triples(ok.body)).toEqual([['information', 'informational', '']]);
    const res = await request(t.app).get(
      `/fhir/Task/task-valid-outreach-requested/$validate?profile=${encodeURIComponent(PROFILE.carePlan)}`,
    );
    expect(triples(res.body)).toEqual([['error', 'invalid', '']]);
  });

  test('mode update checks that the id matches the URL', async () => {
    const task = fixture('ccm-task', 'valid-outreach-requested');
    const same = await post(
      '/fhir/Task/task-valid-outreach-requested/$validate',
      parameters(task, { mode: 'update' }),
    );
    expect(triples(same.body)).toEqual([['information', 'informational', '']]);
    const other = await post('/fhir/Task/another-task/$validate', parameters(task, { mode: 'update' }));
    expect(triples(other.body)).toEqual([['error', 'invalid', 'Task.id']]);
  });

  test('mode delete needs an existing resource and no content', async () => {
    const ok = await post(
      '/fhir/Task/task-valid-outreach-requested/$validate',
      parameters(undefined, { mode: 'delete' }),
    );
    expect(ok.status).toBe(200);
    expect(triples(ok.body)).toEqual([['information', 'informational', '']]);
    expect(
      (await post('/fhir/Task/missing-task/$validate', parameters(undefined, { mode: 'delete' }))).status,
    ).toBe(404);
  });

  test('nothing was written by $validate', async () => {
    const hist = await request(t.app).get('/fhir/Task/_history');
    expect(hist.body.total).toBe(1);
  });
});
