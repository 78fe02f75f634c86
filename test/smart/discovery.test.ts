/** Discovery: SMART App Launch 2.2 conformance.html, OIDC Discovery, JWKS; ONC (g)(10) "SMART discovery". */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeSmartTestApp, request, type SmartTestApp } from '../helpers/smart-app.js';
import { TEST_BASE } from '../helpers/test-app.js';

let t: SmartTestApp;
beforeAll(async () => {
  t = await makeSmartTestApp();
});
afterAll(() => t.close());

describe('SMART discovery', () => {
  test('SMART 2.2 conformance.html "Metadata" / ONC (g)(10) "Well-known configuration contains required fields"', async () => {
    const res = await request(t.app).get('/fhir/.well-known/smart-configuration');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const c = res.body as Record<string, unknown>;
    expect(c.issuer).toBe(TEST_BASE);
    expect(c.authorization_endpoint).toBe('http://127.0.0.1:8080/auth/authorize');
    expect(c.token_endpoint).toBe('http://127.0.0.1:8080/auth/token');
    expect(c.jwks_uri).toBe('http://127.0.0.1:8080/auth/jwks');
    expect(c.introspection_endpoint).toBe('http://127.0.0.1:8080/auth/introspect');
    expect(c.revocation_endpoint).toBe('http://127.0.0.1:8080/auth/revoke');
    expect(c.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    );
    expect(c.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'private_key_jwt']),
    );
    expect(c.token_endpoint_auth_signing_alg_values_supported).toEqual(
      expect.arrayContaining(['RS384', 'ES384']),
    );
    expect(c.response_types_supported).toContain('code');
    expect(c.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'fhirUser', 'launch', 'launch/patient']),
    );
  });

  test('SMART 2.2 conformance.html "Capabilities": every capability the issue lists, and no others', async () => {
    const res = await request(t.app).get('/fhir/.well-known/smart-configuration');
    expect([...(res.body.capabilities as string[])].sort()).toEqual(
      [
        'launch-ehr',
        'launch-standalone',
        'client-public',
        'client-confidential-symmetric',
        'client-confidential-asymmetric',
        'sso-openid-connect',
        'context-banner',
        'context-style',
        'context-ehr-patient',
        'context-ehr-encounter',
        'context-standalone-patient',
        'permission-offline',
        'permission-online',
        'permission-patient',
        'permission-user',
        'permission-v1',
        'permission-v2',
        'authorize-post',
      ].sort(),
    );
  });

  test('SMART 2.2 conformance.html code_challenge_methods_supported: S256 included, plain NOT included', async () => {
    const res = await request(t.app).get('/fhir/.well-known/smart-configuration');
    expect(res.body.code_challenge_methods_supported).toEqual(['S256']);
  });

  test('SMART 2.2 conformance.html: the document is JSON whatever the Accept header, without a token', async () => {
    const res = await request(t.app).get('/fhir/.well-known/smart-configuration').set('accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  test('OIDC Discovery §4 / SMART sso-openid-connect: openid-configuration names the same issuer and JWKS', async () => {
    const res = await request(t.app).get('/fhir/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(TEST_BASE);
    expect(res.body.jwks_uri).toBe('http://127.0.0.1:8080/auth/jwks');
    expect(res.body.id_token_signing_alg_values_supported).toContain('RS256');
  });

  test('SMART 2.2 scopes-and-launch-context.html "Public Keys Published as Bare JWK Keys": JWKS has no private part', async () => {
    const res = await request(t.app).get('/auth/jwks');
    expect(res.status).toBe(200);
    const [key] = res.body.keys as Array<Record<string, unknown>>;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(typeof key.kid).toBe('string');
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[priv]).toBeUndefined();
  });

  test('ONC (g)(10) "CapabilityStatement is public": GET /metadata needs no token', async () => {
    const res = await request(t.app).get('/fhir/metadata');
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('CapabilityStatement');
  });

  test('SMART 2.2 conformance.html "CapabilityStatement": rest.security names SMART-on-FHIR and the oauth-uris', async () => {
    const res = await request(t.app).get('/fhir/metadata');
    const security = res.body.rest[0].security;
    expect(security.service[0].coding[0]).toEqual({
      system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
      code: 'SMART-on-FHIR',
    });
    const uris = security.extension.find(
      (e: { url: string }) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
    );
    const byName = Object.fromEntries(
      uris.extension.map((e: { url: string; valueUri: string }) => [e.url, e.valueUri]),
    );
    expect(byName).toEqual({
      authorize: 'http://127.0.0.1:8080/auth/authorize',
      token: 'http://127.0.0.1:8080/auth/token',
      introspect: 'http://127.0.0.1:8080/auth/introspect',
      revoke: 'http://127.0.0.1:8080/auth/revoke',
    });
  });
});
