/**
 * OpenID Connect id_tokens (SMART App Launch 2.2 scopes-and-launch-context.html "Scopes for requesting
 * identity data"; ONC (g)(10) "OpenID Connect" tests) and refresh tokens (app-launch.html "Refresh access
 * token"; RFC 6749 §6; ONC (g)(10) "Token refresh" tests).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createLocalJWKSet, jwtVerify } from 'jose';
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

const SCOPE =
  'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Condition.rs patient/Observation.rs';
const confidential = basic('test-confidential', TEST_SECRET);

async function tokens(clientId = 'test-confidential', scope = SCOPE, nonce?: string) {
  const { params, verifier } = authParams(clientId, scope, nonce ? { nonce } : {});
  const out = await browserAuthorize(t.app, params, { patient: 'demo-patient-2' });
  const form = {
    code: out.query.get('code') as string,
    redirect_uri: TEST_REDIRECT,
    code_verifier: verifier,
  };
  const res =
    clientId === 'test-confidential'
      ? await exchange(t.app, form, confidential)
      : await exchange(t.app, { ...form, client_id: clientId });
  expect(res.status).toBe(200);
  return res.body as Record<string, string>;
}

function refresh(form: Record<string, string>, auth?: string) {
  const req = request(t.app).post('/auth/token').type('form');
  if (auth) req.set('authorization', auth);
  return req.send({ grant_type: 'refresh_token', ...form });
}

describe('OpenID Connect', () => {
  test('ONC (g)(10) "ID token signature and claims" / OIDC Core §3.1.3.7: verifies with the JWKS; iss, aud, sub, exp, nonce', async () => {
    const body = await tokens('test-confidential', SCOPE, 'n-0S6_WzA2Mj');
    const jwks = createLocalJWKSet((await request(t.app).get('/auth/jwks')).body);
    const { payload, protectedHeader } = await jwtVerify(body.id_token, jwks, {
      issuer: TEST_BASE,
      audience: 'test-confidential',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe('okonkwo');
    expect(payload.nonce).toBe('n-0S6_WzA2Mj');
    expect(typeof payload.exp).toBe('number');
    expect(typeof payload.iat).toBe('number');
    expect(payload.fhirUser).toBe(`${TEST_BASE}/Practitioner/demo-pr-1`);
  });

  test('ONC (g)(10) "fhirUser resource can be read" with the access token', async () => {
    const body = await tokens();
    const fhirUser = new URL(
      String(
        (await jwtVerify(body.id_token, createLocalJWKSet((await request(t.app).get('/auth/jwks')).body)))
          .payload.fhirUser,
      ),
    );
    const res = await request(t.app)
      .get(fhirUser.pathname)
      .set('authorization', `Bearer ${body.access_token}`);
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('Practitioner');
  });

  test('OIDC Core §3.1.2.1: no openid scope, no id_token', async () => {
    const body = await tokens('test-confidential', 'launch/patient patient/Patient.rs');
    expect(body.id_token).toBeUndefined();
  });
});

describe('refresh tokens', () => {
  test('SMART 2.2 app-launch.html / ONC (g)(10) "refresh without scope": same scope, new access token, rotated refresh token', async () => {
    const first = await tokens();
    const res = await refresh({ refresh_token: first.refresh_token }, confidential);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.scope).toBe(SCOPE);
    expect(res.body.patient).toBe('demo-patient-2');
    expect(res.body.access_token).not.toBe(first.access_token);
    expect(res.body.refresh_token).not.toBe(first.refresh_token);
    const read = await request(t.app)
      .get('/fhir/Patient/demo-patient-2')
      .set('authorization', `Bearer ${res.body.access_token}`);
    expect(read.status).toBe(200);
  });

  test('ONC (g)(10) "refresh with a narrower scope": the new access token has only that scope', async () => {
    const first = await tokens();
    const res = await refresh(
      { refresh_token: first.refresh_token, scope: 'patient/Patient.rs' },
      confidential,
    );
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('patient/Patient.rs');
    const cond = await request(t.app)
      .get('/fhir/Condition?patient=demo-patient-2')
      .set('authorization', `Bearer ${res.body.access_token}`);
    expect(cond.status).toBe(403);
  });

  test('RFC 6749 §6 "refresh with a wider scope": invalid_scope, and the refresh token stays usable', async () => {
    const first = await tokens();
    const res = await refresh({ refresh_token: first.refresh_token, scope: 'patient/*.cruds' }, confidential);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
    expect((await refresh({ refresh_token: first.refresh_token }, confidential)).status).toBe(200);
  });

  test('RFC 6749 §6 / §10.4 "another client\'s refresh token": invalid_grant, and it stays usable by its client', async () => {
    const first = await tokens('test-confidential');
    const stolen = await refresh({ refresh_token: first.refresh_token, client_id: 'test-public' });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    expect((await refresh({ refresh_token: first.refresh_token }, confidential)).status).toBe(200);
  });

  test('RFC 6749 §10.4 (rotation) "reuse of a rotated refresh token": refused, and the whole grant is revoked', async () => {
    const first = await tokens();
    const second = await refresh({ refresh_token: first.refresh_token }, confidential);
    expect(second.status).toBe(200);
    const replay = await refresh({ refresh_token: first.refresh_token }, confidential);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await refresh({ refresh_token: second.body.refresh_token }, confidential)).status).toBe(400);
    const read = await request(t.app)
      .get('/fhir/Patient/demo-patient-2')
      .set('authorization', `Bearer ${second.body.access_token}`);
    expect(read.status).toBe(401);
  });

  test('SMART 2.2 scopes "offline_access": a public client gets and uses a refresh token', async () => {
    const first = await tokens('test-public');
    expect(first.refresh_token).toBeDefined();
    const res = await refresh({ refresh_token: first.refresh_token, client_id: 'test-public' });
    expect(res.status).toBe(200);
  });

  test('SMART 2.2 scopes: without offline_access or online_access there is no refresh token', async () => {
    const body = await tokens('test-confidential', 'launch/patient patient/Patient.rs');
    expect(body.refresh_token).toBeUndefined();
  });
});
