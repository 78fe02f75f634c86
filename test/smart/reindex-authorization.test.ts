/**
 * Who may register search parameters and run `$reindex` (README "What a token can reach"; access/
 * reach.ts, operation-checks.ts): SearchParameter is a conformance type, written only by `system/` tokens
 * that write it; `$reindex` and its status need a `system/` scope that writes SearchParameter; a job belongs
 * to the client that started it. Attacks: a patient token, user tokens (all scopes, or none), system tokens
 * that read everything or write everything but SearchParameter, a client asking the token endpoint for a
 * scope its registration does not allow, a transaction Bundle smuggling the write, another client polling
 * or cancelling the job.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Bundle } from 'fhir/r4.js';
import { basic, makeSmartTestApp, mintToken, request, type SmartTestApp } from '../helpers/smart-app.js';
import { FHIR_JSON, maidenNameParam, pathOf, waitForJob } from '../fhir/operations/reindex-helpers.js';

let t: SmartTestApp;
beforeAll(async () => {
  t = await makeSmartTestApp();
  t.reindex.start();
});
afterAll(() => t.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const system = (scope: string, clientId = 'demo-ehr') =>
  mintToken(t.smart, scope, { clientId, sub: clientId });
const createParam = (token: string, code: string) =>
  request(t.app)
    .post('/fhir/SearchParameter')
    .set(auth(token))
    .set('content-type', FHIR_JSON)
    .send(JSON.stringify(maidenNameParam({ code, url: `http://example.org/fhir/SearchParameter/${code}` })));
const reindex = (token: string, path = '$reindex') =>
  request(t.app).post(`/fhir/${path}`).set(auth(token)).set('prefer', 'respond-async');

describe('creating a SearchParameter', () => {
  test.each<[string, () => Promise<string>]>([
    [
      'a patient token with every patient scope',
      () => mintToken(t.smart, 'patient/*.cruds', { patient: 'demo-patient-1' }),
    ],
    ['a user token with every user scope', () => mintToken(t.smart, 'user/*.cruds')],
    ['a user token with no clinical scope', () => mintToken(t.smart, 'openid fhirUser')],
    ['a system token that reads everything', () => system('system/*.rs', 'demo-analyst')],
    [
      'a system token that writes every other type',
      () => system('system/Patient.cruds system/Observation.cruds'),
    ],
    ['a system token that reads SearchParameter', () => system('system/SearchParameter.rs')],
  ])('is refused (403) to %s, and registers nothing', async (_label, token) => {
    const res = await createParam(await token(), 'attacker-code');
    expect(res.status).toBe(403);
    expect(res.body.issue[0].code).toBe('forbidden');
    expect(t.services.registry.get('Patient', 'attacker-code')).toBeUndefined();
  });

  test('a client whose registration allows only system/*.rs is not granted system/SearchParameter.cu', async () => {
    const res = await request(t.app)
      .post('/auth/token')
      .type('form')
      .set('authorization', basic('demo-analyst', 'demo-analyst-demo-secret'))
      .send({ grant_type: 'client_credentials', scope: 'system/SearchParameter.cu system/*.rs' });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('system/*.rs');
    expect((await createParam(res.body.access_token as string, 'attacker-code')).status).toBe(403);
  });

  test('a transaction Bundle carrying it for a user token is refused as a whole', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: maidenNameParam({ code: 'smuggled', url: 'http://example.org/smuggled' }),
          request: { method: 'POST', url: 'SearchParameter' },
        },
      ],
    };
    const res = await request(t.app)
      .post('/fhir')
      .set(auth(await mintToken(t.smart, 'user/*.cruds')))
      .set('content-type', FHIR_JSON)
      .send(JSON.stringify(bundle));
    expect(res.status).toBe(403);
    expect(t.services.registry.get('Patient', 'smuggled')).toBeUndefined();
  });

  test.each([
    ['system/SearchParameter.cu', 'admin-cu'],
    ['system/SearchParameter.write', 'admin-v1'],
    ['system/*.cruds', 'admin-all'],
  ])('is allowed to a system token with %s (registered pending)', async (scope, code) => {
    const res = await createParam(await system(scope), code);
    expect(res.status).toBe(201);
    expect(t.services.registry.get('Patient', code)?.pending).toBe(true);
  });
});

describe('$reindex', () => {
  test.each<[string, () => Promise<string>, string]>([
    [
      'a patient token',
      () => mintToken(t.smart, 'patient/*.cruds', { patient: 'demo-patient-1' }),
      '$reindex',
    ],
    ['a user token with every user scope', () => mintToken(t.smart, 'user/*.cruds'), '$reindex'],
    ['a system token that reads everything', () => system('system/*.rs', 'demo-analyst'), '$reindex'],
    [
      'a system token that writes Patient, at type level',
      () => system('system/Patient.cruds'),
      'Patient/$reindex',
    ],
    ['a system token that reads SearchParameter', () => system('system/SearchParameter.rs'), '$reindex'],
    [
      'a patient token at instance level',
      () => mintToken(t.smart, 'patient/*.cruds', { patient: 'demo-patient-1' }),
      'Patient/demo-patient-1/$reindex',
    ],
  ])('is refused (403) to %s', async (_label, token, path) => {
    const res = await reindex(await token(), path);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/insufficient_scope/);
  });

  test('without a token it is 401', async () => {
    expect((await request(t.app).post('/fhir/$reindex').set('prefer', 'respond-async')).status).toBe(401);
  });

  describe('a job of one client', () => {
    let status: string;
    let owner: string;
    beforeAll(async () => {
      owner = await system('system/SearchParameter.cu');
      const kick = await reindex(owner);
      expect(kick.status).toBe(202);
      status = pathOf(String(kick.headers['content-location']));
      const job = await t.store.aux('reindex_jobs').findOne({ _id: status.split('/').pop() as string });
      expect([job?.clientId, job?.subject]).toEqual(['demo-ehr', 'demo-ehr']);
    });

    test('is unknown (404) to another client and to a patient token, on GET and DELETE', async () => {
      const other = await system('system/*.cruds', 'demo-analyst');
      const patient = await mintToken(t.smart, 'patient/*.cruds', { patient: 'demo-patient-1' });
      for (const token of [other, patient]) {
        expect((await request(t.app).get(status).set(auth(token))).status).toBe(404);
        expect((await request(t.app).delete(status).set(auth(token))).status).toBe(404);
      }
    });

    test('is refused (403) to its own client with a token that no longer writes SearchParameter', async () => {
      const narrowed = await system('system/*.rs');
      expect((await request(t.app).get(status).set(auth(narrowed))).status).toBe(403);
      expect((await request(t.app).delete(status).set(auth(narrowed))).status).toBe(403);
    });

    test('is served to its owner and completes, activating what was pending', async () => {
      const done = await waitForJob(t.app, `http://127.0.0.1:8080${status}`, auth(owner));
      expect(done.status).toBe(200);
      expect(t.services.registry.get('Patient', 'admin-cu')?.supported).toBe(true);
    });
  });
});
