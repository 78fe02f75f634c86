/**
 * Acceptance: no secret ever appears in an access token, an introspection response or a log line
 * (RFC 6749 §10.3 and §10.4; RFC 6819 §5.1.4.1; RFC 7662 §4). Every flow is run (successes and
 * failures) with a logger at `trace` writing to memory; the client secrets, user passwords, codes, PKCE
 * verifiers, client assertions and refresh tokens are then looked for everywhere.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import pino from 'pino';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  basic,
  makeSmartTestApp,
  request,
  TEST_REDIRECT,
  TEST_SECRET,
  TEST_USERS,
  type SmartTestApp,
} from '../helpers/smart-app.js';
import { assertion, ASSERTION_TYPE, clientKey } from '../helpers/smart-assertion.js';
import { authParams, browserAuthorize, exchange } from '../helpers/smart-flow.js';

const lines: string[] = [];
const secrets = new Set<string>([
  TEST_SECRET,
  'demo-ehr-demo-secret',
  'demo-analyst-demo-secret',
  ...TEST_USERS.map((u) => u.password),
]);
const accessTokens: string[] = [];
const introspections: string[] = [];
let t: SmartTestApp;

beforeAll(async () => {
  const key = await clientKey('ES384');
  t = await makeSmartTestApp({
    logger: pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) }),
    extraClients: [
      {
        client_id: 'scan-jwt',
        token_endpoint_auth_methods: ['private_key_jwt'],
        grant_types: ['client_credentials'],
        scope: 'system/*.rs',
        jwks: { keys: [key.publicJwk] },
      },
    ],
  });
  const confidential = basic('test-confidential', TEST_SECRET);
  // authorization_code + refresh (confidential), with a failed login on the way.
  const { params, verifier } = authParams(
    'test-confidential',
    'launch/patient openid fhirUser offline_access patient/*.rs',
  );
  const agent = request.agent(t.app);
  const out = await browserAuthorize(t.app, params, { patient: 'demo-patient-1', agent });
  const code = out.query.get('code') as string;
  secrets.add(code).add(verifier);
  await agent
    .post(`/auth/interaction/none/login`)
    .type('form')
    .send({ username: 'okonkwo', password: 'wrong-password-x' });
  secrets.add('wrong-password-x');
  const tok = (
    await exchange(t.app, { code, redirect_uri: TEST_REDIRECT, code_verifier: verifier }, confidential)
  ).body;
  secrets.add(tok.refresh_token as string);
  if (!tok.access_token) throw new Error(JSON.stringify(tok));
  accessTokens.push(tok.access_token as string);
  const refreshed = (
    await request(t.app)
      .post('/auth/token')
      .set('authorization', confidential)
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: tok.refresh_token })
  ).body;
  secrets.add(refreshed.refresh_token as string);
  if (!refreshed.access_token) throw new Error(JSON.stringify(refreshed));
  accessTokens.push(refreshed.access_token as string);
  // Backend Services: secret and assertion, and a wrong secret.
  const ehr = (
    await request(t.app)
      .post('/auth/token')
      .set('authorization', basic('demo-ehr', 'demo-ehr-demo-secret'))
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'system/*.cruds' })
  ).body;
  if (!ehr.access_token) throw new Error(JSON.stringify(ehr));
  accessTokens.push(ehr.access_token as string);
  await request(t.app)
    .post('/auth/token')
    .set('authorization', basic('demo-analyst', 'not-the-secret-y'))
    .type('form')
    .send({ grant_type: 'client_credentials', scope: 'system/*.rs' });
  secrets.add('not-the-secret-y');
  const jwt = await assertion(key, 'scan-jwt', 'http://127.0.0.1:8080/auth/token');
  secrets.add(jwt);
  const sys = (
    await request(t.app)
      .post('/auth/token')
      .type('form')
      .send({
        grant_type: 'client_credentials',
        scope: 'system/*.rs',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: jwt,
      })
  ).body;
  if (!sys.access_token) throw new Error(JSON.stringify(sys));
  accessTokens.push(sys.access_token as string);
  // Use the tokens on /fhir, introspect everything, revoke one.
  for (const at of accessTokens)
    await request(t.app).get('/fhir/Patient/demo-patient-1').set('authorization', `Bearer ${at}`);
  await request(t.app).get('/fhir/Patient').set('authorization', 'Bearer not-a-token-z');
  // A client introspects its own tokens only (others answer {active: false}): the demo EHR asks for its own.
  const ehrAuth = basic('demo-ehr', 'demo-ehr-demo-secret');
  for (const token of [...accessTokens, refreshed.refresh_token as string, tok.refresh_token as string]) {
    const res = await request(t.app)
      .post('/auth/introspect')
      .set('authorization', token === ehr.access_token ? ehrAuth : confidential)
      .type('form')
      .send({ token });
    introspections.push(JSON.stringify(res.body));
  }
  await exchange(t.app, { code, redirect_uri: TEST_REDIRECT, code_verifier: verifier }, confidential); // reuse, refused
  await request(t.app)
    .post('/auth/revoke')
    .set('authorization', confidential)
    .type('form')
    .send({ token: refreshed.refresh_token });
});
afterAll(() => t.close());

function leaks(text: string): string[] {
  return [...secrets].filter((s) => text.includes(s)).map((s) => `${s.slice(0, 6)}…`);
}

describe('no secret leaks', () => {
  test('the flows ran and produced tokens, introspections and log lines', () => {
    expect(accessTokens.every((a) => typeof a === 'string' && a.length > 100)).toBe(true);
    expect(introspections.filter((i) => i.includes('"active":true')).length).toBeGreaterThanOrEqual(4);
    expect(lines.length).toBeGreaterThan(20);
    expect(secrets.size).toBeGreaterThanOrEqual(12);
  });

  test('RFC 6749 §10.3: no secret in any access token (raw, header or claims)', () => {
    for (const at of accessTokens) {
      const decoded = `${at}\n${JSON.stringify(decodeProtectedHeader(at))}\n${JSON.stringify(decodeJwt(at))}`;
      expect(leaks(decoded)).toEqual([]);
    }
  });

  test('RFC 7662 §4: no secret in any introspection response', () => {
    for (const body of introspections) expect(leaks(body)).toEqual([]);
  });

  test('RFC 6819 §5.1.4.1: no secret, code, refresh token or access token in any log line', () => {
    const all = lines.join('\n');
    expect(leaks(all)).toEqual([]);
    for (const at of accessTokens) expect(all.includes(at)).toBe(false);
  });
});
