/**
 * Token introspection (RFC 7662; SMART App Launch 2.2 token-introspection.html; ONC (g)(10) "Token
 * Introspection" tests) and revocation (RFC 7009).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  basic,
  makeSmartTestApp,
  request,
  TEST_REDIRECT,
  TEST_SECRET,
  type SmartTestApp,
} from '../helpers/smart-app.js';
import { authParams, browserAuthorize, exchange } from '../helpers/smart-flow.js';
import { TEST_BASE } from '../helpers/test-app.js';

let t: SmartTestApp;
beforeAll(async () => {
  t = await makeSmartTestApp();
});
afterAll(() => t.close());

const confidential = basic('test-confidential', TEST_SECRET);
const SCOPE = 'launch/patient openid fhirUser offline_access patient/*.rs';

async function tokens() {
  const { params, verifier } = authParams('test-confidential', SCOPE);
  const out = await browserAuthorize(t.app, params, { patient: 'demo-patient-4' });
  const res = await exchange(
    t.app,
    { code: out.query.get('code') as string, redirect_uri: TEST_REDIRECT, code_verifier: verifier },
    confidential,
  );
  return res.body as Record<string, string>;
}

const introspect = (token: string, auth = confidential) =>
  request(t.app).post('/auth/introspect').set('authorization', auth).type('form').send({ token });
const revoke = (token: string, auth = confidential) =>
  request(t.app).post('/auth/revoke').set('authorization', auth).type('form').send({ token });
const readPatient = (token: string) =>
  request(t.app).get('/fhir/Patient/demo-patient-4').set('authorization', `Bearer ${token}`);

describe('introspection', () => {
  test('token-introspection.html "required fields" and launch context, iss and sub / ONC (g)(10) "active token"', async () => {
    const body = await tokens();
    const res = await introspect(body.access_token);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      active: true,
      scope: SCOPE,
      client_id: 'test-confidential',
      patient: 'demo-patient-4',
      iss: TEST_BASE,
      sub: 'okonkwo',
      fhirUser: `${TEST_BASE}/Practitioner/demo-pr-1`,
    });
    expect(typeof res.body.exp).toBe('number');
  });

  test('RFC 7662 §2.2 / ONC (g)(10) "invalid token": {active: false} and nothing else', async () => {
    for (const token of ['garbage', 'a.b.c']) {
      const res = await introspect(token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ active: false });
    }
  });

  test('token-introspection.html "Authorization": a bearer access token may introspect; no credentials is 401', async () => {
    const caller = await tokens();
    const subject = await tokens();
    const res = await introspect(subject.access_token, `Bearer ${caller.access_token}`);
    expect(res.body.active).toBe(true);
    const anon = await request(t.app)
      .post('/auth/introspect')
      .type('form')
      .send({ token: subject.access_token });
    expect(anon.status).toBe(401);
    expect(anon.body.error).toBe('invalid_client');
  });

  test('RFC 7662 §2.2: a refresh token introspects active with its client and scope', async () => {
    const body = await tokens();
    const res = await introspect(body.refresh_token);
    expect(res.body).toMatchObject({
      active: true,
      client_id: 'test-confidential',
      scope: SCOPE,
      patient: 'demo-patient-4',
    });
  });
});

describe('revocation', () => {
  test('RFC 7009 §2.1 "revocation effect": a revoked access token is refused (401) and introspects inactive', async () => {
    const body = await tokens();
    expect((await readPatient(body.access_token)).status).toBe(200);
    const res = await revoke(body.access_token);
    expect(res.status).toBe(200);
    expect((await readPatient(body.access_token)).status).toBe(401);
    expect((await introspect(body.access_token)).body).toEqual({ active: false });
  });

  test('RFC 7009 §2.1: revoking a refresh token revokes its grant, so its access tokens stop too', async () => {
    const body = await tokens();
    expect((await revoke(body.refresh_token)).status).toBe(200);
    const refresh = await request(t.app)
      .post('/auth/token')
      .set('authorization', confidential)
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: body.refresh_token });
    expect(refresh.status).toBe(400);
    expect((await readPatient(body.access_token)).status).toBe(401);
  });

  test('RFC 7009 §2.2: an unknown token is answered 200', async () => {
    expect((await revoke('never-issued')).status).toBe(200);
  });

  test("RFC 7009 §2.1: a client cannot revoke another client's token", async () => {
    const body = await tokens();
    const res = await request(t.app)
      .post('/auth/revoke')
      .type('form')
      .send({ token: body.access_token, client_id: 'test-public' });
    expect(res.status).toBe(400);
    expect((await readPatient(body.access_token)).status).toBe(200);
  });
});
