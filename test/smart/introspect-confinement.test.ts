/**
 * Who may introspect a token (issue #14 finding 7; RFC 7662 §2.1 "the protected resource" and §2.2: a
 * token the caller may not know about answers `{"active": false}`): the token's own client, authenticated
 * or by a bearer token of its own; any other client learns nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { secretHash } from '../../server/auth/clients.js';
import {
  basic,
  makeSmartTestApp,
  mintToken,
  request,
  TEST_REDIRECT,
  TEST_SECRET,
  type SmartTestApp,
} from '../helpers/smart-app.js';
import { authParams, browserAuthorize, exchange } from '../helpers/smart-flow.js';

const OTHER_SECRET = 'another-confidential-secret-0123456789';
let t: SmartTestApp;
beforeAll(async () => {
  t = await makeSmartTestApp({
    extraClients: [
      {
        client_id: 'test-other',
        token_endpoint_auth_methods: ['client_secret_basic'],
        client_secret_sha256: secretHash(OTHER_SECRET),
        redirect_uris: [TEST_REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'launch/patient offline_access patient/*.rs',
      },
    ],
  });
});
afterAll(() => t.close());

const mine = basic('test-confidential', TEST_SECRET);
const other = basic('test-other', OTHER_SECRET);
const introspect = (token: string, auth: string) =>
  request(t.app).post('/auth/introspect').set('authorization', auth).type('form').send({ token });

async function confidentialTokens(): Promise<Record<string, string>> {
  const { params, verifier } = authParams('test-confidential', 'launch/patient offline_access patient/*.rs');
  const out = await browserAuthorize(t.app, params, { patient: 'demo-patient-4' });
  const code = out.query.get('code') as string;
  const res = await exchange(t.app, { code, redirect_uri: TEST_REDIRECT, code_verifier: verifier }, mine);
  return res.body as Record<string, string>;
}

describe("introspection of another client's tokens", () => {
  test('the owning client sees its access and refresh tokens active', async () => {
    const body = await confidentialTokens();
    expect((await introspect(body.access_token, mine)).body).toMatchObject({
      active: true,
      client_id: 'test-confidential',
    });
    expect((await introspect(body.refresh_token, mine)).body).toMatchObject({ active: true });
  });

  test('another authenticated client gets {"active": false} for both, and nothing else', async () => {
    const body = await confidentialTokens();
    for (const token of [body.access_token, body.refresh_token]) {
      const res = await introspect(token, other);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ active: false });
    }
  });

  test('a bearer token of another client gets {"active": false}; one of the token\'s own client sees it', async () => {
    const body = await confidentialTokens();
    const otherBearer = await mintToken(t.smart, 'patient/*.rs', { clientId: 'test-other' });
    expect((await introspect(body.access_token, `Bearer ${otherBearer}`)).body).toEqual({ active: false });
    const ownBearer = await mintToken(t.smart, 'patient/*.rs', { clientId: 'test-confidential' });
    expect((await introspect(body.access_token, `Bearer ${ownBearer}`)).body.active).toBe(true);
  });
});
