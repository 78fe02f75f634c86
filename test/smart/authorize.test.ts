/**
 * The authorization endpoint: SMART App Launch 2.2 app-launch.html "Obtain authorization code", RFC 6749
 * §4.1.1-§4.1.2.1, RFC 7636; the server-side checks of the SMART STU2.2 and ONC (g)(10) test kits.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createLaunch } from '../../server/auth/grants.js';
import { makeSmartTestApp, pathOf, request, TEST_REDIRECT, type SmartTestApp } from '../helpers/smart-app.js';
import { authParams, browserAuthorize, hiddenField, sendAuthorize, signIn } from '../helpers/smart-flow.js';

let t: SmartTestApp;
beforeAll(async () => {
  t = await makeSmartTestApp();
});
afterAll(() => t.close());

/** The error redirect's parameters (the request must have been redirected to the client). */
async function errorRedirect(params: Record<string, string>) {
  const res = await sendAuthorize(request.agent(t.app), params);
  expect(res.status).toBe(302);
  const loc = new URL(res.headers.location as string);
  expect(`${loc.origin}${loc.pathname}`).toBe(TEST_REDIRECT);
  return loc.searchParams;
}

describe('authorization request', () => {
  test('SMART 2.2 app-launch.html "Obtain authorization code" with GET: standalone launch reaches the login page', async () => {
    const { params } = authParams('test-public', 'launch/patient patient/*.rs openid fhirUser');
    const agent = request.agent(t.app);
    const res = await sendAuthorize(agent, params, 'GET');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^http:\/\/127\.0\.0\.1:8080\/auth\/interaction\//);
    const page = await agent.get(pathOf(res.headers.location as string));
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="password"');
  });

  test('SMART 2.2 conformance.html "authorize-post": the same request as a form POST is accepted', async () => {
    const { params, state } = authParams('test-public', 'launch/patient patient/*.rs');
    const out = await browserAuthorize(t.app, params, { method: 'POST', patient: 'demo-patient-1' });
    expect(out.query.get('state')).toBe(state);
    expect(out.query.get('code')).toMatch(/^[\w-]{43}$/);
  });

  test('RFC 6749 §4.1.2 / ONC (g)(10) "state is echoed": the code comes back with the exact state', async () => {
    const { params, state } = authParams('test-confidential', 'launch/patient patient/Condition.rs', {
      state: 'a/b+c d=é',
    });
    const out = await browserAuthorize(t.app, params, { patient: 'demo-patient-2' });
    expect(out.query.get('state')).toBe('a/b+c d=é');
    expect(state).toBeDefined();
  });

  test('ONC (g)(10) "unknown client_id": error page, never a redirect', async () => {
    const { params } = authParams('no-such-client', 'patient/*.rs');
    const res = await sendAuthorize(request.agent(t.app), params);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('Unknown client_id');
  });

  test('RFC 6749 §4.1.2.1 / §10.15 "unregistered redirect_uri": error page, never a redirect', async () => {
    const { params } = authParams('test-public', 'patient/*.rs', {
      redirect_uri: 'https://evil.example.org/callback',
    });
    const res = await sendAuthorize(request.agent(t.app), params);
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
  });

  test('RFC 6749 §3.1.2.3 redirect_uri must match exactly: a prefix or an extra query is refused without redirect', async () => {
    for (const redirect of [`${TEST_REDIRECT}/x`, `${TEST_REDIRECT}?x=1`, TEST_REDIRECT.toUpperCase()]) {
      const { params } = authParams('test-public', 'patient/*.rs', { redirect_uri: redirect });
      const res = await sendAuthorize(request.agent(t.app), params);
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
    }
  });

  test('SMART 2.2 app-launch.html "aud" / ONC (g)(10) "aud mismatch": invalid_request redirected with state', async () => {
    const { params, state } = authParams('test-public', 'patient/*.rs', {
      aud: 'https://other.example.org/fhir',
    });
    const q = await errorRedirect(params);
    expect(q.get('error')).toBe('invalid_request');
    expect(q.get('state')).toBe(state);
    expect(q.get('code')).toBeNull();
  });

  test('SMART 2.2 app-launch.html PKCE required / SMART STU2.2 kit "missing code_challenge": invalid_request', async () => {
    const { params } = authParams('test-public', 'patient/*.rs');
    delete params.code_challenge;
    delete params.code_challenge_method;
    expect((await errorRedirect(params)).get('error')).toBe('invalid_request');
  });

  test('SMART 2.2 app-launch.html "plain SHALL NOT be supported" / STU2.2 kit "plain PKCE": invalid_request', async () => {
    const { params } = authParams('test-public', 'patient/*.rs', { code_challenge_method: 'plain' });
    const q = await errorRedirect(params);
    expect(q.get('error')).toBe('invalid_request');
    expect(q.get('error_description')).toMatch(/S256/);
  });

  test('RFC 6749 §4.1.2.1 unsupported_response_type, with the state echoed', async () => {
    const { params, state } = authParams('test-public', 'patient/*.rs', { response_type: 'token' });
    const q = await errorRedirect(params);
    expect(q.get('error')).toBe('unsupported_response_type');
    expect(q.get('state')).toBe(state);
  });

  test('SMART 2.2 app-launch.html "state REQUIRED": invalid_request without state', async () => {
    const { params } = authParams('test-public', 'patient/*.rs');
    delete params.state;
    expect((await errorRedirect(params)).get('error')).toBe('invalid_request');
  });

  test('RFC 6749 §3.3 invalid_scope: nothing requested can be granted (system/ scopes in a user launch)', async () => {
    const { params } = authParams('test-public', 'system/*.rs');
    expect((await errorRedirect(params)).get('error')).toBe('invalid_scope');
  });

  test('SMART 2.2 app-launch.html "EHR launch": an unknown or another app\'s launch value is refused', async () => {
    const other = await createLaunch(t.smart, {
      clientId: 'ccm-app',
      username: 'okonkwo',
      patient: 'demo-patient-1',
      needPatientBanner: false,
    });
    for (const launch of ['nope', other]) {
      const { params } = authParams('test-public', 'launch patient/*.rs', { launch });
      expect((await errorRedirect(params)).get('error')).toBe('invalid_request');
    }
  });

  test('RFC 6749 §4.1.2.1 access_denied: the user denies, the client gets the error and the state', async () => {
    const { params, state } = authParams('test-public', 'launch/patient patient/*.rs');
    const out = await browserAuthorize(t.app, params, { decision: 'deny' });
    expect(out.query.get('error')).toBe('access_denied');
    expect(out.query.get('state')).toBe(state);
    expect(out.query.get('code')).toBeNull();
  });

  test('Login page (passport-local): a wrong password is refused and nothing is issued', async () => {
    const { params } = authParams('test-public', 'launch/patient patient/*.rs');
    const agent = request.agent(t.app);
    const start = await sendAuthorize(agent, params);
    const interaction = pathOf(start.headers.location as string);
    const form = await agent.get(interaction);
    const res = await agent
      .post(`${interaction}/login`)
      .type('form')
      .send({ _csrf: hiddenField(form.text, '_csrf'), username: 'okonkwo', password: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('not right');
    const consent = await agent
      .post(`${interaction}/consent`)
      .type('form')
      .send({ decision: 'approve', csrf: 'x' });
    expect(consent.status).toBe(400);
    expect(consent.headers.location).toBeUndefined();
  });

  test('SMART 2.2 "context-standalone-patient": the consent page asks for a patient and refuses none', async () => {
    const { params } = authParams('test-public', 'launch/patient patient/*.rs');
    const agent = request.agent(t.app);
    const start = await sendAuthorize(agent, params);
    const interaction = pathOf(start.headers.location as string);
    await signIn(agent, interaction);
    const page = await agent.get(interaction);
    expect(page.text).toContain('demo-patient-3');
    const csrf = hiddenField(page.text, 'csrf') ?? '';
    const missing = await agent
      .post(`${interaction}/consent`)
      .type('form')
      .send({ decision: 'approve', csrf });
    expect(missing.status).toBe(400);
    const ok = await agent
      .post(`${interaction}/consent`)
      .type('form')
      .send({ decision: 'approve', csrf, patient: 'demo-patient-3' });
    expect(ok.status).toBe(302);
    expect(new URL(ok.headers.location as string).searchParams.get('code')).toBeTruthy();
  });

  test("Consent CSRF: a consent POST without the page's csrf value issues nothing", async () => {
    const { params } = authParams('test-public', 'launch/patient patient/*.rs');
    const agent = request.agent(t.app);
    const start = await sendAuthorize(agent, params);
    const interaction = pathOf(start.headers.location as string);
    await agent
      .post(`${interaction}/login`)
      .type('form')
      .send({ username: 'okonkwo', password: 'okonkwo-test-pass' });
    const res = await agent
      .post(`${interaction}/consent`)
      .type('form')
      .send({ decision: 'approve', patient: 'demo-patient-1', csrf: 'guess' });
    expect(res.status).toBe(400);
    expect(res.headers.location).toBeUndefined();
  });
});
