/**
 * SMART Backend Services (SMART App Launch 2.2 backend-services.html, client-confidential-asymmetric.html,
 * RFC 7523 §3): client_credentials with private_key_jwt (RS384, ES384; JWKS by value and by URL) and
 * client_secret_basic; the checks of the ONC (g)(10) "Multi-Patient Authorization" (bulk) tests.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { decodeJwt } from 'jose';
import { secretHash } from '../../server/auth/clients.js';
import { basic, makeSmartTestApp, request, testClock, type SmartTestApp } from '../helpers/smart-app.js';
import { assertion, ASSERTION_TYPE, clientKey, type ClientKey } from '../helpers/smart-assertion.js';

const TOKEN_URL = 'http://127.0.0.1:8080/auth/token';
const clock = testClock();
let t: SmartTestApp;
let rs: ClientKey;
let es: ClientKey;
let byUrl: ClientKey;
let impostor: ClientKey;
let jwksServer: Server;

beforeAll(async () => {
  [rs, es, byUrl] = await Promise.all([clientKey('RS384'), clientKey('ES384'), clientKey('ES384')]);
  impostor = await clientKey('RS384', rs.kid);
  jwksServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [byUrl.publicJwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const port = (jwksServer.address() as { port: number }).port;
  t = await makeSmartTestApp({
    clock: clock.now,
    extraClients: [
      {
        client_id: 'bulk-by-value',
        token_endpoint_auth_methods: ['private_key_jwt'],
        grant_types: ['client_credentials'],
        scope: 'system/*.rs',
        jwks: { keys: [rs.publicJwk, es.publicJwk] },
      },
      {
        client_id: 'bulk-by-url',
        token_endpoint_auth_methods: ['private_key_jwt'],
        grant_types: ['client_credentials'],
        scope: 'system/Patient.rs system/Condition.rs',
        jwks_uri: `http://127.0.0.1:${port}/jwks.json`,
      },
      {
        client_id: 'bulk-secret',
        token_endpoint_auth_methods: ['client_secret_basic'],
        client_secret_sha256: secretHash('bulk-secret-value'),
        grant_types: ['client_credentials'],
        scope: 'system/*.rs',
      },
    ],
  });
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => jwksServer.close(resolve));
});

function tokenRequest(form: Record<string, string>, auth?: string) {
  const req = request(t.app).post('/auth/token').type('form');
  if (auth) req.set('authorization', auth);
  return req.send(form);
}

async function withAssertion(
  key: ClientKey,
  clientId: string,
  over: Parameters<typeof assertion>[3] = {},
  scope = 'system/*.rs',
) {
  return tokenRequest({
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await assertion(key, clientId, TOKEN_URL, over),
  });
}

describe('Backend Services client_credentials', () => {
  test('backend-services.html "access token response" with an RS384 assertion: Bearer, scope, expires_in ≤ 300', async () => {
    const res = await withAssertion(rs, 'bulk-by-value');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'system/*.rs' });
    expect(res.body.expires_in).toBeLessThanOrEqual(300);
    const claims = decodeJwt(res.body.access_token as string);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);
    expect(res.body.refresh_token).toBeUndefined();
  });

  test('client-confidential-asymmetric.html: an ES384 assertion is accepted', async () => {
    expect((await withAssertion(es, 'bulk-by-value')).status).toBe(200);
  });

  test('client-confidential-asymmetric.html "JWK Set URL": keys fetched from the registered jwks_uri', async () => {
    const res = await withAssertion(byUrl, 'bulk-by-url', {}, 'system/Patient.rs');
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('system/Patient.rs');
  });

  test('ONC (g)(10) bulk "JWT signed by the wrong key": invalid_client', async () => {
    const res = await withAssertion(impostor, 'bulk-by-value');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client');
  });

  test('RFC 7523 §3 item 3 "wrong aud": invalid_client', async () => {
    const res = await tokenRequest({
      grant_type: 'client_credentials',
      scope: 'system/*.rs',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(rs, 'bulk-by-value', 'https://other.example.org/token'),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client');
  });

  test('client-confidential-asymmetric.html "iss and sub SHALL both be the client_id": iss != sub is refused', async () => {
    const res = await withAssertion(rs, 'bulk-by-value', { claims: { sub: 'someone-else' } });
    expect(res.body.error).toBe('invalid_client');
  });

  test('client-confidential-asymmetric.html step 3 "unknown kid": invalid_client', async () => {
    const res = await withAssertion(rs, 'bulk-by-value', { header: { kid: 'not-registered' } });
    expect(res.body.error).toBe('invalid_client');
  });

  test('client-confidential-asymmetric.html "exp no more than five minutes in the future": a far exp is refused', async () => {
    const res = await withAssertion(rs, 'bulk-by-value', { expIn: 600 });
    expect(res.body.error).toBe('invalid_client');
  });

  test('client-confidential-asymmetric.html "jti not previously encountered": a replayed assertion is refused', async () => {
    const jwt = await assertion(rs, 'bulk-by-value', TOKEN_URL);
    const form = {
      grant_type: 'client_credentials',
      scope: 'system/*.rs',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: jwt,
    };
    expect((await tokenRequest(form)).status).toBe(200);
    const again = await tokenRequest(form);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_client');
  });

  test('client-confidential-asymmetric.html "jku must match the registered URL": another jku is refused', async () => {
    const res = await withAssertion(rs, 'bulk-by-value', { header: { jku: 'http://127.0.0.1:1/evil.json' } });
    expect(res.body.error).toBe('invalid_client');
  });

  test('ONC (g)(10) bulk "invalid client_assertion_type": 400', async () => {
    const res = await tokenRequest({
      grant_type: 'client_credentials',
      scope: 'system/*.rs',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      client_assertion: await assertion(rs, 'bulk-by-value', TOKEN_URL),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client');
  });

  test('ONC (g)(10) bulk "invalid grant_type": 400 unsupported_grant_type', async () => {
    const res = await tokenRequest({
      grant_type: 'not_a_grant_type',
      scope: 'system/*.rs',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(rs, 'bulk-by-value', TOKEN_URL),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unsupported_grant_type');
  });

  test('backend-services.html scopes: only system/ scopes the registration allows; none left is invalid_scope', async () => {
    const res = await withAssertion(rs, 'bulk-by-value', {}, 'patient/*.rs user/*.rs system/*.cruds');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
    const partial = await withAssertion(rs, 'bulk-by-value', {}, 'system/Patient.rs system/Condition.cud');
    expect(partial.body.scope).toBe('system/Patient.rs');
  });

  test('client-confidential-symmetric.html: client_secret_basic for a backend client, wrong secret 401', async () => {
    const ok = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'system/*.rs' },
      basic('bulk-secret', 'bulk-secret-value'),
    );
    expect(ok.status).toBe(200);
    const bad = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'system/*.rs' },
      basic('bulk-secret', 'nope'),
    );
    expect(bad.status).toBe(401);
  });

  test('backend-services.html "token lifetime": after 300 s the token no longer reads (401)', async () => {
    const res = await withAssertion(rs, 'bulk-by-value');
    const token = res.body.access_token as string;
    expect((await request(t.app).get('/fhir/Patient').set('authorization', `Bearer ${token}`)).status).toBe(
      200,
    );
    clock.advance(301);
    const later = await request(t.app).get('/fhir/Patient').set('authorization', `Bearer ${token}`);
    expect(later.status).toBe(401);
    expect(later.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  test('Demo clients (fixtures/clients.json): demo-ehr writes with system/*.cruds, demo-analyst only reads', async () => {
    const ehr = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'system/*.cruds' },
      basic('demo-ehr', 'demo-ehr-demo-secret'),
    );
    const analyst = await tokenRequest(
      { grant_type: 'client_credentials', scope: 'system/*.cruds system/*.rs' },
      basic('demo-analyst', 'demo-analyst-demo-secret'),
    );
    expect(ehr.body.scope).toBe('system/*.cruds');
    expect(analyst.body.scope).toBe('system/*.rs');
    const patient = { resourceType: 'Patient', name: [{ family: 'Backend' }] };
    const write = (token: string) =>
      request(t.app)
        .post('/fhir/Patient')
        .set('authorization', `Bearer ${token}`)
        .set('content-type', 'application/fhir+json')
        .send(JSON.stringify(patient));
    expect((await write(ehr.body.access_token as string)).status).toBe(201);
    expect((await write(analyst.body.access_token as string)).status).toBe(403);
  });
});
