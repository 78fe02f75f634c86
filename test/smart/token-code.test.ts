/**
 * The authorization_code grant: SMART App Launch 2.2 app-launch.html "Obtain access token", RFC 6749
 * §4.1.3 and §5, RFC 7636 §4.6; the token-endpoint checks of the SMART STU2.2 and ONC (g)(10) kits.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  basic,
  makeSmartTestApp,
  request,
  TEST_REDIRECT,
  TEST_SECRET,
  testClock,
  type SmartTestApp,
} from '../helpers/smart-app.js';
import { authParams, browserAuthorize, exchange } from '../helpers/smart-flow.js';

const clock = testClock();
let t: SmartTestApp;
beforeAll(async () => {
  t = await makeSmartTestApp({ clock: clock.now });
});
afterAll(() => t.close());

const SCOPE = 'launch/patient patient/*.rs openid fhirUser offline_access';

/** A fresh code for a client; returns the code and its verifier. */
async function code(clientId = 'test-public', scope = SCOPE) {
  const { params, verifier } = authParams(clientId, scope);
  const out = await browserAuthorize(t.app, params, { patient: 'demo-patient-1' });
  return { code: out.query.get('code') as string, verifier };
}

const confidential = basic('test-confidential', TEST_SECRET);

describe('authorization_code grant', () => {
  test('SMART 2.2 app-launch.html "access token response": fields, launch context and Cache-Control no-store', async () => {
    const c = await code();
    const res = await exchange(t.app, {
      code: c.code,
      redirect_uri: TEST_REDIRECT,
      code_verifier: c.verifier,
      client_id: 'test-public',
    });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.pragma).toBe('no-cache');
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: SCOPE,
      patient: 'demo-patient-1',
      need_patient_banner: true,
      smart_style_url: 'http://127.0.0.1:8080/ehr/smart-style.json',
      fhirUser: 'http://127.0.0.1:8080/fhir/Practitioner/demo-pr-1',
    });
    expect(typeof res.body.access_token).toBe('string');
    expect(typeof res.body.id_token).toBe('string');
    expect(typeof res.body.refresh_token).toBe('string');
  });

  test('SMART 2.2 client-confidential-symmetric.html: client_secret_basic', async () => {
    const c = await code('test-confidential');
    const res = await exchange(
      t.app,
      { code: c.code, redirect_uri: TEST_REDIRECT, code_verifier: c.verifier },
      confidential,
    );
    expect(res.status).toBe(200);
  });

  test('RFC 6749 §5.2 / STU2.2 kit "wrong client secret": 401 invalid_client with a Basic challenge', async () => {
    const c = await code('test-confidential');
    const res = await exchange(
      t.app,
      { code: c.code, redirect_uri: TEST_REDIRECT, code_verifier: c.verifier },
      basic('test-confidential', 'wrong'),
    );
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
  });

  test('RFC 6749 §2.3: a confidential client that does not authenticate is refused', async () => {
    const c = await code('test-confidential');
    const res = await exchange(t.app, {
      code: c.code,
      redirect_uri: TEST_REDIRECT,
      code_verifier: c.verifier,
      client_id: 'test-confidential',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client');
  });

  test('ONC (g)(10) "EHR launch: invalid code" / STU2.2 kit: exactly 400 invalid_grant', async () => {
    const res = await exchange(t.app, {
      code: 'not-a-real-code',
      redirect_uri: TEST_REDIRECT,
      code_verifier: 'x'.repeat(43),
      client_id: 'test-public',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  test('RFC 6749 §4.1.2 / §10.5 "code reuse": refused, and the tokens of the first use are revoked', async () => {
    const c = await code();
    const form = {
      code: c.code,
      redirect_uri: TEST_REDIRECT,
      code_verifier: c.verifier,
      client_id: 'test-public',
    };
    const first = await exchange(t.app, form);
    expect(first.status).toBe(200);
    const second = await exchange(t.app, form);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    const read = await request(t.app)
      .get('/fhir/Patient/demo-patient-1')
      .set('authorization', `Bearer ${first.body.access_token}`);
    expect(read.status).toBe(401);
  });

  test('SMART 2.2 app-launch.html "code expires": a code older than 60 s is refused with 400', async () => {
    const c = await code();
    clock.advance(61);
    const res = await exchange(t.app, {
      code: c.code,
      redirect_uri: TEST_REDIRECT,
      code_verifier: c.verifier,
      client_id: 'test-public',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('RFC 6749 §4.1.3 / ONC (g)(10) "redirect_uri mismatch": invalid_grant', async () => {
    const c = await code('test-confidential');
    const res = await exchange(
      t.app,
      { code: c.code, redirect_uri: 'https://app.example.org/other', code_verifier: c.verifier },
      confidential,
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('RFC 6749 §4.1.3: a code issued to another client is refused', async () => {
    const c = await code('test-public');
    const res = await exchange(
      t.app,
      { code: c.code, redirect_uri: TEST_REDIRECT, code_verifier: c.verifier },
      confidential,
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('RFC 7636 §4.6 / STU2.2 kit PKCE failure 1 "code_verifier missing": 400', async () => {
    const c = await code();
    const res = await exchange(t.app, {
      code: c.code,
      redirect_uri: TEST_REDIRECT,
      client_id: 'test-public',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('RFC 7636 §4.6 / STU2.2 kit PKCE failure 2 "incorrect code_verifier": 400', async () => {
    const c = await code();
    const res = await exchange(t.app, {
      code: c.code,
      redirect_uri: TEST_REDIRECT,
      // a different last character (a verifier already ending in A would otherwise stay correct)
      code_verifier: `${c.verifier.slice(0, -1)}${c.verifier.endsWith('A') ? 'B' : 'A'}`,
      client_id: 'test-public',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('RFC 7636 §4.6 / STU2.2 kit PKCE failure 3 "code_verifier equal to the challenge (plain)": 400', async () => {
    const { params, verifier } = authParams('test-public', SCOPE);
    const out = await browserAuthorize(t.app, params, { patient: 'demo-patient-1' });
    expect(verifier).not.toBe(params.code_challenge);
    const res = await exchange(t.app, {
      code: out.query.get('code') as string,
      redirect_uri: TEST_REDIRECT,
      code_verifier: params.code_challenge,
      client_id: 'test-public',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  test('RFC 7636 §4.1 / STU2.2 kit PKCE failure 4 "code_verifier of invalid length or characters": 400', async () => {
    for (const bad of ['short', `${'a'.repeat(42)}`, `${'a'.repeat(129)}`, `${'a'.repeat(42)}!`]) {
      const c = await code();
      const res = await exchange(t.app, {
        code: c.code,
        redirect_uri: TEST_REDIRECT,
        code_verifier: bad,
        client_id: 'test-public',
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_grant');
    }
  });

  test('RFC 6749 §5.2 unsupported_grant_type and missing grant_type', async () => {
    const a = await request(t.app)
      .post('/auth/token')
      .type('form')
      .send({ grant_type: 'password', client_id: 'test-public' });
    expect(a.status).toBe(400);
    expect(a.body.error).toBe('unsupported_grant_type');
    const b = await request(t.app).post('/auth/token').type('form').send({ client_id: 'test-public' });
    expect(b.status).toBe(400);
    expect(b.body.error).toBe('invalid_request');
  });

  test('RFC 6749 §5.2: an unknown client at the token endpoint is invalid_client', async () => {
    const res = await exchange(t.app, {
      code: 'x',
      redirect_uri: TEST_REDIRECT,
      code_verifier: 'x'.repeat(43),
      client_id: 'nobody',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client');
  });
});
